#include "firmware/videoport/iommu_mapper.h"

#include <stdexcept>

namespace dmasim {

IommuMapper::IommuMapper(Iommu& iommu, std::uint16_t requester_id, const IommuCosts& costs)
    : iommu_(iommu), domain_(iommu.attach(requester_id)), costs_(costs) {}

IommuMapper::Window& IommuMapper::window(std::size_t adapter) {
  auto it = windows_.find(adapter);
  if (it == windows_.end()) throw std::logic_error("IommuMapper: unknown adapter");
  return it->second;
}

void IommuMapper::add_adapter(std::size_t adapter, std::uint32_t map_registers, bool) {
  const std::uint64_t base = kWindowBase + adapter * kWindowStride;
  if (std::uint64_t{map_registers} * 4096 > kCommonOffset || base + kWindowStride > (4ULL << 30))
    throw std::length_error("IommuMapper: IOVA window too small");
  windows_[adapter] = Window{base, std::vector<bool>(map_registers, false), base + kCommonOffset};
}

void IommuMapper::remove_adapter(std::size_t adapter) {
  windows_.erase(adapter);
}

std::vector<std::uint64_t> IommuMapper::map(std::size_t adapter, const std::vector<Page>& pages,
                                            bool to_device, std::uint64_t* cpu_ps) {
  Window& w = window(adapter);
  const std::size_t n = pages.size(), slots = w.used.size();
  // First fit of a contiguous run of free slots; else any free slots.
  std::vector<std::size_t> pick;
  for (std::size_t start = 0, run = 0; start + run < slots && pick.empty();) {
    if (w.used[start + run]) {
      start += run + 1;
      run = 0;
    } else if (++run == n) {
      for (std::size_t i = 0; i < n; ++i) pick.push_back(start + i);
    }
  }
  for (std::size_t s = 0; s < slots && pick.size() < n; ++s)
    if (!w.used[s]) pick.push_back(s);
  if (pick.size() < n) throw std::logic_error("IommuMapper: more pages than free map registers");
  std::vector<std::uint64_t> iova;
  const bool inject = ++maps_ == fault_map_;
  faults_injected_ += inject;
  for (std::size_t i = 0; i < n; ++i) {
    w.used[pick[i]] = true;
    iova.push_back(w.base + pick[i] * 4096);
    // The device reads the buffer for a transfer to it, writes it for one from it.
    const bool rights = !(inject && i == 0);
    iommu_.map(domain_, iova.back(), pages[i].physical, rights && to_device, rights && !to_device);
  }
  *cpu_ps += n * costs_.map_page_ps;
  return iova;
}

void IommuMapper::unmap(std::size_t adapter, const std::vector<Page>&,
                        const std::vector<std::uint64_t>& logical, bool, std::uint64_t* cpu_ps) {
  Window& w = window(adapter);
  for (std::uint64_t iova : logical) {
    iommu_.unmap(domain_, iova);
    iommu_.invalidate_page(domain_, iova);
    w.used[(iova - w.base) / 4096] = false;
  }
  *cpu_ps += logical.size() * costs_.unmap_page_ps + costs_.invalidate_ps;
}

std::uint64_t IommuMapper::map_common(std::size_t adapter, std::uint64_t physical,
                                      std::uint64_t bytes) {
  Window& w = window(adapter);
  const std::uint64_t iova = w.common_next;
  const std::uint64_t pages = (bytes + 4095) / 4096;
  if (iova + pages * 4096 > w.base + kWindowStride)
    throw std::length_error("IommuMapper: common-buffer window full");
  for (std::uint64_t i = 0; i < pages; ++i)
    iommu_.map(domain_, iova + i * 4096, physical + i * 4096, true, true);
  w.common_next += pages * 4096;
  return iova;
}

void IommuMapper::unmap_common(std::size_t adapter, std::uint64_t logical, std::uint64_t bytes) {
  (void)window(adapter);
  for (std::uint64_t off = 0; off < bytes; off += 4096) {
    iommu_.unmap(domain_, logical + off);
    iommu_.invalidate_page(domain_, logical + off);
  }
}

}  // namespace dmasim
