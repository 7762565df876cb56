// Unit tests of the engine's write-order queue and mover (models/write_order.h).
//
// Expected values are worked out by hand in the comments, never copied from the model's output.
#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>

#include "models/write_order.h"

namespace dmasim {
namespace {

// The RTL's mover: 32 B per 4 ns cycle = 125 ps per byte; a 4 KiB burst takes 512 ns.
constexpr std::uint64_t kPsPerByte = 125;
constexpr std::uint64_t kBurstPs = 4096 * kPsPerByte;

TEST(WriteOrderQueue, RejectsDepthZero) {
  EXPECT_THROW(WriteOrderQueue(0, kPsPerByte), std::invalid_argument);
}

TEST(WriteOrderQueue, IdleMoverStartsAWriteWhenItIsAccepted) {
  WriteOrderQueue q(8, kPsPerByte);
  EXPECT_EQ(q.room(), 0u);
  const auto a = q.accept(1000, 4096);
  EXPECT_EQ(a.accepted, 1000u);
  EXPECT_EQ(a.loaded, 1000u);
  EXPECT_EQ(a.buffered, 1000u + kBurstPs);
  // An MSI much later: one 4-byte beat, the mover is idle again.
  const auto m = q.accept(1000000, 4);
  EXPECT_EQ(m.loaded, 1000000u);
  EXPECT_EQ(m.buffered, 1000000u + 4 * kPsPerByte);
}

TEST(WriteOrderQueue, OneMoverStreamsWritesBackToBackInOrder) {
  WriteOrderQueue q(8, kPsPerByte);
  // Three bursts requested at once: each starts when the one before is all in.
  for (std::uint64_t k = 0; k < 3; ++k) {
    const auto a = q.accept(0, 4096);
    EXPECT_EQ(a.accepted, 0u);
    EXPECT_EQ(a.loaded, k * kBurstPs);
    EXPECT_EQ(a.buffered, (k + 1) * kBurstPs);
  }
  // An MSI behind them waits for all three bursts in the mover (posted-write order).
  const auto m = q.accept(10, 4);
  EXPECT_EQ(m.loaded, 3 * kBurstPs);
  EXPECT_EQ(m.buffered, 3 * kBurstPs + 4 * kPsPerByte);
}

TEST(WriteOrderQueue, FullQueueMakesRoomWhenTheMoverStartsTheOldestEntry) {
  // Depth 2: requests at time 0 for bursts 0..3. Burst k is loaded at k * 512 ns. Entry 2 needs
  // entry 0 to have left the queue (loaded at 0), entry 3 needs entry 1 loaded (512 ns).
  WriteOrderQueue q(2, kPsPerByte);
  EXPECT_EQ(q.accept(0, 4096).accepted, 0u);
  EXPECT_EQ(q.accept(0, 4096).accepted, 0u);
  EXPECT_EQ(q.room(), 0u);
  EXPECT_EQ(q.accept(0, 4096).accepted, 0u);
  EXPECT_EQ(q.room(), kBurstPs);
  const auto a = q.accept(0, 4096);
  EXPECT_EQ(a.accepted, kBurstPs);
  EXPECT_EQ(a.loaded, 3 * kBurstPs);
  // Now entries 2 and 3 wait: room when entry 2 is loaded, at 2 * 512 ns.
  EXPECT_EQ(q.room(), 2 * kBurstPs);
}

TEST(WriteOrderQueue, ZeroRateMoverIsInstant) {
  WriteOrderQueue q(8, 0);
  const auto a = q.accept(5, 4096);
  EXPECT_EQ(a.loaded, 5u);
  EXPECT_EQ(a.buffered, 5u);
}

}  // namespace
}  // namespace dmasim
