#include "models/root_complex.h"

namespace dmasim {

RootComplex::RootComplex(sc_core::sc_module_name name)
    : sc_module(name), from_link("from_link"), to_memory("to_memory"), to_msi("to_msi") {
  from_link.register_b_transport(this, &RootComplex::b_transport);
  from_link.register_transport_dbg(this, &RootComplex::transport_dbg);
}

void RootComplex::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  if (is_msi(gp)) {
    if (!gp.is_write()) {
      gp.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);  // UR: reads of the MSI window
      return;
    }
    to_msi->b_transport(gp, delay);
  } else if (access_check_ &&
             !access_check_(gp.get_address(), gp.get_data_length(), gp.is_write())) {
    gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);  // completer abort
  } else {
    to_memory->b_transport(gp, delay);
  }
}

unsigned RootComplex::transport_dbg(tlm::tlm_generic_payload& gp) {
  return is_msi(gp) ? 0 : to_memory->transport_dbg(gp);
}

}  // namespace dmasim
