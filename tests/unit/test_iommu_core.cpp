// Unit tests of the IOMMU cores (models/iommu_core.h): page-table format, walker and IOTLB.
//
// Expected values are derived by hand in the comments (table indices, write and read counts,
// hit/miss sequences); they are never copied from the model's output.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "models/iommu_core.h"

namespace dmasim {
namespace {

constexpr std::uint64_t kPage = 4096;

// Physical memory of the tables: unwritten cells read as zero (alloc_table hands out zeroed pages).
class MapMem : public PhysMem {
 public:
  std::uint64_t read64(std::uint64_t pa) override {
    ++reads;
    read_log.push_back(pa);
    const auto it = cells.find(pa);
    return it == cells.end() ? 0 : it->second;
  }
  void write64(std::uint64_t pa, std::uint64_t value) override {
    ++writes;
    cells[pa] = value;
  }
  void reset_counts() {
    reads = writes = 0;
    read_log.clear();
  }
  std::uint64_t cell(std::uint64_t pa) const {
    const auto it = cells.find(pa);
    return it == cells.end() ? 0 : it->second;
  }

  std::unordered_map<std::uint64_t, std::uint64_t> cells;
  unsigned reads = 0, writes = 0;
  std::vector<std::uint64_t> read_log;
};

// IOVA whose level-3 (root) .. level-0 (leaf) table indices are l3 .. l0.
constexpr std::uint64_t iova_of(std::uint64_t l3, std::uint64_t l2, std::uint64_t l1,
                                std::uint64_t l0) {
  return l3 << 39 | l2 << 30 | l1 << 21 | l0 << 12;
}

constexpr std::uint64_t kTableFlags = IOPTE_PRESENT | IOPTE_READ | IOPTE_WRITE;  // 0x7

// Table pages come from a bump allocator at 4 GiB: the k-th allocation (root = 0) is table(k).
class PageTableTest : public ::testing::Test {
 protected:
  static constexpr std::uint64_t kTableBase = 0x1'0000'0000;
  static std::uint64_t table(unsigned k) { return kTableBase + k * kPage; }

  MapMem mem;
  std::uint64_t next_table = kTableBase;
  unsigned allocations = 0;
  IoPageTable pt{mem, [this] {
                   ++allocations;
                   const std::uint64_t pa = next_table;
                   next_table += kPage;
                   return pa;
                 }};
};

constexpr std::uint64_t kIovaA = iova_of(3, 5, 7, 9);
constexpr std::uint64_t kPaA = 0x2'3456'7000;
constexpr std::uint64_t kPaB = 0xA'BCDE'F000;

// ---------------------------------------------------------------------------------------------
// Page table: map / unmap

TEST_F(PageTableTest, ConstructorAllocatesOnlyTheRoot) {
  EXPECT_EQ(pt.root(), table(0));
  EXPECT_EQ(pt.table_pages(), 1u);
  EXPECT_EQ(allocations, 1u);
  EXPECT_EQ(mem.writes, 0u);
}

TEST_F(PageTableTest, MapCreatesMissingTablesAndCountsWrites) {
  // First page: the root's slot 3 is empty, so the level-2, level-1 and leaf tables are created
  // (tables 1, 2, 3): 3 parent-entry writes + 1 leaf write = 4; pages = root + 3 = 4.
  EXPECT_EQ(pt.map(kIovaA, kPaA, true, false), 4u);
  EXPECT_EQ(pt.table_pages(), 4u);
  EXPECT_EQ(allocations, 4u);
  EXPECT_EQ(mem.writes, 4u);
  EXPECT_EQ(mem.cell(table(0) + 3 * 8), table(1) | kTableFlags);
  EXPECT_EQ(mem.cell(table(1) + 5 * 8), table(2) | kTableFlags);
  EXPECT_EQ(mem.cell(table(2) + 7 * 8), table(3) | kTableFlags);
  EXPECT_EQ(mem.cell(table(3) + 9 * 8), kPaA | IOPTE_PRESENT | IOPTE_READ);  // read-only leaf

  // Next page of the same 2 MiB region: same leaf table, slot 10: only the leaf is written.
  EXPECT_EQ(pt.map(iova_of(3, 5, 7, 10), kPaB, true, true), 1u);
  EXPECT_EQ(pt.table_pages(), 4u);
  EXPECT_EQ(mem.cell(table(3) + 10 * 8), kPaB | IOPTE_PRESENT | IOPTE_READ | IOPTE_WRITE);

  // 1 GiB further: level-2 slot 6 instead of 5 -> a new level-1 table (4) and leaf table (5):
  // 2 parent writes + leaf = 3; pages 4 + 2 = 6.
  EXPECT_EQ(pt.map(kIovaA + (1ULL << 30), kPaA, true, true), 3u);
  EXPECT_EQ(pt.table_pages(), 6u);
  EXPECT_EQ(mem.cell(table(1) + 6 * 8), table(4) | kTableFlags);
  EXPECT_EQ(mem.cell(table(4) + 7 * 8), table(5) | kTableFlags);

  // 512 GiB further: root slot 4 -> three new tables (6, 7, 8) + leaf = 4 writes; pages 9.
  EXPECT_EQ(pt.map(kIovaA + (1ULL << 39), kPaA, true, true), 4u);
  EXPECT_EQ(pt.table_pages(), 9u);
  EXPECT_EQ(allocations, 9u);
  EXPECT_EQ(mem.cell(table(0) + 4 * 8), table(6) | kTableFlags);

  // The highest IOVA (2^48 - 4 KiB, every index 511) is legal: root slot 511 is new, 4 writes.
  EXPECT_EQ(pt.map((1ULL << 48) - kPage, kPaB, false, true), 4u);
  EXPECT_EQ(pt.table_pages(), 12u);
  EXPECT_EQ(mem.cell(table(11) + 511 * 8), kPaB | IOPTE_PRESENT | IOPTE_WRITE);
}

TEST_F(PageTableTest, RemapOverwritesTheLeafOnly) {
  pt.map(kIovaA, kPaA, true, false);
  EXPECT_EQ(pt.map(kIovaA, kPaB, true, true), 1u);  // tables exist: one leaf write
  EXPECT_EQ(pt.table_pages(), 4u);
  const WalkResult r = walk(mem, pt.root(), kIovaA, true);
  EXPECT_EQ(r.fault, IoFault::kNone);
  EXPECT_EQ(r.pa_page, kPaB);
  EXPECT_TRUE(r.writable);
}

TEST_F(PageTableTest, MapRejectsBadArgumentsWithoutSideEffects) {
  EXPECT_THROW(pt.map(1ULL << 48, kPaA, true, true), std::out_of_range);
  EXPECT_THROW(pt.map(~0ULL, kPaA, true, true), std::out_of_range);
  EXPECT_THROW(pt.map(kIovaA, kPaA + 0x800, true, true), std::invalid_argument);  // not aligned
  EXPECT_THROW(pt.map(kIovaA, kPaA + 8, true, true), std::invalid_argument);
  EXPECT_THROW(pt.map(kIovaA, 1ULL << 52, true, true), std::invalid_argument);  // beyond bit 51
  EXPECT_THROW(pt.unmap(1ULL << 48), std::out_of_range);
  EXPECT_EQ(mem.writes, 0u);
  EXPECT_EQ(allocations, 1u);
  EXPECT_EQ(pt.table_pages(), 1u);
}

TEST_F(PageTableTest, UnmapClearsTheLeafAndKeepsTables) {
  pt.map(kIovaA, kPaA, true, true);
  pt.map(kIovaA + kPage, kPaB, true, true);  // neighbour in the same leaf table
  mem.reset_counts();
  EXPECT_EQ(pt.unmap(kIovaA), 1u);
  EXPECT_EQ(mem.writes, 1u);
  EXPECT_EQ(mem.cell(table(3) + 9 * 8), 0u);
  EXPECT_EQ(pt.table_pages(), 4u);
  EXPECT_EQ(allocations, 4u);

  // Already unmapped: leaf not present -> 0 writes. Never mapped (root slot 5 empty) -> 0.
  EXPECT_EQ(pt.unmap(kIovaA), 0u);
  EXPECT_EQ(pt.unmap(iova_of(5, 0, 0, 0)), 0u);
  EXPECT_EQ(mem.writes, 1u);

  // The unmapped page faults after the 4 reads down to its leaf; the neighbour still translates.
  const WalkResult gone = walk(mem, pt.root(), kIovaA, false);
  EXPECT_EQ(gone.fault, IoFault::kNotPresent);
  EXPECT_EQ(gone.reads, 4u);
  EXPECT_EQ(walk(mem, pt.root(), kIovaA + kPage, false).pa_page, kPaB);

  // The tables were kept, so mapping it again is one leaf write.
  EXPECT_EQ(pt.map(kIovaA, kPaA, true, true), 1u);
  EXPECT_EQ(allocations, 4u);
}

// ---------------------------------------------------------------------------------------------
// Walker

TEST_F(PageTableTest, WalkReadsFourEntriesFromTheRootDown) {
  pt.map(kIovaA, kPaA, true, false);
  mem.reset_counts();
  const WalkResult r = walk(mem, pt.root(), kIovaA, false);
  EXPECT_EQ(r.fault, IoFault::kNone);
  EXPECT_EQ(r.pa_page, kPaA);
  EXPECT_FALSE(r.writable);
  EXPECT_EQ(r.reads, 4u);
  EXPECT_EQ(mem.reads, 4u);
  EXPECT_EQ(mem.writes, 0u);
  // Root slot 3, level-2 slot 5, level-1 slot 7, leaf slot 9.
  const std::vector<std::uint64_t> expected = {table(0) + 3 * 8, table(1) + 5 * 8, table(2) + 7 * 8,
                                               table(3) + 9 * 8};
  EXPECT_EQ(mem.read_log, expected);

  // The byte offset within the page does not change the translation.
  const WalkResult off = walk(mem, pt.root(), kIovaA + 0xABC, false);
  EXPECT_EQ(off.fault, IoFault::kNone);
  EXPECT_EQ(off.pa_page, kPaA);
}

TEST_F(PageTableTest, WalkStopsAtTheFirstNonPresentEntry) {
  pt.map(kIovaA, kPaA, true, true);
  struct Case {
    std::uint64_t iova;
    unsigned reads;  // entries read up to and including the non-present one
  };
  const Case cases[] = {
      {iova_of(5, 5, 7, 9), 1},   // root slot 5 empty
      {iova_of(3, 9, 7, 9), 2},   // level-2 slot 9 empty
      {iova_of(3, 5, 8, 9), 3},   // level-1 slot 8 empty
      {iova_of(3, 5, 7, 11), 4},  // leaf slot 11 empty
  };
  for (const Case& c : cases) {
    mem.reset_counts();
    const WalkResult r = walk(mem, pt.root(), c.iova, false);
    EXPECT_EQ(r.fault, IoFault::kNotPresent) << std::hex << c.iova;
    EXPECT_EQ(r.reads, c.reads) << std::hex << c.iova;
    EXPECT_EQ(mem.reads, c.reads) << std::hex << c.iova;
  }
}

TEST_F(PageTableTest, WalkChecksLeafPermissions) {
  const std::uint64_t ro = iova_of(1, 0, 0, 0), wo = iova_of(1, 0, 0, 1), rw = iova_of(1, 0, 0, 2);
  pt.map(ro, kPaA, true, false);
  pt.map(wo, kPaB, false, true);
  pt.map(rw, kPaB, true, true);

  const WalkResult ro_write = walk(mem, pt.root(), ro, true);  // read-only page written
  EXPECT_EQ(ro_write.fault, IoFault::kPermission);
  EXPECT_EQ(ro_write.reads, 4u);
  const WalkResult wo_read = walk(mem, pt.root(), wo, false);  // write-only page read
  EXPECT_EQ(wo_read.fault, IoFault::kPermission);
  EXPECT_EQ(wo_read.reads, 4u);

  const WalkResult ro_read = walk(mem, pt.root(), ro, false);
  EXPECT_EQ(ro_read.fault, IoFault::kNone);
  EXPECT_FALSE(ro_read.writable);
  const WalkResult wo_write = walk(mem, pt.root(), wo, true);
  EXPECT_EQ(wo_write.fault, IoFault::kNone);
  EXPECT_EQ(wo_write.pa_page, kPaB);
  EXPECT_TRUE(wo_write.writable);
  for (bool write : {false, true}) {
    const WalkResult r = walk(mem, pt.root(), rw, write);
    EXPECT_EQ(r.fault, IoFault::kNone);
    EXPECT_EQ(r.pa_page, kPaB);
    EXPECT_TRUE(r.writable);
  }
}

TEST_F(PageTableTest, WalkBeyond48BitsIsAnAddressSizeFaultWithoutReads) {
  pt.map(kIovaA, kPaA, true, true);
  for (std::uint64_t iova : {1ULL << 48, kIovaA | (1ULL << 48), ~0ULL}) {
    mem.reset_counts();
    const WalkResult r = walk(mem, pt.root(), iova, false);
    EXPECT_EQ(r.fault, IoFault::kAddressSize);
    EXPECT_EQ(r.reads, 0u);
    EXPECT_EQ(mem.reads, 0u);
  }
}

// ---------------------------------------------------------------------------------------------
// IOTLB

// The translation cached for a page in these tests: distinct per (domain, page).
std::uint64_t pa_for(std::uint16_t domain, std::uint64_t page) {
  return (0x100000ULL + domain * 0x10000ULL + page) * kPage;
}

// One device access as the IOMMU does it: lookup, and on a miss walk (not modelled here) and
// insert. Returns 'H' or 'M'.
char access(Iotlb& tlb, std::uint16_t domain, std::uint64_t page) {
  std::uint64_t pa = 0;
  bool writable = false;
  if (tlb.lookup(domain, page, &pa, &writable)) {
    EXPECT_EQ(pa, pa_for(domain, page));
    EXPECT_TRUE(writable);
    return 'H';
  }
  tlb.insert(domain, page, pa_for(domain, page), true);
  return 'M';
}

std::string run(Iotlb& tlb, std::uint16_t domain, const std::vector<std::uint64_t>& pages) {
  std::string out;
  for (std::uint64_t p : pages) out += access(tlb, domain, p);
  return out;
}

std::vector<std::uint64_t> range(std::uint64_t first, std::uint64_t count) {
  std::vector<std::uint64_t> v;
  for (std::uint64_t i = 0; i < count; ++i) v.push_back(first + i);
  return v;
}

std::vector<std::uint64_t> repeat(const std::vector<std::uint64_t>& v, unsigned times) {
  std::vector<std::uint64_t> out;
  for (unsigned t = 0; t < times; ++t) out.insert(out.end(), v.begin(), v.end());
  return out;
}

TEST(Iotlb, ConstructionChecksGeometry) {
  EXPECT_THROW(Iotlb(0, 1, Replacement::kLru, 1), std::invalid_argument);
  EXPECT_THROW(Iotlb(4, 0, Replacement::kLru, 1), std::invalid_argument);
  EXPECT_THROW(Iotlb(0, 0, Replacement::kLru, 1), std::invalid_argument);
  EXPECT_THROW(Iotlb(6, 4, Replacement::kFifo, 1), std::invalid_argument);
  EXPECT_THROW(Iotlb(2, 4, Replacement::kRandom, 1), std::invalid_argument);
  const Iotlb tlb(64, 4, Replacement::kLru, 1);
  EXPECT_EQ(tlb.entries(), 64u);
  EXPECT_EQ(tlb.ways(), 4u);
  EXPECT_EQ(tlb.hits() + tlb.misses() + tlb.evictions(), 0u);
  EXPECT_NO_THROW(Iotlb(1, 1, Replacement::kFifo, 1));
  EXPECT_NO_THROW(Iotlb(12, 4, Replacement::kRandom, 1));  // 3 sets: need not be a power of two
}

// Fully associative, 4 entries, pages 1 2 3 4 1 5 2 1 3 4.
// LRU (recency order, least recent first):
//   1-4 miss and fill [1 2 3 4]; 1 hit -> [2 3 4 1]; 5 miss evicts 2 -> [3 4 1 5];
//   2 miss evicts 3 -> [4 1 5 2]; 1 hit -> [4 5 2 1]; 3 miss evicts 4; 4 miss evicts 5.
//   => MMMMHMMHMM: 2 hits, 8 misses, 4 evictions.
TEST(Iotlb, FullyAssociativeLru) {
  Iotlb tlb(4, 4, Replacement::kLru, 1);
  EXPECT_EQ(run(tlb, 0, {1, 2, 3, 4, 1, 5, 2, 1, 3, 4}), "MMMMHMMHMM");
  EXPECT_EQ(tlb.hits(), 2u);
  EXPECT_EQ(tlb.misses(), 8u);
  EXPECT_EQ(tlb.evictions(), 4u);
}

// Same pattern, FIFO (insertion order, oldest first; hits change nothing):
//   1-4 fill [1 2 3 4]; 1 hit; 5 miss evicts 1 -> [2 3 4 5]; 2 hit; 1 miss evicts 2 ->
//   [3 4 5 1]; 3 hit; 4 hit.  => MMMMHMHMHH: 4 hits, 6 misses, 2 evictions (LRU: 2/8/4).
TEST(Iotlb, FullyAssociativeFifoDiffersFromLru) {
  Iotlb tlb(4, 4, Replacement::kFifo, 1);
  EXPECT_EQ(run(tlb, 0, {1, 2, 3, 4, 1, 5, 2, 1, 3, 4}), "MMMMHMHMHH");
  EXPECT_EQ(tlb.hits(), 4u);
  EXPECT_EQ(tlb.misses(), 6u);
  EXPECT_EQ(tlb.evictions(), 2u);
}

// Re-inserting a cached key updates it in place (no eviction). Under LRU that is a use, so after
// filling 1-4 and re-inserting 1, page 5 evicts 2; under FIFO 1 keeps its insertion age and goes.
TEST(Iotlb, InsertOfACachedKeyUpdatesIt) {
  for (Replacement policy : {Replacement::kLru, Replacement::kFifo}) {
    Iotlb tlb(4, 4, policy, 1);
    for (std::uint64_t p : {1, 2, 3, 4}) tlb.insert(7, p, pa_for(7, p), true);
    tlb.insert(7, 1, kPaB, false);
    EXPECT_EQ(tlb.evictions(), 0u);
    std::uint64_t pa = 0;
    bool writable = true;
    ASSERT_TRUE(tlb.lookup(7, 1, &pa, &writable));
    EXPECT_EQ(pa, kPaB);
    EXPECT_FALSE(writable);
    // That lookup refreshed 1 under LRU, so redo the check from a clean order: re-insert 1 last.
    Iotlb order(4, 4, policy, 1);
    for (std::uint64_t p : {1, 2, 3, 4}) order.insert(7, p, pa_for(7, p), true);
    order.insert(7, 1, pa_for(7, 1), true);
    order.insert(7, 5, pa_for(7, 5), true);
    EXPECT_EQ(order.evictions(), 1u);
    const bool lru = policy == Replacement::kLru;
    EXPECT_EQ(order.lookup(7, 1, nullptr, nullptr), lru);
    EXPECT_EQ(order.lookup(7, 2, nullptr, nullptr), !lru);
  }
}

// Direct-mapped, 8 sets: the set is (page ^ domain * 0x9E3779B97F4A7C15) % 8. The XOR maps pages
// 8 apart to the same set in every domain, so 0 and 8 alternating always conflict: 6 misses,
// 5 evictions, whatever the policy. Eight entries fully associative keep both: MMHHHH.
TEST(Iotlb, DirectMappedConflictMisses) {
  for (Replacement policy : {Replacement::kLru, Replacement::kFifo, Replacement::kRandom}) {
    for (std::uint16_t domain : {0, 1, 0xFFFF}) {
      Iotlb dm(8, 1, policy, 3);
      EXPECT_EQ(run(dm, domain, {0, 8, 0, 8, 0, 8}), "MMMMMM");
      EXPECT_EQ(dm.evictions(), 5u);
      // Pages 0-7 fill the 8 sets once each: 8 misses, then 8 hits.
      Iotlb fit(8, 1, policy, 3);
      EXPECT_EQ(run(fit, domain, repeat(range(0, 8), 2)), "MMMMMMMMHHHHHHHH");
      EXPECT_EQ(fit.evictions(), 0u);
    }
    Iotlb fa(8, 8, policy, 3);
    EXPECT_EQ(run(fa, 0, {0, 8, 0, 8, 0, 8}), "MMHHHH");
  }
}

// 64 entries, 4 ways -> 16 sets; 1000 sequential pages put 62 or 63 pages in every set, so by
// the time a page comes round again its set has seen at least 61 others: with LRU or FIFO it is
// gone. 2000 misses, no hits; the first 64 fill empty ways, the other 1936 evict.
TEST(Iotlb, StreamLargerThanCapacityAlwaysMisses) {
  for (Replacement policy : {Replacement::kLru, Replacement::kFifo}) {
    for (std::uint16_t domain : {0, 3}) {
      Iotlb tlb(64, 4, policy, 1);
      const std::string out = run(tlb, domain, repeat(range(0x40000, 1000), 2));
      EXPECT_EQ(out, std::string(2000, 'M'));
      EXPECT_EQ(tlb.hits(), 0u);
      EXPECT_EQ(tlb.misses(), 2000u);
      EXPECT_EQ(tlb.evictions(), 2000u - 64u);
    }
  }
}

// A loop over 32 consecutive pages in 64 entries / 4 ways: the set mix spreads any 16
// consecutive pages over the 16 sets (2 per set for 32), so nothing is evicted: 32 misses, then
// 9 * 32 = 288 hits. Checked at aligned and unaligned bases and in several domains; no eviction
// means no set received more than 4 of the pages.
TEST(Iotlb, LoopWithinCapacityHitsAfterFirstPass) {
  for (Replacement policy : {Replacement::kLru, Replacement::kFifo, Replacement::kRandom}) {
    for (std::uint16_t domain : {0, 1, 2, 0x1234, 0xFFFF}) {
      for (std::uint64_t base : {0ULL, 5ULL, 0x12345ULL, (1ULL << 36) - 17}) {
        Iotlb tlb(64, 4, policy, 9);
        const std::string out = run(tlb, domain, repeat(range(base, 32), 10));
        EXPECT_EQ(out, std::string(32, 'M') + std::string(288, 'H'))
            << "domain " << domain << " base " << base;
        EXPECT_EQ(tlb.evictions(), 0u);
      }
    }
  }
}

// The spread is exact: 64 consecutive pages are 4 per set, so they fill all 64 entries without
// an eviction. With 65 one set gets 5 pages; under LRU those 5 cycle through 4 ways and all miss
// on every later pass (each one evicts the next one needed). Three passes over 65 pages:
// misses 65 + 5 + 5 = 75, hits 60 + 60 = 120, evictions 1 + 5 + 5 = 11.
TEST(Iotlb, SetMixFillsEverySetEvenly) {
  for (std::uint16_t domain : {0, 1, 0xFFFF}) {
    for (std::uint64_t base : {0ULL, 7ULL, 0x12345ULL}) {
      Iotlb full(64, 4, Replacement::kLru, 1);
      EXPECT_EQ(run(full, domain, repeat(range(base, 64), 2)),
                std::string(64, 'M') + std::string(64, 'H'));
      EXPECT_EQ(full.evictions(), 0u);

      Iotlb over(64, 4, Replacement::kLru, 1);
      run(over, domain, repeat(range(base, 65), 3));
      EXPECT_EQ(over.misses(), 75u) << "domain " << domain << " base " << base;
      EXPECT_EQ(over.hits(), 120u);
      EXPECT_EQ(over.evictions(), 11u);
    }
  }
}

// Fully associative (one set) puts the same page of every domain in the same set, so only the
// domain in the tag tells them apart; the set-associative and direct-mapped cases too.
TEST(Iotlb, DomainsDoNotAlias) {
  for (unsigned ways : {4u, 1u, 64u}) {
    Iotlb tlb(64, ways, Replacement::kLru, 1);
    tlb.insert(1, 0x42, pa_for(1, 0x42), true);
    EXPECT_FALSE(tlb.lookup(2, 0x42, nullptr, nullptr));
    EXPECT_FALSE(tlb.lookup(0, 0x42, nullptr, nullptr));
    tlb.insert(2, 0x42, pa_for(2, 0x42), false);
    std::uint64_t pa = 0;
    bool writable = false;
    ASSERT_TRUE(tlb.lookup(1, 0x42, &pa, &writable));
    EXPECT_EQ(pa, pa_for(1, 0x42));
    EXPECT_TRUE(writable);
    ASSERT_TRUE(tlb.lookup(2, 0x42, &pa, &writable));
    EXPECT_EQ(pa, pa_for(2, 0x42));
    EXPECT_FALSE(writable);
    EXPECT_EQ(tlb.hits(), 2u);
    EXPECT_EQ(tlb.misses(), 2u);
  }
  // Same set, different tag: 0x9E3779B97F4A7C15 % 16 = 5, so with 16 sets (domain 1, page 0)
  // and (domain 0, page 5) share set 5. Direct-mapped: the second replaces the first, and
  // neither is ever returned for the other.
  Iotlb dm(16, 1, Replacement::kLru, 1);
  dm.insert(0, 5, pa_for(0, 5), true);
  EXPECT_FALSE(dm.lookup(1, 0, nullptr, nullptr));
  EXPECT_FALSE(dm.lookup(1, 5, nullptr, nullptr));
  dm.insert(1, 0, pa_for(1, 0), true);
  EXPECT_EQ(dm.evictions(), 1u);
  EXPECT_FALSE(dm.lookup(0, 5, nullptr, nullptr));
  EXPECT_TRUE(dm.lookup(1, 0, nullptr, nullptr));
}

TEST(Iotlb, InvalidatePageAndDomain) {
  Iotlb tlb(64, 4, Replacement::kLru, 1);
  for (std::uint64_t p : {1, 2, 3, 4}) tlb.insert(1, p, pa_for(1, p), true);
  for (std::uint64_t p : {1, 2}) tlb.insert(2, p, pa_for(2, p), true);

  EXPECT_EQ(tlb.invalidate_page(1, 2), 1u);
  EXPECT_EQ(tlb.invalidate_page(1, 2), 0u);   // already gone
  EXPECT_EQ(tlb.invalidate_page(3, 1), 0u);   // domain never used
  EXPECT_EQ(tlb.invalidate_page(1, 99), 0u);  // page never cached
  EXPECT_FALSE(tlb.lookup(1, 2, nullptr, nullptr));
  EXPECT_TRUE(tlb.lookup(2, 2, nullptr, nullptr));  // other domain untouched

  // Domain 1 still holds 1, 3, 4.
  EXPECT_EQ(tlb.invalidate_domain(1), 3u);
  EXPECT_EQ(tlb.invalidate_domain(1), 0u);
  for (std::uint64_t p : {1, 3, 4}) EXPECT_FALSE(tlb.lookup(1, p, nullptr, nullptr));
  for (std::uint64_t p : {1, 2}) EXPECT_TRUE(tlb.lookup(2, p, nullptr, nullptr));
  EXPECT_EQ(tlb.invalidate_domain(2), 2u);
  EXPECT_FALSE(tlb.lookup(2, 1, nullptr, nullptr));
}

// Invalidated ways are free: fill 4 ways, drop page 2, insert 5 -> no eviction, 1 3 4 5 all hit.
TEST(Iotlb, InvalidatedWaysAreReusedWithoutEviction) {
  for (Replacement policy : {Replacement::kLru, Replacement::kFifo, Replacement::kRandom}) {
    Iotlb tlb(4, 4, policy, 1);
    run(tlb, 0, {1, 2, 3, 4});
    EXPECT_EQ(tlb.invalidate_page(0, 2), 1u);
    EXPECT_EQ(run(tlb, 0, {5, 1, 3, 4, 5}), "MHHHH");
    EXPECT_EQ(tlb.evictions(), 0u);
  }
}

// Random: with all 4 ways of a fully associative TLB full (pages 10-13 in ways 0-3, filled in
// order), inserting 14 evicts way mt19937_64(seed)() % 4, i.e. page 10 + that.
TEST(Iotlb, RandomEvictsTheSeededWay) {
  for (std::uint64_t seed : {1, 2, 3, 4, 5, 6, 7, 8}) {
    Iotlb tlb(4, 4, Replacement::kRandom, seed);
    for (std::uint64_t p : {10, 11, 12, 13}) tlb.insert(0, p, pa_for(0, p), true);
    tlb.insert(0, 14, pa_for(0, 14), true);
    EXPECT_EQ(tlb.evictions(), 1u);
    std::mt19937_64 reference(seed);
    const std::uint64_t victim = 10 + reference() % 4;
    for (std::uint64_t p : {10, 11, 12, 13, 14})
      EXPECT_EQ(tlb.lookup(0, p, nullptr, nullptr), p != victim) << "seed " << seed << " " << p;
  }
}

// The same seed gives the same hit/miss sequence on a pattern that evicts a lot.
TEST(Iotlb, RandomIsDeterministicForASeed) {
  std::vector<std::uint64_t> pattern;
  std::uint64_t x = 1;
  for (int i = 0; i < 500; ++i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;  // Knuth's MMIX LCG
    pattern.push_back((x >> 33) % 24);
  }
  Iotlb a(8, 4, Replacement::kRandom, 42), b(8, 4, Replacement::kRandom, 42);
  const std::string ra = run(a, 0, pattern), rb = run(b, 0, pattern);
  EXPECT_EQ(ra, rb);
  EXPECT_EQ(a.hits(), b.hits());
  EXPECT_EQ(a.evictions(), b.evictions());
  EXPECT_GT(a.evictions(), 0u);  // 24 pages in 8 entries: replacement really ran
  EXPECT_GT(a.hits(), 0u);
}

}  // namespace
}  // namespace dmasim
