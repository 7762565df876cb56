// TLM extensions the platform's initiators and interconnect exchange.
#pragma once

#include <cstdint>
#include <tlm>

namespace dmasim {

// Set by the link on a device-initiated read: when the last request TLP left the device, so a
// bus master with free tags can issue its next read before this one's data is back.
struct ReadIssueExt : tlm::tlm_extension<ReadIssueExt> {
  std::uint64_t issue_done_ps = 0;
  tlm_extension_base* clone() const override { return new ReadIssueExt(*this); }
  void copy_from(const tlm_extension_base& other) override {
    issue_done_ps = static_cast<const ReadIssueExt&>(other).issue_done_ps;
  }
};

// The PCIe requester ID of a device-initiated transaction (bus/device/function); the IOMMU
// chooses the translation domain by it. Each DMA channel of the engine is its own function.
struct RequesterExt : tlm::tlm_extension<RequesterExt> {
  std::uint16_t requester_id = 0;
  tlm_extension_base* clone() const override { return new RequesterExt(*this); }
  void copy_from(const tlm_extension_base& other) override {
    requester_id = static_cast<const RequesterExt&>(other).requester_id;
  }
};

}  // namespace dmasim
