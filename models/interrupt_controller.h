// Message-signalled interrupt delivery: an MSI write arriving at the root complex reaches the CPU
// after a delivery latency (the platform passes the CPU's MSI -> ISR entry cost,
// firmware/kernel/cpu_costs.h, and where to deliver: models/ know no CPU). Each MSI
// is one edge; MSIs in flight queue, none is lost. Not modelled: vectors, priorities, masking.
#pragma once

#include <tlm_utils/simple_target_socket.h>

#include <cstdint>
#include <functional>
#include <systemc>
#include <tlm>
#include <vector>

namespace dmasim {

class InterruptController : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<InterruptController> msi;

  SC_HAS_PROCESS(InterruptController);
  // deliver(vector) raises the interrupt at its destination, delivery_ps after the message.
  InterruptController(sc_core::sc_module_name name, std::uint64_t delivery_ps,
                      std::function<void(unsigned)> deliver);

  std::uint64_t messages() const { return messages_; }
  // A message from a host-side source (the IOMMU's fault event), arriving after delay.
  void signal(unsigned vector, const sc_core::sc_time& delay);

 private:
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);

  std::uint64_t delivery_ps_;
  std::function<void(unsigned)> deliver_;
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
