// Host DRAM as a TLM target: a sparse physical address space (default 64 GiB, so 32-bit DMA limits
// matter), byte-exact reads and writes, DMI per page, debug transport for scoreboards.
// Access latency is folded into the link's read round trip (models/link_timing.h), so b_transport
// adds none. Not modelled: caches, NUMA, ECC, bandwidth limits of DRAM itself.
#pragma once

#include <tlm_utils/simple_target_socket.h>

#include <systemc>
#include <tlm>

#include "models/sparse_memory.h"

namespace dmasim {

class HostMemory : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<HostMemory> socket;

  HostMemory(sc_core::sc_module_name name, std::uint64_t size);

  SparseMemory& store() { return mem_; }
  std::uint64_t bytes_written() const { return bytes_written_; }  // by b_transport

 private:
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  bool get_direct_mem_ptr(tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi);
  unsigned transport_dbg(tlm::tlm_generic_payload& gp);
  bool access(tlm::tlm_generic_payload& gp);

  SparseMemory mem_;
  std::uint64_t bytes_written_ = 0;
};

}  // namespace dmasim
