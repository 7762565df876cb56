// The HAL without an IOMMU: logical == physical, except for an adapter whose device cannot
// address 64 bits (VP_DEVICE_DESCRIPTION: Dma32BitAddresses without Dma64BitAddresses). Its map
// registers are then bounce pages below 4 GiB, set aside when the adapter is created: a page of
// the buffer above 4 GiB is given to the device as its bounce page, and the HAL copies the bytes
// in at StartDma (to the device) or out at CompleteDma (from the device), at a CPU cost per byte.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "firmware/videoport/logical_mapper.h"
#include "models/frame_allocator.h"
#include "models/sparse_memory.h"

namespace dmasim {

class BounceMapper : public LogicalMapper {
 public:
  // copy_ps_per_kib: CPU time to copy 1 KiB between a buffer page and its bounce page.
  BounceMapper(SparseMemory& memory, FrameAllocator& low_frames, std::uint64_t copy_ps_per_kib);

  const char* name() const override { return "bounce"; }
  void add_adapter(std::size_t adapter, std::uint32_t map_registers, bool dma64) override;
  void remove_adapter(std::size_t adapter) override;
  std::vector<std::uint64_t> map(std::size_t adapter, const std::vector<Page>& pages,
                                 bool to_device, std::uint64_t* cpu_ps) override;
  void unmap(std::size_t adapter, const std::vector<Page>& pages,
             const std::vector<std::uint64_t>& logical, bool to_device,
             std::uint64_t* cpu_ps) override;

  std::uint64_t bounce_bytes() const { return bounce_bytes_; }

 private:
  struct Adapter {
    std::vector<std::uint64_t> bounce;  // one page below 4 GiB per map register (32-bit only)
    std::vector<bool> used;
  };
  static bool reachable(const Page& p) { return p.physical + 4096 <= (1ULL << 32); }
  std::uint64_t copy_cost(std::uint64_t bytes) const { return bytes * copy_ps_per_kib_ / 1024; }

  SparseMemory& memory_;
  FrameAllocator& low_frames_;
  std::uint64_t copy_ps_per_kib_;
  std::map<std::size_t, Adapter> adapters_;
  std::uint64_t bounce_bytes_ = 0;
};

}  // namespace dmasim
