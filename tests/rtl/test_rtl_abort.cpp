// DMA_CTRL_ABORT in the RTL engine: a BUSY channel is idle at once (no status, no MSI); what it
// had outstanding (read beats still coming, writes queued in the shared write path, write
// responses) is taken from the bus and dropped as the aborted run's orphans: no VRAM write, no
// error, no BYTES. The other channel is not disturbed, an idle channel ignores ABORT, and the run
// after an abort is normal even while the orphans are still coming in.
#include <gtest/gtest.h>

#include <random>

#include "tests/rtl/rtl_test_util.h"

using namespace dmasim;
using namespace rtltb;

namespace {

constexpr std::uint64_t kDescArray2 = kDescArray + 0x10000;  // the run after the abort

// DMA_CTRL_ABORT the way the miniport's watchdog writes it (IRQ_EN kept).
void abort_channel(Harness& h, unsigned ch) {
  h.ch_write(ch, DMA_CTRL, DMA_CTRL_ABORT | DMA_CTRL_IRQ_EN);
}

// Host data bursts the channel has had accepted (not the descriptor fetch, not the MSI).
unsigned data_requests(const Harness& h, unsigned ch) {
  unsigned n = 0;
  for (const Request& q : h.request_log)
    if (q.id == ch && q.addr != kMsiAddr &&
        !(q.addr >= kDescArray && q.addr < kDescArray + 0x100000))
      ++n;
  return n;
}

// Ticks until the channel has had n data bursts accepted (false after max_cycles).
bool until_requests(Harness& h, unsigned ch, unsigned n, unsigned max_cycles = 100000) {
  for (unsigned i = 0; i < max_cycles && data_requests(h, ch) < n; ++i) h.tick();
  return data_requests(h, ch) >= n;
}

// n pages, host page i at host + i * 8 KiB + skew (so bursts split at 4 KiB), VRAM vram + i * 4
// KiB.
std::vector<Desc> pages(Harness& h, unsigned n, bool from_device, std::uint64_t host,
                        std::uint64_t vram, std::uint64_t skew = 0) {
  std::vector<Desc> d;
  for (unsigned i = 0; i < n; ++i) {
    d.push_back(Desc{host + i * 8192 + skew, vram + i * 4096ull, 4096,
                     from_device ? DMA_DESC_FROM_DEVICE : 0, 0});
    fill_guarded(h, d.back().host, 4096);
  }
  return d;
}

std::vector<Range> host_ranges(const std::vector<Desc>& d) {
  std::vector<Range> r;
  for (const Desc& x : d) r.push_back(Range{x.host, x.length});
  return r;
}

// Right after the ABORT write: not BUSY, no DONE/ERROR (PENDING while its bursts drain),
// INT_STATUS and ERROR as before.
void expect_aborted(Harness& h, unsigned ch, std::uint32_t int_status_before = 0) {
  EXPECT_EQ((h.dut_busy() >> ch) & 1u, 0u);
  EXPECT_EQ(h.ch_read(ch, DMA_STATUS) & ~DMA_STATUS_PENDING, 0u);
  EXPECT_EQ(h.ch_read(ch, DMA_INT_STATUS), int_status_before);
  EXPECT_EQ(h.ch_read(ch, DMA_ERROR), DMA_ERR_NONE);
}

// Programs and starts a run (descriptors already in host memory) after RESET, as the miniport's
// retry does: RESET, DESC_LO/HI/COUNT, CTRL, DOORBELL on consecutive register writes.
void restart(Harness& h, unsigned ch, std::uint64_t desc, std::uint32_t count) {
  h.ch_write(ch, DMA_CTRL, DMA_CTRL_RESET | DMA_CTRL_IRQ_EN);
  h.start(ch, desc, count);
}

// Read bursts outstanding when the abort comes (one of them part-way through its beats); the
// late beats are dropped and the channel runs again normally.
void abort_with_reads_outstanding(bool restart_before_release) {
  Config cfg;
  cfg.read_latency = 30;
  Harness h(cfg);
  const auto d = pages(h, 24, false, kHostBuf, 0, 0x10);
  h.put_descriptors(kDescArray, d);
  h.start(0, kDescArray, static_cast<std::uint32_t>(d.size()));
  // A few bursts complete, then the completions stop while requests go on.
  ASSERT_TRUE(until_requests(h, 0, 4));
  h.ticks(220);  // two bursts complete, the third part-way through its beats
  h.hold[0] = true;
  ASSERT_TRUE(until_requests(h, 0, 20));
  h.ticks(5);
  const unsigned before = data_requests(h, 0);
  abort_channel(h, 0);
  expect_aborted(h, 0);
  EXPECT_EQ(h.dut_draining() & 1u, 1u);  // read beats of the aborted run still due
  // At most the request the bus takes in the ABORT's cycle and the one granted into the
  // arbiter's output register in that cycle (sent after it, an orphan from the start).
  EXPECT_LE(data_requests(h, 0) - before, 2u);
  const unsigned at_abort = data_requests(h, 0);
  const std::vector<std::uint8_t> vram_at_abort = h.vram;
  const RunResult regs_at_abort = h.read_result(0);
  EXPECT_EQ(regs_at_abort.bytes, 4096u);  // 4080 + 16 bytes: the third burst is an orphan

  // The next run goes to another VRAM region, from other host pages.
  const auto d2 = pages(h, 6, false, kHostBuf + 0x200000, 0x20000, 0x7);
  h.put_descriptors(kDescArray2, d2);
  h.snapshot();
  const Reference ref = h.predict(kDescArray2, static_cast<std::uint32_t>(d2.size()));
  if (restart_before_release) {
    // The new run queues its descriptor fetch behind the aborted run's reads.
    restart(h, 0, kDescArray2, static_cast<std::uint32_t>(d2.size()));
    h.ticks(200);
    EXPECT_EQ(h.ch_read(0, DMA_STATUS), DMA_STATUS_BUSY | DMA_STATUS_PENDING);
    h.hold[0] = false;
  } else {
    h.hold[0] = false;
    ASSERT_TRUE(h.wait_quiet(0));
    EXPECT_EQ(h.dut_draining(), 0u);
    EXPECT_EQ(h.vram, vram_at_abort);  // no late beat reached VRAM
    EXPECT_EQ(data_requests(h, 0), at_abort);
    EXPECT_TRUE(h.msis.empty());
    expect_aborted(h, 0);
    EXPECT_EQ(h.read_result(0).bytes, regs_at_abort.bytes);  // the late beats count for nothing
    restart(h, 0, kDescArray2, static_cast<std::uint32_t>(d2.size()));
  }
  ASSERT_TRUE(h.wait_idle(0));
  const RunResult r = h.read_result(0);
  check_run(h, 0, r, ref, 0);  // byte-exact (no orphan beat in VRAM), DONE, one MSI
  EXPECT_EQ(r.bytes, 6u * 4096);
  EXPECT_EQ(h.dut_draining(), 0u);
}

}  // namespace

TEST(RtlAbort, WhileReadsOutstanding) {
  abort_with_reads_outstanding(false);
}

TEST(RtlAbort, NextRunQueuesBehindTheAbortedReads) {
  abort_with_reads_outstanding(true);
}

// Abort during the descriptor fetch: the late descriptor bytes must not reach the next run's
// descriptor memory.
TEST(RtlAbort, DuringDescriptorFetch) {
  Harness h;
  // 200 descriptors (6400 bytes) from 256 bytes below a 4 KiB boundary: three fetch bursts.
  std::vector<Desc> d;
  for (unsigned i = 0; i < 200; ++i) d.push_back(Desc{kHostBuf + i * 64, i * 64ull, 64, 0, 0});
  h.fill_host(kHostBuf, 200 * 64);
  h.put_descriptors(kDescArray + 0xF00, d);
  h.hold[0] = true;
  h.start(0, kDescArray + 0xF00, 200);
  h.ticks(60);
  ASSERT_EQ(h.requests[0], 3u);  // 256 + 4096 + 2048 bytes, all out, no beat back
  abort_channel(h, 0);
  expect_aborted(h, 0);
  const auto d2 = pages(h, 3, true, kHostBuf + 0x100000, 0x30000);
  h.put_descriptors(kDescArray2, d2);
  h.snapshot();
  const Reference ref = h.predict(kDescArray2, 3);
  restart(h, 0, kDescArray2, 3);
  h.ticks(30);
  h.hold[0] = false;
  ASSERT_TRUE(h.wait_idle(0));
  const RunResult r = h.read_result(0);
  check_run(h, 0, r, ref, 0);
  EXPECT_EQ(r.bytes, 3u * 4096);
  EXPECT_EQ(h.requests[0], 3u + 1u + 3u + 1u);  // aborted fetch; fetch, 3 bursts, MSI
}

// Write bursts queued in the shared write path (write data stalled) and write responses
// withheld when the abort comes. The queued writes still go out with the data they had (the
// TLM engine's accepted posted writes do too); their responses, even with errors, are dropped.
// The next run moves the other way into the VRAM those writes read from: it must wait for them.
TEST(RtlAbort, WhileWritesQueued) {
  Config cfg;
  cfg.write_latency = 40;
  Harness h(cfg);
  const auto d = pages(h, 16, true, kHostBuf, 0x8000, 0x20);
  const HostMemory host_before = h.host;
  const std::vector<std::uint8_t> vram_before = h.vram;
  h.put_descriptors(kDescArray, d);
  // Bursts after the first few fail on the bus: their (orphan) error responses must not count.
  h.write_errors.push_back(Range{d[3].host, 4096});
  h.start(0, kDescArray, 16);
  ASSERT_TRUE(until_requests(h, 0, 1));
  h.hold[0] = true;
  ASSERT_TRUE(until_requests(h, 0, 3));
  h.w_stall = true;  // write data stops: requests pile up in dma_wr_mover's queue
  h.ticks(600);
  const unsigned queued = data_requests(h, 0);
  EXPECT_GE(queued, 8u);
  abort_channel(h, 0);
  expect_aborted(h, 0);
  EXPECT_EQ(h.dut_draining() & 1u, 1u);

  // The next run writes the VRAM that the queued writes still have to read.
  const auto d2 = pages(h, 12, false, kHostBuf + 0x200000, 0x8000, 0x11);
  h.put_descriptors(kDescArray2, d2);
  h.snapshot();
  Reference ref = h.predict(kDescArray2, 12);
  ref.host_dont_care = host_ranges(d);  // the queued writes land after the snapshot
  restart(h, 0, kDescArray2, 12);
  h.ticks(100);
  h.w_stall = false;
  h.ticks(100);
  h.hold[0] = false;
  ASSERT_TRUE(h.wait_idle(0));
  EXPECT_TRUE(h.wait_quiet(0));
  const RunResult r = h.read_result(0);
  check_run(h, 0, r, ref, 0);  // DONE, not ERROR; one MSI; VRAM byte-exact
  EXPECT_EQ(r.bytes, 12u * 4096);
  // Nothing more of the aborted run: only the next run's 24 bursts (12 pages split at 4 KiB).
  EXPECT_EQ(data_requests(h, 0), queued + 24u);
  // The aborted run's destinations hold, byte by byte, what was there or the VRAM data from
  // before the next run: never the next run's data.
  for (std::size_t i = 0; i < d.size(); ++i)
    for (std::uint64_t k = 0; k < 4096; ++k) {
      const std::uint64_t a = d[i].host + k;
      const std::uint8_t now = h.host.get(a);
      ASSERT_TRUE(now == host_before.get(a) || now == vram_before[d[i].vram + k])
          << "descriptor " << i << " byte " << k;
    }
  EXPECT_NE(h.host.get(d[0].host), host_before.get(d[0].host));  // the first bursts did land
}

// ABORT of one channel, mid-run with both kinds of traffic in flight on the shared request,
// write-data and read-data paths, under random back-pressure: the other channel's run is
// byte-exact with its one MSI.
TEST(RtlAbort, OtherChannelUnaffected) {
  for (std::uint64_t seed : {1u, 2u, 3u}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    Config cfg;
    cfg.seed = seed;
    cfg.backpressure = true;
    cfg.read_latency = 50;
    Harness h(cfg);
    const auto d0 = pages(h, 16, true, kHostBuf, 0x10000, 0x30);             // VRAM -> host
    const auto d1 = pages(h, 20, false, kHostBuf + 0x200000, 0x20000, 0x9);  // host -> VRAM
    h.put_descriptors(kDescArray, d0);
    h.put_descriptors(kDescArray + 0x1000, d1);
    h.snapshot();
    const Reference r1 = h.predict(kDescArray + 0x1000, 20);
    h.start(1, kDescArray + 0x1000, 20);
    h.start(0, kDescArray, 16);
    ASSERT_TRUE(until_requests(h, 0, 4 + static_cast<unsigned>(seed)));
    abort_channel(h, 0);
    expect_aborted(h, 0);
    EXPECT_EQ(h.dut_busy(), 2u);
    ASSERT_TRUE(h.wait_idle(1));
    ASSERT_TRUE(h.wait_quiet(0));
    const RunResult r = h.read_result(1);
    EXPECT_EQ(r.status, DMA_STATUS_DONE);
    EXPECT_EQ(r.error, DMA_ERR_NONE);
    EXPECT_EQ(r.int_status, DMA_INT_DONE);
    EXPECT_EQ(r.bytes, r1.bytes);
    EXPECT_EQ(r.bytes, 20u * 4096);
    EXPECT_TRUE(h.memories_match(host_ranges(d0)));  // channel 0's writes may have landed
    ASSERT_EQ(h.msis.size(), 1u);
    EXPECT_EQ(h.msis[0].id, 1u);
    EXPECT_EQ(h.msis[0].addr, kMsiAddr);
    EXPECT_EQ(h.msis[0].data, kMsiData);
    expect_aborted(h, 0);
    EXPECT_TRUE(h.clean());
    // Channel 0 runs again normally.
    Reference ref;
    const RunResult again = h.run(0, kDescArray, d0, &ref);
    check_run(h, 0, again, ref, 1);
  }
}

// ABORT of an idle channel changes nothing: not its DONE status, INT_STATUS, ERROR or BYTES, and
// not the other channel's run in progress.
TEST(RtlAbort, IdleChannelIgnoresIt) {
  Harness h;
  const auto d = pages(h, 3, false, kHostBuf, 0, 0x40);
  Reference ref;
  const RunResult r = h.run(0, kDescArray, d, &ref);
  check_run(h, 0, r, ref, 0);
  const std::uint64_t reqs = h.requests[0];
  abort_channel(h, 0);
  abort_channel(h, 1);  // never ran
  h.ticks(100);
  const RunResult after = h.read_result(0);
  EXPECT_EQ(after.status, DMA_STATUS_DONE);
  EXPECT_EQ(after.int_status, DMA_INT_DONE);
  EXPECT_EQ(after.error, DMA_ERR_NONE);
  EXPECT_EQ(after.bytes, r.bytes);
  EXPECT_EQ(h.ch_read(1, DMA_STATUS), 0u);
  EXPECT_EQ(h.dut_busy() | h.dut_draining(), 0u);
  EXPECT_EQ(h.requests[0], reqs);
  EXPECT_EQ(h.msis.size(), 1u);
  // Channel 1 aborted (idle) while channel 0 runs: channel 0 is not disturbed.
  const auto d2 = pages(h, 8, true, kHostBuf + 0x100000, 0x10000);
  h.put_descriptors(kDescArray2, d2);
  h.snapshot();
  const Reference ref2 = h.predict(kDescArray2, 8);
  h.start(0, kDescArray2, 8);
  h.ticks(300);
  abort_channel(h, 1);
  ASSERT_TRUE(h.wait_idle(0));
  check_run(h, 0, h.read_result(0), ref2, 1);
  EXPECT_EQ(h.ch_read(1, DMA_STATUS), 0u);
}

// The miniport's recovery at random moments of a random run (mixed directions, back-pressure):
// ABORT, then RESET and a new run on the next register writes. The new run is byte-exact with one
// MSI and the right BYTES, whatever state the aborted one was in.
TEST(RtlAbort, NormalRunRightAfterAbort) {
  for (std::uint64_t seed = 1; seed <= 8; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    Config cfg;
    cfg.seed = seed;
    cfg.backpressure = true;
    cfg.read_latency = 10 + seed * 13;
    Harness h(cfg);
    std::mt19937_64 rng(seed);
    // Aborted run: VRAM below 0x10000 <-> host pages; the next run: VRAM from 0x20000.
    std::vector<Desc> d;
    for (unsigned i = 0; i < 24; ++i) {
      const std::uint32_t len = 1 + rng() % 6000;
      d.push_back(Desc{kHostBuf + i * 0x4000 + rng() % 2048, rng() % (0x10000 - len), len,
                       rng() % 2 ? DMA_DESC_FROM_DEVICE : 0u, 0});
      fill_guarded(h, d.back().host, len);
    }
    h.put_descriptors(kDescArray, d);
    h.start(0, kDescArray, static_cast<std::uint32_t>(d.size()));
    h.ticks(static_cast<unsigned>(rng() % 1500));
    ASSERT_EQ(h.dut_busy(), 1u);
    abort_channel(h, 0);
    expect_aborted(h, 0);
    const auto d2 = pages(h, 5, seed % 2 == 1, kHostBuf + 0x400000, 0x20000, seed * 100);
    h.put_descriptors(kDescArray2, d2);
    h.snapshot();
    Reference ref = h.predict(kDescArray2, 5);
    ref.host_dont_care = host_ranges(d);  // the aborted run's accepted writes still land
    restart(h, 0, kDescArray2, 5);
    ASSERT_TRUE(h.wait_idle(0));
    ASSERT_TRUE(h.wait_quiet(0));
    const RunResult r = h.read_result(0);
    check_run(h, 0, r, ref, 0);
    EXPECT_EQ(r.bytes, 5u * 4096);
  }
}

// ABORT also cancels a doorbell latched while the channel sends its MSI (STATUS reads BUSY from
// the doorbell on), as the TLM engine drops its pending start: no second run.
TEST(RtlAbort, CancelsALatchedDoorbell) {
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
  h.ch_write(0, DMA_DOORBELL, 1);
  EXPECT_EQ(h.ch_read(0, DMA_STATUS), DMA_STATUS_DONE | DMA_STATUS_BUSY);
  abort_channel(h, 0);
  EXPECT_EQ(h.ch_read(0, DMA_STATUS), DMA_STATUS_DONE);  // not BUSY, the last run's DONE kept
  ASSERT_TRUE(h.wait_quiet(0));
  h.ticks(500);
  const RunResult r = h.read_result(0);
  check_run(h, 0, r, ref, 0);              // the first run's DONE, BYTES and its one MSI
  EXPECT_EQ(h.requests[0], 1u + 2u + 1u);  // fetch, 2 bursts, MSI: no second run
}

namespace {

// A two-page to-device run for channel 0 of a fresh bench (descriptor and data in place).
void prepare_small_run(Harness& h) {
  h.fill_host(kHostBuf, 8192);
  h.put_descriptors(kDescArray, {{kHostBuf, 0, 8192, 0, 0}});
}

}  // namespace

// ABORT on each cycle around the end of a run (last beat, DONE, MSI request, MSI response): the
// run ends either aborted (STATUS 0, INT_STATUS 0, no MSI) or completed (DONE, INT_STATUS DONE,
// its MSI), never half of each.
TEST(RtlAbort, AroundCompletionEitherAbortedOrDone) {
  Config cfg;
  cfg.write_latency = 20;
  std::uint64_t irq_at = 0;
  {
    Harness h(cfg);
    prepare_small_run(h);
    h.start(0, kDescArray, 1);
    const std::uint64_t t0 = h.cycle;
    while (!h.dut_irq() && h.cycle < t0 + 10000) h.tick();
    ASSERT_TRUE(h.dut_irq());
    irq_at = h.cycle - t0;
  }
  unsigned aborted = 0, done = 0;
  for (std::uint64_t k = irq_at - 8; k <= irq_at + 4; ++k) {
    SCOPED_TRACE("ABORT " + std::to_string(k) + " cycles after the doorbell");
    Harness h(cfg);
    prepare_small_run(h);
    h.snapshot();
    const Reference ref = h.predict(kDescArray, 1);
    h.start(0, kDescArray, 1);
    h.ticks(static_cast<unsigned>(k));
    abort_channel(h, 0);
    ASSERT_TRUE(h.wait_quiet(0));
    h.ticks(200);
    const RunResult r = h.read_result(0);
    if (r.status == 0) {
      ++aborted;
      EXPECT_EQ(r.int_status, 0u);
      EXPECT_TRUE(h.msis.empty());
    } else {
      ++done;
      check_run(h, 0, r, ref, 0);
    }
    EXPECT_TRUE(h.clean());
  }
  EXPECT_GT(aborted, 0u);
  EXPECT_GT(done, 0u);
}

// ABORT on each cycle around the moment a doorbell latched during the MSI would be taken: either
// the new run started first and is aborted, or it never starts; never a second MSI.
TEST(RtlAbort, LatchedDoorbellNeverOutlivesAnAbort) {
  Config cfg;
  cfg.write_latency = 60;
  unsigned cancelled = 0, aborted = 0;
  for (unsigned k = 30; k <= 90; ++k) {
    SCOPED_TRACE("ABORT " + std::to_string(k) + " cycles after the doorbell");
    Harness h(cfg);
    prepare_small_run(h);
    h.start(0, kDescArray, 1);
    while (!h.dut_irq()) h.tick();
    h.ch_write(0, DMA_DOORBELL, 1);  // the MSI is out: latched
    h.ticks(k);
    abort_channel(h, 0);
    ASSERT_TRUE(h.wait_quiet(0));
    h.ticks(2000);
    EXPECT_EQ(h.msis.size(), 1u);
    EXPECT_EQ(h.dut_busy(), 0u);
    const std::uint32_t status = h.ch_read(0, DMA_STATUS);
    EXPECT_TRUE(status == DMA_STATUS_DONE || status == 0u) << status;
    (status == 0 ? aborted : cancelled) += 1;
    EXPECT_TRUE(h.clean());
  }
  EXPECT_GT(cancelled, 0u);
  EXPECT_GT(aborted, 0u);
}

// ABORT on each cycle of a stream of back-to-back requests (one per cycle), so it also lands in
// the cycle a request is granted: that request is the aborted run's too. Nothing of the aborted
// run touches VRAM or BYTES after the ABORT, and the next run is exact.
TEST(RtlAbort, WhileRequestsAreGrantedEveryCycle) {
  for (bool from_device : {false, true}) {
    for (unsigned k = 0; k < 12; ++k) {
      SCOPED_TRACE(std::string(from_device ? "from" : "to") + " device, ABORT " +
                   std::to_string(k) + " cycles after the first data request");
      Config cfg;
      cfg.read_latency = 400;
      cfg.write_latency = 400;
      Harness h(cfg);
      // One descriptor of 24 pages: a burst per page, issued on consecutive cycles.
      h.fill_host(kHostBuf, 24 * 4096);
      h.put_descriptors(kDescArray,
                        {{kHostBuf, 0, 24 * 4096, from_device ? DMA_DESC_FROM_DEVICE : 0u, 0}});
      h.start(0, kDescArray, 1);
      ASSERT_TRUE(until_requests(h, 0, 1));
      h.ticks(k);
      abort_channel(h, 0);
      const RunResult at_abort = h.read_result(0);
      const std::vector<std::uint8_t> vram_at_abort = h.vram;
      const auto d2 = pages(h, 2, !from_device, kHostBuf + 0x200000, 0x30000, 0x5);
      h.put_descriptors(kDescArray2, d2);
      h.snapshot();
      Reference ref = h.predict(kDescArray2, 2);
      ref.host_dont_care.push_back(Range{kHostBuf, 24 * 4096});
      ASSERT_TRUE(h.wait_quiet(0));
      EXPECT_EQ(h.vram, vram_at_abort);
      EXPECT_EQ(h.read_result(0).bytes, at_abort.bytes);
      EXPECT_EQ(h.ch_read(0, DMA_STATUS), 0u);
      restart(h, 0, kDescArray2, 2);
      ASSERT_TRUE(h.wait_idle(0));
      check_run(h, 0, h.read_result(0), ref, 0);
    }
  }
}
