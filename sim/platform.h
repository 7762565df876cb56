// The whole system for one run: host CPU and memory, root complex, interrupt controller, the
// PCIe link, the DMA engine with its VRAM, the video port with the chosen miniport, and the
// display driver's workload on the CPU's passive thread.
//
//   Cpu.bus -> link.down_in -> link.down_out -> engine.bar0          (MMIO)
//   engine.master -> link.up_in -> link.up_out -> rc -> memory | msi  (DMA, MSI)
#pragma once

#include <csignal>
#include <memory>
#include <string>
#include <systemc>
#include <vector>

#include "firmware/display_driver.h"
#include "firmware/kernel/cpu.h"
#include "firmware/videoport/bounce_mapper.h"
#include "firmware/videoport/iommu_mapper.h"
#include "firmware/videoport/videoport.h"
#include "models/dma_engine.h"
#include "models/host_memory.h"
#include "models/interrupt_controller.h"
#include "models/iommu.h"
#include "models/pcie_link.h"
#include "models/root_complex.h"
#include "sim/config.h"

namespace dmasim {

// The Verilated engine behind its bridge (rtl/dma_engine_rtl.cpp); throws if not built in.
// vcd: where the RTL's internal waves go (empty: none).
std::unique_ptr<DmaDevice> make_rtl_engine(const SimConfig& cfg, std::uint64_t bar0,
                                           const std::string& vcd);

constexpr unsigned kDeviceVector = 0x41;      // the device's MSI data
constexpr unsigned kIommuFaultVector = 0x42;  // the IOMMU's fault event
constexpr std::uint64_t kBar0 = 0xF000'0000;  // device BAR0, in the PCI hole below 4 GiB
constexpr std::uint64_t kMmioVaBase =
    0xFFFF'F000'0000'0000ULL;  // where VideoPortGetDeviceBase maps it
constexpr std::uint64_t kBufferVaBase = 0x0000'0100'0000'0000ULL;  // display-driver buffers

struct RunOutcome {
  bool started = false;  // adapter found and initialized
  VP_STATUS start_status = NO_ERROR;
  std::uint64_t first_request_ps = 0, last_done_ps = 0;
  bool finished = false;   // the workload ran to its end
  int interrupted_by = 0;  // the signal that stopped the run early (SIGINT, SIGTERM), or 0
};

class Platform : public sc_core::sc_module {
 public:
  // requests: the workload; empty = cfg.requests copies of (cfg.size, cfg.offset, cfg.direction).
  Platform(sc_core::sc_module_name name, const SimConfig& cfg,
           std::vector<RequestSpec> requests = {});
  // (Every RequestSpec::channel used gets its own passive thread and runs concurrently.)
  ~Platform() override;

  // Runs the simulation to the end of the workload (or until nothing is left to happen). With
  // stop: also until *stop is set (by a signal handler); the run then ends at the end of the
  // current slice of simulated time, and outcome().interrupted says so.
  void run(const volatile std::sig_atomic_t* stop = nullptr);
  void trace(sc_core::sc_trace_file* tf);
  void close_waves() { engine_->close_waves(); }  // the engine's own waves (RTL), if any

  const SimConfig& config() const { return cfg_; }
  const RunOutcome& outcome() const { return outcome_; }
  const DisplayDriver& display_driver() const { return *display_; }
  const Cpu& cpu() const { return cpu_; }
  const DmaDevice& engine() const { return *engine_; }
  const PcieLink& link() const { return link_; }
  const VideoPortDevice& video_port() const { return *videoport_; }
  const InterruptController& interrupts() const { return intc_; }
  const Iommu* iommu() const { return iommu_.get(); }
  std::uint64_t iommu_fault_interrupts() const { return iommu_fault_interrupts_; }
  // Hardware faults injected (--inject hw:...), by the engine or the IOMMU's mapper.
  std::uint64_t faults_injected() const;
  std::uint64_t host_memory_bytes_written() const { return memory_.bytes_written(); }
  std::uint64_t bounce_bytes() const { return bounce_ ? bounce_->bounce_bytes() : 0; }
  const std::vector<RequestSpec>& requests() const { return requests_; }
  // Host page frames allocated now: the kernel's (common buffers, I/O page tables, bounce pages)
  // and the display driver's buffers.
  std::uint64_t kernel_frames_in_use() const { return frames_.in_use(); }
  std::uint64_t buffer_frames_in_use() const { return buffer_frames_.in_use(); }
  unsigned channels() const { return channels_; }

 private:
  SimConfig cfg_;
  std::vector<RequestSpec> requests_;
  FrameAllocator frames_;         // kernel: common buffers, page tables, bounce pages
  FrameAllocator buffer_frames_;  // display-driver buffers
  Cpu cpu_;
  HostMemory memory_;
  RootComplex rc_;
  InterruptController intc_;
  PcieLink link_;
  std::unique_ptr<DmaDevice> engine_;
  AddressSpace space_;
  IdentityMapper identity_;
  std::unique_ptr<Iommu> iommu_;           // --iommu on
  std::unique_ptr<LogicalMapper> mapper_;  // IommuMapper or BounceMapper
  BounceMapper* bounce_ = nullptr;         // --iommu off
  IommuMapper* iommu_mapper_ = nullptr;    // --iommu on
  // A device access refused because --inject hw:bad-descriptor sent it there: the injection's
  // doing, not the driver's, so the verifier is not told.
  bool injected_refusal(std::uint64_t addr) const;
  std::uint64_t iommu_fault_interrupts_ = 0;
  std::unique_ptr<VideoPortDevice> videoport_;
  std::unique_ptr<DisplayDriver> display_;
  void stream(unsigned channel);  // one channel's requests, on a passive thread

  RunOutcome outcome_;
  unsigned channels_ = 1;
  unsigned streams_left_ = 0;
};

}  // namespace dmasim
