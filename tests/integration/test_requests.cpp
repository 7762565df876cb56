// Whole requests through the whole platform: for every map-register count and direction, a
// workload of requests at awkward offsets and sizes must move byte-exact, in exactly the number of
// StartDma/CompleteDma cycles the WDK chunking rule gives, with one interrupt and one DPC each.
#include <gtest/gtest.h>

#include <algorithm>
#include <tuple>
#include <vector>

#include "models/page.h"
#include "sim/platform.h"

namespace dmasim {
namespace {

std::vector<RequestSpec> grid(bool to_device, std::uint64_t max_size) {
  std::vector<RequestSpec> out;
  for (std::uint64_t offset : {0, 1, 2047, 4095})
    for (std::uint64_t size : {1ULL, 2ULL, 4095ULL, 4096ULL, 4097ULL, 8192ULL, 65537ULL,
                               (1ULL << 20) + 5, 3ULL << 20, 8ULL << 20})
      if (size <= max_size) out.push_back({size, offset, to_device});
  return out;
}

void expect_all_correct(const Platform& p, std::uint64_t n, bool one_interrupt_per_chunk = true) {
  ASSERT_TRUE(p.outcome().started);
  ASSERT_TRUE(p.outcome().finished) << "the workload did not finish";
  const auto& results = p.display_driver().results();
  ASSERT_EQ(results.size(), p.requests().size());
  for (const DvViolation& v : p.video_port().verifier().violations())
    ADD_FAILURE() << dv_name(v.code) << ": " << v.message;
  for (const RequestResult& r : results) {
    SCOPED_TRACE("size " + std::to_string(r.spec.size) + " offset " +
                 std::to_string(r.spec.offset) +
                 (r.spec.to_device ? " to-device" : " from-device"));
    EXPECT_EQ(r.status, NO_ERROR);
    EXPECT_TRUE(r.data_ok) << r.mismatch;
    const std::uint64_t span = ADDRESS_AND_SIZE_TO_SPAN_PAGES(r.spec.offset, r.spec.size);
    EXPECT_EQ(r.chunks, (span + n - 1) / n);
    EXPECT_TRUE(r.done);
    if (one_interrupt_per_chunk) {
      EXPECT_EQ(r.interrupts, r.chunks);
      EXPECT_EQ(r.dpcs, r.chunks);
    }
    EXPECT_GE(r.sg_elements, r.chunks);  // at least one element per chunk
    EXPECT_LE(r.sg_elements, span);      // at most one per page
    EXPECT_GT(r.end_ps, r.start_ps);
  }
}

class RequestGrid : public testing::TestWithParam<std::tuple<std::uint64_t, bool>> {};

TEST_P(RequestGrid, ChunkedByteExactWithOneInterruptAndDpcPerChunk) {
  const auto [n, to_device] = GetParam();
  SimConfig cfg;
  cfg.map_registers = n;
  // One map register means thousands of chunks per MiB: keep that run's sizes smaller.
  Platform p("platform", cfg, grid(to_device, n == 1 ? (1ULL << 20) + 5 : 8ULL << 20));
  p.run();
  expect_all_correct(p, n);
  EXPECT_EQ(p.video_port().stats().map_registers_granted, n);
}

INSTANTIATE_TEST_SUITE_P(MapRegisters, RequestGrid,
                         testing::Combine(testing::Values(1, 2, 3, 16, 64, 256), testing::Bool()),
                         [](const auto& info) {
                           return "N" + std::to_string(std::get<0>(info.param)) +
                                  (std::get<1>(info.param) ? "_to_device" : "_from_device");
                         });

TEST(Requests, DirectionsInterleavedInOneRun) {
  SimConfig cfg;
  cfg.map_registers = 8;
  std::vector<RequestSpec> reqs;
  for (int i = 0; i < 12; ++i)
    reqs.push_back({std::uint64_t(50000 + 777 * i), std::uint64_t(i * 300), i % 2 == 0});
  Platform p("platform", cfg, reqs);
  p.run();
  expect_all_correct(p, 8);
}

TEST(Requests, MapRegistersAreCappedByTheMiniportsMaximumLength) {
  // The miniport asks for MaximumLength = 16 MiB, i.e. BYTES_TO_PAGES + 1 = 4097 registers;
  // a platform limit above that grants no more than asked.
  SimConfig cfg;
  cfg.map_registers = 65536;
  Platform p("platform", cfg, {{20ULL << 20, 100, true}});
  p.run();
  expect_all_correct(p, 4097);
  EXPECT_EQ(p.video_port().stats().map_registers_granted, 4097u);
}

TEST(Requests, SimulatedTimeIsTheSumOfItsParts) {
  // One page to the device: nothing overlaps, so the request's simulated time must equal the sum
  // of the modelled costs on its critical path, to the picosecond. If a cost is dropped or
  // counted twice anywhere along the path, this fails.
  SimConfig cfg;
  Platform p("platform", cfg, {{4096, 0, true}});
  p.run();
  expect_all_correct(p, 16);
  const CpuCosts& k = cfg.cpu;
  const LinkParams& l = cfg.link;
  LinkOccupancy link(l);  // a fresh link replays the same transactions in the same order
  // HwVidStartIO: LockBuffer (1 page), then StartDma (1 page, 1 descriptor) at DISPATCH_LEVEL.
  ps_t t = k.lock_buffer_ps + k.lock_buffer_page_ps;
  t += k.start_dma_ps + k.start_dma_page_ps + k.descriptor_write_ps;
  // HwVidExecuteDma: four posted register writes; the doorbell reaches the device on arrival.
  ps_t doorbell = 0;
  for (int i = 0; i < 4; ++i) {
    doorbell = link.host_write(t, 0, 4);
    t += k.mmio_write_ps;
  }
  // The engine: descriptor fetch, the page, then its MSI (posted, upstream), whose 4 data bytes
  // first pass the engine's write mover like any posted write's (one 32-byte beat), each step
  // after the RTL's fixed latency from a clock edge (models/dma_engine.cpp). This replay counts
  // from the request's start; the clock, from time 0.
  const RequestResult& r = p.display_driver().results().at(0);
  const ps_t clk = cfg.rtl_clock_ps;
  const auto edge = [clk, s = r.start_ps](ps_t t, ps_t cycles) {
    return (t + s + clk - 1) / clk * clk + cycles * clk - s;
  };
  const ps_t desc = link.device_read(edge(doorbell, 4), 0, 32).data_done;
  const ps_t data = link.device_read(edge(desc, 5), 0, 4096).data_done;
  const ps_t msi =
      link.device_write(edge(data, 4) + 4 * clk + 32 * cfg.vram_ps_per_byte, 0xFEE00000, 4);
  // Passive thread waits; ISR: body, INT_STATUS read (round trip), W1C write, QueueDpc.
  ps_t isr = msi + k.msi_to_isr_ps + k.isr_body_ps;
  isr = link.host_read(isr, 0, 4) + k.mmio_write_ps + k.queue_dpc_ps;
  link.host_write(isr - k.mmio_write_ps - k.queue_dpc_ps, 0, 4);
  // DPC: latency, CompleteDma, SetEvent; the passive thread wakes, unlocks and returns.
  ps_t done = isr + k.dpc_latency_ps + k.complete_dma_ps + k.complete_dma_page_ps;
  done += k.thread_wake_ps + k.unlock_buffer_ps + k.unlock_buffer_page_ps;
  EXPECT_EQ(r.end_ps - r.start_ps, done);
}

TEST(Channels, TwoAdaptersStreamBothDirectionsAtOnce) {
  SimConfig cfg;
  cfg.map_registers = 32;
  std::vector<RequestSpec> reqs;
  std::uint64_t bytes[2] = {0, 0};
  for (unsigned i = 0; i < 6; ++i) {
    for (unsigned ch = 0; ch < 2; ++ch) {
      const std::uint64_t size = (300000 + 4099 * i) * (ch + 1);
      reqs.push_back({size, (i * 1365) % 4096, ch == 0, ch});
      bytes[ch] += size;
    }
  }
  Platform p("platform", cfg, reqs);
  p.run();
  expect_all_correct(p, 32, /*one_interrupt_per_chunk=*/false);
  // Each channel's data went through its own engine channel and its own adapter object.
  std::uint64_t chunks[2] = {0, 0};
  for (const RequestResult& r : p.display_driver().results()) chunks[r.spec.channel] += r.chunks;
  for (unsigned ch = 0; ch < 2; ++ch) {
    EXPECT_EQ(p.engine().bytes_moved(ch), bytes[ch]);
    EXPECT_EQ(p.video_port().adapter_stats(ch).complete_dma, chunks[ch]);
    EXPECT_EQ(p.video_port().adapter_stats(ch).map_registers_granted, 32u);
  }
  // They overlapped: the run is shorter than the two channels' request times added up.
  ps_t busy[2] = {0, 0};
  for (const RequestResult& r : p.display_driver().results())
    busy[r.spec.channel] += r.end_ps - r.start_ps;
  const ps_t total = p.outcome().last_done_ps - p.outcome().first_request_ps;
  EXPECT_LT(total, busy[0] + busy[1]);
  EXPECT_GE(total, std::max(busy[0], busy[1]));

  // One interrupt may serve both channels' completions, and one queued DPC the completions of
  // several interrupts (VideoPortQueueDpc returns FALSE while it is queued).
  EXPECT_LE(p.cpu().isr_claimed(), chunks[0] + chunks[1]);
  EXPECT_LE(p.cpu().dpc_count(), p.cpu().isr_claimed());
  EXPECT_GT(p.cpu().dpc_count(), 0u);
}

}  // namespace
}  // namespace dmasim
