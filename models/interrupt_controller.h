// Message-signalled interrupt delivery: an MSI write arriving at the root complex reaches the CPU
// after the configured delivery latency (MSI -> ISR entry, firmware/kernel/cpu_costs.h). Each MSI
// is one edge; MSIs in flight queue, none is lost. Not modelled: vectors, priorities, masking.
#pragma once

#include <tlm_utils/simple_target_socket.h>

#include <systemc>
#include <tlm>
#include <vector>

#include "firmware/kernel/cpu.h"

namespace dmasim {

class InterruptController : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<InterruptController> msi;

  SC_HAS_PROCESS(InterruptController);
  InterruptController(sc_core::sc_module_name name, Cpu& cpu);

  std::uint64_t messages() const { return messages_; }
  // A message from a host-side source (the IOMMU's fault event), arriving after delay.
  void signal(unsigned vector, const sc_core::sc_time& delay);

 private:
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);

  Cpu& cpu_;
  void arrive();  // a queued message reaches the CPU

  struct Arrival {
    std::uint64_t at_ps;
    unsigned vector;
  };
  std::vector<Arrival> in_flight_;
  sc_core::sc_event_queue arrivals_;
  std::uint64_t messages_ = 0;
};

}  // namespace dmasim
