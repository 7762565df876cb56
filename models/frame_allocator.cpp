#include "models/frame_allocator.h"

#include <stdexcept>

namespace dmasim {

FrameAllocator::FrameAllocator(std::vector<Range> ranges, std::uint64_t seed)
    : ranges_(std::move(ranges)), rng_(seed) {
  for (const auto& r : ranges_) {
    if (r.second <= r.first) throw std::invalid_argument("FrameAllocator: empty range");
    total_ += r.second - r.first;
  }
  if (total_ == 0) throw std::invalid_argument("FrameAllocator: no frames");
  cursor_ = rng_() % total_;  // the seed decides where the free list starts
}

std::uint64_t FrameAllocator::frame_at(std::uint64_t index) const {
  for (const auto& r : ranges_) {
    const std::uint64_t n = r.second - r.first;
    if (index < n) return r.first + index;
    index -= n;
  }
  throw std::logic_error("FrameAllocator: index out of range");
}

std::uint64_t FrameAllocator::allocate() {
  if (used_.size() >= total_) throw std::runtime_error("FrameAllocator: out of frames");
  for (;;) {
    cursor_ = (cursor_ + 1 + rng_() % 4) % total_;
    const std::uint64_t f = frame_at(cursor_);
    if (is_free(f)) {
      used_.insert(f);
      return f;
    }
  }
}

std::uint64_t FrameAllocator::allocate_contiguous(std::uint64_t n, std::uint64_t limit_frame) {
  for (const auto& r : ranges_) {
    std::uint64_t run = 0;
    for (std::uint64_t f = r.first; f < r.second && f < limit_frame; ++f) {
      run = is_free(f) ? run + 1 : 0;
      if (run == n) {
        const std::uint64_t first = f + 1 - n;
        for (std::uint64_t g = first; g <= f; ++g) used_.insert(g);
        return first;
      }
    }
  }
  throw std::runtime_error("FrameAllocator: no contiguous run of the requested size");
}

void FrameAllocator::free(std::uint64_t frame) {
  if (used_.erase(frame) == 0) throw std::logic_error("FrameAllocator: double free");
}

}  // namespace dmasim
