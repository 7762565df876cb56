// One device-initiated (bus-master) transaction, as both DMA engine backends issue it: tagged
// with the engine's requester ID, at absolute time t (never before now), through the link,
// which reports when the request has left (reads) and when the transfer is done.
#pragma once

#include <cstdint>
#include <tlm>

#include "models/dma_device.h"
#include "models/sim_time.h"
#include "models/tlm_ext.h"

namespace dmasim {

struct BusTiming {
  bool ok;
  std::uint64_t issue_done_ps;  // the next transaction may issue (posted writes: = done)
  std::uint64_t done_ps;        // last byte arrived (read data back, write across the link)
};

inline BusTiming device_transaction(tlm::tlm_initiator_socket<>& socket, bool write,
                                    std::uint64_t addr, std::uint8_t* data, std::uint32_t len,
                                    std::uint64_t t) {
  tlm::tlm_generic_payload gp;
  ReadIssueExt issue;
  RequesterExt requester;
  requester.requester_id = static_cast<std::uint16_t>(kEngineRequesterId);
  gp.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
  gp.set_address(addr);
  gp.set_data_ptr(data);
  gp.set_data_length(len);
  gp.set_streaming_width(len);
  gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  gp.set_extension(&issue);
  gp.set_extension(&requester);
  const std::uint64_t now = now_ps();
  sc_core::sc_time delay = from_ps(t > now ? t - now : 0);
  socket->b_transport(gp, delay);
  gp.clear_extension(&issue);  // stack-allocated: the payload must not delete them
  gp.clear_extension(&requester);
  const std::uint64_t done = now + to_ps(delay);
  return {gp.is_response_ok(), !write && issue.issue_done_ps ? issue.issue_done_ps : done, done};
}

}  // namespace dmasim
