// The DMA verifier: every deliberate miniport bug (--inject driver:NAME) is caught with its own
// stable code, fails the run, and never lets the device touch memory outside its mappings; a
// clean run raises nothing.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>

#include "firmware/miniport/injections.h"
#include "sim/platform.h"
#include "sim/results.h"

namespace dmasim {
namespace {

std::set<std::string> codes(const Platform& p) {
  std::set<std::string> out;
  for (const DvViolation& v : p.video_port().verifier().violations()) out.insert(dv_name(v.code));
  return out;
}

class Injected : public testing::TestWithParam<std::string> {};

TEST_P(Injected, IsCaughtWithItsCodeAndFailsTheRun) {
  const Injection* inj = find_driver_injection(GetParam());
  ASSERT_NE(inj, nullptr);
  SimConfig cfg;
  cfg.map_registers = 16;
  cfg.inject = "driver:" + GetParam();
  // 200 KiB at offset 100: 51 pages, so four chunks, and the last one partial.
  Platform p("platform", cfg, {{200 << 10, 100, true}});
  p.run();
  const auto found = codes(p);
  EXPECT_TRUE(found.count(inj->expect)) << "expected " << inj->expect;
  for (const DvViolation& v : p.video_port().verifier().violations()) {
    EXPECT_FALSE(v.message.empty());
    EXPECT_NE(v.message.find("VideoPort"), std::string::npos)  // names the call ...
        << v.message;
  }
  const nlohmann::json j = make_results(p, nlohmann::json::object(), 0.0);
  EXPECT_EQ(j["status"], "error");
  EXPECT_EQ(j["verifier"]["violations"], p.video_port().verifier().violations().size());
  EXPECT_EQ(j["error"].get<std::string>().rfind(
                dv_name(p.video_port().verifier().violations().front().code), 0),
            0u);
}

INSTANTIATE_TEST_SUITE_P(Driver, Injected, testing::ValuesIn([] {
                           std::vector<std::string> names;
                           for (const Injection& i : driver_injections()) names.push_back(i.name);
                           return names;
                         }()),
                         [](const auto& info) {
                           std::string n = info.param;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

TEST(Verifier, DeviceNeverWritesOutsideItsMappings) {
  // From the device with a descriptor that overruns its element by a page: the access is
  // refused at the root complex, so no host byte outside the buffer changes (the display
  // driver's guard check would say otherwise) and the request fails instead.
  SimConfig cfg;
  cfg.map_registers = 16;
  cfg.inject = "driver:descriptor-overrun";
  Platform p("platform", cfg, {{64 << 10, 0, false}});
  p.run();
  EXPECT_TRUE(codes(p).count("DV_DEVICE_ACCESS_UNMAPPED"));
  const RequestResult& r = p.display_driver().results().at(0);
  EXPECT_EQ(r.status, ERROR_IO_DEVICE);
  // Every byte memory received is one the engine moved inside a mapping: the refused overrun
  // (and its refused retries) never landed.
  EXPECT_GT(p.engine().bytes_moved(0), 0u);
  EXPECT_EQ(p.host_memory_bytes_written(), p.engine().bytes_moved(0));
}

TEST(Verifier, CleanRunsRaiseNothingAndReturnEverything) {
  SimConfig cfg;
  cfg.map_registers = 8;
  std::vector<RequestSpec> reqs;
  for (unsigned i = 0; i < 8; ++i)
    reqs.push_back({100000u + 5000 * i, i * 511u, i % 2 == 0, i % 2});
  Platform p("platform", cfg, reqs);
  p.run();
  ASSERT_TRUE(p.outcome().finished);
  EXPECT_TRUE(p.video_port().verifier().violations().empty());
  for (const RequestResult& r : p.display_driver().results()) EXPECT_TRUE(r.data_ok) << r.mismatch;
  // Step 6 ran: both adapters were put back with nothing outstanding.
  EXPECT_TRUE(const_cast<VideoPortDevice&>(p.video_port()).adapters().empty());
  EXPECT_EQ(p.video_port().traced_map_registers, 0);
}

}  // namespace
}  // namespace dmasim
