// The HAL's DMA remapping on the IOMMU: each adapter owns an IOVA window below 4 GiB whose pages
// are its map registers. StartDma writes page-table entries for the chunk's pages into free
// window slots (contiguous when it can, so the scatter/gather list is short) and hands out the
// IOVAs as logical addresses; CompleteDma clears them and invalidates the IOTLB for each page,
// then waits for the invalidation to finish. Common buffers get IOVAs in a second part of the
// window. CPU costs per page and per invalidation wait are parameters with cited defaults.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "firmware/videoport/logical_mapper.h"
#include "models/iommu.h"
#include "models/iommu_params.h"

namespace dmasim {

class IommuMapper : public LogicalMapper {
 public:
  static constexpr std::uint64_t kWindowBase = 0x8000'0000;    // IOVAs stay below 4 GiB
  static constexpr std::uint64_t kWindowStride = 0x0400'0000;  // 64 MiB per adapter
  static constexpr std::uint64_t kCommonOffset = 0x0200'0000;  // common buffers: upper half

  IommuMapper(Iommu& iommu, std::uint16_t requester_id, const IommuCosts& costs);

  const char* name() const override { return "iommu"; }
  void add_adapter(std::size_t adapter, std::uint32_t map_registers, bool dma64) override;
  void remove_adapter(std::size_t adapter) override;
  std::vector<std::uint64_t> map(std::size_t adapter, const std::vector<Page>& pages,
                                 bool to_device, std::uint64_t* cpu_ps) override;
  void unmap(std::size_t adapter, const std::vector<Page>& pages,
             const std::vector<std::uint64_t>& logical, bool to_device,
             std::uint64_t* cpu_ps) override;
  std::uint64_t map_common(std::size_t adapter, std::uint64_t physical,
                           std::uint64_t bytes) override;
  void unmap_common(std::size_t adapter, std::uint64_t logical, std::uint64_t bytes) override;
  // --inject hw:iommu-fault@chunk=K: the K-th map() (the K-th StartDma, counting all adapters)
  // writes its first page's entry without access rights, so the device's access to it faults.
  void inject_fault(std::uint64_t map_call) { fault_map_ = map_call; }
  std::uint64_t faults_injected() const { return faults_injected_; }

 private:
  struct Window {
    std::uint64_t base;
    std::vector<bool> used;  // one per map register
    std::uint64_t common_next;
  };
  Window& window(std::size_t adapter);

  Iommu& iommu_;
  std::uint16_t domain_;
  IommuCosts costs_;
  std::map<std::size_t, Window> windows_;
  std::uint64_t maps_ = 0, fault_map_ = 0, faults_injected_ = 0;
};

}  // namespace dmasim
