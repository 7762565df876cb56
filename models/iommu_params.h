// IOMMU parameters (plain C++, shared by the config, the IOMMU model and the HAL's remapping).
#pragma once

#include <cstdint>
#include <string>

namespace dmasim {

struct IommuParams {
  std::uint64_t iotlb_entries = 64;  // DESIGN.md ("IOTLB 64 entries")
  std::uint64_t iotlb_ways = 4;      // [EST] no vendor publishes its IOTLB geometry
  std::string replacement = "lru";
  std::uint64_t hit_ps = 2000;  // [EST] an IOTLB lookup, a few IOMMU cycles
  std::uint64_t walk_read_ps =
      62500;  // one table read; 4 levels = 250 ns (DESIGN.md walk ~0.25 us)
};

// CPU time the HAL's remapping spends. M. Saleh (Google), "[PATCH v5 0/4] iommu: Add
// IOMMU_DEBUG_PAGEALLOC sanitizer", LKML 2026-01-06, SMMUv3 baseline: 4 KiB map 0.1 us, unmap
// 0.6 us; 1 MiB unmap 21.2 us.
struct IommuCosts {
  std::uint64_t map_page_ps = 100000;    // map of one 4 KiB page: 0.1 us
  std::uint64_t unmap_page_ps = 83000;   // 1 MiB unmap 21.2 us / 256 pages = ~83 ns per page
  std::uint64_t invalidate_ps = 500000;  // 4 KiB unmap 0.6 us less ~0.1 us of PTE work: the
                                         // synchronous IOTLB invalidation wait, once per unmap
};

}  // namespace dmasim
