// The DMA verifier: every deliberate miniport bug (--inject driver:NAME) is caught with its own
// stable code, fails the run, and never lets the device touch memory outside its mappings; a
// clean run raises nothing.
#include <gtest/gtest.h>
#include <tlm_utils/simple_target_socket.h>

#include <algorithm>
#include <set>
#include <string>

#include "firmware/miniport/injections.h"
#include "firmware/videoport/videoport.h"
#include "models/sim_time.h"
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

// A miniport with no HwTimer that calls VideoPortStartTimer and VideoPortStopTimer anyway, which
// the WDK says it cannot: each call is reported, and no timer runs.
VP_STATUS TimerlessFindAdapter(PVOID ext, PVOID, PWSTR, PVIDEO_PORT_CONFIG_INFO, PUCHAR) {
  VideoPortStartTimer(ext);
  VideoPortStopTimer(ext);
  return NO_ERROR;
}
BOOLEAN TimerlessStartIo(PVOID, PVIDEO_REQUEST_PACKET) {
  return FALSE;
}

struct NoDevice : sc_core::sc_module {  // the CPU's MMIO port must be bound; nothing uses it
  tlm_utils::simple_target_socket<NoDevice> socket{"socket"};
  explicit NoDevice(sc_core::sc_module_name n) : sc_module(n) {
    socket.register_b_transport(this, &NoDevice::b_transport);
  }
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time&) {
    gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
  }
};

// A video port device for a tiny miniport alone: a CPU, memory and frames, no engine.
struct MiniportAlone {
  explicit MiniportAlone(PVIDEO_HW_FIND_ADAPTER find_adapter, PVIDEO_HW_TIMER timer = nullptr)
      : dev(resources(), init_data(find_adapter, timer)) {
    cpu.bus.bind(nodev.socket);
  }
  VideoPortResources resources() {
    VideoPortResources res;
    res.cpu = &cpu;
    res.host_memory = &memory;
    res.frames = &frames;
    res.address_space = &space;
    res.mapper = &identity;
    return res;
  }
  static VIDEO_HW_INITIALIZATION_DATA init_data(PVIDEO_HW_FIND_ADAPTER find_adapter,
                                                PVIDEO_HW_TIMER timer) {
    VIDEO_HW_INITIALIZATION_DATA init{};
    init.HwInitDataSize = sizeof(init);
    init.HwFindAdapter = find_adapter;
    init.HwStartIO = TimerlessStartIo;
    init.HwTimer = timer;
    init.HwDeviceExtensionSize = 64;
    return init;
  }
  // Starts the device on a passive thread and simulates until nothing is left to happen.
  VP_STATUS start() {
    VP_STATUS status = ERROR_INVALID_FUNCTION;
    cpu.start_passive([&] { status = dev.start_device(); });
    sc_core::sc_start();
    return status;
  }
  NoDevice nodev{"nodev"};
  Cpu cpu{"cpu", CpuCosts{}};
  SparseMemory memory{8ULL << 30};
  FrameAllocator frames{{{(16ULL << 20) >> 12, (1ULL << 30) >> 12}}, 1};
  AddressSpace space{frames, kBufferVaBase};
  IdentityMapper identity;
  VideoPortDevice dev;
};

TEST(Verifier, TimerCallsWithoutAnHwTimerAreReported) {
  MiniportAlone m(TimerlessFindAdapter);
  EXPECT_EQ(m.start(), NO_ERROR);
  const VideoPortDevice& dev = m.dev;
  const Cpu& cpu = m.cpu;
  const auto& v = dev.verifier().violations();
  ASSERT_EQ(v.size(), 2u);
  EXPECT_STREQ(dv_name(v[0].code), "DV_TIMER_WITHOUT_HW_TIMER");
  EXPECT_EQ(static_cast<unsigned>(v[0].code), 11u);
  EXPECT_EQ(v[0].message.rfind("VideoPortStartTimer", 0), 0u) << v[0].message;
  EXPECT_EQ(v[1].code, DvCode::kTimerWithoutHwTimer);
  EXPECT_EQ(v[1].message.rfind("VideoPortStopTimer", 0), 0u) << v[1].message;
  EXPECT_EQ(cpu.timer_dpc_count(), 0u);
  EXPECT_EQ(dev.timer_calls(), 0u);
}

// A miniport that starts its timer and then never finishes (an idle HwVidTimer, nothing in
// flight): the port's guard stops the timer after kIdleTicksLimit quiet ticks, so the simulation
// ends instead of ticking forever.
VP_STATUS TickingFindAdapter(PVOID ext, PVOID, PWSTR, PVIDEO_PORT_CONFIG_INFO, PUCHAR) {
  VideoPortStartTimer(ext);
  return NO_ERROR;
}
VOID IdleTimer(PVOID) {}

TEST(VideoPortTimer, AStuckRunEndsAfterTheIdleTickLimit) {
  MiniportAlone m(TickingFindAdapter, IdleTimer);
  EXPECT_EQ(m.start(), NO_ERROR);  // returns only if the timer stops
  const VideoPortDevice& dev = m.dev;
  EXPECT_TRUE(dev.timer_gave_up());
  EXPECT_EQ(dev.timer_calls(), VideoPortDevice::kIdleTicksLimit - 1);
  EXPECT_EQ(now_ps() / VideoPortDevice::kTimerPeriodPs, VideoPortDevice::kIdleTicksLimit);
  EXPECT_TRUE(dev.verifier().violations().empty());
}

}  // namespace
}  // namespace dmasim
