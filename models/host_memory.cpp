#include "models/host_memory.h"

namespace dmasim {

HostMemory::HostMemory(sc_core::sc_module_name name, std::uint64_t size)
    : sc_module(name), socket("socket"), mem_(size) {
  socket.register_b_transport(this, &HostMemory::b_transport);
  socket.register_get_direct_mem_ptr(this, &HostMemory::get_direct_mem_ptr);
  socket.register_transport_dbg(this, &HostMemory::transport_dbg);
}

bool HostMemory::access(tlm::tlm_generic_payload& gp) {
  const std::uint64_t addr = gp.get_address();
  const std::uint64_t len = gp.get_data_length();
  if (gp.get_byte_enable_ptr() || gp.get_streaming_width() < len) {
    gp.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
    return false;
  }
  if (!mem_.contains(addr, len)) {
    gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return false;
  }
  if (gp.is_read()) {
    mem_.read(addr, gp.get_data_ptr(), len);
  } else if (gp.is_write()) {
    mem_.write(addr, gp.get_data_ptr(), len);
  }
  gp.set_response_status(tlm::TLM_OK_RESPONSE);
  return true;
}

void HostMemory::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time&) {
  if (!access(gp)) return;
  gp.set_dmi_allowed(true);
  if (gp.is_write()) bytes_written_ += gp.get_data_length();
}

unsigned HostMemory::transport_dbg(tlm::tlm_generic_payload& gp) {
  return access(gp) ? gp.get_data_length() : 0;
}

bool HostMemory::get_direct_mem_ptr(tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi) {
  const std::uint64_t addr = gp.get_address();
  if (!mem_.contains(addr, 1)) return false;
  const std::uint64_t page = addr & ~std::uint64_t{4095};
  dmi.set_dmi_ptr(mem_.page_ptr(page));
  dmi.set_start_address(page);
  dmi.set_end_address(page + 4095);
  dmi.allow_read_write();
  dmi.set_read_latency(sc_core::SC_ZERO_TIME);
  dmi.set_write_latency(sc_core::SC_ZERO_TIME);
  return true;
}

}  // namespace dmasim
