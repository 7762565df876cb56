#include "models/write_order.h"

#include <algorithm>
#include <stdexcept>

namespace dmasim {

WriteOrderQueue::WriteOrderQueue(unsigned depth, ps_t ps_per_byte)
    : depth_(depth), ps_per_byte_(ps_per_byte) {
  if (depth == 0) throw std::invalid_argument("WriteOrderQueue: depth must be >= 1");
}

WriteOrderQueue::Accepted WriteOrderQueue::accept(ps_t t, std::uint64_t len) {
  Accepted a{};
  a.accepted = std::max(t, room());
  a.loaded = std::max(a.accepted, mover_free_);
  a.buffered = a.loaded + len * ps_per_byte_;
  mover_free_ = a.buffered;
  loads_.push_back(a.loaded);
  if (loads_.size() > depth_) loads_.pop_front();
  return a;
}

}  // namespace dmasim
