// The DMA engine's posted-write path up to the link (plain C++, no SystemC), at the granularity of
// the RTL (rtl/dma_req_arb.sv, rtl/dma_wr_mover.sv): every write request of the device -- data
// bursts of all channels and MSIs alike -- enters one in-order write-order queue of `depth`
// entries; one mover takes the entries in that order and streams each one's data (from VRAM, or
// the MSI data) at ps_per_byte, one burst at a time; an entry leaves the queue when the mover
// starts it, which makes room for the next request. A write may go out on the link once its data
// is all in (store and forward); the caller puts writes on the link in acceptance order, each
// after the previous one is done. With beat_bytes set, the data moves in whole beats, and every
// write's data is `latency` behind the mover (its pipeline: wait, VRAM read stages, output
// queue), which does not hold the mover up.
#pragma once

#include <cstdint>
#include <deque>

namespace dmasim {

class WriteOrderQueue {
 public:
  using ps_t = std::uint64_t;

  struct Accepted {
    ps_t accepted;  // the request entered the queue
    ps_t loaded;    // the mover started its data (it left the queue)
    ps_t buffered;  // its data is all in: it may go out on the link
  };

  // depth >= 1. beat_bytes 0: the data moves byte by byte.
  WriteOrderQueue(unsigned depth, ps_t ps_per_byte, ps_t latency = 0, unsigned beat_bytes = 0);

  // Earliest time the queue has room for one more request: when the mover started the entry
  // `depth` requests back (0 when fewer have been accepted).
  ps_t room() const { return loads_.size() < depth_ ? 0 : loads_.front(); }

  // Accepts a write of len bytes, requested at t (it enters at max(t, room())).
  Accepted accept(ps_t t, std::uint64_t len);

 private:
  unsigned depth_;
  ps_t ps_per_byte_;
  ps_t latency_;
  unsigned beat_bytes_;
  ps_t mover_free_ = 0;     // the mover has streamed everything accepted so far
  std::deque<ps_t> loads_;  // mover start times of the last `depth` entries, oldest first
};

}  // namespace dmasim
