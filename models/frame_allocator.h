// Seeded physical page-frame allocator. Hands out frames that are deliberately not contiguous
// (random stride of 1..4 frames, so some neighbours touch and most do not), as a long-running
// OS's free list would; scatter/gather lists built from them are therefore real.
// Contiguous runs (common buffers) come from the same pool, first fit from the bottom.
#pragma once

#include <cstdint>
#include <random>
#include <unordered_set>
#include <utility>
#include <vector>

namespace dmasim {

class FrameAllocator {
 public:
  using Range = std::pair<std::uint64_t, std::uint64_t>;  // [first_frame, end_frame)

  FrameAllocator(std::vector<Range> ranges, std::uint64_t seed);

  // One frame; throws std::runtime_error when exhausted.
  std::uint64_t allocate();
  // n physically contiguous frames below limit_frame; returns the first.
  std::uint64_t allocate_contiguous(std::uint64_t n, std::uint64_t limit_frame);
  void free(std::uint64_t frame);
  std::uint64_t in_use() const { return used_.size(); }
  std::uint64_t total() const { return total_; }

 private:
  std::uint64_t frame_at(std::uint64_t index) const;  // index in the concatenated ranges
  bool is_free(std::uint64_t frame) const { return used_.count(frame) == 0; }

  std::vector<Range> ranges_;
  std::uint64_t total_ = 0;
  std::uint64_t cursor_ = 0;  // index into the concatenated ranges
  std::mt19937_64 rng_;
  std::unordered_set<std::uint64_t> used_;
};

}  // namespace dmasim
