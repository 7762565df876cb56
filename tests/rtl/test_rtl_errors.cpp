// Error handling of the RTL engine (first error stops issuing, drain, ERROR with the DMA_ERR_*
// code, INT_STATUS.ERROR, MSI, engine reusable), descriptor checks, the 32-bit engine, and
// self-tests showing that the bench's checks and the RTL's assertions can fail.
#include <gtest/gtest.h>

#include "Vdma_engine.h"
#include "tests/rtl/rtl_test_util.h"

using namespace dmasim;
using namespace rtltb;

namespace {

std::vector<Desc> pages_desc(Harness& h, unsigned n, bool from_device,
                             std::uint64_t host = kHostBuf) {
  std::vector<Desc> d;
  for (unsigned i = 0; i < n; ++i) {
    d.push_back(Desc{host + i * 8192 + 16, i * 4096ull + 3, 4096,
                     from_device ? DMA_DESC_FROM_DEVICE : 0, 0});
    fill_guarded(h, d.back().host, 4096);
  }
  return d;
}

// A bus error in the middle of a run, then the same run again without the error.
void bus_error(bool from_device) {
  Config cfg;
  cfg.backpressure = true;
  cfg.read_latency = 60;
  Harness h(cfg);
  const auto d = pages_desc(h, 8, from_device);
  // Descriptor 3 (host page offset 16) is split at 4 KiB into 4080 + 16 bytes: the error hits
  // its second burst, so 3 descriptors and 1 burst complete first.
  const Range bad{d[3].host + 4080 + 5, 1};
  (from_device ? h.write_errors : h.read_errors).push_back(bad);
  Reference ref;
  RunResult r = h.run(0, kDescArray, d, &ref);
  EXPECT_EQ(ref.error, from_device ? DMA_ERR_HOST_WRITE : DMA_ERR_HOST_READ);
  EXPECT_EQ(ref.bytes, 3u * 4096 + (4096 - 16));
  check_run(h, 0, r, ref, 0);
  EXPECT_EQ(r.status, DMA_STATUS_ERROR);
  EXPECT_EQ(r.int_status, DMA_INT_ERROR);
  EXPECT_EQ(r.error, from_device ? DMA_ERR_HOST_WRITE : DMA_ERR_HOST_READ);
  EXPECT_EQ(r.bytes, 3u * 4096 + (4096 - 16));
  EXPECT_EQ(h.dut_busy(), 0u);

  // Reusable: the same run without the error completes, INT_STATUS accumulates.
  h.read_errors.clear();
  h.write_errors.clear();
  r = h.run(0, kDescArray, d, &ref);
  check_run(h, 0, r, ref, 1);
  EXPECT_EQ(r.error, DMA_ERR_NONE);
  EXPECT_EQ(r.bytes, 8u * 4096);
  EXPECT_EQ(r.int_status, DMA_INT_ERROR | DMA_INT_DONE);
}

// Runs d with descriptor index `bad` broken by `breaker`; expects `code` and the bytes before it.
template <typename F>
void bad_descriptor(F breaker, std::uint32_t code) {
  Harness h;
  auto d = pages_desc(h, 4, false);
  breaker(d[2]);
  Reference ref;
  const RunResult r = h.run(1, kDescArray, d, &ref);
  EXPECT_EQ(ref.error, code);
  check_run(h, 1, r, ref, 0);
  EXPECT_EQ(r.error, code);
  EXPECT_EQ(r.bytes, 2u * 4096);
}

}  // namespace

TEST(RtlErrors, HostReadError) {
  bus_error(false);
}
TEST(RtlErrors, HostWriteError) {
  bus_error(true);
}

TEST(RtlErrors, DescriptorFetchError) {
  Config cfg;
  cfg.backpressure = true;
  Harness h(cfg);
  auto d = pages_desc(h, 300, false);  // 9600 bytes of descriptors: three fetch bursts
  for (auto& x : d) x.vram = 0, x.length = 64;
  h.read_errors.push_back(Range{kDescArray + 5000, 32});
  Reference ref;
  const RunResult r = h.run(0, kDescArray, d, &ref);
  check_run(h, 0, r, ref, 0);
  EXPECT_EQ(r.error, DMA_ERR_DESC_FETCH);
  EXPECT_EQ(r.bytes, 0u);
  EXPECT_EQ(h.requests[0], 3u + 1u);  // the fetch bursts and the MSI, no data
  // Reusable.
  h.read_errors.clear();
  const RunResult again = h.run(0, kDescArray, d, &ref);
  check_run(h, 0, again, ref, 1);
  EXPECT_EQ(again.bytes, 300u * 64);
}

TEST(RtlErrors, ZeroLength) {
  bad_descriptor([](Desc& d) { d.length = 0; }, DMA_ERR_BAD_DESC);
}
TEST(RtlErrors, LengthAboveMax) {
  bad_descriptor([](Desc& d) { d.length = DMA_DESC_MAX_LENGTH + 1; }, DMA_ERR_BAD_DESC);
}
TEST(RtlErrors, ReservedBitsSet) {
  bad_descriptor([](Desc& d) { d.reserved = 1ull << 63; }, DMA_ERR_BAD_DESC);
}
TEST(RtlErrors, UnknownControlBits) {
  bad_descriptor([](Desc& d) { d.control = 2; }, DMA_ERR_BAD_DESC);
}
TEST(RtlErrors, VramRange) {
  bad_descriptor([](Desc& d) { d.vram = 256 * 1024 - 4095; }, DMA_ERR_VRAM_RANGE);
  bad_descriptor([](Desc& d) { d.vram = 1ull << 40; }, DMA_ERR_VRAM_RANGE);
  bad_descriptor([](Desc& d) { d.vram = 1ull << 63; }, DMA_ERR_VRAM_RANGE);
  // Ending exactly at the VRAM size is fine.
  Harness h;
  auto d = pages_desc(h, 1, false);
  d[0].vram = 256 * 1024 - 4096;
  Reference ref;
  const RunResult r = h.run(0, kDescArray, d, &ref);
  check_run(h, 0, r, ref, 0);
  EXPECT_EQ(r.error, DMA_ERR_NONE);
}
TEST(RtlErrors, BadOrderBadDescBeforeVramRange) {
  bad_descriptor(
      [](Desc& d) {
        d.vram = 1ull << 40;
        d.reserved = 1;
      },
      DMA_ERR_BAD_DESC);
}

TEST(RtlErrors, BadCount) {
  for (std::uint32_t count : {0u, DMA_MAX_DESCRIPTORS + 1, 0xFFFF'FFFFu}) {
    Harness h;
    h.start(0, kDescArray, count);
    ASSERT_TRUE(h.wait_idle(0, 1000));
    const RunResult r = h.read_result(0);
    EXPECT_EQ(r.status, DMA_STATUS_ERROR);
    EXPECT_EQ(r.error, DMA_ERR_BAD_DESC);
    EXPECT_EQ(r.int_status, DMA_INT_ERROR);
    EXPECT_EQ(h.requests[0], 1u);  // just the MSI
    EXPECT_EQ(h.msis.size(), 1u);
    EXPECT_TRUE(h.clean());
  }
}

// A bus error of an earlier descriptor wins over the check error of a later one: the TLM engine
// would have stopped at the bus error before checking the later descriptor.
TEST(RtlErrors, EarlierBusErrorWinsOverLaterCheckError) {
  Config cfg;
  cfg.read_latency = 300;
  Harness h(cfg);
  auto d = pages_desc(h, 4, false);
  d[2].reserved = 5;
  h.read_errors.push_back(Range{d[1].host + 7, 1});
  Reference ref;
  const RunResult r = h.run(0, kDescArray, d, &ref);
  check_run(h, 0, r, ref, 0);
  EXPECT_EQ(r.error, DMA_ERR_HOST_READ);
  EXPECT_EQ(r.bytes, 4096u);
}

TEST(RtlErrors, Addr32RefusesHostAddressesAbove4GiB) {
  Config cfg;
  cfg.addr64 = false;
  cfg.backpressure = true;
  Harness h(cfg);
  struct Case {
    std::uint64_t host;
    std::uint32_t len;
    std::uint32_t code;
  };
  const Case cases[] = {
      {0x1'0000'0000, 16, DMA_ERR_ADDRESS},       // at 4 GiB
      {0x1234'5678'9000, 4096, DMA_ERR_ADDRESS},  // far above
      {0xFFFF'F000, 4097, DMA_ERR_ADDRESS},       // ends one byte past 4 GiB
      {0xFFFF'F000, 4096, DMA_ERR_NONE},          // ends exactly at 4 GiB
  };
  std::size_t m = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.host);
    // A good descriptor first, then the one under test.
    fill_guarded(h, kHostBuf32, 100);
    if (c.code == DMA_ERR_NONE) h.fill_host(c.host - kGuard, c.len + kGuard);
    Reference ref;
    const RunResult r =
        h.run(0, kDescArray, {{kHostBuf32, 0, 100, 0, 0}, {c.host, 4096, c.len, 0, 0}}, &ref);
    EXPECT_EQ(ref.error, c.code);
    check_run(h, 0, r, ref, m++);
    EXPECT_EQ(r.error, c.code);
    EXPECT_EQ(r.bytes, c.code ? 100u : 100u + c.len);
  }
  // The descriptor array itself above 4 GiB, or reaching past it.
  for (std::uint64_t at : {0x1'0000'0000ull, 0xFFFF'FFE0ull}) {
    SCOPED_TRACE(at);
    Reference ref;
    const RunResult r =
        h.run(0, at, {{kHostBuf32, 0, 100, 0, 0}, {kHostBuf32, 0, 100, 0, 0}}, &ref);
    check_run(h, 0, r, ref, m++);
    EXPECT_EQ(r.error, DMA_ERR_ADDRESS);
  }
  EXPECT_LE(h.max_request_addr_end, 1ull << 32);  // nothing at or above 4 GiB was driven
}

// The bench's own checks fail when they should.
TEST(RtlHarness, MemoryCheckCatchesAGuardByte) {
  Harness h;
  fill_guarded(h, kHostBuf, 100);
  Reference ref;
  const RunResult r = h.run(0, kDescArray, {{kHostBuf, 64, 100, DMA_DESC_FROM_DEVICE, 0}}, &ref);
  check_run(h, 0, r, ref, 0);
  h.vram[63] ^= 1;  // the VRAM byte before the source
  EXPECT_FALSE(h.memories_match());
  h.vram[63] ^= 1;
  h.host.set(kHostBuf + 100,
             h.host.get(kHostBuf + 100) ^ 0x80);  // the host byte after the destination
  EXPECT_FALSE(h.memories_match());
  EXPECT_TRUE(h.memories_match({Range{kHostBuf + 100, 1}}));
  h.host.set(kHostBuf + 0x5000, 0);  // a page nobody should have written
  EXPECT_FALSE(h.memories_match({Range{kHostBuf + 100, 1}}));
}

// The RTL's input-protocol assertions fire (and the bench reports them).
TEST(RtlHarness, RtlAssertionsFire) {
  {
    Harness h;
    h.force_read_beat(0, true);  // a read beat with no read outstanding
    h.tick();
    h.tick();
    EXPECT_FALSE(h.clean());
  }
  {
    Config cfg;
    cfg.read_latency = 50;
    Harness h(cfg);
    h.fill_host(kHostBuf, 4096);
    h.put_descriptors(kDescArray, {{kHostBuf, 0, 4096, 0, 0}});
    h.start(0, kDescArray, 1);
    h.ticks(20);  // the descriptor fetch is outstanding, 1 beat long
    EXPECT_TRUE(h.clean());
    h.force_read_beat(0, false);  // its beat without bm_r_last
    h.tick();
    h.tick();
    EXPECT_FALSE(h.clean());
  }
}

// The first error stops issuing: a long run of one-beat descriptors (so the MAX_READS window
// never fills and only the error can stop the issue) with an error on the second leaves most
// of them unissued.
TEST(RtlErrors, FirstErrorStopsIssuing) {
  for (bool from : {false, true}) {
    SCOPED_TRACE(from ? "write error" : "read error");
    Config cfg;
    cfg.read_latency = 30;
    cfg.write_latency = 20;
    Harness h(cfg);
    std::vector<Desc> d;
    for (unsigned i = 0; i < 200; ++i)
      d.push_back(Desc{kHostBuf + i * 64, i * 64ull, 32, from ? DMA_DESC_FROM_DEVICE : 0, 0});
    h.fill_host(kHostBuf - kGuard, 200 * 64 + 2 * kGuard);
    (from ? h.write_errors : h.read_errors).push_back(Range{kHostBuf + 64 + 10, 1});
    Reference ref;
    const RunResult r = h.run(0, kDescArray, d, &ref);
    check_run(h, 0, r, ref, 0);
    EXPECT_EQ(r.error, from ? DMA_ERR_HOST_WRITE : DMA_ERR_HOST_READ);
    EXPECT_EQ(r.bytes, 32u);
    unsigned data_requests = 0;
    for (const Request& q : h.request_log) data_requests += q.len == 32;
    std::printf("%u data requests issued before the error stopped the run\n", data_requests);
    // What was issued while the error was on its way back, far from all 200.
    EXPECT_LE(data_requests, 40u);
    EXPECT_GE(data_requests, 2u);
  }
}
