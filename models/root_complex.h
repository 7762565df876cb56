// Root complex: decodes upstream (device-initiated) transactions. Writes into the MSI window go to
// the interrupt controller; everything else goes to host memory (the IOMMU will sit on that path).
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <functional>
#include <systemc>
#include <tlm>

namespace dmasim {

constexpr std::uint64_t MSI_WINDOW_BASE = 0xFEE0'0000;  // x86 MSI address range (Intel SDM 10.11)
constexpr std::uint64_t MSI_WINDOW_SIZE = 0x10'0000;

class RootComplex : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<RootComplex> from_link;
  tlm_utils::simple_initiator_socket<RootComplex> to_memory;
  tlm_utils::simple_initiator_socket<RootComplex> to_msi;

  explicit RootComplex(sc_core::sc_module_name name);

  // Checks each device access to memory (addr, len, is_write); a false answer gets the device
  // an error response and the access never reaches memory.
  void set_access_check(std::function<bool(std::uint64_t, std::uint64_t, bool)> check) {
    access_check_ = std::move(check);
  }

 private:
  static bool is_msi(const tlm::tlm_generic_payload& gp) {
    return gp.get_address() >= MSI_WINDOW_BASE &&
           gp.get_address() < MSI_WINDOW_BASE + MSI_WINDOW_SIZE;
  }
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  unsigned transport_dbg(tlm::tlm_generic_payload& gp);

  std::function<bool(std::uint64_t, std::uint64_t, bool)> access_check_;
};

}  // namespace dmasim
