// The display driver's virtual address space: pageable buffers whose pages are backed by
// scattered physical frames, as a user or kernel buffer is on a running Windows system.
// VideoPortLockBuffer walks these mappings to build the MDL's PFN array.
#pragma once

#include <cstdint>
#include <map>
#include <unordered_map>
#include <vector>

#include "models/frame_allocator.h"
#include "models/sparse_memory.h"

namespace dmasim {

class AddressSpace {
 public:
  // backing (optional): the memory the frames live in; a released buffer's pages are discarded
  // there, so memory stays flat however many buffers come and go.
  AddressSpace(FrameAllocator& frames, std::uint64_t base_va, SparseMemory* backing = nullptr)
      : frames_(frames), backing_(backing), next_va_(base_va) {}

  // A buffer of size bytes whose first byte lies at byte `offset` (< PAGE_SIZE) of its first page.
  std::uint64_t allocate(std::uint64_t size, std::uint64_t offset);
  void release(std::uint64_t va);
  bool is_mapped(std::uint64_t va) const { return map_.count(va >> 12) != 0; }
  std::uint64_t translate(std::uint64_t va) const;  // throws std::out_of_range if unmapped
  // Physical frame numbers of the pages spanned by [va, va + size).
  std::vector<std::uint64_t> frames_of(std::uint64_t va, std::uint64_t size) const;

 private:
  FrameAllocator& frames_;
  SparseMemory* backing_;
  std::uint64_t next_va_;
  std::unordered_map<std::uint64_t, std::uint64_t> map_;                      // vpn -> pfn
  std::map<std::uint64_t, std::pair<std::uint64_t, std::uint64_t>> buffers_;  // va -> (vpn, pages)
};

}  // namespace dmasim
