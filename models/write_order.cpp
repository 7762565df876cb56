#include "models/write_order.h"

#include <algorithm>
#include <stdexcept>

namespace dmasim {

WriteOrderQueue::WriteOrderQueue(unsigned depth, ps_t ps_per_byte, ps_t latency,
                                 unsigned beat_bytes)
    : depth_(depth), ps_per_byte_(ps_per_byte), latency_(latency), beat_bytes_(beat_bytes) {
  if (depth == 0) throw std::invalid_argument("WriteOrderQueue: depth must be >= 1");
}

WriteOrderQueue::Accepted WriteOrderQueue::accept(ps_t t, std::uint64_t len) {
  Accepted a{};
  a.accepted = std::max(t, room());
  a.loaded = std::max(a.accepted, mover_free_);
  const std::uint64_t bytes =
      beat_bytes_ ? (len + beat_bytes_ - 1) / beat_bytes_ * beat_bytes_ : len;
  mover_free_ = a.loaded + bytes * ps_per_byte_;
  a.buffered = mover_free_ + latency_;
  loads_.push_back(a.loaded);
  if (loads_.size() > depth_) loads_.pop_front();
  return a;
}

}  // namespace dmasim
