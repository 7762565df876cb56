// The PCIe-like link between the host (root complex) and the device, as a TLM interconnect.
// Upstream: the device's bus-master traffic (DMA reads and writes, MSI) to the root complex.
// Downstream: the host CPU's MMIO to the device's BARs. Timing comes from the occupancy
// arithmetic in LinkOccupancy (one computation per transaction, no event per TLP); the returned
// delay is when the last byte has arrived (reads: the data back at the requester).
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <systemc>
#include <tlm>

#include "models/link_timing.h"

namespace dmasim {

class PcieLink : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<PcieLink> up_in;        // from the device's bus master
  tlm_utils::simple_initiator_socket<PcieLink> up_out;    // to the root complex
  tlm_utils::simple_target_socket<PcieLink> down_in;      // from the host CPU
  tlm_utils::simple_initiator_socket<PcieLink> down_out;  // to the device's BARs

  SC_HAS_PROCESS(PcieLink);
  PcieLink(sc_core::sc_module_name name, const LinkParams& params);

  const LinkOccupancy& occupancy() const { return occ_; }

  // Waveform view: each direction is "busy" while its wire has TLPs booked. Off unless asked
  // for, as it costs an event per transaction.
  void trace_busy() { tracing_ = true; }
  bool traced_busy[2] = {false, false};  // [LinkOccupancy::kUpstream], [kDownstream]

 private:
  void upstream(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  void downstream(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  unsigned upstream_dbg(tlm::tlm_generic_payload& gp) { return up_out->transport_dbg(gp); }
  unsigned downstream_dbg(tlm::tlm_generic_payload& gp) { return down_out->transport_dbg(gp); }

  void booked();       // after any transaction: busy now, and recheck when the wire frees
  void update_busy();  // SC_METHOD: busy = wire booked beyond now

  LinkOccupancy occ_;
  bool tracing_ = false;
  sc_core::sc_event_queue wire_free_;
};

}  // namespace dmasim
