// Data movement of the RTL engine: to and from the device, many descriptors, 4 KiB boundary
// sweeps with guard bytes, back-pressure on and off, two channels at once, doorbell while busy,
// throughput and read pipelining.
#include <gtest/gtest.h>

#include <random>

#include "tests/rtl/rtl_test_util.h"

using namespace dmasim;
using namespace rtltb;

namespace {

// One descriptor moving len bytes between host and VRAM.
void single(bool from_device, bool backpressure) {
  Config cfg;
  cfg.backpressure = backpressure;
  Harness h(cfg);
  const std::uint64_t host = kHostBuf + 0x123, len = 10000;
  fill_guarded(h, host, len);
  const std::vector<Desc> d{
      {host, 0x777, static_cast<std::uint32_t>(len), from_device ? DMA_DESC_FROM_DEVICE : 0, 0}};
  Reference ref;
  const RunResult r = h.run(0, kDescArray, d, &ref);
  check_run(h, 0, r, ref, 0);
  EXPECT_EQ(r.bytes, len);
  EXPECT_EQ(h.requests[0],
            1u + 3u + 1u);  // descriptor, 3 bursts split at 4 KiB (0x123 + 10000), MSI
}

// Random descriptors: lengths 1..9000, random host and VRAM offsets, disjoint ranges.
std::vector<Desc> random_descs(Harness& h, unsigned n, std::mt19937_64& rng,
                               int direction /* -1 mixed */) {
  std::vector<Desc> d;
  std::uint64_t host = kHostBuf, vram = 0;
  for (unsigned i = 0; i < n; ++i) {
    const std::uint32_t len = rng() % 4 == 0 ? 1 + rng() % 64 : 1 + rng() % 9000;
    host += kGuard + rng() % 4096;
    vram += 1 + rng() % 64;
    if (vram + len > h.cfg.vram_bytes) vram = rng() % 64;  // VRAM reuse is fine: order is kept
    const bool from = direction < 0 ? rng() % 2 : direction;
    d.push_back(Desc{host, vram, len, from ? DMA_DESC_FROM_DEVICE : 0, 0});
    fill_guarded(h, host, len);
    host += len + kGuard;
    vram += len;
  }
  return d;
}

void many(bool backpressure, int direction, std::uint64_t seed) {
  Config cfg;
  cfg.backpressure = backpressure;
  cfg.seed = seed;
  Harness h(cfg);
  std::mt19937_64 rng(seed);
  const auto d = random_descs(h, 60, rng, direction);
  Reference ref;
  const RunResult r = h.run(0, kDescArray, d, &ref);
  EXPECT_EQ(ref.error, DMA_ERR_NONE);
  check_run(h, 0, r, ref, 0);
  std::uint64_t total = 0;
  for (const Desc& x : d) total += x.length;
  EXPECT_EQ(r.bytes, total);
}

// Lengths 1, 4095, 4096, 4097 at host and VRAM offsets 0, 1, 4095 within a page; one run each.
void sweep(bool from_device, bool backpressure) {
  Config cfg;
  cfg.backpressure = backpressure;
  cfg.read_latency = 7;
  Harness h(cfg);
  unsigned runs = 0;
  for (std::uint32_t len : {1u, 4095u, 4096u, 4097u})
    for (std::uint64_t hoff : {0u, 1u, 4095u})
      for (std::uint64_t voff : {0u, 1u, 4095u}) {
        SCOPED_TRACE("len " + std::to_string(len) + " host offset " + std::to_string(hoff) +
                     " vram offset " + std::to_string(voff));
        const std::uint64_t host = kHostBuf + 16 * 4096 * runs + 4096 + hoff;
        const std::uint64_t vram = 4 * 4096 * (runs % 8) + 4096 + voff;
        fill_guarded(h, host, len);
        const std::size_t m = h.msis.size();
        const std::uint64_t req0 = h.requests[0];
        Reference ref;
        const RunResult r =
            h.run(0, kDescArray + 4096 * runs,
                  {{host, vram, len, from_device ? DMA_DESC_FROM_DEVICE : 0, 0}}, &ref);
        check_run(h, 0, r, ref, m);
        EXPECT_EQ(r.bytes, len);
        // Bursts: one per 4 KiB page the host range touches (+ descriptor fetch + MSI).
        const std::uint64_t pages = ((host + len - 1) >> 12) - (host >> 12) + 1;
        EXPECT_EQ(h.requests[0] - req0, pages + 2);
        ++runs;
      }
}

}  // namespace

TEST(RtlDma, SingleToDevice) {
  single(false, false);
}
TEST(RtlDma, SingleFromDevice) {
  single(true, false);
}
TEST(RtlDma, SingleToDeviceBackpressure) {
  single(false, true);
}
TEST(RtlDma, SingleFromDeviceBackpressure) {
  single(true, true);
}

TEST(RtlDma, ManyDescriptorsToDevice) {
  many(false, 0, 11);
}
TEST(RtlDma, ManyDescriptorsFromDeviceBackpressure) {
  many(true, 1, 12);
}
TEST(RtlDma, ManyDescriptorsMixedDirectionsBackpressure) {
  many(true, -1, 13);
}

TEST(RtlDma, BoundarySweepToDevice) {
  sweep(false, false);
}
TEST(RtlDma, BoundarySweepFromDevice) {
  sweep(true, false);
}
TEST(RtlDma, BoundarySweepToDeviceBackpressure) {
  sweep(false, true);
}
TEST(RtlDma, BoundarySweepFromDeviceBackpressure) {
  sweep(true, true);
}

// Data written to VRAM by one descriptor is what the next one reads back (direction change waits).
TEST(RtlDma, DirectionChangeKeepsVramOrder) {
  Config cfg;
  cfg.backpressure = true;
  Harness h(cfg);
  const std::uint64_t src = kHostBuf + 5, dst = kHostBuf + 0x10000 + 9;
  fill_guarded(h, src, 6000);
  fill_guarded(h, dst, 6000);
  Reference ref;
  const RunResult r = h.run(
      0, kDescArray, {{src, 100, 6000, 0, 0}, {dst, 100, 6000, DMA_DESC_FROM_DEVICE, 0}}, &ref);
  check_run(h, 0, r, ref, 0);
  for (std::uint64_t i = 0; i < 6000; ++i) ASSERT_EQ(h.host.get(dst + i), h.host.get(src + i)) << i;
}

// Descriptor array not 32-byte aligned and across a 4 KiB boundary: fetched in two bursts,
// descriptors reassembled across them.
TEST(RtlDma, UnalignedDescriptorArrayAcrossPage) {
  Harness h;
  std::mt19937_64 rng(5);
  const auto d = random_descs(h, 7, rng, 0);
  const std::uint64_t at = kDescArray + 4096 - 3 * 32 - 8;
  Reference ref;
  const RunResult r = h.run(0, at, d, &ref);
  check_run(h, 0, r, ref, 0);
  EXPECT_EQ(ref.error, DMA_ERR_NONE);
}

TEST(RtlDma, TwoChannelsOppositeDirectionsAtOnce) {
  Config cfg;
  cfg.backpressure = true;
  Harness h(cfg);
  std::vector<Desc> d0, d1;
  for (unsigned i = 0; i < 12; ++i) {
    d0.push_back(Desc{kHostBuf + i * 8192 + 3, i * 4096ull + 1, 4096, 0, 0});
    d1.push_back(Desc{kHostBuf + 0x100000 + i * 8192 + 7, 0x20000 + i * 4096ull, 4000,
                      DMA_DESC_FROM_DEVICE, 0});
    fill_guarded(h, d0.back().host, 4096);
    fill_guarded(h, d1.back().host, 4000);
  }
  h.put_descriptors(kDescArray, d0);
  h.put_descriptors(kDescArray + 0x1000, d1);
  h.snapshot();
  const Reference r0 = h.predict(kDescArray, 12), r1 = h.predict(kDescArray + 0x1000, 12);
  h.ch_write(0, DMA_DESC_LO, static_cast<std::uint32_t>(kDescArray));
  h.ch_write(0, DMA_DESC_COUNT, 12);
  h.ch_write(0, DMA_CTRL, DMA_CTRL_IRQ_EN);
  h.ch_write(1, DMA_DESC_LO, static_cast<std::uint32_t>(kDescArray + 0x1000));
  h.ch_write(1, DMA_DESC_COUNT, 12);
  h.ch_write(1, DMA_CTRL, DMA_CTRL_IRQ_EN);
  h.ch_write(0, DMA_DOORBELL, 1);
  h.ch_write(1, DMA_DOORBELL, 1);
  EXPECT_EQ(h.dut_busy(), 3u);
  ASSERT_TRUE(h.wait_idle(0));
  ASSERT_TRUE(h.wait_idle(1));
  const RunResult a = h.read_result(0), b = h.read_result(1);
  EXPECT_EQ(a.status, DMA_STATUS_DONE);
  EXPECT_EQ(b.status, DMA_STATUS_DONE);
  EXPECT_EQ(a.bytes, 12u * 4096);
  EXPECT_EQ(b.bytes, 12u * 4000);
  EXPECT_EQ(a.bytes, r0.bytes);
  EXPECT_EQ(b.bytes, r1.bytes);
  EXPECT_TRUE(h.memories_match());
  ASSERT_EQ(h.msis.size(), 2u);
  EXPECT_NE(h.msis[0].id, h.msis[1].id);
  EXPECT_GT(h.overlap_cycles, 1000u);  // both channels really had traffic in flight together
  EXPECT_GT(h.requests[0], 12u);
  EXPECT_GT(h.requests[1], 12u);
  EXPECT_TRUE(h.clean());
}

TEST(RtlDma, DoorbellWhileBusyIsIgnored) {
  Config cfg;
  cfg.read_latency = 100;
  Harness h(cfg);
  std::vector<Desc> d;
  for (unsigned i = 0; i < 6; ++i) d.push_back(Desc{kHostBuf + i * 4096, i * 4096ull, 4096, 0, 0});
  h.fill_host(kHostBuf, 6 * 4096);
  // A second array that must not run: it would write VRAM at 0x30000.
  h.put_descriptors(kDescArray + 0x2000, {{kHostBuf, 0x30000, 4096, 0, 0}});
  h.put_descriptors(kDescArray, d);
  h.snapshot();
  const Reference ref = h.predict(kDescArray, 6);
  h.start(0, kDescArray, 6);
  h.ticks(50);
  EXPECT_EQ(h.ch_read(0, DMA_STATUS), DMA_STATUS_BUSY);
  h.ch_write(0, DMA_DESC_LO, static_cast<std::uint32_t>(kDescArray + 0x2000));
  h.ch_write(0, DMA_DESC_COUNT, 1);
  h.ch_write(0, DMA_DOORBELL, 1);
  ASSERT_TRUE(h.wait_idle(0));
  h.ticks(2000);
  EXPECT_EQ(h.dut_busy(), 0u);
  const RunResult r = h.read_result(0);
  check_run(h, 0, r, ref, 0);
  EXPECT_EQ(r.bytes, 6u * 4096);
  EXPECT_EQ(h.requests[0], 1u + 6u + 1u);
  // The registers kept the new values for the next doorbell, which does run.
  const std::size_t m = h.msis.size();
  h.snapshot();
  const Reference ref2 = h.predict(kDescArray + 0x2000, 1);
  h.ch_write(0, DMA_DOORBELL, 1);
  ASSERT_TRUE(h.wait_idle(0));
  check_run(h, 0, h.read_result(0), ref2, m);
}

TEST(RtlDma, NoMsiWithoutIrqEn) {
  Harness h;
  fill_guarded(h, kHostBuf, 100);
  Reference ref;
  const RunResult r =
      h.run(1, kDescArray, {{kHostBuf, 0, 100, DMA_DESC_FROM_DEVICE, 0}}, &ref, false);
  check_run(h, 1, r, ref, 0, false);
  EXPECT_FALSE(h.dut_irq());  // INT_STATUS is set, IRQ_EN is not
  EXPECT_EQ(r.int_status, DMA_INT_DONE);
}

// Steady state with a responder that keeps up: one beat per cycle, no bubbles, so a 4 KiB burst
// takes 4096 / DATA_BYTES cycles in each direction.
TEST(RtlDma, ThroughputOneBeatPerCycle) {
  for (bool from : {false, true}) {
    SCOPED_TRACE(from ? "from device" : "to device");
    Config cfg;
    cfg.read_latency = 40;
    Harness h(cfg);
    const unsigned pages = 32;
    std::vector<Desc> d;
    for (unsigned i = 0; i < pages; ++i)
      d.push_back(Desc{kHostBuf + i * 4096, i * 4096ull, 4096, from ? DMA_DESC_FROM_DEVICE : 0, 0});
    h.fill_host(kHostBuf, pages * 4096ull);
    Reference ref;
    const RunResult r = h.run(0, kDescArray, d, &ref);
    check_run(h, 0, r, ref, 0);
    const auto& beats = from ? h.w_beat_cycles : h.r_beat_cycles;
    // Descriptor fetch beats are in r_beat_cycles too: take the data beats (the last ones).
    const std::size_t n = pages * 4096 / kDataBytes;
    ASSERT_GE(beats.size(), n);
    const std::uint64_t span = beats.back() - beats[beats.size() - n] + 1;
    const double per_burst = static_cast<double>(span) / pages;
    RecordProperty(from ? "cycles_per_4k_from_device" : "cycles_per_4k_to_device",
                   std::to_string(per_burst));
    std::printf("%s: %.2f cycles per 4 KiB burst, %llu cycles doorbell to idle for %u KiB\n",
                from ? "from device" : "to device", per_burst,
                static_cast<unsigned long long>(r.cycles), pages * 4);
    EXPECT_EQ(span, n);  // not a single bubble
  }
}

// The next read request goes out while earlier ones are outstanding, up to MAX_READS.
TEST(RtlDma, ReadsPipelinedUpToMaxReads) {
  Config cfg;
  cfg.read_latency = 3000;
  Harness h(cfg);
  std::vector<Desc> d;
  for (unsigned i = 0; i < 48; ++i) d.push_back(Desc{kHostBuf + i * 4096, i * 4096ull, 4096, 0, 0});
  h.fill_host(kHostBuf, 48 * 4096);
  Reference ref;
  const RunResult r = h.run(0, kDescArray, d, &ref);
  check_run(h, 0, r, ref, 0);
  EXPECT_EQ(h.max_reads_outstanding[0], kMaxReads);
}

// Both channels with back-to-back requests on a slow request channel: round robin interleaves
// them (a fixed priority would let one channel take its whole MAX_READS window first).
TEST(RtlDma, RoundRobinSharesTheRequestChannel) {
  Config cfg;
  cfg.backpressure = true;
  cfg.ready_percent = 30;
  cfg.read_latency = 400;
  Harness h(cfg);
  for (unsigned ch = 0; ch < 2; ++ch) {
    h.fill_host(kHostBuf + ch * 0x100000, 64 * 1024);
    h.put_descriptors(kDescArray + ch * 0x1000,
                      {{kHostBuf + ch * 0x100000, ch * 0x10000ull, 64 * 1024, 0, 0}});
  }
  h.snapshot();
  const Reference r0 = h.predict(kDescArray, 1), r1 = h.predict(kDescArray + 0x1000, 1);
  for (unsigned ch = 0; ch < 2; ++ch) {
    h.ch_write(ch, DMA_DESC_LO, static_cast<std::uint32_t>(kDescArray + ch * 0x1000));
    h.ch_write(ch, DMA_DESC_COUNT, 1);
    h.ch_write(ch, DMA_CTRL, DMA_CTRL_IRQ_EN);
  }
  h.ch_write(0, DMA_DOORBELL, 1);
  h.ch_write(1, DMA_DOORBELL, 1);
  ASSERT_TRUE(h.wait_idle(0));
  ASSERT_TRUE(h.wait_idle(1));
  EXPECT_EQ(h.read_result(0).bytes, r0.bytes);
  EXPECT_EQ(h.read_result(1).bytes, r1.bytes);
  EXPECT_EQ(r0.bytes, 64u * 1024);
  EXPECT_TRUE(h.memories_match());
  EXPECT_EQ(h.msis.size(), 2u);
  EXPECT_TRUE(h.clean());
  std::vector<unsigned> ids;
  for (const Request& q : h.request_log)
    if (q.len == 4096) ids.push_back(q.id);
  ASSERT_EQ(ids.size(), 32u);
  unsigned first[2] = {0, 0};
  for (std::size_t i = 0; i < 24; ++i) ++first[ids[i]];
  EXPECT_GE(first[0], 10u);
  EXPECT_GE(first[1], 10u);
}

// A doorbell after DONE but before the MSI's write response is latched (STATUS reads BUSY at
// once) and starts the next run after the MSI, as in the TLM engine.
TEST(RtlDma, DoorbellDuringMsiIsLatched) {
  Config cfg;
  cfg.write_latency = 300;
  Harness h(cfg);
  h.fill_host(kHostBuf, 8192);
  h.put_descriptors(kDescArray, {{kHostBuf, 0, 8192, 0, 0}});
  h.snapshot();
  const Reference ref = h.predict(kDescArray, 1);
  h.start(0, kDescArray, 1);
  std::uint32_t status = 0;
  for (int i = 0; i < 2000 && !(status & DMA_STATUS_DONE); ++i) status = h.ch_read(0, DMA_STATUS);
  ASSERT_EQ(status, DMA_STATUS_DONE);
  EXPECT_EQ(h.dut_busy(), 1u);  // the MSI is still out
  EXPECT_TRUE(h.msis.empty());
  h.ch_write(0, DMA_DOORBELL, 1);
  EXPECT_EQ(h.ch_read(0, DMA_STATUS) & DMA_STATUS_BUSY, DMA_STATUS_BUSY);
  ASSERT_TRUE(h.wait_idle(0));
  const RunResult r = h.read_result(0);
  EXPECT_EQ(r.status, DMA_STATUS_DONE);
  EXPECT_EQ(r.bytes, ref.bytes);
  EXPECT_EQ(h.msis.size(), 2u);
  EXPECT_EQ(h.requests[0], 2u * (1 + 2 + 1));  // two runs: fetch, 2 bursts, MSI each
  EXPECT_TRUE(h.memories_match());
  EXPECT_TRUE(h.clean());
}
