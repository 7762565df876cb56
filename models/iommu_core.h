// IOMMU cores in plain C++ (no SystemC): the I/O page-table format, the page walker and the IOTLB.
// The SystemC shell (models/iommu.*) adds timing, requester domains and fault reporting.
//
// Page tables: 4 levels of 512 eight-byte entries (9 IOVA bits per level, 4 KiB pages, 48-bit
// IOVA), the layout of x86-64 and of VT-d second-level tables. Tables live in host memory and
// are read and written through PhysMem, so a walk is real memory traffic.
#pragma once

#include <cstdint>
#include <functional>
#include <random>
#include <vector>

namespace dmasim {

constexpr unsigned kIoptLevels = 4;
constexpr std::uint64_t kIovaBits = 48;
constexpr std::uint64_t IOPTE_PRESENT = 1ULL << 0;
constexpr std::uint64_t IOPTE_READ = 1ULL << 1;
constexpr std::uint64_t IOPTE_WRITE = 1ULL << 2;
constexpr std::uint64_t IOPTE_ADDR_MASK = 0x000F'FFFF'FFFF'F000ULL;  // bits 12..51

// Where the tables live: 8-byte reads and writes of physical memory.
class PhysMem {
 public:
  virtual ~PhysMem() = default;
  virtual std::uint64_t read64(std::uint64_t pa) = 0;
  virtual void write64(std::uint64_t pa, std::uint64_t value) = 0;
};

// One domain's tables. New table pages come from alloc_table (returns the PA of a zeroed page).
class IoPageTable {
 public:
  IoPageTable(PhysMem& mem, std::function<std::uint64_t()> alloc_table);
  std::uint64_t root() const { return root_; }
  // Maps one 4 KiB page. Returns the number of 8-byte table writes it took (for CPU cost).
  unsigned map(std::uint64_t iova, std::uint64_t pa, bool read, bool write);
  // Clears the leaf entry (tables are kept). Returns the table writes (0 if it was not mapped).
  unsigned unmap(std::uint64_t iova);
  std::uint64_t table_pages() const { return table_pages_; }

 private:
  PhysMem& mem_;
  std::function<std::uint64_t()> alloc_table_;
  std::uint64_t root_;
  std::uint64_t table_pages_ = 1;
};

enum class IoFault { kNone, kNotPresent, kPermission, kAddressSize };

struct WalkResult {
  IoFault fault = IoFault::kNone;
  std::uint64_t pa_page = 0;  // physical address of the page (bits 12..51)
  bool writable = false;
  unsigned reads = 0;  // table entries read (memory accesses)
};

// Walks root's tables for iova; a write needs IOPTE_WRITE, a read IOPTE_READ on the leaf.
WalkResult walk(PhysMem& mem, std::uint64_t root, std::uint64_t iova, bool write);

enum class Replacement { kLru, kFifo, kRandom };

// Set-associative IOTLB keyed by (domain, IOVA page). entries must be a multiple of ways.
class Iotlb {
 public:
  Iotlb(unsigned entries, unsigned ways, Replacement policy, std::uint64_t seed);

  // Hit: fills pa_page/writable, updates replacement state, counts a hit; else counts a miss.
  bool lookup(std::uint16_t domain, std::uint64_t iova_page, std::uint64_t* pa_page,
              bool* writable);
  void insert(std::uint16_t domain, std::uint64_t iova_page, std::uint64_t pa_page, bool writable);
  // Return the number of entries dropped.
  unsigned invalidate_page(std::uint16_t domain, std::uint64_t iova_page);
  unsigned invalidate_domain(std::uint16_t domain);

  std::uint64_t hits() const { return hits_; }
  std::uint64_t misses() const { return misses_; }
  std::uint64_t evictions() const { return evictions_; }
  unsigned entries() const { return entries_; }
  unsigned ways() const { return ways_; }

 private:
  struct Entry {
    bool valid = false;
    std::uint16_t domain = 0;
    std::uint64_t iova_page = 0;
    std::uint64_t pa_page = 0;
    bool writable = false;
    std::uint64_t stamp = 0;  // LRU: last use; FIFO: insertion
  };
  // Set index: (iova_page ^ (domain * 0x9E3779B97F4A7C15)) % sets_. For one domain the XOR is a
  // fixed permutation of the low bits, so with a power-of-two set count any run of sets_
  // consecutive pages hits every set exactly once (sequential streams spread evenly); other
  // domains use other permutations. Pages sets_ apart share a set, as in a real IOTLB.
  // Replacement: a miss fills the lowest-numbered invalid way first; with none, LRU evicts the
  // smallest stamp (refreshed by hits and by re-inserting a cached key), FIFO the smallest stamp
  // (set at insertion only) and Random way rng_() % ways_.
  unsigned set_of(std::uint16_t domain, std::uint64_t iova_page) const;

  unsigned entries_, ways_, sets_;
  Replacement policy_;
  std::mt19937_64 rng_;
  std::vector<Entry> table_;  // sets_ x ways_
  std::uint64_t clock_ = 0;
  std::uint64_t hits_ = 0, misses_ = 0, evictions_ = 0;
};

}  // namespace dmasim
