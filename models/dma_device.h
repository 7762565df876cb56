// What the platform needs of a DMA engine, whichever backend implements it: the TLM model
// (models/dma_engine.h) or the Verilated RTL behind its bridge (rtl/dma_engine_rtl.h). Both have
// the register map of models/dma_regs.h, a BAR0 target socket, a bus-master initiator socket,
// device VRAM, and the same figures and waveform signals.
#pragma once

#include <cstdint>
#include <systemc>
#include <tlm>

#include "models/sparse_memory.h"

namespace dmasim {

// PCIe requester ID of the engine (bus 1, device 0, function 0); both channels share it.
constexpr unsigned kEngineRequesterId = 0x0100;
// --inject hw:bad-descriptor: the host address a corrupted descriptor points to. In the PCI hole
// below 4 GiB (so a 32-bit engine drives it too), clear of BAR0 and the MSI window, outside every
// IOVA window: nothing is there, and the IOMMU or root complex refuses it.
constexpr std::uint64_t kBadDescriptorAddress = 0xE000'0000;

class DmaDevice {
 public:
  virtual ~DmaDevice() = default;
  virtual tlm::tlm_target_socket<>& bar0_socket() = 0;
  virtual tlm::tlm_initiator_socket<>& master_socket() = 0;
  virtual SparseMemory& vram() = 0;
  // The MSI capability, as the OS programs it in config space at enumeration.
  virtual void set_msi(std::uint64_t addr, std::uint32_t data) = 0;
  virtual std::uint64_t bytes_moved(unsigned channel) const = 0;
  // Clock cycles the engine was evaluated for (RTL); 0 for a model without a clock.
  virtual std::uint64_t cycles() const { return 0; }
  // Of them, the cycles actually evaluated (the RTL bridge skips those in which it only waits).
  virtual std::uint64_t evals() const { return 0; }
  // Runs started so far, both channels counted together in start order (what @chunk=K counts).
  virtual std::uint64_t runs() const = 0;
  // Hardware faults injected so far (--inject hw:...).
  virtual std::uint64_t faults_injected() const { return 0; }
  // Adds the engine's signals (engine_busy_ch0/1, bytes_moved) to a trace file.
  virtual void trace(sc_core::sc_trace_file* tf) = 0;
  // Flushes and closes the engine's own waves, if any (the RTL's): a run ends them here, before
  // it reports. Idempotent; throws std::runtime_error if they could not be written.
  virtual void close_waves() {}
};

}  // namespace dmasim
