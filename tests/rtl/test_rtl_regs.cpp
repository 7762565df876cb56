// Register file of the RTL engine: reset values, RW / RO / W1C, CTRL.RESET, the register port's
// timing, irq.
#include <gtest/gtest.h>

#include "tests/rtl/rtl_test_util.h"

using namespace dmasim;
using namespace rtltb;

namespace {

const std::uint32_t kChRegs[] = {DMA_CTRL,       DMA_STATUS,   DMA_DESC_LO,    DMA_DESC_HI,
                                 DMA_DESC_COUNT, DMA_DOORBELL, DMA_INT_STATUS, DMA_ERROR,
                                 DMA_BYTES_LO,   DMA_BYTES_HI};

// One good to-device run of `pages` pages on ch (VRAM from 0).
RunResult good_run(Harness& h, unsigned ch, unsigned pages, bool irq_en = true) {
  std::vector<Desc> d;
  for (unsigned i = 0; i < pages; ++i)
    d.push_back(Desc{kHostBuf + i * 4096, i * 4096ull, 4096, 0, 0});
  h.fill_host(kHostBuf, pages * 4096ull);
  Reference ref;
  return h.run(ch, kDescArray, d, &ref, irq_en);
}

}  // namespace

TEST(RtlRegs, ResetValues) {
  Harness h;
  // Harness construction programmed the MSI registers; a fresh reset clears them too.
  h.reset();
  EXPECT_EQ(h.reg_read(DMA_GLOBAL + DMA_ID), DMA_ID_VALUE);
  EXPECT_EQ(h.reg_read(DMA_GLOBAL + DMA_CHANNELS), kChannels);
  EXPECT_EQ(h.reg_read(DMA_GLOBAL + DMA_CAPS), DMA_CAPS_ADDR64 | DMA_CAPS_ABORT);
  EXPECT_EQ(h.reg_read(DMA_GLOBAL + DMA_MSI_ADDR_LO), 0u);
  EXPECT_EQ(h.reg_read(DMA_GLOBAL + DMA_MSI_ADDR_HI), 0u);
  EXPECT_EQ(h.reg_read(DMA_GLOBAL + DMA_MSI_DATA), 0u);
  for (unsigned ch = 0; ch < kChannels; ++ch)
    for (std::uint32_t r : kChRegs)
      EXPECT_EQ(h.ch_read(ch, r), 0u) << "channel " << ch << " reg " << r;
  EXPECT_EQ(h.dut_busy(), 0u);
  EXPECT_FALSE(h.dut_irq());
  EXPECT_TRUE(h.clean());
}

TEST(RtlRegs, ReadWriteReadOnlyAndUnmapped) {
  Harness h;
  for (unsigned ch = 0; ch < kChannels; ++ch) {
    const std::uint32_t salt = 0x1111'1111u * (ch + 1);
    h.ch_write(ch, DMA_DESC_LO, 0xDEAD'BEE0u ^ salt);
    h.ch_write(ch, DMA_DESC_HI, 0x0123'4567u ^ salt);
    h.ch_write(ch, DMA_DESC_COUNT, 0xFFFF'FFFFu ^ salt);
    h.ch_write(ch, DMA_CTRL, 0xFFFF'FFFDu);  // all but RESET; ABORT when idle: no effect
    // Read-only registers ignore writes.
    for (std::uint32_t r : {DMA_STATUS, DMA_ERROR, DMA_BYTES_LO, DMA_BYTES_HI})
      h.ch_write(ch, r, 0xFFFF'FFFFu);
  }
  for (unsigned ch = 0; ch < kChannels; ++ch) {
    const std::uint32_t salt = 0x1111'1111u * (ch + 1);
    EXPECT_EQ(h.ch_read(ch, DMA_DESC_LO), 0xDEAD'BEE0u ^ salt);
    EXPECT_EQ(h.ch_read(ch, DMA_DESC_HI), 0x0123'4567u ^ salt);
    EXPECT_EQ(h.ch_read(ch, DMA_DESC_COUNT), 0xFFFF'FFFFu ^ salt);
    EXPECT_EQ(h.ch_read(ch, DMA_CTRL), DMA_CTRL_IRQ_EN);
    EXPECT_EQ(h.ch_read(ch, DMA_STATUS), 0u);
    EXPECT_EQ(h.ch_read(ch, DMA_ERROR), 0u);
    EXPECT_EQ(h.ch_read(ch, DMA_BYTES_LO), 0u);
    EXPECT_EQ(h.ch_read(ch, DMA_BYTES_HI), 0u);
    EXPECT_EQ(h.ch_read(ch, DMA_DOORBELL), 0u);  // write-only
  }
  h.reg_write(DMA_GLOBAL + DMA_MSI_ADDR_LO, 0x89AB'CDEFu);
  h.reg_write(DMA_GLOBAL + DMA_MSI_ADDR_HI, 0x7654'3210u);
  h.reg_write(DMA_GLOBAL + DMA_MSI_DATA, 0x0F0F'F0F0u);
  for (std::uint32_t r : {DMA_ID, DMA_CHANNELS, DMA_CAPS}) h.reg_write(DMA_GLOBAL + r, 0u);
  EXPECT_EQ(h.reg_read(DMA_GLOBAL + DMA_MSI_ADDR_LO), 0x89AB'CDEFu);
  EXPECT_EQ(h.reg_read(DMA_GLOBAL + DMA_MSI_ADDR_HI), 0x7654'3210u);
  EXPECT_EQ(h.reg_read(DMA_GLOBAL + DMA_MSI_DATA), 0x0F0F'F0F0u);
  EXPECT_EQ(h.reg_read(DMA_GLOBAL + DMA_ID), DMA_ID_VALUE);
  EXPECT_EQ(h.reg_read(DMA_GLOBAL + DMA_CHANNELS), kChannels);
  EXPECT_EQ(h.reg_read(DMA_GLOBAL + DMA_CAPS), DMA_CAPS_ADDR64 | DMA_CAPS_ABORT);

  // Unmapped offsets read 0; channel blocks past CHANNELS neither read back nor alias channel 0.
  EXPECT_EQ(h.reg_read(0x28), 0u);
  EXPECT_EQ(h.reg_read(0xFC), 0u);
  EXPECT_EQ(h.reg_read(DMA_GLOBAL + 0x18), 0u);
  EXPECT_EQ(h.reg_read(0xFFC), 0u);
  h.reg_write(2 * DMA_CH_STRIDE + DMA_DESC_LO, 0x5555'5555u);
  h.reg_write(7 * DMA_CH_STRIDE + DMA_DESC_LO, 0x6666'6666u);
  EXPECT_EQ(h.reg_read(2 * DMA_CH_STRIDE + DMA_DESC_LO), 0u);
  EXPECT_EQ(h.reg_read(7 * DMA_CH_STRIDE + DMA_DESC_LO), 0u);
  EXPECT_EQ(h.ch_read(0, DMA_DESC_LO), 0xDEAD'BEE0u ^ 0x1111'1111u);
  EXPECT_EQ(h.dut_busy(), 0u);  // the doorbell-free writes started nothing
  EXPECT_TRUE(h.clean());
}

TEST(RtlRegs, BackToBackAccessesAckEachOneCycleLater) {
  Harness h;
  h.ch_write(0, DMA_DESC_LO, 0x100);
  h.ch_write(1, DMA_DESC_LO, 0x200);
  const auto v = h.reg_read_back_to_back(
      {DMA_DESC_LO, DMA_CH_STRIDE + DMA_DESC_LO, DMA_GLOBAL + DMA_ID, DMA_GLOBAL + DMA_MSI_DATA});
  ASSERT_EQ(v.size(), 4u);
  EXPECT_EQ(v[0], 0x100u);
  EXPECT_EQ(v[1], 0x200u);
  EXPECT_EQ(v[2], DMA_ID_VALUE);
  EXPECT_EQ(v[3], kMsiData);
  EXPECT_TRUE(h.clean());  // the checker saw reg_ack exactly one cycle after every reg_req
}

TEST(RtlRegs, IntStatusIsWriteOneToClearAndDrivesIrq) {
  Harness h;
  const RunResult r = good_run(h, 1, 2);
  EXPECT_EQ(r.status, DMA_STATUS_DONE);
  EXPECT_EQ(r.int_status, DMA_INT_DONE);
  EXPECT_TRUE(h.dut_irq());
  EXPECT_EQ(h.ch_read(0, DMA_INT_STATUS), 0u);  // the other channel is untouched
  h.ch_write(1, DMA_INT_STATUS, 0);
  EXPECT_EQ(h.ch_read(1, DMA_INT_STATUS), DMA_INT_DONE);
  h.ch_write(1, DMA_INT_STATUS, DMA_INT_ERROR);  // other bit: no effect
  EXPECT_EQ(h.ch_read(1, DMA_INT_STATUS), DMA_INT_DONE);
  // irq is INT_STATUS & IRQ_EN.
  h.ch_write(1, DMA_CTRL, 0);
  EXPECT_FALSE(h.dut_irq());
  h.ch_write(1, DMA_CTRL, DMA_CTRL_IRQ_EN);
  EXPECT_TRUE(h.dut_irq());
  h.ch_write(1, DMA_INT_STATUS, DMA_INT_DONE);
  EXPECT_EQ(h.ch_read(1, DMA_INT_STATUS), 0u);
  EXPECT_FALSE(h.dut_irq());
  // W1C does not touch STATUS, ERROR or BYTES.
  EXPECT_EQ(h.ch_read(1, DMA_STATUS), DMA_STATUS_DONE);
  EXPECT_EQ(h.ch_read(1, DMA_BYTES_LO), 2u * 4096);
  EXPECT_TRUE(h.clean());
}

TEST(RtlRegs, CtrlResetClearsStatusUnlessBusy) {
  Config cfg;
  cfg.read_latency = 200;
  Harness h(cfg);
  // An error run leaves STATUS, INT_STATUS and ERROR set.
  h.ch_write(0, DMA_DESC_COUNT, 0);
  h.ch_write(0, DMA_CTRL, DMA_CTRL_IRQ_EN);
  h.ch_write(0, DMA_DOORBELL, 1);
  ASSERT_TRUE(h.wait_idle(0, 1000));
  EXPECT_EQ(h.ch_read(0, DMA_STATUS), DMA_STATUS_ERROR);
  EXPECT_EQ(h.ch_read(0, DMA_INT_STATUS), DMA_INT_ERROR);
  EXPECT_EQ(h.ch_read(0, DMA_ERROR), DMA_ERR_BAD_DESC);
  h.ch_write(0, DMA_CTRL, DMA_CTRL_RESET);
  EXPECT_EQ(h.ch_read(0, DMA_STATUS), 0u);
  EXPECT_EQ(h.ch_read(0, DMA_INT_STATUS), 0u);
  EXPECT_EQ(h.ch_read(0, DMA_ERROR), 0u);
  EXPECT_EQ(h.ch_read(0, DMA_CTRL), 0u);  // RESET self-clears, IRQ_EN as written

  // While BUSY, RESET is ignored (IRQ_EN still written).
  std::vector<Desc> d;
  for (unsigned i = 0; i < 8; ++i) d.push_back(Desc{kHostBuf + i * 4096, i * 4096ull, 4096, 0, 0});
  h.fill_host(kHostBuf, 8 * 4096);
  h.put_descriptors(kDescArray, d);
  h.start(0, kDescArray, 8, false);
  EXPECT_EQ(h.ch_read(0, DMA_STATUS), DMA_STATUS_BUSY);
  h.ch_write(0, DMA_CTRL, DMA_CTRL_RESET | DMA_CTRL_IRQ_EN);
  EXPECT_EQ(h.ch_read(0, DMA_STATUS), DMA_STATUS_BUSY);
  EXPECT_EQ(h.ch_read(0, DMA_CTRL), DMA_CTRL_IRQ_EN);
  ASSERT_TRUE(h.wait_idle(0));
  EXPECT_EQ(h.ch_read(0, DMA_STATUS), DMA_STATUS_DONE);
  EXPECT_EQ(h.ch_read(0, DMA_INT_STATUS), DMA_INT_DONE);
  EXPECT_EQ(h.msis.size(), 2u);  // the error run's and this one's: IRQ_EN is sampled at completion
  // RESET keeps BYTES (the TLM engine clears them only when the next run starts).
  h.ch_write(0, DMA_CTRL, DMA_CTRL_RESET);
  EXPECT_EQ(h.ch_read(0, DMA_STATUS), 0u);
  EXPECT_EQ(h.ch_read(0, DMA_INT_STATUS), 0u);
  EXPECT_EQ(h.ch_read(0, DMA_BYTES_LO), 8u * 4096);
  EXPECT_TRUE(h.clean());
}

TEST(RtlRegs, CapsWithoutAddr64) {
  Config cfg;
  cfg.addr64 = false;
  Harness h(cfg);
  EXPECT_EQ(h.reg_read(DMA_GLOBAL + DMA_CAPS), DMA_CAPS_ABORT);
  EXPECT_TRUE(h.clean());
}

TEST(RtlRegs, ResetInputMidRunLeavesAReusableEngine) {
  Config cfg;
  cfg.backpressure = true;
  Harness h(cfg);
  std::vector<Desc> d;
  for (unsigned i = 0; i < 8; ++i) d.push_back(Desc{kHostBuf + i * 4096, i * 4096ull, 4096, 0, 0});
  h.fill_host(kHostBuf, 8 * 4096);
  h.put_descriptors(kDescArray, d);
  h.start(0, kDescArray, 8);
  h.ticks(300);
  EXPECT_NE(h.dut_busy(), 0u);
  h.reset();  // the responder drops its state with the engine
  EXPECT_EQ(h.dut_busy(), 0u);
  for (std::uint32_t r : kChRegs) EXPECT_EQ(h.ch_read(0, r), 0u) << "reg " << r;
  EXPECT_EQ(h.reg_read(DMA_GLOBAL + DMA_MSI_ADDR_LO), 0u);
  h.reg_write(DMA_GLOBAL + DMA_MSI_ADDR_LO, static_cast<std::uint32_t>(kMsiAddr));
  h.reg_write(DMA_GLOBAL + DMA_MSI_DATA, kMsiData);
  h.fill_vram(0, h.cfg.vram_bytes);
  const std::size_t m = h.msis.size();
  Reference ref;
  const RunResult r = h.run(0, kDescArray, d, &ref);
  check_run(h, 0, r, ref, m);
  EXPECT_EQ(r.bytes, 8u * 4096);
}
