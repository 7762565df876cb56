#include "models/iommu.h"

#include <algorithm>
#include <stdexcept>

#include "models/sim_time.h"
#include "models/tlm_ext.h"

namespace dmasim {

namespace {

Replacement replacement_of(const std::string& name) {
  if (name == "lru") return Replacement::kLru;
  if (name == "fifo") return Replacement::kFifo;
  if (name == "random") return Replacement::kRandom;
  throw std::invalid_argument("Iommu: unknown IOTLB replacement policy '" + name + "'");
}

}  // namespace

std::uint64_t Iommu::Tables::read64(std::uint64_t pa) {
  std::uint64_t v = 0;
  mem.read(pa, &v, sizeof v);
  return v;
}

void Iommu::Tables::write64(std::uint64_t pa, std::uint64_t value) {
  mem.write(pa, &value, sizeof value);
}

Iommu::Iommu(sc_core::sc_module_name name, const IommuParams& params, SparseMemory& tables_memory,
             FrameAllocator& frames)
    : sc_module(name),
      upstream("upstream"),
      memory("memory"),
      params_(params),
      tables_(tables_memory),
      frames_(frames),
      tlb_(static_cast<unsigned>(params.iotlb_entries), static_cast<unsigned>(params.iotlb_ways),
           replacement_of(params.replacement), 1) {
  upstream.register_b_transport(this, &Iommu::b_transport);
  upstream.register_transport_dbg(this, &Iommu::transport_dbg);
}

std::uint16_t Iommu::attach(std::uint16_t requester_id) {
  auto it = requester_domain_.find(requester_id);
  if (it != requester_domain_.end()) return it->second;
  const auto id = static_cast<std::uint16_t>(domains_.size() + 1);
  auto alloc = [this] {
    const std::uint64_t pa = frames_.allocate() << 12;
    tables_.mem.fill(pa, 0, 4096);
    return pa;
  };
  domains_.push_back({id, std::make_unique<IoPageTable>(tables_, alloc)});
  requester_domain_[requester_id] = id;
  return id;
}

Iommu::Domain& Iommu::domain(std::uint16_t id) {
  if (id == 0 || id > domains_.size()) throw std::out_of_range("Iommu: no such domain");
  return domains_[id - 1];
}

unsigned Iommu::map(std::uint16_t d, std::uint64_t iova, std::uint64_t pa, bool read, bool write) {
  return domain(d).tables->map(iova, pa, read, write);
}

unsigned Iommu::unmap(std::uint16_t d, std::uint64_t iova) {
  return domain(d).tables->unmap(iova);
}

void Iommu::invalidate_page(std::uint16_t d, std::uint64_t iova) {
  ++invalidations_;
  tlb_.invalidate_page(d, iova >> 12);
}

void Iommu::invalidate_domain(std::uint16_t d) {
  ++invalidations_;
  tlb_.invalidate_domain(d);
}

bool Iommu::translate(std::uint16_t requester, std::uint64_t iova, bool write, std::uint64_t& t,
                      std::uint64_t* pa) {
  IoFault fault = IoFault::kNone;
  auto dom = requester_domain_.find(requester);
  if (dom == requester_domain_.end()) {
    fault = IoFault::kNotPresent;
  } else {
    std::uint64_t pa_page = 0;
    bool writable = false;
    if (tlb_.lookup(dom->second, iova >> 12, &pa_page, &writable)) {
      t += params_.hit_ps;
      if (write && !writable) fault = IoFault::kPermission;
    } else {
      // One walker: a miss waits for the walk before it, then reads each level from memory.
      ++traced_iotlb_misses;
      ++walks_;
      const WalkResult w = walk(tables_, domain(dom->second).tables->root(), iova, write);
      walker_free_ps_ = std::max(t, walker_free_ps_) + w.reads * params_.walk_read_ps;
      t = walker_free_ps_;
      fault = w.fault;
      if (fault == IoFault::kNone) tlb_.insert(dom->second, iova >> 12, w.pa_page, w.writable);
      pa_page = w.pa_page;
    }
    *pa = pa_page | (iova & 4095);
  }
  if (fault == IoFault::kNone) return true;
  faults_.push_back({iova, requester, fault, write, t});
  if (on_fault_) on_fault_(faults_.back());
  return false;
}

void Iommu::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  const auto* ext = gp.get_extension<RequesterExt>();
  const std::uint16_t requester = ext ? ext->requester_id : 0;
  const std::uint64_t now = now_ps();
  std::uint64_t t = now + to_ps(delay);
  const std::uint64_t addr = gp.get_address(), len = gp.get_data_length();
  tlm::tlm_response_status status = tlm::TLM_OK_RESPONSE;
  // Translate every page first: a fault anywhere means nothing of the access reaches memory.
  std::vector<std::uint64_t>& pa = pa_scratch_;  // reused: this runs once per burst
  pa.clear();
  for (std::uint64_t a = addr; a < addr + len; a = (a | 4095) + 1) {
    std::uint64_t p = 0;
    if (!translate(requester, a, gp.is_write(), t, &p)) {
      status = tlm::TLM_ADDRESS_ERROR_RESPONSE;
      break;
    }
    pa.push_back(p);
  }
  if (status == tlm::TLM_OK_RESPONSE) {
    std::size_t i = 0;
    for (std::uint64_t a = addr; a < addr + len; a = (a | 4095) + 1, ++i) {
      const std::uint64_t n = std::min(addr + len, (a | 4095) + 1) - a;
      tlm::tlm_generic_payload piece;
      piece.set_command(gp.get_command());
      piece.set_address(pa[i]);
      piece.set_data_ptr(gp.get_data_ptr() + (a - addr));
      piece.set_data_length(static_cast<unsigned>(n));
      piece.set_streaming_width(static_cast<unsigned>(n));
      piece.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
      sc_core::sc_time zero = sc_core::SC_ZERO_TIME;
      memory->b_transport(piece, zero);
      if (piece.is_response_error()) {
        status = piece.get_response_status();
        break;
      }
    }
  }
  gp.set_response_status(status);
  delay = from_ps(t - now);
}

// Debug accesses are not translated; scoreboards read host memory directly.
unsigned Iommu::transport_dbg(tlm::tlm_generic_payload&) {
  return 0;
}

}  // namespace dmasim
