// The second miniport ("example", firmware/miniport/example_miniport.cpp), written only against
// video.h, dma_regs.h and dmasim_ioctl.h, must move whole requests byte-exact through the whole
// platform. It asks for MaximumLength = 64 KiB, so its adapter gets BYTES_TO_PAGES(65536) + 1 = 17
// map registers whenever the platform allows more, and min(limit, 17) otherwise; each request then
// takes ceil(span / granted) StartDma/CompleteDma cycles, with one interrupt and one DPC each.
// Every expected figure below is worked out by hand (span = ceil((offset + size) / 4096)).
#include <gtest/gtest.h>

#include <cstdint>
#include <iterator>
#include <string>
#include <vector>

#include "firmware/miniport/dmasim_ioctl.h"
#include "firmware/miniport/miniports.h"
#include "sim/platform.h"

namespace dmasim {
namespace {

struct Case {
  std::uint64_t offset, size;
  std::uint64_t span;      // pages the buffer spans
  std::uint64_t chunks17;  // ceil(span / 17): 17 map registers granted
  std::uint64_t chunks4;   // ceil(span / 4): 4 map registers granted
};

// Sizes around the 16- and 17-page marks (65536 = 16 pages, 69632 = 17 pages) and 17 * 17 pages
// (1183744), so that a grant of 16 or 18 instead of 17 changes a count.
constexpr Case kCases[] = {
    // offset 0
    {0, 1, 1, 1, 1},
    {0, 4096, 1, 1, 1},
    {0, 65536, 16, 1, 4},
    {0, 69632, 17, 1, 5},
    {0, 69633, 18, 2, 5},             // 69633 = 17 pages + 1 byte
    {0, (1 << 20) + 5, 257, 16, 65},  // 256 pages + 5 bytes; 15 * 17 = 255 < 257 <= 272
    {0, 1183744, 289, 17, 73},        // 289 = 17 * 17; 72 * 4 = 288 < 289
    {0, 1183745, 290, 18, 73},
    {0, 3 << 20, 768, 46, 192},  // 45 * 17 = 765 < 768 <= 782
    // offset 1: one more byte in front
    {1, 1, 1, 1, 1},
    {1, 4096, 2, 1, 1},
    {1, 65536, 17, 1, 5},  // 65537 bytes from the page start: 17 pages
    {1, 69632, 18, 2, 5},
    {1, 69633, 18, 2, 5},
    {1, (1 << 20) + 5, 257, 16, 65},  // 1048582 bytes: 257 pages
    {1, 1183744, 290, 18, 73},        // 1183745 bytes: 290 pages
    {1, 1183745, 290, 18, 73},
    {1, 3 << 20, 769, 46, 193},  // 3145729 bytes: 769 pages; 45 * 17 = 765 < 769
    // offset 4095: the buffer starts on the last byte of its first page
    {4095, 1, 1, 1, 1},                  // 4096 bytes from the page start
    {4095, 4096, 2, 1, 1},               // 8191
    {4095, 65536, 17, 1, 5},             // 69631
    {4095, 69632, 18, 2, 5},             // 73727
    {4095, 69633, 18, 2, 5},             // 73728 = 18 pages exactly
    {4095, (1 << 20) + 5, 258, 16, 65},  // 1052676 = 257 pages + 4 bytes; 258 / 4 = 64.5
    {4095, 1183744, 290, 18, 73},        // 1187839
    {4095, 1183745, 290, 18, 73},        // 1187840 = 290 pages exactly
    {4095, 3 << 20, 769, 46, 193},       // 3149823
};

std::vector<RequestSpec> workload(bool to_device) {
  std::vector<RequestSpec> out;
  for (const Case& c : kCases) out.push_back({c.size, c.offset, to_device});
  return out;
}

// Runs every case in one direction with the example miniport and checks each request.
void run_cases(std::uint64_t limit, bool to_device, std::uint64_t granted,
               std::uint64_t Case::*chunks) {
  SimConfig cfg;
  cfg.miniport = "example";
  cfg.map_registers = limit;
  Platform p("platform", cfg, workload(to_device));
  p.run();
  ASSERT_TRUE(p.outcome().started) << "VP_STATUS " << p.outcome().start_status;
  ASSERT_TRUE(p.outcome().finished) << "the workload did not finish";
  EXPECT_EQ(p.video_port().stats().map_registers_granted, granted);
  const auto& results = p.display_driver().results();
  ASSERT_EQ(results.size(), std::size(kCases));
  std::uint64_t total_chunks = 0;
  for (std::size_t i = 0; i < results.size(); ++i) {
    const Case& c = kCases[i];
    const RequestResult& r = results[i];
    SCOPED_TRACE("size " + std::to_string(c.size) + " offset " + std::to_string(c.offset));
    EXPECT_EQ(r.spec.size, c.size);
    EXPECT_EQ(r.spec.offset, c.offset);
    EXPECT_EQ(r.status, NO_ERROR);
    EXPECT_TRUE(r.data_ok) << r.mismatch;
    EXPECT_EQ(r.chunks, c.*chunks);
    EXPECT_EQ(r.interrupts, c.*chunks);
    EXPECT_EQ(r.dpcs, c.*chunks);
    EXPECT_GE(r.sg_elements, r.chunks);  // at least one element per chunk
    EXPECT_LE(r.sg_elements, c.span);    // at most one per page
    EXPECT_GT(r.end_ps, r.start_ps);
    total_chunks += c.*chunks;
  }
  // No StartDma left uncompleted and none outside the requests.
  EXPECT_EQ(p.video_port().stats().start_dma, total_chunks);
  EXPECT_EQ(p.video_port().stats().complete_dma, total_chunks);
  // The verifier saw a clean driver, and step 6 gave the adapter back.
  for (const DvViolation& v : p.video_port().verifier().violations())
    ADD_FAILURE() << dv_name(v.code) << ": " << v.message;
  EXPECT_TRUE(const_cast<VideoPortDevice&>(p.video_port()).adapters().empty());
}

TEST(ExampleMiniport, Limit256Grants17ToDevice) {
  run_cases(256, true, 17, &Case::chunks17);
}

TEST(ExampleMiniport, Limit256Grants17FromDevice) {
  run_cases(256, false, 17, &Case::chunks17);
}

TEST(ExampleMiniport, Limit4Grants4ToDevice) {
  run_cases(4, true, 4, &Case::chunks4);
}

TEST(ExampleMiniport, Limit4Grants4FromDevice) {
  run_cases(4, false, 4, &Case::chunks4);
}

TEST(ExampleMiniport, Limit18StillGrantsOnly17) {
  // Right above the miniport's own need: 18 pages take 2 chunks with 17 registers (1 with 18).
  SimConfig cfg;
  cfg.miniport = "example";
  cfg.map_registers = 18;
  Platform p("platform", cfg, {{69633, 0, true}, {73728 - 4095, 4095, false}});
  p.run();
  ASSERT_TRUE(p.outcome().finished);
  EXPECT_EQ(p.video_port().stats().map_registers_granted, 17u);
  const auto& results = p.display_driver().results();
  ASSERT_EQ(results.size(), 2u);
  for (const RequestResult& r : results) {
    EXPECT_EQ(r.status, NO_ERROR);
    EXPECT_TRUE(r.data_ok) << r.mismatch;
    EXPECT_EQ(r.chunks, 2u);
    EXPECT_EQ(r.interrupts, 2u);
    EXPECT_EQ(r.dpcs, 2u);
  }
}

TEST(ExampleMiniport, IsListedAndFillsItsOwnInitializationData) {
  const MiniportEntry* example = find_miniport("example");
  const MiniportEntry* shipped = find_miniport("dmasim");
  ASSERT_NE(example, nullptr);
  ASSERT_NE(shipped, nullptr);
  EXPECT_NE(std::string(example->description), "");
  VIDEO_HW_INITIALIZATION_DATA mine{}, theirs{};
  ASSERT_EQ(example->DriverEntry(&mine, nullptr), static_cast<ULONG>(NO_ERROR));
  ASSERT_EQ(shipped->DriverEntry(&theirs, nullptr), static_cast<ULONG>(NO_ERROR));
  EXPECT_EQ(mine.HwInitDataSize, sizeof(VIDEO_HW_INITIALIZATION_DATA));
  EXPECT_NE(mine.HwFindAdapter, nullptr);
  EXPECT_NE(mine.HwInitialize, nullptr);
  EXPECT_NE(mine.HwInterrupt, nullptr);
  EXPECT_NE(mine.HwStartIO, nullptr);
  EXPECT_GT(mine.HwDeviceExtensionSize, 0u);
  // An independent driver: none of its entry points is the shipped miniport's.
  EXPECT_NE(mine.HwFindAdapter, theirs.HwFindAdapter);
  EXPECT_NE(mine.HwInterrupt, theirs.HwInterrupt);
  EXPECT_NE(mine.HwStartIO, theirs.HwStartIO);
}

TEST(ExampleMiniport, StartIoRejectsOtherChannelsAndUnknownIoctls) {
  // HwVidStartIO called through its initialization table, with a zeroed device extension that no
  // video port owns: every rejection must happen before any VideoPort* call (which would throw
  // here, as the extension is unknown) and must still return TRUE with the status set.
  const MiniportEntry* example = find_miniport("example");
  ASSERT_NE(example, nullptr);
  VIDEO_HW_INITIALIZATION_DATA init{};
  ASSERT_EQ(example->DriverEntry(&init, nullptr), static_cast<ULONG>(NO_ERROR));
  std::vector<std::uint64_t> extension(init.HwDeviceExtensionSize / 8 + 1, 0);
  std::vector<std::uint8_t> buffer(4096);
  auto start_io = [&](ULONG code, DMASIM_TRANSFER req, ULONG in_len) {
    STATUS_BLOCK sb{};
    sb.Status = NO_ERROR;
    sb.Information = 12345;
    VIDEO_REQUEST_PACKET rp{code, &sb, &req, in_len, nullptr, 0};
    EXPECT_EQ(init.HwStartIO(extension.data(), &rp), TRUE);
    EXPECT_EQ(sb.Information, 0u);
    return sb.Status;
  };
  DMASIM_TRANSFER req{};
  req.Buffer = buffer.data();
  req.Length = 4096;
  req.ToDevice = TRUE;
  req.VramAddress = 1 << 20;
  for (ULONG channel : {1u, 2u, 0xFFFFFFFFu}) {
    req.Channel = channel;
    EXPECT_EQ(start_io(IOCTL_VIDEO_DMASIM_TRANSFER, req, sizeof(req)), ERROR_INVALID_PARAMETER)
        << "channel " << channel;
  }
  req.Channel = 0;
  EXPECT_EQ(start_io(IOCTL_VIDEO_DMASIM_TRANSFER + 0x100, req, sizeof(req)),
            ERROR_INVALID_FUNCTION);
  EXPECT_EQ(start_io(0, req, sizeof(req)), ERROR_INVALID_FUNCTION);
  EXPECT_EQ(start_io(IOCTL_VIDEO_DMASIM_TRANSFER, req, sizeof(req) - 1), ERROR_INVALID_PARAMETER);
  req.Length = 0;
  EXPECT_EQ(start_io(IOCTL_VIDEO_DMASIM_TRANSFER, req, sizeof(req)), ERROR_INVALID_PARAMETER);
}

}  // namespace
}  // namespace dmasim
