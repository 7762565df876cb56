// DMA_CTRL_ABORT on the TLM engine alone (no driver): a busy channel stops requesting at once,
// reports PENDING while the writes it had already accepted drain, and after that touches host
// memory no more; it sets no status and sends no MSI; the next run is normal.
#include <gtest/gtest.h>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <cstring>

#include "models/dma_engine.h"
#include "models/dma_regs.h"
#include "models/host_memory.h"
#include "models/pcie_link.h"
#include "models/root_complex.h"
#include "models/sim_time.h"

namespace dmasim {
namespace {

constexpr std::uint64_t kBar0 = 0xF000'0000;
constexpr std::uint64_t kDesc = 0x10'0000, kBuffer = 0x100'0000;
constexpr std::uint32_t kBursts = 64;
// VRAM read at 10 ns per byte: 41 us per 4 KiB burst, so the run lasts milliseconds.
constexpr std::uint64_t kSlowVramPsPerByte = 10000;

struct MsiCounter : sc_core::sc_module {
  tlm_utils::simple_target_socket<MsiCounter> socket{"socket"};
  unsigned count = 0;
  explicit MsiCounter(sc_core::sc_module_name n) : sc_module(n) {
    socket.register_b_transport(this, &MsiCounter::b_transport);
  }
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time&) {
    ++count;
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
  }
};

struct Host : sc_core::sc_module {  // MMIO from outside any process, between sc_start calls
  tlm_utils::simple_initiator_socket<Host> socket{"socket"};
  explicit Host(sc_core::sc_module_name n) : sc_module(n) {}
  std::uint32_t access(bool write, std::uint32_t offset, std::uint32_t value) {
    tlm::tlm_generic_payload gp;
    gp.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
    gp.set_address(kBar0 + offset);
    gp.set_data_ptr(reinterpret_cast<unsigned char*>(&value));
    gp.set_data_length(4);
    gp.set_streaming_width(4);
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    socket->b_transport(gp, delay);
    EXPECT_EQ(gp.get_response_status(), tlm::TLM_OK_RESPONSE);
    return value;
  }
  std::uint32_t read(std::uint32_t offset) { return access(false, offset, 0); }
  void write(std::uint32_t offset, std::uint32_t value) { access(true, offset, value); }
};

struct Bench {
  HostMemory memory{"memory", 1ULL << 30};
  RootComplex rc{"root_complex"};
  MsiCounter msi{"msi"};
  PcieLink link{"link", LinkParams{}};
  DmaEngine engine{"engine", 2, kBar0, 64 << 20, 100000, true, kSlowVramPsPerByte};
  Host host{"host"};
  Bench() {
    host.socket.bind(link.down_in);
    link.down_out.bind(engine.bar0);
    engine.master.bind(link.up_in);
    link.up_out.bind(rc.from_link);
    rc.to_memory.bind(memory.socket);
    rc.to_msi.bind(msi.socket);
    engine.set_msi(MSI_WINDOW_BASE, 0x41);
    // One descriptor of many bursts: the abort must stop a descriptor part-way.
    const DmaDescriptor d{kBuffer, 0, kBursts * 4096, DMA_DESC_FROM_DEVICE, 0};
    memory.store().write(kDesc, &d, sizeof d);
  }
  void start() {
    host.write(DMA_CTRL, DMA_CTRL_RESET | DMA_CTRL_IRQ_EN);
    host.write(DMA_DESC_LO, static_cast<std::uint32_t>(kDesc));
    host.write(DMA_DESC_HI, 0);
    host.write(DMA_DESC_COUNT, 1);
    host.write(DMA_DOORBELL, 1);
  }
  static void run_for(std::uint64_t ps) { sc_core::sc_start(from_ps(ps)); }
};

TEST(EngineAbort, StopsAFromDeviceRunAndNothingLandsAfterPendingClears) {
  Bench b;
  b.start();
  Bench::run_for(200'000'000);  // 200 us: a few bursts in
  const std::uint64_t before_abort = b.memory.bytes_written();
  ASSERT_GT(before_abort, 0u);
  ASSERT_LT(before_abort, kBursts * 4096ULL);
  b.host.write(DMA_CTRL, DMA_CTRL_ABORT | DMA_CTRL_IRQ_EN);
  const std::uint32_t status = b.host.read(DMA_STATUS);
  EXPECT_EQ(status & ~DMA_STATUS_PENDING, 0u);  // not BUSY, no DONE or ERROR
  // PENDING clears once what was accepted before the abort is done.
  unsigned polls = 0;
  while ((b.host.read(DMA_STATUS) & DMA_STATUS_PENDING) && polls++ < 1000)
    Bench::run_for(1'000'000);
  ASSERT_LT(polls, 1000u);
  const std::uint64_t drained = b.memory.bytes_written();
  Bench::run_for(10'000'000'000);  // 10 ms: longer than the whole run would have taken
  EXPECT_EQ(b.memory.bytes_written(), drained);
  EXPECT_LT(drained, kBursts * 4096ULL);
  EXPECT_EQ(b.msi.count, 0u);
  EXPECT_EQ(b.host.read(DMA_STATUS), 0u);
  EXPECT_EQ(b.host.read(DMA_INT_STATUS), 0u);
  // The channel runs again, whole.
  b.start();
  Bench::run_for(10'000'000'000);
  EXPECT_EQ(b.host.read(DMA_STATUS), DMA_STATUS_DONE);
  EXPECT_EQ(b.host.read(DMA_INT_STATUS), DMA_INT_DONE);
  EXPECT_EQ(b.msi.count, 1u);
  EXPECT_EQ(b.memory.bytes_written(), drained + kBursts * 4096ULL);
}

TEST(EngineAbort, OfAnIdleChannelChangesNothing) {
  Bench b;
  b.start();
  Bench::run_for(10'000'000'000);
  ASSERT_EQ(b.host.read(DMA_STATUS), DMA_STATUS_DONE);
  b.host.write(DMA_CTRL, DMA_CTRL_ABORT | DMA_CTRL_IRQ_EN);
  Bench::run_for(1'000'000);
  EXPECT_EQ(b.host.read(DMA_STATUS), DMA_STATUS_DONE);
  EXPECT_EQ(b.host.read(DMA_INT_STATUS), DMA_INT_DONE);
  EXPECT_EQ(b.msi.count, 1u);
}

}  // namespace
}  // namespace dmasim
