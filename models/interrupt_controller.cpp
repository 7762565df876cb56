#include "models/interrupt_controller.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "models/sim_time.h"

namespace dmasim {

InterruptController::InterruptController(sc_core::sc_module_name name, std::uint64_t delivery_ps,
                                         std::function<void(unsigned)> deliver)
    : sc_module(name), msi("msi"), delivery_ps_(delivery_ps), deliver_(std::move(deliver)) {
  msi.register_b_transport(this, &InterruptController::b_transport);
  SC_METHOD(arrive);
  sensitive << arrivals_;
  dont_initialize();
}

void InterruptController::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  std::uint32_t data = 0;  // the MSI data is the vector
  std::memcpy(&data, gp.get_data_ptr(), std::min<unsigned>(4, gp.get_data_length()));
  ++messages_;
  signal(data, delay);
  gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

void InterruptController::signal(unsigned vector, const sc_core::sc_time& delay) {
  const sc_core::sc_time at = delay + from_ps(delivery_ps_);
  in_flight_.push_back({now_ps() + to_ps(at), vector});
  arrivals_.notify(at);
}

// Several messages may arrive at once; each goes to the CPU with its own vector, in time order.
void InterruptController::arrive() {
  const std::uint64_t now = now_ps();
  std::stable_sort(in_flight_.begin(), in_flight_.end(),
                   [](const Arrival& a, const Arrival& b) { return a.at_ps < b.at_ps; });
  while (!in_flight_.empty() && in_flight_.front().at_ps <= now) {
    deliver_(in_flight_.front().vector);
    in_flight_.erase(in_flight_.begin());
  }
}

}  // namespace dmasim
