// Unit tests of the plain C++ cores (no SystemC): page arithmetic, sparse memory, the frame
// allocator, the driver's address space, and the parameter/CLI front end.
//
// Expected values are derived by hand (reasoning in the comments) or by brute force written here,
// never copied from a run.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "firmware/virtual_memory.h"
#include "models/frame_allocator.h"
#include "models/page.h"
#include "models/sparse_memory.h"
#include "sim/config.h"
#include "sim/params.h"

namespace dmasim {
namespace {

constexpr std::uint64_t kKiB = 1024;
constexpr std::uint64_t kMiB = 1024 * kKiB;
constexpr std::uint64_t kGiB = 1024 * kMiB;
constexpr std::uint64_t kPage = 4096;

// ---------------------------------------------------------------------------------------------
// models/page.h

// Pages touched by [first, first + size), counted one page at a time.
std::uint64_t brute_span_pages(std::uint64_t first, std::uint64_t size) {
  if (size == 0) return 0;
  std::uint64_t n = 0;
  for (std::uint64_t p = first / kPage; p * kPage < first + size; ++p) ++n;
  return n;
}

// StartDma/CompleteDma cycles as the driver loop runs them: each StartDma maps at most N pages
// starting at the current position's page and moves up to the end of the last mapped page.
std::uint64_t brute_chunks(std::uint64_t offset, std::uint64_t size, std::uint64_t n) {
  std::uint64_t pos = offset;
  const std::uint64_t end = offset + size;
  std::uint64_t chunks = 0;
  while (pos < end) {
    const std::uint64_t chunk_end = std::min(pos / kPage * kPage + n * kPage, end);
    pos = chunk_end;
    ++chunks;
  }
  return chunks;
}

TEST(Page, BytesToPagesByHand) {
  EXPECT_EQ(BYTES_TO_PAGES(0), 0u);
  EXPECT_EQ(BYTES_TO_PAGES(1), 1u);
  EXPECT_EQ(BYTES_TO_PAGES(4095), 1u);
  EXPECT_EQ(BYTES_TO_PAGES(4096), 1u);
  EXPECT_EQ(BYTES_TO_PAGES(4097), 2u);
  EXPECT_EQ(BYTES_TO_PAGES(8192), 2u);
  EXPECT_EQ(BYTES_TO_PAGES(1 * kMiB), 256u);
  EXPECT_EQ(BYTES_TO_PAGES(1 * kMiB + 1), 257u);
  EXPECT_EQ(BYTES_TO_PAGES(4 * kGiB), 1048576u);  // beyond 32 bits: 2^32 / 2^12 = 2^20
  EXPECT_EQ(BYTE_OFFSET(0x12345FFF), 0xFFFu);
  EXPECT_EQ(PAGE_ALIGN(0x12345FFF), 0x12345000u);
}

TEST(Page, SpanPagesByHand) {
  EXPECT_EQ(ADDRESS_AND_SIZE_TO_SPAN_PAGES(0, 0), 0u);
  EXPECT_EQ(ADDRESS_AND_SIZE_TO_SPAN_PAGES(4095, 0), 0u);
  EXPECT_EQ(ADDRESS_AND_SIZE_TO_SPAN_PAGES(0, 4096), 1u);
  EXPECT_EQ(ADDRESS_AND_SIZE_TO_SPAN_PAGES(1, 4096), 2u);     // bytes 1..4096: pages 0 and 1
  EXPECT_EQ(ADDRESS_AND_SIZE_TO_SPAN_PAGES(4095, 1), 1u);     // the last byte of page 0
  EXPECT_EQ(ADDRESS_AND_SIZE_TO_SPAN_PAGES(4095, 2), 2u);     // straddles 4095|4096
  EXPECT_EQ(ADDRESS_AND_SIZE_TO_SPAN_PAGES(2047, 4096), 2u);  // 2047..6142
  EXPECT_EQ(ADDRESS_AND_SIZE_TO_SPAN_PAGES(2048, 2048), 1u);  // 2048..4095
  EXPECT_EQ(ADDRESS_AND_SIZE_TO_SPAN_PAGES(2048, 2049), 2u);
  // Only the byte offset within the page matters, not the page number (64-bit addresses too).
  EXPECT_EQ(ADDRESS_AND_SIZE_TO_SPAN_PAGES(0x7FFF00000000ULL + 4095, 2), 2u);
  EXPECT_EQ(ADDRESS_AND_SIZE_TO_SPAN_PAGES(0x123456000ULL + 1, 1 * kMiB), 257u);
}

TEST(Page, ChunksForRequestByHand) {
  // 1 MiB at offset 0 = 256 pages; 16 per StartDma -> 16 chunks.
  EXPECT_EQ(chunks_for_request(0, 1 * kMiB, 16), 16u);
  // 100 KiB at 4095: ceil((4095 + 102400) / 4096) = ceil(25.999) = 26 pages; ceil(26 / 4) = 7.
  EXPECT_EQ(chunks_for_request(4095, 100 * kKiB, 4), 7u);
  // 64 KiB at 1: 65537 bytes -> 17 pages -> 2 chunks of up to 16 pages.
  EXPECT_EQ(chunks_for_request(1, 64 * kKiB, 16), 2u);
  EXPECT_EQ(chunks_for_request(0, 64 * kKiB, 16), 1u);
  EXPECT_EQ(chunks_for_request(2047, 4096, 1), 2u);
  EXPECT_EQ(chunks_for_request(4095, 1, 1), 1u);
  EXPECT_EQ(chunks_for_request(4095, 2, 1), 2u);
  // 1 MiB at 2047: 1050623 bytes -> 257 pages; ceil(257 / 7) = 37 (36 * 7 = 252 < 257).
  EXPECT_EQ(chunks_for_request(2047, 1 * kMiB, 7), 37u);
  EXPECT_EQ(chunks_for_request(0, 1 * kMiB, 256), 1u);
  EXPECT_EQ(chunks_for_request(1, 1 * kMiB, 256), 2u);
}

TEST(Page, AgreesWithBruteForceOverGrid) {
  const std::vector<std::uint64_t> sizes = {1,
                                            2,
                                            100,
                                            2047,
                                            2048,
                                            2049,
                                            4094,
                                            4095,
                                            4096,
                                            4097,
                                            8191,
                                            8192,
                                            8193,
                                            12288,
                                            65535,
                                            65536,
                                            65537,
                                            100000,
                                            1 * kMiB - 1,
                                            1 * kMiB,
                                            1 * kMiB + 1,
                                            3 * kMiB + 12345,
                                            4 * kMiB,
                                            8 * kMiB - 1};
  for (std::uint64_t offset : {0ULL, 1ULL, 2047ULL, 4095ULL}) {
    for (std::uint64_t size : sizes) {
      ASSERT_EQ(BYTES_TO_PAGES(size), brute_span_pages(0, size)) << size;
      const std::uint64_t pages = brute_span_pages(offset, size);
      ASSERT_EQ(ADDRESS_AND_SIZE_TO_SPAN_PAGES(offset, size), pages) << offset << " " << size;
      // The same offset on a far-away page.
      ASSERT_EQ(ADDRESS_AND_SIZE_TO_SPAN_PAGES(0x5A5A5000ULL + offset, size), pages);
      for (std::uint64_t n = 1; n <= 256; ++n) {
        const std::uint64_t expect = brute_chunks(offset, size, n);
        ASSERT_EQ(chunks_for_request(offset, size, n), expect)
            << "offset " << offset << " size " << size << " N " << n;
        // DESIGN.md formula, written out: ceil(ceil((o + size) / 4096) / N).
        ASSERT_EQ(expect, ((offset + size + 4095) / 4096 + n - 1) / n);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// models/sparse_memory.h

std::vector<std::uint8_t> pattern(std::size_t n, std::uint8_t seed) {
  std::vector<std::uint8_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>(seed + i * 7 + (i >> 8));
  return v;
}

TEST(SparseMemory, UntouchedReadsZeroAndCostsNothing) {
  SparseMemory m(16 * kGiB);
  EXPECT_EQ(m.size(), 16 * kGiB);
  std::vector<std::uint8_t> buf(3 * kPage + 5, 0xEE);
  m.read(5 * kGiB + 17, buf.data(), buf.size());  // above 4 GiB
  EXPECT_TRUE(std::all_of(buf.begin(), buf.end(), [](std::uint8_t b) { return b == 0; }));
  EXPECT_EQ(m.resident_bytes(), 0u);  // reads do not allocate
}

TEST(SparseMemory, WriteReadAcrossPageBoundaries) {
  SparseMemory m(8 * kGiB);
  // 100 bytes from 50 below the boundary of pages 2|3: touches pages 2 and 3.
  const std::uint64_t a = 3 * kPage - 50;
  const auto data = pattern(100, 3);
  m.write(a, data.data(), data.size());
  EXPECT_EQ(m.resident_bytes(), 2 * kPage);
  std::vector<std::uint8_t> back(100);
  m.read(a, back.data(), back.size());
  EXPECT_EQ(back, data);
  // The bytes just outside the written range stay zero.
  std::uint8_t edge[2] = {0xFF, 0xFF};
  m.read(a - 1, &edge[0], 1);
  m.read(a + 100, &edge[1], 1);
  EXPECT_EQ(edge[0], 0);
  EXPECT_EQ(edge[1], 0);
  // 10000 bytes from 4090 above 4 GiB: 4GiB+4090 .. 4GiB+14089 covers pages 0..3 of that region.
  const std::uint64_t b = 4 * kGiB + 4090;
  const auto big = pattern(10000, 11);
  m.write(b, big.data(), big.size());
  EXPECT_EQ(m.resident_bytes(), 6 * kPage);
  std::vector<std::uint8_t> back2(10000);
  m.read(b, back2.data(), back2.size());
  EXPECT_EQ(back2, big);
  // A read spanning written and unwritten pages.
  std::vector<std::uint8_t> mixed(2 * kPage);
  m.read(4 * kGiB + 3 * kPage, mixed.data(), mixed.size());  // page 3 (part written), page 4 (none)
  const std::uint64_t written_in_page3 = b + 10000 - (4 * kGiB + 3 * kPage);  // 14090 - 12288
  EXPECT_EQ(written_in_page3, 1802u);
  EXPECT_TRUE(std::equal(mixed.begin(), mixed.begin() + 1802, big.end() - 1802));
  EXPECT_TRUE(std::all_of(mixed.begin() + 1802, mixed.end(), [](std::uint8_t x) { return !x; }));
  // fill touches pages as well.
  m.fill(kPage * 100 + 10, 0xAB, 5);
  std::uint8_t f[7];
  m.read(kPage * 100 + 9, f, 7);
  const std::uint8_t want[7] = {0, 0xAB, 0xAB, 0xAB, 0xAB, 0xAB, 0};
  EXPECT_EQ(std::memcmp(f, want, 7), 0);
}

TEST(SparseMemory, OutOfRangeThrows) {
  const std::uint64_t size = 8 * kGiB;
  SparseMemory m(size);
  std::uint8_t b[8] = {};
  EXPECT_NO_THROW(m.read(size - 4, b, 4));
  EXPECT_NO_THROW(m.write(size - 4, b, 4));
  EXPECT_NO_THROW(m.read(size, b, 0));
  EXPECT_THROW(m.read(size - 1, b, 2), std::out_of_range);
  EXPECT_THROW(m.read(size, b, 1), std::out_of_range);
  EXPECT_THROW(m.write(size - 3, b, 4), std::out_of_range);
  EXPECT_THROW(m.write(size + kPage, b, 1), std::out_of_range);
  EXPECT_THROW(m.fill(size - 1, 0, 2), std::out_of_range);
  EXPECT_THROW(m.page_ptr(size), std::out_of_range);
  // A length that would wrap around 2^64 must not pass the range check.
  EXPECT_THROW(m.read(16, b, ~0ULL - 8), std::out_of_range);
  EXPECT_THROW(m.write(16, b, ~0ULL - 8), std::out_of_range);
  EXPECT_FALSE(m.contains(16, ~0ULL - 8));
  EXPECT_TRUE(m.contains(0, size));
  EXPECT_FALSE(m.contains(0, size + 1));
  // Nothing was allocated by the failing writes: only the page holding size - 4.
  EXPECT_EQ(m.resident_bytes(), kPage);
}

TEST(SparseMemory, ResidentGrowsOnlyWithTouchedPages) {
  SparseMemory m(64 * kGiB);
  std::uint8_t b[16] = {1, 2, 3};
  m.write(0, b, 16);
  EXPECT_EQ(m.resident_bytes(), 1 * kPage);
  m.write(100, b, 16);  // same page
  m.write(kPage - 16, b, 16);
  EXPECT_EQ(m.resident_bytes(), 1 * kPage);
  m.write(60 * kGiB, b, 1);  // far away: one more page
  EXPECT_EQ(m.resident_bytes(), 2 * kPage);
  m.read(30 * kGiB, b, 16);
  EXPECT_EQ(m.resident_bytes(), 2 * kPage);
  // 600 separate pages (more than one 512-page slab): 600 more pages.
  for (std::uint64_t i = 0; i < 600; ++i) m.write(kGiB + i * 2 * kPage, b, 1);
  EXPECT_EQ(m.resident_bytes(), 602 * kPage);
  (void)m.page_ptr(2 * kGiB + 5);  // asking for a pointer backs the page
  EXPECT_EQ(m.resident_bytes(), 603 * kPage);
}

TEST(SparseMemory, PagePointersStayValidAsMemoryGrows) {
  SparseMemory m(64 * kGiB);
  std::uint8_t* p = m.page_ptr(7 * kPage + 123);
  *p = 0x5C;
  std::uint8_t v = 0;
  m.read(7 * kPage + 123, &v, 1);
  EXPECT_EQ(v, 0x5C);
  // Back 1500 other pages (several slabs), then write through the API: p still aliases it.
  std::uint8_t one = 1;
  for (std::uint64_t i = 0; i < 1500; ++i) m.write(kGiB + i * kPage, &one, 1);
  const std::uint8_t x = 0xA7;
  m.write(7 * kPage + 123, &x, 1);
  EXPECT_EQ(*p, 0xA7);
  EXPECT_EQ(m.page_ptr(7 * kPage + 123), p);
  EXPECT_EQ(m.page_ptr(7 * kPage), p - 123);
}

TEST(SparseMemory, MapContiguousKeepsContentsAndIsFlat) {
  SparseMemory m(8 * kGiB);
  const std::uint64_t base = 3 * kGiB + 40 * kPage;  // page-aligned
  // Touch pages 1 and 3 of a 4-page range; pages 0 and 2 stay untouched.
  const auto d1 = pattern(kPage, 1);
  const auto d3 = pattern(300, 9);
  m.write(base + 1 * kPage, d1.data(), d1.size());
  m.write(base + 3 * kPage + 1000, d3.data(), d3.size());
  EXPECT_EQ(m.resident_bytes(), 2 * kPage);
  std::uint8_t* flat = m.map_contiguous(base, 4 * kPage);
  ASSERT_NE(flat, nullptr);
  EXPECT_EQ(m.resident_bytes(), 4 * kPage);  // the whole range is backed now
  // Contents kept, untouched pages zero.
  EXPECT_TRUE(std::all_of(flat, flat + kPage, [](std::uint8_t x) { return !x; }));
  EXPECT_EQ(std::memcmp(flat + kPage, d1.data(), kPage), 0);
  EXPECT_TRUE(
      std::all_of(flat + 2 * kPage, flat + 3 * kPage + 1000, [](std::uint8_t x) { return !x; }));
  EXPECT_EQ(std::memcmp(flat + 3 * kPage + 1000, d3.data(), 300), 0);
  // One flat block: a write through the pointer across a page boundary is seen by read(), and
  // a write through the API is seen through the pointer.
  const auto w = pattern(200, 77);
  std::memcpy(flat + 2 * kPage - 100, w.data(), w.size());
  std::vector<std::uint8_t> back(200);
  m.read(base + 2 * kPage - 100, back.data(), back.size());
  EXPECT_EQ(back, w);
  const std::uint8_t z = 0x3D;
  m.write(base + 4 * kPage - 1, &z, 1);
  EXPECT_EQ(flat[4 * kPage - 1], 0x3D);
  for (std::uint64_t i = 0; i < 4; ++i) EXPECT_EQ(m.page_ptr(base + i * kPage), flat + i * kPage);
  // Bad ranges.
  EXPECT_THROW(m.map_contiguous(base + 1, kPage), std::invalid_argument);
  EXPECT_THROW(m.map_contiguous(base, 0), std::invalid_argument);
  EXPECT_THROW(m.map_contiguous(8 * kGiB - kPage, 2 * kPage), std::invalid_argument);
}

// ---------------------------------------------------------------------------------------------
// models/frame_allocator.h

std::vector<std::uint64_t> allocate_n(FrameAllocator& a, std::size_t n) {
  std::vector<std::uint64_t> v;
  for (std::size_t i = 0; i < n; ++i) v.push_back(a.allocate());
  return v;
}

TEST(FrameAllocator, DeterministicPerSeed) {
  const std::vector<FrameAllocator::Range> r = {{4096, 786432}, {1048576, 2097152}};
  FrameAllocator a(r, 42), b(r, 42), c(r, 43);
  const auto va = allocate_n(a, 300);
  EXPECT_EQ(va, allocate_n(b, 300));
  EXPECT_NE(va, allocate_n(c, 300));
  EXPECT_EQ(a.total(), (786432u - 4096u) + (2097152u - 1048576u));
}

TEST(FrameAllocator, FramesUniqueAndInRange) {
  const std::vector<FrameAllocator::Range> r = {{100, 3100}, {5000, 7000}};  // 3000 + 2000
  FrameAllocator a(r, 7);
  const auto v = allocate_n(a, 4000);
  const std::set<std::uint64_t> s(v.begin(), v.end());
  EXPECT_EQ(s.size(), 4000u);
  EXPECT_EQ(a.in_use(), 4000u);
  for (std::uint64_t f : v) EXPECT_TRUE((f >= 100 && f < 3100) || (f >= 5000 && f < 7000)) << f;
}

TEST(FrameAllocator, MostlyNonContiguous) {
  for (std::uint64_t seed : {1ULL, 2ULL, 99ULL}) {
    FrameAllocator a({{0, 1u << 22}}, seed);
    const auto v = allocate_n(a, 1000);
    int adjacent = 0;  // consecutive allocations that are physically adjacent (f, f + 1)
    for (std::size_t i = 1; i < v.size(); ++i) adjacent += v[i] == v[i - 1] + 1;
    std::vector<std::uint64_t> sorted = v;
    std::sort(sorted.begin(), sorted.end());
    int touching = 0;  // neighbouring frames anywhere in the allocated set
    for (std::size_t i = 1; i < sorted.size(); ++i) touching += sorted[i] == sorted[i - 1] + 1;
    // Some neighbours touch (a real free list is not perfectly scattered) but well under half,
    // so a scatter/gather list of N pages has many elements.
    EXPECT_GE(adjacent, 10) << "seed " << seed;
    EXPECT_LE(adjacent, 400) << "seed " << seed;
    EXPECT_GE(touching, 10) << "seed " << seed;
    EXPECT_LE(touching, 400) << "seed " << seed;
  }
}

TEST(FrameAllocator, FreeAndReallocate) {
  FrameAllocator a({{50, 60}}, 5);
  const auto v = allocate_n(a, 10);  // all ten
  EXPECT_EQ(std::set<std::uint64_t>(v.begin(), v.end()).size(), 10u);
  EXPECT_EQ(a.in_use(), 10u);
  EXPECT_THROW(a.allocate(), std::runtime_error);
  a.free(53);
  EXPECT_EQ(a.in_use(), 9u);
  EXPECT_EQ(a.allocate(), 53u);  // the only free frame
  EXPECT_EQ(a.in_use(), 10u);
  a.free(50);
  a.free(59);
  const std::uint64_t x = a.allocate(), y = a.allocate();
  EXPECT_EQ(std::set<std::uint64_t>({x, y}), std::set<std::uint64_t>({50, 59}));
  EXPECT_THROW(a.allocate(), std::runtime_error);
  a.free(55);
  EXPECT_THROW(a.free(55), std::logic_error);  // double free
  EXPECT_THROW(a.free(1000), std::logic_error);
}

TEST(FrameAllocator, ExhaustionThrowsAndRejectsEmptyRanges) {
  FrameAllocator a({{0, 16}}, 3);
  allocate_n(a, 16);
  EXPECT_EQ(a.in_use(), 16u);
  EXPECT_EQ(a.total(), 16u);
  EXPECT_THROW(a.allocate(), std::runtime_error);
  EXPECT_THROW(a.allocate_contiguous(1, 1000), std::runtime_error);
  EXPECT_THROW(FrameAllocator({{10, 10}}, 1), std::invalid_argument);
  EXPECT_THROW(FrameAllocator({}, 1), std::invalid_argument);
}

// Lowest f with [f, f + n) free and f + n <= limit, or ~0 if none (first fit from the bottom).
std::uint64_t brute_first_fit(const std::set<std::uint64_t>& used, std::uint64_t lo,
                              std::uint64_t hi, std::uint64_t n, std::uint64_t limit) {
  for (std::uint64_t f = lo; f + n <= std::min(hi, limit); ++f) {
    bool ok = true;
    for (std::uint64_t g = f; g < f + n && ok; ++g) ok = used.count(g) == 0;
    if (ok) return f;
  }
  return ~0ULL;
}

TEST(FrameAllocator, AllocateContiguousFindsFreeRunBelowLimit) {
  FrameAllocator a({{0, 2000}}, 11);
  const auto v = allocate_n(a, 700);  // scattered holes of 0..3 frames between them
  std::set<std::uint64_t> used(v.begin(), v.end());
  for (std::uint64_t n : {1ULL, 2ULL, 4ULL, 8ULL}) {
    for (std::uint64_t limit : {300ULL, 2000ULL}) {
      const std::uint64_t expect = brute_first_fit(used, 0, 2000, n, limit);
      if (expect == ~0ULL) {
        EXPECT_THROW(a.allocate_contiguous(n, limit), std::runtime_error) << n << " " << limit;
        continue;
      }
      const std::uint64_t before = a.in_use();
      const std::uint64_t first = a.allocate_contiguous(n, limit);
      EXPECT_EQ(first, expect) << n << " " << limit;
      EXPECT_LE(first + n, limit);
      EXPECT_EQ(a.in_use(), before + n);
      for (std::uint64_t g = first; g < first + n; ++g) EXPECT_TRUE(used.insert(g).second) << g;
    }
  }
  // Later single allocations never hand out the contiguous frames.
  for (int i = 0; i < 200; ++i) EXPECT_TRUE(used.insert(a.allocate()).second);
  // Nothing fits under a limit lower than the run.
  EXPECT_THROW(a.allocate_contiguous(4, 3), std::runtime_error);
  // Runs come from the second range when the first is too short.
  FrameAllocator b({{10, 13}, {20, 30}}, 1);
  EXPECT_EQ(b.allocate_contiguous(5, 1000), 20u);
  EXPECT_EQ(b.allocate_contiguous(3, 1000), 10u);
}

// ---------------------------------------------------------------------------------------------
// firmware/virtual_memory.h

TEST(AddressSpace, AllocateTranslateFramesRelease) {
  FrameAllocator frames({{256, 256 + 4096}}, 9);
  const std::uint64_t base = 0x10000000;
  AddressSpace space(frames, base);
  struct Case {
    std::uint64_t size, offset, pages;
  };
  // Pages = ceil((offset + size) / 4096), by hand.
  const Case cases[] = {
      {10000, 0, 3},     // 10000 -> 3
      {10000, 1, 3},     // 10001 -> 3
      {10000, 4095, 4},  // 14095 -> 4
      {4096, 4095, 2},   // 8191 -> 2
      {1, 4095, 1},      // 4096 -> 1
  };
  std::vector<std::uint64_t> vas;
  std::uint64_t in_use = 0;
  std::set<std::uint64_t> all_frames;
  for (const Case& c : cases) {
    const std::uint64_t va = space.allocate(c.size, c.offset);
    vas.push_back(va);
    in_use += c.pages;
    EXPECT_EQ(va % kPage, c.offset);
    EXPECT_EQ(frames.in_use(), in_use);
    const auto f = space.frames_of(va, c.size);
    ASSERT_EQ(f.size(), c.pages);
    for (std::uint64_t i = 0; i < c.pages; ++i) {
      EXPECT_TRUE(all_frames.insert(f[i]).second) << "frame shared: " << f[i];
      EXPECT_GE(f[i], 256u);
      EXPECT_LT(f[i], 256u + 4096u);
    }
    // translate keeps the byte offset and lands in the right frame, for the first byte, the
    // last byte of each page and the last byte of the buffer.
    std::vector<std::uint64_t> probes = {va, va + c.size - 1};
    for (std::uint64_t p = va / kPage * kPage + kPage - 1; p < va + c.size; p += kPage)
      probes.push_back(p);
    for (std::uint64_t p : probes) {
      const std::uint64_t page_index = p / kPage - va / kPage;
      EXPECT_EQ(space.translate(p), f[page_index] * kPage + p % kPage);
      EXPECT_TRUE(space.is_mapped(p));
    }
    // frames_of a sub-range: the pages it spans.
    if (c.size > 2) {
      const std::vector<std::uint64_t> second_byte = {f[(va % kPage + 1) / kPage]};
      EXPECT_EQ(space.frames_of(va + 1, 1), second_byte);
    }
    // The byte after the last page is the guard page: unmapped.
    const std::uint64_t after = (va + c.size + kPage - 1) / kPage * kPage;
    EXPECT_FALSE(space.is_mapped(after));
    EXPECT_THROW(space.translate(after), std::out_of_range);
  }
  EXPECT_THROW(space.translate(base - 1), std::out_of_range);
  EXPECT_THROW(space.translate(0), std::out_of_range);
  EXPECT_THROW(space.allocate(10, 4096), std::invalid_argument);
  EXPECT_THROW(space.release(vas[0] + 1), std::logic_error);
  for (std::uint64_t va : vas) space.release(va);
  EXPECT_EQ(frames.in_use(), 0u);
  for (std::uint64_t va : vas) {
    EXPECT_FALSE(space.is_mapped(va));
    EXPECT_THROW(space.translate(va), std::out_of_range);
  }
  EXPECT_THROW(space.release(vas[0]), std::logic_error);  // released twice
}

TEST(AddressSpace, BuffersAreScattered) {
  FrameAllocator frames({{0, 1u << 20}}, 4);
  AddressSpace space(frames, 0x40000000);
  const std::uint64_t va = space.allocate(1 * kMiB, 0);
  const auto f = space.frames_of(va, 1 * kMiB);
  ASSERT_EQ(f.size(), 256u);
  int breaks = 0;  // places where the next virtual page is not the next physical frame
  for (std::size_t i = 1; i < f.size(); ++i) breaks += f[i] != f[i - 1] + 1;
  EXPECT_GE(breaks, 128);  // at most half of the neighbours touch
}

// ---------------------------------------------------------------------------------------------
// sim/params.h, sim/config.h

TEST(ParamSet, ParseBytes) {
  bool ok = false;
  EXPECT_EQ(ParamSet::parse_bytes("0", &ok), 0u);
  EXPECT_TRUE(ok);
  EXPECT_EQ(ParamSet::parse_bytes("4097", &ok), 4097u);
  EXPECT_TRUE(ok);
  EXPECT_EQ(ParamSet::parse_bytes("3K", &ok), 3072u);
  EXPECT_TRUE(ok);
  EXPECT_EQ(ParamSet::parse_bytes("2M", &ok), 2097152u);
  EXPECT_TRUE(ok);
  EXPECT_EQ(ParamSet::parse_bytes("5G", &ok), 5368709120u);
  EXPECT_TRUE(ok);
  EXPECT_EQ(ParamSet::parse_bytes("1k", &ok), 1024u);
  EXPECT_TRUE(ok);
  // 2^34 G = 2^64 does not fit; 2^34 - 1 G does.
  ParamSet::parse_bytes("17179869184G", &ok);
  EXPECT_FALSE(ok);
  EXPECT_EQ(ParamSet::parse_bytes("17179869183G", &ok), 18446744072635809792ULL);
  EXPECT_TRUE(ok);
  for (const char* bad : {"", "-1", "abc", "1T", "1 K", " 1", "1KK", "K", "0x10", "1.5M",
                          "99999999999999999999", "99999999999999999999G"}) {
    ok = true;
    ParamSet::parse_bytes(bad, &ok);
    EXPECT_FALSE(ok) << "'" << bad << "'";
  }
}

TEST(ParamSet, ToJsonUsesUnderscoresForEveryKey) {
  ParamSet p;
  std::uint32_t count = 3;
  std::string mode = "a", out;
  std::uint64_t lat_ps = 0;
  p.add_uint("foo-bar", &count, 0, 10, "a count");
  p.add_enum("mode", &mode, {"a", "b"}, "a mode");
  p.add_string("out-path", &out, "a path");
  p.add_time_ns("lat-ns", &lat_ps, 100, "a latency");
  p.set("foo_bar", "7", "--foo-bar");  // '_' and '-' name the same parameter
  p.set("lat-ns", "1.5", "--lat-ns");
  EXPECT_EQ(count, 7u);
  EXPECT_EQ(lat_ps, 1500u);
  nlohmann::json j = p.to_json();
  EXPECT_EQ(j, nlohmann::json::parse(R"({"foo_bar":7,"mode":"a","out_path":"","lat_ns":1.5})"));
  EXPECT_THROW(p.set("nope", "1", "--nope"), UsageError);
  try {
    p.set("foo-bar", "11", "--foo-bar");
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("--foo-bar: ", 0), 0u) << e.what();
    EXPECT_NE(std::string(e.what()).find("0..10"), std::string::npos) << e.what();
  }
  EXPECT_EQ(count, 7u);  // unchanged by the rejected value
}

TEST(ParamSet, RegisteredParamsAllInJson) {
  SimConfig cfg;
  ParamSet p;
  register_params(cfg, p);
  nlohmann::json j = p.to_json();
  // The DESIGN.md option names, with '_'.
  for (const char* key : {"size", "offset", "map_registers", "direction", "requests", "channels",
                          "engine", "iommu", "seed", "vcd", "json"})
    EXPECT_TRUE(j.contains(key)) << key;
  // Defaults from sim/config.h.
  EXPECT_EQ(j["size"], 1048576u);
  EXPECT_EQ(j["offset"], 0u);
  EXPECT_EQ(j["map_registers"], 16u);
  EXPECT_EQ(j["direction"], "to-device");
  EXPECT_EQ(j["engine"], "tlm");
  EXPECT_EQ(j["iommu"], "off");
  EXPECT_EQ(j["channels"], 1u);
  // Every option the help lists ("  --name (range)") is a key of to_json with '_', and no other.
  std::istringstream help(p.help());
  std::set<std::string> listed;
  for (std::string line; std::getline(help, line);) {
    if (line.rfind("  --", 0) != 0) continue;
    std::string name = line.substr(4, line.find(' ', 4) - 4);
    std::replace(name.begin(), name.end(), '-', '_');
    listed.insert(name);
  }
  std::set<std::string> keys;
  for (const auto& [k, v] : j.items()) {
    keys.insert(k);
    EXPECT_EQ(k.find('-'), std::string::npos) << k;
  }
  EXPECT_GE(keys.size(), 11u);
  EXPECT_EQ(keys, listed);
}

// parse_cli front end ---------------------------------------------------------------------------

CliAction parse(const std::vector<std::string>& args, SimConfig& cfg, std::string* help) {
  std::vector<const char*> argv = {"dmasim"};
  for (const auto& a : args) argv.push_back(a.c_str());
  return parse_cli(static_cast<int>(argv.size()), argv.data(), 1, cfg, help);
}

SimConfig parse_ok(const std::vector<std::string>& args) {
  SimConfig cfg;
  std::string help;
  EXPECT_EQ(parse(args, cfg, &help), CliAction::kRun);
  return cfg;
}

// The UsageError message, or "<no error>".
std::string usage_error(const std::vector<std::string>& args) {
  SimConfig cfg;
  std::string help;
  try {
    parse(args, cfg, &help);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "<no error>";
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.rfind(prefix, 0) == 0;
}

TEST(ParseCli, DefaultsAndSuffixes) {
  const SimConfig d = parse_ok({});
  EXPECT_EQ(d.size, 1048576u);
  EXPECT_EQ(d.map_registers, 16u);
  EXPECT_EQ(d.requests, 1u);
  const SimConfig c =
      parse_ok({"--size",     "3K",  "--offset",    "2047",        "--map-registers", "65536",
                "--requests", "3",   "--direction", "from-device", "--seed",          "0",
                "--quantum",  "1.5", "--read-rtt",  "550",         "--vcd",           "w.vcd",
                "--json",     "-",   "--quiet"});
  EXPECT_EQ(c.size, 3072u);
  EXPECT_EQ(c.offset, 2047u);
  EXPECT_EQ(c.map_registers, 65536u);
  EXPECT_EQ(c.requests, 3u);
  EXPECT_EQ(c.direction, "from-device");
  EXPECT_FALSE(c.to_device());
  EXPECT_EQ(c.seed, 0u);
  EXPECT_EQ(c.quantum_ps, 1500u);
  EXPECT_EQ(c.link.read_rtt_ps, 550000u);
  EXPECT_EQ(c.vcd, "w.vcd");
  EXPECT_EQ(c.json, "-");
  EXPECT_TRUE(c.quiet);
  EXPECT_EQ(parse_ok({"--size", "2M"}).size, 2097152u);
  EXPECT_EQ(parse_ok({"--size", "1G"}).size, 1073741824u);
  // The maximum is VideoPortLockBuffer's ULONG Length: 2^32 - 1; 4194303K = 2^32 - 1024.
  EXPECT_EQ(parse_ok({"--size", "4294967295"}).size, 4294967295u);
  EXPECT_EQ(parse_ok({"--size", "4194303K"}).size, 4294966272u);
  EXPECT_EQ(parse_ok({"--size", "4097"}).size, 4097u);
  EXPECT_EQ(parse_ok({"--host-memory", "8G"}).host_memory_bytes, 8589934592u);
  // --opt=value and '_' spellings.
  EXPECT_EQ(parse_ok({"--size=4K"}).size, 4096u);
  EXPECT_EQ(parse_ok({"--map_registers", "8"}).map_registers, 8u);
  EXPECT_EQ(parse_ok({"--map-registers=1"}).map_registers, 1u);
  EXPECT_EQ(parse_ok({"--size", "1K", "--size", "2K"}).size, 2048u);  // the last one wins
}

TEST(ParseCli, BadValuesNameTheOption) {
  struct Bad {
    std::vector<std::string> args;
    std::string prefix;
  };
  const Bad bad[] = {
      {{"--size", ""}, "--size: "},
      {{"--size", "-1"}, "--size: "},
      {{"--size", "0"}, "--size: "},
      {{"--size", "abc"}, "--size: "},
      {{"--size", "1T"}, "--size: "},
      {{"--size", "4G"}, "--size: "},  // 2^32: one above the ULONG maximum
      {{"--size", "4294967296"}, "--size: "},
      {{"--size", "4194304K"}, "--size: "},
      {{"--size", "99999999999999999999G"}, "--size: "},
      {{"--size", "99999999999999999999"}, "--size: "},
      {{"--size="}, "--size: "},
      {{"--map-registers", "0"}, "--map-registers: "},
      {{"--map-registers", "-1"}, "--map-registers: "},
      {{"--map-registers", "65537"}, "--map-registers: "},
      {{"--map-registers", "1K"}, "--map-registers: "},  // not a byte count
      {{"--map-registers", "99999999999999999999"}, "--map-registers: "},
      {{"--map-registers", "4x"}, "--map-registers: "},
      {{"--requests", "0"}, "--requests: "},
      {{"--offset", "4096"}, "--offset: "},
      {{"--offset", "4K"}, "--offset: "},
      {{"--direction", "up"}, "--direction: "},
      {{"--direction", ""}, "--direction: "},
      {{"--engine", "gpu"}, "--engine: "},
      {{"--iommu", "maybe"}, "--iommu: "},
      {{"--channels", "3"}, "--channels: "},
      {{"--read-rtt", "-1"}, "--read-rtt: "},
      {{"--read-rtt", "abc"}, "--read-rtt: "},
      {{"--read-rtt", ""}, "--read-rtt: "},
      {{"--read-rtt", "nan"}, "--read-rtt: "},
      {{"--read-rtt", "2000000"}, "--read-rtt: "},
      {{"--vcd", ""}, "--vcd: "},
      {{"--bogus", "1"}, "--bogus: "},
      {{"--bogus"}, "--bogus: "},
      {{"--size"}, "--size: "},  // missing value
      {{"--map-registers", "4", "--json"}, "--json: "},
      {{"--config"}, "--config: "},
      {{"--config", ""}, "--config: "},
      {{"--engine", "verilog"}, "--engine: "},
      {{"--iotlb-entries", "64", "--iotlb-ways", "5"}, "--iotlb-ways: "},
  };
  for (const Bad& b : bad) {
    const std::string msg = usage_error(b.args);
    std::string joined;
    for (const auto& a : b.args) joined += "[" + a + "]";
    EXPECT_TRUE(starts_with(msg, b.prefix)) << joined << " -> " << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << joined << " -> " << msg;  // one line
  }
  // An injection that needs another option says which.
  EXPECT_NE(usage_error({"--inject", "hw:iommu-fault"}).find("needs --iommu on"),
            std::string::npos);
  // Every hardware fault works with either engine (the RTL implements DMA_CTRL_ABORT too).
  const SimConfig hang = parse_ok({"--inject", "hw:engine-hang@chunk=2", "--engine", "rtl"});
  EXPECT_EQ(hang.hw_fault, "engine-hang");
  EXPECT_EQ(hang.hw_fault_run, 2u);
  // Range in the message.
  EXPECT_NE(usage_error({"--map-registers", "0"}).find("1..65536"), std::string::npos);
  EXPECT_NE(usage_error({"--direction", "up"}).find("to-device|from-device"), std::string::npos);
  // A positional argument is rejected too.
  EXPECT_NE(usage_error({"sweep"}).find("'sweep'"), std::string::npos);
}

TEST(ParseCli, Help) {
  SimConfig cfg;
  std::string help;
  EXPECT_EQ(parse({"--size", "1K", "--help"}, cfg, &help), CliAction::kHelp);
  EXPECT_NE(help.find("--map-registers"), std::string::npos);
  EXPECT_NE(help.find("--config"), std::string::npos);
  help.clear();
  EXPECT_EQ(parse({"-h"}, cfg, &help), CliAction::kHelp);
  EXPECT_NE(help.find("--size"), std::string::npos);
}

class ConfigFile : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/dmasim_test_plain_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path) << text;
    return path;
  }
  std::string dir_;
};

TEST_F(ConfigFile, AppliesValuesAndCommandLineWins) {
  const std::string f =
      write("c.json",
            R"({"size": "2M", "map_registers": 8, "direction": "from-device", "offset": 1,
          "read-rtt": 600.5, "seed": 12345678901234})");
  const SimConfig a = parse_ok({"--config", f});
  EXPECT_EQ(a.size, 2097152u);
  EXPECT_EQ(a.map_registers, 8u);
  EXPECT_EQ(a.direction, "from-device");
  EXPECT_EQ(a.offset, 1u);
  EXPECT_EQ(a.link.read_rtt_ps, 600500u);
  EXPECT_EQ(a.seed, 12345678901234u);
  EXPECT_EQ(a.config_file, f);
  // The command line overrides the file, before or after --config.
  const SimConfig b = parse_ok({"--map-registers", "4", "--config", f});
  const SimConfig c = parse_ok({"--config", f, "--map-registers", "4"});
  const SimConfig e = parse_ok({"--config=" + f, "--map-registers=4"});
  for (const SimConfig* s : {&b, &c, &e}) {
    EXPECT_EQ(s->map_registers, 4u);
    EXPECT_EQ(s->size, 2097152u);  // still from the file
  }
}

TEST_F(ConfigFile, BadFilesRaise) {
  struct Bad {
    std::string text;      // file contents
    std::string contains;  // in the message besides the "--config" prefix
  };
  const Bad bad[] = {
      {"hello", "JSON"},
      {"", "JSON"},
      {R"({"size": 1)", "JSON"},  // truncated
      {"[1, 2]", "object"},
      {"42", "object"},
      {R"({"sizee": 1})", "'sizee'"},
      {R"({"size": 1, "bogus_key": 2})", "'bogus_key'"},
      {R"({"map_registers": 0})", "map_registers"},
      {R"({"map_registers": -3})", "map_registers"},
      {R"({"size": "abc"})", "size"},
      {R"({"size": true})", "size"},
      {R"({"size": ""})", "size"},  // (null, or "" for a string option, means not given)
      {R"({"size": [1]})", "size"},
      {R"({"direction": "up"})", "direction"},
      {R"({"engine": "vhdl"})", "engine"},
      {R"({"iotlb_replacement": "mru"})", "iotlb_replacement"},
      {R"({"channels": 3})", "channels"},
  };
  int i = 0;
  for (const Bad& b : bad) {
    const std::string f = write("bad" + std::to_string(i++) + ".json", b.text);
    const std::string msg = usage_error({"--config", f});
    EXPECT_TRUE(starts_with(msg, "--config")) << b.text << " -> " << msg;
    EXPECT_NE(msg.find(b.contains), std::string::npos) << b.text << " -> " << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << b.text << " -> " << msg;
  }
  const std::string missing = usage_error({"--config", dir_ + "/nonexistent.json"});
  EXPECT_TRUE(starts_with(missing, "--config: ")) << missing;
  EXPECT_NE(missing.find("nonexistent.json"), std::string::npos) << missing;
  EXPECT_TRUE(starts_with(usage_error({"--config", dir_}), "--config")) << "a directory";
}

}  // namespace
}  // namespace dmasim
