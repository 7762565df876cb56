// IOMMU (DMA remapping) between the root complex and host memory.
//
// Models: a domain per requester ID (from RequesterExt) with 4-level I/O page tables kept in host
// memory (models/iommu_core.h); a bounded set-associative IOTLB; on a miss, a walk that reads the
// tables from memory, one read per level, on a single walker that later misses queue behind;
// per-page and per-domain invalidation; faults (no domain, not present, permission) recorded with
// address and requester, signalled by interrupt, and answered to the device with an error
// response, so the access never reaches memory. A read's translation delays its completions (the
// link asks for it, models/pcie_link.cpp); a posted write's does not hold the device up.
// Not modelled: a page-walk cache, large pages, PASIDs, interrupt remapping, ATS.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <systemc>
#include <tlm>
#include <vector>

#include "models/frame_allocator.h"
#include "models/iommu_core.h"
#include "models/iommu_params.h"
#include "models/sparse_memory.h"

namespace dmasim {

struct IommuFault {
  std::uint64_t iova;
  std::uint16_t requester;
  IoFault kind;  // kNotPresent also stands for "no domain for this requester"
  bool write;
  std::uint64_t time_ps;
};

class Iommu : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<Iommu> upstream;   // from the root complex
  tlm_utils::simple_initiator_socket<Iommu> memory;  // to host memory

  Iommu(sc_core::sc_module_name name, const IommuParams& params, SparseMemory& tables_memory,
        FrameAllocator& frames);

  // The host's remapping driver programs it through these (no simulated time: the caller
  // charges the CPU cost). attach() gives a requester its own domain, returned.
  std::uint16_t attach(std::uint16_t requester_id);
  unsigned map(std::uint16_t domain, std::uint64_t iova, std::uint64_t pa, bool read, bool write);
  unsigned unmap(std::uint16_t domain, std::uint64_t iova);
  void invalidate_page(std::uint16_t domain, std::uint64_t iova);
  void invalidate_domain(std::uint16_t domain);
  // Called (at the time of the fault) for each fault: the fault event interrupt.
  void on_fault(std::function<void(const IommuFault&)> f) { on_fault_ = std::move(f); }

  const Iotlb& iotlb() const { return tlb_; }
  std::uint64_t walks() const { return walks_; }
  std::uint64_t invalidations() const { return invalidations_; }
  const std::vector<IommuFault>& faults() const { return faults_; }
  std::uint64_t traced_iotlb_misses = 0;  // steps on every miss, for waveforms

 private:
  struct Tables : PhysMem {
    explicit Tables(SparseMemory& m) : mem(m) {}
    std::uint64_t read64(std::uint64_t pa) override;
    void write64(std::uint64_t pa, std::uint64_t value) override;
    SparseMemory& mem;
  };
  struct Domain {
    std::uint16_t id;
    std::unique_ptr<IoPageTable> tables;
  };

  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  unsigned transport_dbg(tlm::tlm_generic_payload& gp);
  // Translates iova at time t (advanced by the lookup and any walk); false on a fault.
  bool translate(std::uint16_t requester, std::uint64_t iova, bool write, std::uint64_t& t,
                 std::uint64_t* pa);
  Domain& domain(std::uint16_t id);

  IommuParams params_;
  Tables tables_;
  FrameAllocator& frames_;
  Iotlb tlb_;
  std::map<std::uint16_t, std::uint16_t> requester_domain_;
  std::vector<Domain> domains_;
  std::uint64_t walker_free_ps_ = 0;
  std::uint64_t walks_ = 0, invalidations_ = 0;
  std::vector<IommuFault> faults_;
  std::function<void(const IommuFault&)> on_fault_;
  std::vector<std::uint64_t> pa_scratch_;  // translations of the transaction in hand
};

}  // namespace dmasim
