#include "firmware/virtual_memory.h"

#include <algorithm>
#include <stdexcept>

#include "models/page.h"

namespace dmasim {

std::uint64_t AddressSpace::allocate(std::uint64_t size, std::uint64_t offset) {
  if (offset >= PAGE_SIZE) throw std::invalid_argument("AddressSpace: offset beyond first page");
  const std::uint64_t pages = std::max<std::uint64_t>(1, BYTES_TO_PAGES(offset + size));
  const std::uint64_t vpn = next_va_ >> PAGE_SHIFT;
  for (std::uint64_t i = 0; i < pages; ++i) map_[vpn + i] = frames_.allocate();
  next_va_ += (pages + 1) * PAGE_SIZE;  // an unmapped guard page between buffers
  const std::uint64_t va = (vpn << PAGE_SHIFT) + offset;
  buffers_[va] = {vpn, pages};
  return va;
}

void AddressSpace::release(std::uint64_t va) {
  auto it = buffers_.find(va);
  if (it == buffers_.end()) throw std::logic_error("AddressSpace: release of unknown buffer");
  const auto [vpn, pages] = it->second;
  for (std::uint64_t i = 0; i < pages; ++i) {
    const std::uint64_t pfn = map_.at(vpn + i);
    if (backing_) backing_->discard_page(pfn << PAGE_SHIFT);
    frames_.free(pfn);
    map_.erase(vpn + i);
  }
  buffers_.erase(it);
}

std::uint64_t AddressSpace::translate(std::uint64_t va) const {
  auto it = map_.find(va >> PAGE_SHIFT);
  if (it == map_.end()) throw std::out_of_range("AddressSpace: unmapped virtual address");
  return (it->second << PAGE_SHIFT) | BYTE_OFFSET(va);
}

std::vector<std::uint64_t> AddressSpace::frames_of(std::uint64_t va, std::uint64_t size) const {
  std::vector<std::uint64_t> out;
  const std::uint64_t pages = ADDRESS_AND_SIZE_TO_SPAN_PAGES(va, size);
  out.reserve(pages);
  for (std::uint64_t i = 0; i < pages; ++i) out.push_back(translate(va + i * PAGE_SIZE) >> 12);
  return out;
}

}  // namespace dmasim
