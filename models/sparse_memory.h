// Sparse byte-addressable store: a large address space of which only touched pages take memory.
// Untouched bytes read as zero. Backing pages are allocated on first write or first pointer
// request and do not move, so raw pointers to a page stay valid (DMI relies on it) -- except
// across map_contiguous, which re-backs its range: pointers into it must be dropped (common
// buffers are mapped at adapter start, before any DMI pointer exists).
#pragma once

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

namespace dmasim {

class SparseMemory {
 public:
  explicit SparseMemory(std::uint64_t size) : size_(size) {}

  std::uint64_t size() const { return size_; }
  bool contains(std::uint64_t addr, std::uint64_t len) const {
    return addr <= size_ && len <= size_ - addr;
  }
  void read(std::uint64_t addr, void* dst, std::uint64_t len) const;
  void write(std::uint64_t addr, const void* src, std::uint64_t len);
  void fill(std::uint64_t addr, std::uint8_t value, std::uint64_t len);
  // Pointer to the page holding addr (allocated if absent); valid for the rest of the page.
  std::uint8_t* page_ptr(std::uint64_t addr);
  // Backs the page-aligned range [addr, addr + len) with one flat block (contents kept) and
  // returns it: a common buffer's kernel virtual address must be one C++ pointer.
  std::uint8_t* map_contiguous(std::uint64_t addr, std::uint64_t len);
  // The page holding addr goes back to unwritten (reads zero again) and its storage is reused:
  // memory freed by its owner stops costing RSS, so a long run stays flat. Pointers into that
  // page must be dropped.
  void discard_page(std::uint64_t addr);
  std::uint64_t resident_bytes() const { return pages_.size() * kPage; }

 private:
  static constexpr std::uint64_t kPage = 4096;
  static constexpr std::uint64_t kSlabPages = 512;  // pages carved from one calloc'd slab
  struct FreeDeleter {
    void operator()(std::uint8_t* p) const;
  };
  const std::uint8_t* find(std::uint64_t page) const;
  std::uint8_t* new_pages(std::uint64_t n);

  std::uint64_t size_;
  std::unordered_map<std::uint64_t, std::uint8_t*> pages_;
  std::vector<std::unique_ptr<std::uint8_t, FreeDeleter>> slabs_;
  std::uint8_t* slab_next_ = nullptr;
  std::uint64_t slab_left_ = 0;            // unused pages at the end of the last slab
  std::vector<std::uint8_t*> free_pages_;  // storage of discarded pages, for new_pages(1)
};

}  // namespace dmasim
