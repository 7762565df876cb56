// How the HAL turns a locked buffer's physical pages into the logical addresses a device must use:
// the one seam between the video port and the platform's address translation. An adapter's map
// registers are the mapper's translation slots (identity: none needed; IOMMU: IOVA pages;
// no IOMMU and a 32-bit device: bounce pages below 4 GiB).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace dmasim {

class LogicalMapper {
 public:
  struct Page {
    std::uint64_t physical;  // page-aligned
    std::uint32_t offset;    // the bytes of the page the transfer uses
    std::uint32_t length;
  };

  virtual ~LogicalMapper() = default;
  virtual const char* name() const = 0;
  // An adapter was created with this many map registers; dma64: it can address above 4 GiB.
  virtual void add_adapter(std::size_t /*adapter*/, std::uint32_t /*map_registers*/,
                           bool /*dma64*/) {}
  virtual void remove_adapter(std::size_t /*adapter*/) {}
  // StartDma: maps a chunk's pages, one logical page address each; adds the CPU time to *cpu_ps.
  virtual std::vector<std::uint64_t> map(std::size_t adapter, const std::vector<Page>& pages,
                                         bool to_device, std::uint64_t* cpu_ps) = 0;
  // A common buffer (physically contiguous): its logical address, and undoing it.
  virtual std::uint64_t map_common(std::size_t /*adapter*/, std::uint64_t physical,
                                   std::uint64_t /*bytes*/) {
    return physical;
  }
  virtual void unmap_common(std::size_t /*adapter*/, std::uint64_t /*logical*/,
                            std::uint64_t /*bytes*/) {}
  // CompleteDma: undoes map() for those pages.
  virtual void unmap(std::size_t adapter, const std::vector<Page>& pages,
                     const std::vector<std::uint64_t>& logical, bool to_device,
                     std::uint64_t* cpu_ps) = 0;
};

// No translation: logical == physical.
class IdentityMapper : public LogicalMapper {
 public:
  const char* name() const override { return "identity"; }
  std::vector<std::uint64_t> map(std::size_t, const std::vector<Page>& pages, bool,
                                 std::uint64_t*) override {
    std::vector<std::uint64_t> out;
    out.reserve(pages.size());
    for (const Page& p : pages) out.push_back(p.physical);
    return out;
  }
  void unmap(std::size_t, const std::vector<Page>&, const std::vector<std::uint64_t>&, bool,
             std::uint64_t*) override {}
};

}  // namespace dmasim
