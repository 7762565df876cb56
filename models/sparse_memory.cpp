#include "models/sparse_memory.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>

namespace dmasim {

void SparseMemory::FreeDeleter::operator()(std::uint8_t* p) const {
  std::free(p);
}

const std::uint8_t* SparseMemory::find(std::uint64_t page) const {
  auto it = pages_.find(page);
  return it == pages_.end() ? nullptr : it->second;
}

// calloc of large blocks maps zero pages lazily, so untouched slab space costs no RSS.
std::uint8_t* SparseMemory::new_pages(std::uint64_t n) {
  if (n == 1 && !free_pages_.empty()) {
    std::uint8_t* p = free_pages_.back();
    free_pages_.pop_back();
    std::memset(p, 0, kPage);
    return p;
  }
  if (n > slab_left_) {
    const std::uint64_t pages = std::max(n, kSlabPages);
    auto* slab = static_cast<std::uint8_t*>(std::calloc(pages, kPage));
    if (!slab) throw std::bad_alloc();
    slabs_.emplace_back(slab);
    slab_next_ = slab;
    slab_left_ = pages;
  }
  std::uint8_t* p = slab_next_;
  slab_next_ += n * kPage;
  slab_left_ -= n;
  return p;
}

std::uint8_t* SparseMemory::page_ptr(std::uint64_t addr) {
  if (addr >= size_) throw std::out_of_range("SparseMemory: address beyond end");
  std::uint8_t*& slot = pages_[addr / kPage];
  if (!slot) slot = new_pages(1);
  return slot + addr % kPage;
}

std::uint8_t* SparseMemory::map_contiguous(std::uint64_t addr, std::uint64_t len) {
  if (addr % kPage || len == 0 || !contains(addr, len))
    throw std::invalid_argument("SparseMemory: bad contiguous range");
  const std::uint64_t n = (len + kPage - 1) / kPage;
  std::uint8_t* block = new_pages(n);
  for (std::uint64_t i = 0; i < n; ++i) {
    std::uint8_t*& slot = pages_[addr / kPage + i];
    if (slot) std::memcpy(block + i * kPage, slot, kPage);  // the old page's storage is abandoned
    slot = block + i * kPage;
  }
  return block;
}

void SparseMemory::discard_page(std::uint64_t addr) {
  auto it = pages_.find(addr / kPage);
  if (it == pages_.end()) return;
  free_pages_.push_back(it->second);
  pages_.erase(it);
}

void SparseMemory::read(std::uint64_t addr, void* dst, std::uint64_t len) const {
  if (!contains(addr, len)) throw std::out_of_range("SparseMemory: read beyond end");
  auto* out = static_cast<std::uint8_t*>(dst);
  while (len > 0) {
    const std::uint64_t n = std::min(len, kPage - addr % kPage);
    const std::uint8_t* page = find(addr / kPage);
    if (page) {
      std::memcpy(out, page + addr % kPage, n);
    } else {
      std::memset(out, 0, n);
    }
    out += n;
    addr += n;
    len -= n;
  }
}

void SparseMemory::write(std::uint64_t addr, const void* src, std::uint64_t len) {
  if (!contains(addr, len)) throw std::out_of_range("SparseMemory: write beyond end");
  auto* in = static_cast<const std::uint8_t*>(src);
  while (len > 0) {
    const std::uint64_t n = std::min(len, kPage - addr % kPage);
    std::memcpy(page_ptr(addr), in, n);
    in += n;
    addr += n;
    len -= n;
  }
}

void SparseMemory::fill(std::uint64_t addr, std::uint8_t value, std::uint64_t len) {
  if (!contains(addr, len)) throw std::out_of_range("SparseMemory: fill beyond end");
  while (len > 0) {
    const std::uint64_t n = std::min(len, kPage - addr % kPage);
    std::memset(page_ptr(addr), value, n);
    addr += n;
    len -= n;
  }
}

}  // namespace dmasim
