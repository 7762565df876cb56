#include "firmware/videoport/bounce_mapper.h"

#include <stdexcept>

namespace dmasim {

BounceMapper::BounceMapper(SparseMemory& memory, FrameAllocator& low_frames,
                           std::uint64_t copy_ps_per_kib)
    : memory_(memory), low_frames_(low_frames), copy_ps_per_kib_(copy_ps_per_kib) {}

void BounceMapper::add_adapter(std::size_t adapter, std::uint32_t map_registers, bool dma64) {
  Adapter a;
  if (!dma64) {
    for (std::uint32_t i = 0; i < map_registers; ++i) {
      const std::uint64_t pa = low_frames_.allocate() << 12;
      if (pa + 4096 > (1ULL << 32)) throw std::logic_error("BounceMapper: bounce page above 4 GiB");
      a.bounce.push_back(pa);
    }
    a.used.assign(map_registers, false);
  }
  adapters_[adapter] = std::move(a);
}

void BounceMapper::remove_adapter(std::size_t adapter) {
  auto it = adapters_.find(adapter);
  if (it == adapters_.end()) return;
  for (std::uint64_t pa : it->second.bounce) low_frames_.free(pa >> 12);
  adapters_.erase(it);
}

std::vector<std::uint64_t> BounceMapper::map(std::size_t adapter, const std::vector<Page>& pages,
                                             bool to_device, std::uint64_t* cpu_ps) {
  Adapter& a = adapters_.at(adapter);
  std::vector<std::uint64_t> logical;
  logical.reserve(pages.size());
  std::size_t next = 0;
  for (const Page& p : pages) {
    if (a.bounce.empty() || reachable(p)) {  // the device reaches the page itself
      logical.push_back(p.physical);
      continue;
    }
    while (next < a.used.size() && a.used[next]) ++next;
    if (next == a.used.size()) throw std::logic_error("BounceMapper: no free bounce page");
    a.used[next] = true;
    const std::uint64_t bounce = a.bounce[next];
    if (to_device) {  // the device will read the bounce page: fill it now
      std::vector<std::uint8_t> tmp(p.length);
      memory_.read(p.physical + p.offset, tmp.data(), p.length);
      memory_.write(bounce + p.offset, tmp.data(), p.length);
      *cpu_ps += copy_cost(p.length);
      bounce_bytes_ += p.length;
    }
    logical.push_back(bounce);
  }
  return logical;
}

void BounceMapper::unmap(std::size_t adapter, const std::vector<Page>& pages,
                         const std::vector<std::uint64_t>& logical, bool to_device,
                         std::uint64_t* cpu_ps) {
  Adapter& a = adapters_.at(adapter);
  for (std::size_t i = 0; i < pages.size(); ++i) {
    const Page& p = pages[i];
    if (logical[i] == p.physical) continue;
    if (!to_device) {  // the device wrote the bounce page: copy it back into the buffer
      std::vector<std::uint8_t> tmp(p.length);
      memory_.read(logical[i] + p.offset, tmp.data(), p.length);
      memory_.write(p.physical + p.offset, tmp.data(), p.length);
      *cpu_ps += copy_cost(p.length);
      bounce_bytes_ += p.length;
    }
    for (std::size_t k = 0; k < a.bounce.size(); ++k)
      if (a.bounce[k] == logical[i]) a.used[k] = false;
  }
}

}  // namespace dmasim
