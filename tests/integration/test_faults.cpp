// Hardware faults (--inject hw:...): the miniport recovers as a careful driver would (the failed
// chunk is completed, the channel reset and the chunk retried, at most 3 times, each retry
// logged), requests end byte-exact, guard bytes hold; a fault retries cannot get past fails the
// request with a clear status instead. Lost interrupts and hangs are found by the miniport's
// watchdog (HwVidTimer, once a second).
#include <gtest/gtest.h>

#include "models/page.h"
#include "sim/platform.h"

namespace dmasim {
namespace {

struct FaultRun {
  explicit FaultRun(const std::string& fault, std::uint64_t chunk, bool to_device,
                    const std::string& iommu = "off", const std::string& engine = "tlm")
      : cfg(make(fault, chunk, iommu, engine)), p("platform", cfg, {{64 << 10, 100, to_device}}) {
    p.run();
  }
  static SimConfig make(const std::string& fault, std::uint64_t chunk, const std::string& iommu,
                        const std::string& engine = "tlm") {
    SimConfig c;
    c.engine = engine;
    c.map_registers = 4;
    c.hw_fault = fault;
    c.hw_fault_run = chunk;
    c.iommu = iommu;
    return c;
  }
  SimConfig cfg;
  Platform p;
};

// 64 KiB at offset 100 spans 17 pages: 5 chunks of at most 4 map registers.
constexpr std::uint64_t kChunks = 5;

// The request ends byte-exact with its guards intact, having run `chunks` chunks, the driver kept
// every DMA rule and gave everything back.
void expect_ok(const Platform& p, std::uint64_t chunks) {
  ASSERT_TRUE(p.outcome().finished);
  const RequestResult& r = p.display_driver().results().at(0);
  EXPECT_EQ(r.status, NO_ERROR);
  EXPECT_TRUE(r.data_ok) << r.mismatch;  // byte-exact, guards intact
  EXPECT_EQ(p.faults_injected(), 1u);
  EXPECT_EQ(r.chunks, chunks);
  EXPECT_TRUE(p.video_port().verifier().violations().empty());
  EXPECT_EQ(p.video_port().traced_map_registers, 0);
}

void expect_recovered(const Platform& p) {
  expect_ok(p, kChunks + 1);                            // the failed chunk ran twice
  EXPECT_EQ(p.video_port().stats().errors_logged, 1u);  // one retry, logged
  EXPECT_EQ(p.video_port().stats().timeouts_logged, 0u);
}

constexpr std::uint64_t kSecond = 1'000'000'000'000ULL;  // ps

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

TEST(HwFaults, LostInterruptIsFoundByTheWatchdogAndTheChunkCompleted) {
  FaultRun run("lost-interrupt", 2, true);
  const Platform& p = run.p;
  expect_ok(p, kChunks);  // the chunk had completed: nothing to retry
  EXPECT_EQ(p.video_port().stats().timeouts_logged, 1u);
  EXPECT_EQ(p.video_port().stats().errors_logged, 1u);
  EXPECT_EQ(p.cpu().isr_claimed(kDeviceVector), kChunks - 1);
  // HwVidTimer ticks once a second from the request's start: the first tick after the loss
  // sees the chunk in flight, the second (at 2 s) finds it overdue and polls its status.
  EXPECT_GT(p.outcome().last_done_ps, 2 * kSecond);
  EXPECT_LT(p.outcome().last_done_ps, 2 * kSecond + kSecond / 1000);
  EXPECT_EQ(p.video_port().timer_calls(), 2u);
}

TEST(HwFaults, SpuriousInterruptIsNotClaimed) {
  FaultRun run("spurious-interrupt", 3, false);
  const Platform& p = run.p;
  expect_ok(p, kChunks);
  EXPECT_EQ(p.cpu().isr_count(kDeviceVector), kChunks + 1);
  EXPECT_EQ(p.cpu().isr_claimed(kDeviceVector), kChunks);
  EXPECT_EQ(p.video_port().stats().errors_logged, 0u);
  EXPECT_LT(p.outcome().last_done_ps, kSecond / 1000);  // no watchdog involved
}

class EngineHang : public testing::TestWithParam<const char*> {};

// Both engines: the TLM engine's run stops; the RTL bridge hangs the run's completions.
TEST_P(EngineHang, IsAbortedByTheWatchdogAndTheChunkRetried) {
  FaultRun run("engine-hang", 4, false, "off", GetParam());
  const Platform& p = run.p;
  expect_ok(p, kChunks + 1);
  EXPECT_EQ(p.video_port().stats().timeouts_logged, 1u);
  EXPECT_EQ(p.video_port().stats().errors_logged, 2u);  // the timeout and the retry
  EXPECT_GT(p.outcome().last_done_ps, 2 * kSecond);
  EXPECT_LT(p.outcome().last_done_ps, 2 * kSecond + kSecond / 1000);
}

TEST(HwFaults, IommuFaultIsRetriedAndRecovered) {
  FaultRun run("iommu-fault", 2, true, "on");
  const Platform& p = run.p;
  expect_recovered(p);
  ASSERT_EQ(p.iommu()->faults().size(), 1u);
  EXPECT_EQ(p.iommu()->faults()[0].kind, IoFault::kPermission);
  EXPECT_EQ(p.iommu_fault_interrupts(), 1u);
}

class BadDescriptor : public testing::TestWithParam<const char*> {};

TEST_P(BadDescriptor, IsRefusedRetriedAndRecovered) {
  FaultRun run("bad-descriptor", 3, false, GetParam());
  const Platform& p = run.p;
  expect_recovered(p);
  // The refused write never landed: memory saw each byte of the request exactly once.
  EXPECT_EQ(p.host_memory_bytes_written(), 64u << 10);
  if (p.iommu()) {
    ASSERT_EQ(p.iommu()->faults().size(), 1u);
    EXPECT_EQ(p.iommu()->faults()[0].iova, kBadDescriptorAddress);
  }
}

INSTANTIATE_TEST_SUITE_P(Iommu, BadDescriptor, testing::Values("off", "on"));

TEST_P(EngineHang, OnOneChannelLeavesTheOtherAlone) {
  SimConfig c = FaultRun::make("engine-hang", 3, "on", GetParam());
  Platform p("platform", c, {{64 << 10, 0, true, 0}, {64 << 10, 0, false, 1}});
  p.run();
  ASSERT_TRUE(p.outcome().finished);
  for (const RequestResult& r : p.display_driver().results()) {
    EXPECT_EQ(r.status, NO_ERROR);
    EXPECT_TRUE(r.data_ok) << r.mismatch;
  }
  EXPECT_TRUE(p.video_port().verifier().violations().empty());
  EXPECT_EQ(p.faults_injected(), 1u);
  EXPECT_EQ(p.video_port().stats().timeouts_logged, 1u);
  EXPECT_EQ(p.video_port().stats().errors_logged, 2u);  // the timeout and the retry
  // 64 KiB in 4-page chunks: 4 chunks each, and the hung one ran twice.
  const auto& res = p.display_driver().results();
  EXPECT_EQ(res[0].chunks + res[1].chunks, 4u + 4u + 1u);
  // Exactly one request waited for the watchdog; the other finished in microseconds.
  EXPECT_EQ((res[0].end_ps > kSecond) + (res[1].end_ps > kSecond), 1);
}

INSTANTIATE_TEST_SUITE_P(HwFaults, EngineHang, testing::Values("tlm", "rtl"));

}  // namespace
}  // namespace dmasim

namespace dmasim {
namespace {

// A chunk that is slow but moves (1 ms reads, one tag: 512 pages take about 4 s) is no hang:
// the watchdog sees DMA_BYTES advance from tick to tick and leaves it alone.
TEST(Watchdog, SlowButHealthyChunkIsLeftAlone) {
  SimConfig c;
  c.map_registers = 512;
  c.link.read_rtt_ps = 1'000'000'000;
  c.link.tags = 1;
  Platform p("platform", c, {{2 << 20, 0, true}});
  p.run();
  ASSERT_TRUE(p.outcome().finished);
  const RequestResult& r = p.display_driver().results().at(0);
  EXPECT_EQ(r.status, NO_ERROR);
  EXPECT_TRUE(r.data_ok) << r.mismatch;
  EXPECT_EQ(r.chunks, 1u);
  EXPECT_GT(p.outcome().last_done_ps, 3 * kSecond);  // several watchdog ticks saw it in flight
  EXPECT_GE(p.video_port().timer_calls(), 3u);
  EXPECT_EQ(p.video_port().stats().timeouts_logged, 0u);
  EXPECT_EQ(p.video_port().stats().errors_logged, 0u);
}

}  // namespace
}  // namespace dmasim
