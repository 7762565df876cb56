#include "models/iommu_core.h"

#include <stdexcept>
#include <utility>

namespace dmasim {
namespace {

constexpr std::uint64_t kPageShift = 12;
constexpr std::uint64_t kLevelBits = 9;
constexpr std::uint64_t kLevelMask = (1ULL << kLevelBits) - 1;
constexpr std::uint64_t kEntryBytes = 8;
constexpr std::uint64_t kTableFlags = IOPTE_PRESENT | IOPTE_READ | IOPTE_WRITE;

bool iova_too_wide(std::uint64_t iova) {
  return (iova >> kIovaBits) != 0;
}

// Physical address of the entry for iova in the table at table_pa, which is at `level`
// (kIoptLevels - 1 is the root, 0 the leaf table).
std::uint64_t entry_pa(std::uint64_t table_pa, std::uint64_t iova, unsigned level) {
  const std::uint64_t index = (iova >> (kPageShift + kLevelBits * level)) & kLevelMask;
  return table_pa + index * kEntryBytes;
}

std::uint64_t leaf_entry(std::uint64_t pa, bool read, bool write) {
  return (pa & IOPTE_ADDR_MASK) | IOPTE_PRESENT | (read ? IOPTE_READ : 0) |
         (write ? IOPTE_WRITE : 0);
}

std::uint64_t new_table(const std::function<std::uint64_t()>& alloc_table) {
  const std::uint64_t pa = alloc_table();
  if ((pa & ~IOPTE_ADDR_MASK) != 0)
    throw std::invalid_argument("IoPageTable: table page is not a 4 KiB aligned 52-bit address");
  return pa;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Page table

IoPageTable::IoPageTable(PhysMem& mem, std::function<std::uint64_t()> alloc_table)
    : mem_(mem), alloc_table_(std::move(alloc_table)), root_(new_table(alloc_table_)) {}

unsigned IoPageTable::map(std::uint64_t iova, std::uint64_t pa, bool read, bool write) {
  if (iova_too_wide(iova)) throw std::out_of_range("IoPageTable::map: IOVA beyond 48 bits");
  if ((pa & ~IOPTE_ADDR_MASK) != 0)
    throw std::invalid_argument("IoPageTable::map: PA is not a 4 KiB aligned 52-bit address");
  unsigned writes = 0;
  std::uint64_t table = root_;
  for (unsigned level = kIoptLevels - 1; level > 0; --level) {
    const std::uint64_t slot = entry_pa(table, iova, level);
    const std::uint64_t entry = mem_.read64(slot);
    if (entry & IOPTE_PRESENT) {
      table = entry & IOPTE_ADDR_MASK;
      continue;
    }
    table = new_table(alloc_table_);
    ++table_pages_;
    mem_.write64(slot, table | kTableFlags);
    ++writes;
  }
  mem_.write64(entry_pa(table, iova, 0), leaf_entry(pa, read, write));
  return writes + 1;
}

unsigned IoPageTable::unmap(std::uint64_t iova) {
  if (iova_too_wide(iova)) throw std::out_of_range("IoPageTable::unmap: IOVA beyond 48 bits");
  std::uint64_t table = root_;
  for (unsigned level = kIoptLevels - 1; level > 0; --level) {
    const std::uint64_t entry = mem_.read64(entry_pa(table, iova, level));
    if (!(entry & IOPTE_PRESENT)) return 0;
    table = entry & IOPTE_ADDR_MASK;
  }
  const std::uint64_t slot = entry_pa(table, iova, 0);
  if (!(mem_.read64(slot) & IOPTE_PRESENT)) return 0;
  mem_.write64(slot, 0);
  return 1;
}

// ---------------------------------------------------------------------------------------------
// Walker

WalkResult walk(PhysMem& mem, std::uint64_t root, std::uint64_t iova, bool write) {
  WalkResult r;
  if (iova_too_wide(iova)) {
    r.fault = IoFault::kAddressSize;
    return r;
  }
  std::uint64_t table = root & IOPTE_ADDR_MASK;
  for (unsigned level = kIoptLevels; level-- > 0;) {
    const std::uint64_t entry = mem.read64(entry_pa(table, iova, level));
    ++r.reads;
    if (!(entry & IOPTE_PRESENT)) {
      r.fault = IoFault::kNotPresent;
      return r;
    }
    if (level > 0) {
      table = entry & IOPTE_ADDR_MASK;
      continue;
    }
    if (write ? !(entry & IOPTE_WRITE) : !(entry & IOPTE_READ)) {
      r.fault = IoFault::kPermission;
      return r;
    }
    r.pa_page = entry & IOPTE_ADDR_MASK;
    r.writable = (entry & IOPTE_WRITE) != 0;
  }
  return r;
}

// ---------------------------------------------------------------------------------------------
// IOTLB

Iotlb::Iotlb(unsigned entries, unsigned ways, Replacement policy, std::uint64_t seed)
    : entries_(entries), ways_(ways), sets_(0), policy_(policy), rng_(seed) {
  if (entries == 0) throw std::invalid_argument("Iotlb: entries must be at least 1");
  if (ways == 0) throw std::invalid_argument("Iotlb: ways must be at least 1");
  if (entries % ways != 0) throw std::invalid_argument("Iotlb: entries must be a multiple of ways");
  sets_ = entries / ways;
  table_.resize(entries);
}

unsigned Iotlb::set_of(std::uint16_t domain, std::uint64_t iova_page) const {
  const std::uint64_t mix = iova_page ^ (domain * 0x9E37'79B9'7F4A'7C15ULL);
  return static_cast<unsigned>(mix % sets_);
}

bool Iotlb::lookup(std::uint16_t domain, std::uint64_t iova_page, std::uint64_t* pa_page,
                   bool* writable) {
  Entry* set = &table_[static_cast<std::size_t>(set_of(domain, iova_page)) * ways_];
  for (unsigned w = 0; w < ways_; ++w) {
    Entry& e = set[w];
    if (!e.valid || e.domain != domain || e.iova_page != iova_page) continue;
    if (pa_page) *pa_page = e.pa_page;
    if (writable) *writable = e.writable;
    if (policy_ == Replacement::kLru) e.stamp = ++clock_;
    ++hits_;
    return true;
  }
  ++misses_;
  return false;
}

void Iotlb::insert(std::uint16_t domain, std::uint64_t iova_page, std::uint64_t pa_page,
                   bool writable) {
  Entry* set = &table_[static_cast<std::size_t>(set_of(domain, iova_page)) * ways_];
  Entry* slot = nullptr;
  for (unsigned w = 0; w < ways_; ++w) {
    Entry& e = set[w];
    if (e.valid && e.domain == domain && e.iova_page == iova_page) {
      e.pa_page = pa_page;
      e.writable = writable;
      if (policy_ == Replacement::kLru) e.stamp = ++clock_;  // an update is a use, not an insertion
      return;
    }
    if (!e.valid && !slot) slot = &e;
  }
  if (!slot) {
    if (policy_ == Replacement::kRandom) {
      slot = &set[rng_() % ways_];
    } else {
      slot = &set[0];
      for (unsigned w = 1; w < ways_; ++w)
        if (set[w].stamp < slot->stamp) slot = &set[w];
    }
    ++evictions_;
  }
  *slot = Entry{true, domain, iova_page, pa_page, writable, ++clock_};
}

unsigned Iotlb::invalidate_page(std::uint16_t domain, std::uint64_t iova_page) {
  Entry* set = &table_[static_cast<std::size_t>(set_of(domain, iova_page)) * ways_];
  unsigned dropped = 0;
  for (unsigned w = 0; w < ways_; ++w) {
    Entry& e = set[w];
    if (e.valid && e.domain == domain && e.iova_page == iova_page) {
      e.valid = false;
      ++dropped;
    }
  }
  return dropped;
}

unsigned Iotlb::invalidate_domain(std::uint16_t domain) {
  unsigned dropped = 0;
  for (Entry& e : table_) {
    if (e.valid && e.domain == domain) {
      e.valid = false;
      ++dropped;
    }
  }
  return dropped;
}

}  // namespace dmasim
