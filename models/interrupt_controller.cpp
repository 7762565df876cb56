#include "models/interrupt_controller.h"

#include "models/sim_time.h"

namespace dmasim {

InterruptController::InterruptController(sc_core::sc_module_name name, Cpu& cpu)
    : sc_module(name), msi("msi"), cpu_(cpu) {
  msi.register_b_transport(this, &InterruptController::b_transport);
  SC_METHOD(deliver);
  sensitive << arrivals_;
  dont_initialize();
}

void InterruptController::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  ++messages_;
  arrivals_.notify(delay + from_ps(cpu_.costs().msi_to_isr_ps));
  gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

void InterruptController::deliver() {
  cpu_.request_interrupt();
}

}  // namespace dmasim
