// Hardware faults (--inject hw:...): the miniport recovers as a careful driver would (the failed
// chunk is completed, the channel reset and the chunk retried, at most 3 times, each retry
// logged), requests end byte-exact, guard bytes hold; a fault retries cannot get past fails the
// request with a clear status instead.
#include <gtest/gtest.h>

#include "models/page.h"
#include "sim/platform.h"

namespace dmasim {
namespace {

struct FaultRun {
  explicit FaultRun(const std::string& fault, std::uint64_t chunk, bool to_device)
      : cfg(make(fault, chunk)), p("platform", cfg, {{64 << 10, 100, to_device}}) {
    p.run();
  }
  static SimConfig make(const std::string& fault, std::uint64_t chunk) {
    SimConfig c;
    c.map_registers = 4;
    c.hw_fault = fault;
    c.hw_fault_run = chunk;
    return c;
  }
  SimConfig cfg;
  Platform p;
};

// 64 KiB at offset 100 spans 17 pages: 5 chunks of at most 4 map registers.
constexpr std::uint64_t kChunks = 5;

void expect_recovered(const Platform& p) {
  ASSERT_TRUE(p.outcome().finished);
  const RequestResult& r = p.display_driver().results().at(0);
  EXPECT_EQ(r.status, NO_ERROR);
  EXPECT_TRUE(r.data_ok) << r.mismatch;  // byte-exact, guards intact
  EXPECT_EQ(p.engine().faults_injected(), 1u);
  EXPECT_EQ(p.video_port().stats().errors_logged, 1u);  // one retry, logged
  EXPECT_EQ(r.chunks, kChunks + 1);                     // the failed chunk ran twice
  EXPECT_TRUE(p.video_port().verifier().violations().empty());
}

TEST(HwFaults, ReadErrorIsRetriedAndRecovered) {
  FaultRun run("read-error", 3, true);
  expect_recovered(run.p);
}

TEST(HwFaults, WriteErrorIsRetriedAndRecovered) {
  FaultRun run("write-error", 1, false);
  expect_recovered(run.p);
}

TEST(HwFaults, PersistentErrorFailsTheRequestAfterThreeRetries) {
  FaultRun run("persistent-read-error", 2, true);
  const Platform& p = run.p;
  ASSERT_TRUE(p.outcome().finished);
  const RequestResult& r = p.display_driver().results().at(0);
  EXPECT_EQ(r.status, ERROR_IO_DEVICE);
  EXPECT_FALSE(r.data_ok);
  // The fault never clears; the miniport gives up after the run and its 3 retries, so the
  // engine saw exactly 4 runs of that chunk fail (one failed read each).
  EXPECT_EQ(p.engine().faults_injected(), 4u);
  EXPECT_EQ(p.video_port().stats().errors_logged, 4u);
  // The driver still kept the contract: every list completed, nothing leaked.
  EXPECT_TRUE(p.video_port().verifier().violations().empty());
  EXPECT_EQ(p.video_port().traced_map_registers, 0);
}

}  // namespace
}  // namespace dmasim
