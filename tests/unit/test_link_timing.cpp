// Unit tests of the PCIe-like link occupancy model (models/link_timing.h).
//
// Expected values are computed by hand in the test, written as arithmetic with the reasoning in a
// comment; they are never copied from the model's output.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <vector>

#include "models/link_timing.h"

namespace dmasim {
namespace {

constexpr std::uint64_t kKiB = 1024;
constexpr std::uint64_t kMiB = 1024 * kKiB;

std::uint64_t ceil_div(std::uint64_t a, std::uint64_t b) {
  return (a + b - 1) / b;
}

// Gen3 x8 without DLLP tax: 8 GT/s * 8 lanes * 128/130 / 8 bit = 1024/130 B/ns, so one byte takes
// 130000/1024 = 126.953125 ps. Serialization of `bytes`, rounded up to whole ps:
std::uint64_t g3x8_ps(std::uint64_t bytes) {
  return ceil_div(bytes * 130000, 1024);
}

LinkParams gen3x8_no_dllp() {
  LinkParams p;  // gen 3, x8, MPS 256, MRRS 512, RCB 64, 24/20 B overhead, 550 ns, 32 tags
  p.dllp_overhead_ppm = 0;
  return p;
}

LinkParams config(unsigned gen, unsigned lanes, unsigned mps) {
  LinkParams p;  // default DLLP tax, MRRS 512, 32 tags
  p.gen = gen;
  p.lanes = lanes;
  p.mps = mps;
  return p;
}

// The four configurations of the long-stream tests. Gen4 x16 needs more than 32 tags to cover
// the 550 ns round trip: 32 tags * 512 B / 0.57 us = 28.7 GB/s is only just above its 27.8 GB/s
// read bandwidth, so it gets 64 tags (64 * 512 B / 0.57 us = 57 GB/s).
std::vector<LinkParams> stream_configs() {
  LinkParams g4 = config(4, 16, 512);
  g4.tags = 64;
  return {config(3, 8, 256), config(2, 4, 128), g4, config(1, 1, 128)};
}

// ---------------------------------------------------------------------------------------------
// Rates and formulas

TEST(LinkRates, GtPerSecondAndEncoding) {
  EXPECT_DOUBLE_EQ(gt_per_s(1), 2.5);
  EXPECT_DOUBLE_EQ(gt_per_s(2), 5.0);
  EXPECT_DOUBLE_EQ(gt_per_s(3), 8.0);
  EXPECT_DOUBLE_EQ(gt_per_s(4), 16.0);
  EXPECT_DOUBLE_EQ(gt_per_s(5), 32.0);
  EXPECT_EQ(gt_per_s(0), 0.0);
  EXPECT_EQ(gt_per_s(6), 0.0);
  EXPECT_DOUBLE_EQ(encoding_efficiency(1), 8.0 / 10.0);
  EXPECT_DOUBLE_EQ(encoding_efficiency(2), 8.0 / 10.0);
  EXPECT_DOUBLE_EQ(encoding_efficiency(3), 128.0 / 130.0);
  EXPECT_DOUBLE_EQ(encoding_efficiency(4), 128.0 / 130.0);
  EXPECT_DOUBLE_EQ(encoding_efficiency(5), 128.0 / 130.0);
  EXPECT_EQ(encoding_efficiency(0), 0.0);
}

TEST(LinkRates, RawBytesPerNs) {
  struct Case {
    unsigned gen, lanes;
    double expect;  // GT/s * lanes * encoding / 8 bits
  };
  const Case cases[] = {
      {1, 1, 2.5 * 1 * 0.8 / 8},               // 0.25 B/ns
      {1, 8, 2.5 * 8 * 0.8 / 8},               // 2 B/ns
      {1, 16, 2.5 * 16 * 0.8 / 8},             // 4 B/ns
      {2, 1, 5.0 * 1 * 0.8 / 8},               // 0.5 B/ns
      {2, 8, 5.0 * 8 * 0.8 / 8},               // 4 B/ns
      {2, 16, 5.0 * 16 * 0.8 / 8},             // 8 B/ns
      {3, 1, 8.0 * 1 * 128.0 / 130.0 / 8},     // 0.985 B/ns
      {3, 8, 8.0 * 8 * 128.0 / 130.0 / 8},     // 7.877 B/ns
      {3, 16, 8.0 * 16 * 128.0 / 130.0 / 8},   // 15.754 B/ns
      {4, 1, 16.0 * 1 * 128.0 / 130.0 / 8},    // 1.969 B/ns
      {4, 8, 16.0 * 8 * 128.0 / 130.0 / 8},    // 15.754 B/ns
      {4, 16, 16.0 * 16 * 128.0 / 130.0 / 8},  // 31.508 B/ns
      {5, 1, 32.0 * 1 * 128.0 / 130.0 / 8},    // 3.938 B/ns
      {5, 8, 32.0 * 8 * 128.0 / 130.0 / 8},    // 31.508 B/ns
      {5, 16, 32.0 * 16 * 128.0 / 130.0 / 8},  // 63.015 B/ns
  };
  for (const Case& c : cases) {
    LinkParams p;
    p.gen = c.gen;
    p.lanes = c.lanes;
    EXPECT_NEAR(raw_bytes_per_ns(p), c.expect, 1e-12) << "gen" << c.gen << " x" << c.lanes;
  }
  // Spot values as plain numbers, so the arithmetic above cannot hide a shared mistake.
  LinkParams p;
  EXPECT_NEAR(raw_bytes_per_ns(p), 7.876923, 1e-6);  // Gen3 x8
  p.gen = 1;
  p.lanes = 1;
  EXPECT_NEAR(raw_bytes_per_ns(p), 0.25, 1e-12);  // Gen1 x1: 250 MB/s per direction
}

TEST(LinkRates, EffectiveBandwidthFormulas) {
  // usable = raw * (1 - ppm / 1e6); write: usable * MPS / (MPS + 24); read: ... / (MPS + 20).
  const double tax = 1.0 - 81419e-6;  // default DLLP tax
  struct Case {
    unsigned gen, lanes, mps;
    double write, read;
  };
  const Case cases[] = {
      {3, 8, 256, 8.0 * 8 * 128 / 130 / 8 * tax * 256 / 280,
       8.0 * 8 * 128 / 130 / 8 * tax * 256 / 276},
      {2, 4, 128, 5.0 * 4 * 0.8 / 8 * tax * 128 / 152, 5.0 * 4 * 0.8 / 8 * tax * 128 / 148},
      {4, 16, 512, 16.0 * 16 * 128 / 130 / 8 * tax * 512 / 536,
       16.0 * 16 * 128 / 130 / 8 * tax * 512 / 532},
      {1, 1, 128, 2.5 * 1 * 0.8 / 8 * tax * 128 / 152, 2.5 * 1 * 0.8 / 8 * tax * 128 / 148},
  };
  for (const Case& c : cases) {
    const LinkParams p = config(c.gen, c.lanes, c.mps);
    EXPECT_NEAR(effective_write_GBps(p), c.write, 1e-9) << "gen" << c.gen << " x" << c.lanes;
    EXPECT_NEAR(effective_read_GBps(p), c.read, 1e-9) << "gen" << c.gen << " x" << c.lanes;
  }
  // Without the DLLP tax, Gen3 x8 MPS 256 writes: 7.8769 * 256 / 280 = 7.2017 GB/s.
  EXPECT_NEAR(effective_write_GBps(gen3x8_no_dllp()), 7.2017, 1e-4);
  // The defaults: 7.8769 * 0.918581 * 256 / 280 = 6.6154 GB/s (DESIGN.md expects "~6.7").
  EXPECT_NEAR(effective_write_GBps(LinkParams{}), 6.6154, 1e-4);
  EXPECT_NEAR(effective_read_GBps(LinkParams{}), 6.7113, 1e-4);  // ... * 256 / 276
}

// ---------------------------------------------------------------------------------------------
// Long streams converge to the formulas

TEST(LinkStream, LongWriteStreamMatchesEffectiveBandwidth) {
  for (const LinkParams& p : stream_configs()) {
    LinkOccupancy link(p);
    ps_t t = 0;
    for (std::uint64_t a = 0; a < 64 * kMiB; a += 4 * kKiB) t = link.device_write(t, a, 4 * kKiB);
    const double gbps = static_cast<double>(64 * kMiB) / (static_cast<double>(t) / 1000.0);
    std::printf("[ measured ] gen%u x%u MPS %u write %.4f GB/s (formula %.4f)\n", p.gen, p.lanes,
                p.mps, gbps, effective_write_GBps(p));
    EXPECT_NEAR(gbps, effective_write_GBps(p), 0.01 * effective_write_GBps(p));
    EXPECT_EQ(link.payload_bytes(LinkOccupancy::kUpstream), 64 * kMiB);
    EXPECT_EQ(link.tlps(LinkOccupancy::kUpstream), 64 * kMiB / p.mps);
    EXPECT_EQ(link.tlps(LinkOccupancy::kDownstream), 0u);
  }
}

TEST(LinkStream, LongReadStreamMatchesEffectiveBandwidth) {
  for (const LinkParams& p : stream_configs()) {
    LinkOccupancy link(p);
    ps_t t = 0;
    ps_t done = 0;
    for (std::uint64_t a = 0; a < 64 * kMiB; a += 4 * kKiB) {
      const LinkOccupancy::ReadTiming r = link.device_read(t, a, 4 * kKiB);
      t = r.issue_done;  // the engine issues the next piece as soon as its requests are out
      done = std::max(done, r.data_done);
    }
    const double gbps = static_cast<double>(64 * kMiB) / (static_cast<double>(done) / 1000.0);
    std::printf("[ measured ] gen%u x%u MPS %u read  %.4f GB/s (formula %.4f)\n", p.gen, p.lanes,
                p.mps, gbps, effective_read_GBps(p));
    EXPECT_NEAR(gbps, effective_read_GBps(p), 0.01 * effective_read_GBps(p));
    EXPECT_EQ(link.payload_bytes(LinkOccupancy::kDownstream), 64 * kMiB);
    EXPECT_EQ(link.tlps(LinkOccupancy::kUpstream), 64 * kMiB / p.mrrs);   // requests
    EXPECT_EQ(link.tlps(LinkOccupancy::kDownstream), 64 * kMiB / p.mps);  // completions
    EXPECT_EQ(link.payload_bytes(LinkOccupancy::kUpstream), 0u);
  }
}

TEST(LinkStream, OneTagMakesReadsLatencyBound) {
  LinkParams p = gen3x8_no_dllp();
  p.tags = 1;
  LinkOccupancy link(p);
  ps_t t = 0;
  ps_t done = 0;
  for (std::uint64_t a = 0; a < 1 * kMiB; a += 4 * kKiB) {
    const LinkOccupancy::ReadTiming r = link.device_read(t, a, 4 * kKiB);
    t = r.issue_done;
    done = std::max(done, r.data_done);
  }
  // Each 512 B request waits for the previous one's data: request 24 B, round trip 550 ns,
  // completions 2 * (20 + 256) = 552 B. Cycle = (24 + 552) * 126.953125 ps + 550000 ps
  // = 73125 + 550000 = 623125 ps per 512 B -> 512 / 623.125 ns = 0.8217 GB/s.
  const double cycle_ps = (24.0 + 552.0) * 130000.0 / 1024.0 + 550000.0;
  const double requests = 1.0 * kMiB / 512;
  EXPECT_NEAR(static_cast<double>(done), requests * cycle_ps, requests * 2.0);  // <= 2 ps rounding
  const double gbps = static_cast<double>(1 * kMiB) / (static_cast<double>(done) / 1000.0);
  EXPECT_NEAR(gbps, 512.0 / 623.125, 1e-4);
  EXPECT_LT(gbps, 0.12 * effective_read_GBps(p));  // far below the 7.13 GB/s the link can carry
}

TEST(LinkStream, MoreTagsNeverSlowerAndEnoughTagsSaturate) {
  double previous = 0.0;
  double last = 0.0;
  for (unsigned tags : {1u, 2u, 4u, 8u, 16u, 32u}) {
    LinkParams p;
    p.tags = tags;
    LinkOccupancy link(p);
    ps_t t = 0;
    ps_t done = 0;
    for (std::uint64_t a = 0; a < 4 * kMiB; a += 4 * kKiB) {
      const LinkOccupancy::ReadTiming r = link.device_read(t, a, 4 * kKiB);
      t = r.issue_done;
      done = std::max(done, r.data_done);
    }
    last = static_cast<double>(4 * kMiB) / (static_cast<double>(done) / 1000.0);
    EXPECT_GE(last, previous) << tags << " tags";
    previous = last;
  }
  // 32 tags * 512 B = 16 KiB in flight > 6.71 GB/s * 0.62 us = 4.2 KB needed.
  EXPECT_NEAR(last, effective_read_GBps(LinkParams{}), 0.01 * effective_read_GBps(LinkParams{}));
}

// ---------------------------------------------------------------------------------------------
// Splitting

TEST(LinkSplit, WriteSplitsAtMpsAnd4KiB) {
  LinkOccupancy link(gen3x8_no_dllp());
  // 4096 B at 0x100: 0x100..0x1000 is 15 TLPs of 256 B, the 4 KiB boundary at 0x1000 starts a
  // new TLP, 0x1000..0x1100 is the 16th. Wire: 16 * (24 + 256) = 4480 B.
  const ps_t end = link.device_write(0, 0x100, 4096);
  EXPECT_EQ(link.tlps(LinkOccupancy::kUpstream), 16u);
  EXPECT_EQ(link.payload_bytes(LinkOccupancy::kUpstream), 4096u);
  EXPECT_EQ(link.tlps(LinkOccupancy::kDownstream), 0u);
  EXPECT_EQ(end, g3x8_ps(16 * (24 + 256)));
  EXPECT_EQ(end, 568750u);  // 4480 * 126.953125 ps, exact
  EXPECT_EQ(link.busy_ps(LinkOccupancy::kUpstream), 568750u);
}

TEST(LinkSplit, WriteWithLargeMpsStillSplitsAt4KiB) {
  LinkParams p = gen3x8_no_dllp();
  p.mps = 4096;
  LinkOccupancy link(p);
  // 4096 B at 0x800 with MPS 4096: the 4 KiB boundary at 0x1000 splits it into 2 x 2048 B.
  const ps_t end = link.device_write(0, 0x800, 4096);
  EXPECT_EQ(link.tlps(LinkOccupancy::kUpstream), 2u);
  EXPECT_EQ(end, g3x8_ps(2 * 24 + 4096));
}

TEST(LinkSplit, UnalignedWriteGetsShortFirstTlp) {
  LinkOccupancy link(gen3x8_no_dllp());
  // 256 B at 0x20: 0x20..0x100 (224 B) then 0x100..0x120 (32 B); wire (24+224) + (24+32) = 304.
  const ps_t end = link.device_write(0, 0x20, 256);
  EXPECT_EQ(link.tlps(LinkOccupancy::kUpstream), 2u);
  EXPECT_EQ(end, g3x8_ps(304));  // 38593.75 -> 38594 ps
}

TEST(LinkSplit, ReadRequestsAtMrrsCompletionsAtMps) {
  LinkOccupancy link(gen3x8_no_dllp());
  const LinkOccupancy::ReadTiming r = link.device_read(0, 0, 4096);
  // 4096 / MRRS 512 = 8 requests upstream; 4096 / MPS 256 = 16 completions downstream.
  EXPECT_EQ(link.tlps(LinkOccupancy::kUpstream), 8u);
  EXPECT_EQ(link.payload_bytes(LinkOccupancy::kUpstream), 0u);
  EXPECT_EQ(link.tlps(LinkOccupancy::kDownstream), 16u);
  EXPECT_EQ(link.payload_bytes(LinkOccupancy::kDownstream), 4096u);
  // 8 back-to-back 24 B requests: 192 B * 126.953125 = 24375 ps.
  EXPECT_EQ(r.issue_done, 24375u);
  // First request done at ceil(3046.875) = 3047 ps, its data available 550 ns later; the
  // completions (16 * 276 B = 4416 B = 560625 ps) then run back to back, because each request's
  // 552 B of completions (70 ns) outlasts the 3 ns between requests.
  EXPECT_EQ(r.data_done, 3047u + 550000u + g3x8_ps(16 * (20 + 256)));
}

TEST(LinkSplit, ReadRequestsSplitAt4KiB) {
  LinkParams p = gen3x8_no_dllp();
  p.mrrs = 4096;
  LinkOccupancy link(p);
  link.device_read(0, 0x800, 4096);  // 0x800..0x1000 and 0x1000..0x1800
  EXPECT_EQ(link.tlps(LinkOccupancy::kUpstream), 2u);
  EXPECT_EQ(link.tlps(LinkOccupancy::kDownstream), 4096u / 256);
}

TEST(LinkSplit, UnalignedReadCompletesAtRcbBoundary) {
  LinkOccupancy link(gen3x8_no_dllp());
  // 512 B at 0x1010. Requests (MRRS 512): 0x1010..0x1200 (496 B), 0x1200..0x1210 (16 B).
  // Completions of request 1 (RCB 64, MPS 256): 0x1010..0x1040 (48 B, to the RCB boundary),
  // 0x1040..0x1140 (256 B), 0x1140..0x1200 (192 B); of request 2: 16 B. 4 completions.
  const LinkOccupancy::ReadTiming r = link.device_read(0, 0x1010, 512);
  EXPECT_EQ(link.tlps(LinkOccupancy::kUpstream), 2u);
  EXPECT_EQ(link.tlps(LinkOccupancy::kDownstream), 4u);
  EXPECT_EQ(link.payload_bytes(LinkOccupancy::kDownstream), 512u);
  // Request 2 starts at ceil(3046.875) = 3047 and ends at ceil(3047 + 3046.875) = 6094.
  EXPECT_EQ(r.issue_done, 6094u);
  // Request 1's data is available at 3047 + 550000; request 2's (at 556094) queues behind it.
  // Completion wire: (20+48) + (20+256) + (20+192) + (20+16) = 592 B = 75156.25 ps.
  EXPECT_EQ(r.data_done, 3047u + 550000u + g3x8_ps(592));
  // With whole-MPS completions instead (0x1010..0x1110, 0x1110..0x1200, ...) it would be 3
  // completions: make sure we really split at the RCB boundary.
  EXPECT_NE(link.tlps(LinkOccupancy::kDownstream), 3u);
}

TEST(LinkSplit, ShortUnalignedReadIsOneCompletion) {
  LinkOccupancy link(gen3x8_no_dllp());
  link.device_read(0, 0x1010, 16);  // ends before the RCB boundary at 0x1040
  EXPECT_EQ(link.tlps(LinkOccupancy::kDownstream), 1u);
}

TEST(LinkSplit, LargerRcbMovesTheFirstBoundary) {
  LinkParams p = gen3x8_no_dllp();
  p.rcb = 128;
  LinkOccupancy link(p);
  // 512 B at 0x1010 with RCB 128: 0x1010..0x1080 (112 B), 0x1080..0x1180, 0x1180..0x1200,
  // then request 2's 0x1200..0x1210. Wire: 132 + 276 + 148 + 36 = 592 B (same bytes, 4 TLPs).
  const LinkOccupancy::ReadTiming r = link.device_read(0, 0x1010, 512);
  EXPECT_EQ(link.tlps(LinkOccupancy::kDownstream), 4u);
  EXPECT_EQ(r.data_done, 3047u + 550000u + g3x8_ps(592));
}

TEST(LinkSplit, SingleSmallDeviceRead) {
  LinkOccupancy link(gen3x8_no_dllp());
  const LinkOccupancy::ReadTiming r = link.device_read(1000, 0x40, 64);
  // Request 24 B from t = 1000: ceil(1000 + 3046.875) = 4047; data after 550 ns; one completion
  // of 20 + 64 = 84 B = 10664.0625 ps -> 10665 ps.
  EXPECT_EQ(r.issue_done, 4047u);
  EXPECT_EQ(r.data_done, 4047u + 550000u + 10665u);
}

TEST(LinkSplit, HostAccessesUseTheOtherDirections) {
  LinkOccupancy link(gen3x8_no_dllp());
  // Doorbell: posted 4 B write downstream: 24 + 4 = 28 B = 3554.6875 ps -> 3555 ps.
  EXPECT_EQ(link.host_write(0, 0x1000, 4), 3555u);
  EXPECT_EQ(link.tlps(LinkOccupancy::kDownstream), 1u);
  EXPECT_EQ(link.tlps(LinkOccupancy::kUpstream), 0u);
  // Register read at t = 10000 ns: request downstream 24 B (3046.875 ps -> ends 10003047),
  // 550 ns, completion upstream 20 + 4 = 24 B (3046.875 ps).
  const ps_t t = 10000000;
  EXPECT_EQ(link.host_read(t, 0x1004, 4), t + 3047u + 550000u + 3047u);
  EXPECT_EQ(link.tlps(LinkOccupancy::kDownstream), 2u);
  EXPECT_EQ(link.tlps(LinkOccupancy::kUpstream), 1u);
  EXPECT_EQ(link.payload_bytes(LinkOccupancy::kUpstream), 4u);
}

TEST(LinkSplit, ZeroLengthIsFree) {
  LinkOccupancy link(LinkParams{});
  EXPECT_EQ(link.device_write(77, 0x1000, 0), 77u);
  EXPECT_EQ(link.host_write(77, 0x1000, 0), 77u);
  EXPECT_EQ(link.host_read(77, 0x1000, 0), 77u);
  const LinkOccupancy::ReadTiming r = link.device_read(77, 0x1000, 0);
  EXPECT_EQ(r.issue_done, 77u);
  EXPECT_EQ(r.data_done, 77u);
  EXPECT_EQ(link.tlps(LinkOccupancy::kUpstream) + link.tlps(LinkOccupancy::kDownstream), 0u);
}

// ---------------------------------------------------------------------------------------------
// Occupancy, contention and rounding

TEST(LinkOccupancyTest, RequestBeforeBusyUntilStartsAtBusyUntil) {
  LinkOccupancy link(gen3x8_no_dllp());
  // 256 B write = 280 B wire = 35546.875 ps.
  const ps_t e1 = link.device_write(0, 0, 256);
  EXPECT_EQ(e1, 35547u);
  EXPECT_EQ(link.busy_until(LinkOccupancy::kUpstream), e1);
  // Asked for t = 100 < busy_until: starts when the wire is free, 2 * 35546.875 = 71093.75.
  const ps_t e2 = link.device_write(100, 256, 256);
  EXPECT_EQ(e2, 71094u);
  // Asked for a time after busy_until: starts then.
  const ps_t e3 = link.device_write(1000000, 512, 256);
  EXPECT_EQ(e3, 1000000u + 35547u);
  EXPECT_EQ(link.busy_until(LinkOccupancy::kUpstream), e3);
  // Busy time counts only the wire time: 3 * 35546.875 = 106640.625 -> 106641.
  EXPECT_EQ(link.busy_ps(LinkOccupancy::kUpstream), 106641u);
}

TEST(LinkOccupancyTest, BusyUntilNeverDecreases) {
  LinkOccupancy link(LinkParams{});
  std::uint64_t x = 12345;  // deterministic LCG
  auto next = [&x]() {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    return x >> 33;
  };
  ps_t up = 0, down = 0;
  for (int i = 0; i < 20000; ++i) {
    const ps_t t = next() % 50000000;  // random times, often earlier than busy_until
    const std::uint64_t addr = next() % (1ull << 36);
    const std::uint64_t len = next() % 9000;
    switch (next() % 4) {
      case 0:
        link.device_write(t, addr, len);
        break;
      case 1:
        link.device_read(t, addr, len);
        break;
      case 2:
        link.host_write(t, addr, len % 64);
        break;
      default:
        link.host_read(t, addr, len % 64);
        break;
    }
    ASSERT_GE(link.busy_until(LinkOccupancy::kUpstream), up);
    ASSERT_GE(link.busy_until(LinkOccupancy::kDownstream), down);
    up = link.busy_until(LinkOccupancy::kUpstream);
    down = link.busy_until(LinkOccupancy::kDownstream);
    // Occupied intervals are disjoint and inside [0, busy_until].
    ASSERT_LE(link.busy_ps(LinkOccupancy::kUpstream), up);
    ASSERT_LE(link.busy_ps(LinkOccupancy::kDownstream), down);
  }
}

TEST(LinkOccupancyTest, RoundingDoesNotDrift) {
  {
    LinkOccupancy link(gen3x8_no_dllp());
    ps_t end = 0;
    for (int i = 0; i < 1024; ++i) end = link.device_write(0, 256u * i, 256);
    // 1024 * 280 B * 126.953125 ps = 36400000 ps exactly; rounding each TLP up to 35547 ps
    // would have given 36400128.
    EXPECT_EQ(end, 36400000u);
  }
  {
    // Default DLLP tax, whose ps-per-byte is not a short binary fraction: 64 MiB of MPS 256
    // writes = 262144 TLPs of 280 B at 7.876923 * 0.918581 B/ns.
    LinkOccupancy link(LinkParams{});
    ps_t end = 0;
    for (std::uint64_t a = 0; a < 64 * kMiB; a += 256) end = link.device_write(end, a, 256);
    const double exact_ps = 262144.0 * 280 * 1000 / (8.0 * 8 * 128 / 130 / 8 * (1 - 81419e-6));
    EXPECT_NEAR(static_cast<double>(end), exact_ps, 1.0);
    EXPECT_NEAR(static_cast<double>(link.busy_ps(LinkOccupancy::kUpstream)), exact_ps, 1.0);
  }
}

TEST(LinkOccupancyTest, InterleavedStreamsShareADirection) {
  LinkOccupancy link(gen3x8_no_dllp());
  // Two DMA write streams of 8 MiB each, alternating 4 KiB pieces, each issuing its next piece
  // when its previous one has crossed.
  ps_t ta = 0, tb = 0;
  for (std::uint64_t off = 0; off < 8 * kMiB; off += 4 * kKiB) {
    ta = link.device_write(ta, 0x100000000ull + off, 4 * kKiB);
    tb = link.device_write(tb, 0x200000000ull + off, 4 * kKiB);
  }
  // Each stream alone: 8 MiB / 256 = 32768 TLPs * 280 B * 126.953125 ps = 1164800000 ps.
  // Sharing the upstream direction, both finish after the sum: 2329600000 ps.
  const ps_t alone = 32768ull * 280 * 130000 / 1024;
  EXPECT_EQ(alone, 1164800000u);
  EXPECT_EQ(std::max(ta, tb), 2 * alone);
  EXPECT_GT(std::min(ta, tb), 2 * alone - 4 * 568750u);  // they finish one 4 KiB piece apart
  // Cross-check with separate links.
  LinkOccupancy a(gen3x8_no_dllp());
  ps_t t = 0;
  for (std::uint64_t off = 0; off < 8 * kMiB; off += 4 * kKiB) t = a.device_write(t, off, 4 * kKiB);
  EXPECT_EQ(t, alone);
}

TEST(LinkOccupancyTest, ReadRequestsShareUpstreamWithWrites) {
  LinkOccupancy link(gen3x8_no_dllp());
  // 1 MiB DMA write and 1 MiB DMA read issued together: upstream carries 4096 write TLPs of
  // 280 B and 2048 read requests of 24 B; downstream 4096 completions of 276 B.
  ps_t tw = 0, tr = 0;
  for (std::uint64_t off = 0; off < 1 * kMiB; off += 4 * kKiB) {
    tw = link.device_write(tw, off, 4 * kKiB);
    tr = link.device_read(tr, 0x80000000ull + off, 4 * kKiB).issue_done;
  }
  const std::uint64_t up_bytes = 4096u * 280u + 2048u * 24u;  // 1196032 B
  EXPECT_EQ(link.busy_ps(LinkOccupancy::kUpstream), g3x8_ps(up_bytes));
  EXPECT_EQ(link.busy_ps(LinkOccupancy::kDownstream), g3x8_ps(4096u * 276u));
  EXPECT_GE(link.busy_until(LinkOccupancy::kUpstream), g3x8_ps(up_bytes));
}

TEST(LinkOccupancyTest, DirectionsAreIndependent) {
  LinkOccupancy link(gen3x8_no_dllp());
  link.host_write(0, 0, 1 * kMiB);  // fills downstream for ~146 us
  // An upstream write right after still starts at 0: 4480 B = 568750 ps (see WriteSplits...).
  EXPECT_EQ(link.device_write(0, 0x100, 4096), 568750u);
}

TEST(LinkOccupancyTest, TagsRotateAcrossCalls) {
  LinkParams p = gen3x8_no_dllp();
  p.tags = 2;
  LinkOccupancy link(p);
  // Three single-request reads of 64 B at t = 0: the third reuses tag 0 and must wait until the
  // first read's data (24 B request, 550 ns, 84 B completion) has arrived.
  const LinkOccupancy::ReadTiming r1 = link.device_read(0, 0, 64);
  link.device_read(0, 64, 64);
  const LinkOccupancy::ReadTiming r3 = link.device_read(0, 128, 64);
  EXPECT_EQ(r1.data_done, 3047u + 550000u + 10665u);
  EXPECT_EQ(r3.issue_done, r1.data_done + 3047u);
}

TEST(LinkParamsTest, InvalidParametersThrow) {
  auto with = [](auto mutate) {
    LinkParams p;
    mutate(p);
    return p;
  };
  EXPECT_THROW(LinkOccupancy(with([](LinkParams& p) { p.gen = 0; })), std::invalid_argument);
  EXPECT_THROW(LinkOccupancy(with([](LinkParams& p) { p.gen = 6; })), std::invalid_argument);
  EXPECT_THROW(LinkOccupancy(with([](LinkParams& p) { p.lanes = 0; })), std::invalid_argument);
  EXPECT_THROW(LinkOccupancy(with([](LinkParams& p) { p.mps = 200; })), std::invalid_argument);
  EXPECT_THROW(LinkOccupancy(with([](LinkParams& p) { p.mps = 8192; })), std::invalid_argument);
  EXPECT_THROW(LinkOccupancy(with([](LinkParams& p) { p.mrrs = 0; })), std::invalid_argument);
  EXPECT_THROW(LinkOccupancy(with([](LinkParams& p) { p.rcb = 512; })), std::invalid_argument);
  EXPECT_THROW(LinkOccupancy(with([](LinkParams& p) { p.tags = 0; })), std::invalid_argument);
  EXPECT_THROW(LinkOccupancy(with([](LinkParams& p) { p.dllp_overhead_ppm = 1000000; })),
               std::invalid_argument);
  EXPECT_NO_THROW(LinkOccupancy(with([](LinkParams& p) { p.tags = 256; })));
  LinkOccupancy link(LinkParams{});
  EXPECT_THROW(link.device_write(0, ~0ull - 10, 100), std::out_of_range);
  EXPECT_THROW(link.device_read(0, ~0ull - 10, 100), std::out_of_range);
}

}  // namespace
}  // namespace dmasim
