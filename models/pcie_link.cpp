#include "models/pcie_link.h"

#include "models/sim_time.h"
#include "models/tlm_ext.h"

namespace dmasim {

PcieLink::PcieLink(sc_core::sc_module_name name, const LinkParams& params)
    : sc_module(name),
      up_in("up_in"),
      up_out("up_out"),
      down_in("down_in"),
      down_out("down_out"),
      occ_(params) {
  up_in.register_b_transport(this, &PcieLink::upstream);
  up_in.register_transport_dbg(this, &PcieLink::upstream_dbg);
  down_in.register_b_transport(this, &PcieLink::downstream);
  down_in.register_transport_dbg(this, &PcieLink::downstream_dbg);
  SC_METHOD(update_busy);
  sensitive << wire_free_;
  dont_initialize();
}

void PcieLink::booked() {
  if (!tracing_) return;
  const ps_t now = now_ps();
  for (int d = 0; d < 2; ++d) {
    const ps_t until = occ_.busy_until(static_cast<LinkOccupancy::Dir>(d));
    if (until > now) {
      traced_busy[d] = true;
      wire_free_.notify(from_ps(until - now));
    }
  }
}

void PcieLink::update_busy() {
  const ps_t now = now_ps();
  for (int d = 0; d < 2; ++d)
    traced_busy[d] = occ_.busy_until(static_cast<LinkOccupancy::Dir>(d)) > now;
}

// A device can be programmed to address the top of the 64-bit space: a range that wraps past
// 2^64 is no TLP a link carries. Answered with an error, like an Unsupported Request.
static bool wraps(const tlm::tlm_generic_payload& gp) {
  return gp.get_data_length() > 0 &&
         gp.get_address() > ~std::uint64_t{0} - (gp.get_data_length() - 1);
}

void PcieLink::upstream(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  if (wraps(gp)) {
    gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  const ps_t now = now_ps();
  const ps_t t = now + to_ps(delay);
  ps_t done;
  if (gp.is_read()) {
    // The host sees the read when its first request arrives; what it adds (IOMMU translation)
    // delays that request's completions. Later requests of the same transaction add nothing.
    bool forwarded = false;
    const auto host = [&](ps_t arrival) -> ps_t {
      if (forwarded) return 0;
      forwarded = true;
      sc_core::sc_time at = from_ps(arrival - now);
      up_out->b_transport(gp, at);
      return now + to_ps(at) - arrival;
    };
    const LinkOccupancy::ReadTiming r =
        occ_.device_read(t, gp.get_address(), gp.get_data_length(), host);
    if (!forwarded) host(t);  // a zero-length read still reaches the target
    if (auto* ext = gp.get_extension<ReadIssueExt>()) ext->issue_done_ps = r.issue_done;
    done = r.data_done;
  } else {
    // Posted: the device is done when the last byte has crossed the link; what the host adds
    // (translation) delays the write into memory, not the device.
    done = occ_.device_write(t, gp.get_address(), gp.get_data_length());
    sc_core::sc_time arrival = from_ps(done - now);
    up_out->b_transport(gp, arrival);
  }
  delay = from_ps(done - now);
  booked();
}

void PcieLink::downstream(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  if (wraps(gp)) {
    gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  const ps_t now = now_ps();
  const ps_t t = now + to_ps(delay);
  if (gp.is_read()) {
    const ps_t done = occ_.host_read(t, gp.get_address(), gp.get_data_length());
    sc_core::sc_time inner = sc_core::SC_ZERO_TIME;
    down_out->b_transport(gp, inner);
    delay = from_ps(done + to_ps(inner) - now);
  } else {
    const ps_t done = occ_.host_write(t, gp.get_address(), gp.get_data_length());
    delay = from_ps(done - now);
    down_out->b_transport(gp, delay);  // the register sees it on arrival
  }
  booked();
}

}  // namespace dmasim
