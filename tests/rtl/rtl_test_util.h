// Checks shared by the RTL test cases.
#pragma once

#include <gtest/gtest.h>

#include "tests/rtl/rtl_harness.h"

namespace rtltb {

constexpr std::uint64_t kDescArray = 0x8000'0000;  // descriptor arrays (below 4 GiB)
constexpr std::uint64_t kHostBuf = 0x1'2345'0000;  // host buffers (above 4 GiB)
constexpr std::uint64_t kHostBuf32 = 0x4000'0000;  // host buffers for the 32-bit engine
constexpr std::uint64_t kGuard = 64;               // guard bytes around every host range

// A finished run against its reference: STATUS, DMA_ERROR, the INT_STATUS bit, BYTES, every
// memory byte (guards included), the MSI (one, from this channel, with the programmed message,
// after the status changed, or none without IRQ_EN), busy low, no protocol violation.
inline void check_run(Harness& h, unsigned ch, const RunResult& r, const Reference& ref,
                      std::size_t msis_before, bool irq_en = true) {
  const bool ok = ref.error == dmasim::DMA_ERR_NONE;
  EXPECT_EQ(r.status, ok ? dmasim::DMA_STATUS_DONE : dmasim::DMA_STATUS_ERROR);
  EXPECT_EQ(r.error, ref.error);
  EXPECT_NE(r.int_status & (ok ? dmasim::DMA_INT_DONE : dmasim::DMA_INT_ERROR), 0u);
  EXPECT_EQ(r.bytes, ref.bytes);
  EXPECT_TRUE(h.memories_match(ref.host_dont_care));
  EXPECT_EQ((h.dut_busy() >> ch) & 1u, 0u);
  if (irq_en) {
    ASSERT_EQ(h.msis.size(), msis_before + 1);
    EXPECT_EQ(h.msis.back().id, ch);
    EXPECT_EQ(h.msis.back().addr, kMsiAddr);
    EXPECT_EQ(h.msis.back().data, kMsiData);
  } else {
    EXPECT_EQ(h.msis.size(), msis_before);
  }
  EXPECT_TRUE(h.clean());
}

// Fill a host range and kGuard bytes either side with the pattern.
inline void fill_guarded(Harness& h, std::uint64_t addr, std::uint64_t len) {
  h.fill_host(addr - kGuard, len + 2 * kGuard);
}

}  // namespace rtltb
