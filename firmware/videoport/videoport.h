// The video port driver's side (not for miniports: they include video.h). One VideoPortDevice per
// adapter: it owns the miniport's HwDeviceExtension, runs its entry points in the right context
// (HwVidStartIO at PASSIVE_LEVEL, HwVidInterrupt at DIRQL, HwVidExecuteDma and DPCs at
// DISPATCH_LEVEL) and implements the VideoPort* DMA services on the platform's models.
// Logical addresses come from one seam (LogicalMapper); for now logical == physical.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <systemc>
#include <vector>

#include "firmware/kernel/cpu.h"
#include "firmware/videoport/logical_mapper.h"
#include "firmware/videoport/verifier.h"
#include "firmware/videoport/video.h"
#include "firmware/virtual_memory.h"
#include "models/frame_allocator.h"
#include "models/sparse_memory.h"

struct _VP_DMA_ADAPTER;  // defined in videoport.cpp

namespace dmasim {

struct VideoPortResources {
  Cpu* cpu = nullptr;
  SparseMemory* host_memory = nullptr;
  FrameAllocator* frames = nullptr;
  AddressSpace* address_space = nullptr;  // where display-driver buffers live
  LogicalMapper* mapper = nullptr;
  std::uint64_t map_register_limit = 16;  // the platform's cap per adapter
  std::uint64_t bar0 = 0;                 // device BAR0 physical address
  std::uint32_t bar0_length = 0;
  std::uint64_t mmio_va_base = 0;                 // kernel VA where BARs get mapped
  unsigned interrupt_vector = 0;                  // the device\'s MSI vector
  std::map<std::wstring, std::wstring> registry;  // the device's registry values
};

struct VideoPortStats {
  std::uint64_t start_dma = 0;
  std::uint64_t complete_dma = 0;
  std::uint64_t map_registers_granted = 0;
  std::uint64_t sg_elements = 0;
  std::uint64_t errors_logged = 0;    // VideoPortLogError calls
  std::uint64_t timeouts_logged = 0;  // of them, with ERROR_TIMEOUT (a miniport's watchdog)
};

class VideoPortDevice {
 public:
  VideoPortDevice(const VideoPortResources& res, const VIDEO_HW_INITIALIZATION_DATA& init);
  ~VideoPortDevice();

  // HwVidFindAdapter then HwVidInitialize; runs on a passive thread. Returns the VP_STATUS.
  VP_STATUS start_device();
  // Sends an IOCTL to HwVidStartIO at PASSIVE_LEVEL; returns the StatusBlock's status.
  VP_STATUS ioctl(ULONG code, PVOID in, ULONG in_len, PVOID out, ULONG out_len);
  // The interrupt object: HwVidInterrupt at DIRQL.
  bool interrupt();
  // VideoPortStartTimer / VideoPortStopTimer: HwVidTimer, as a DPC, once per kTimerPeriodPs
  // while on. The port also stops it when the device stops.
  void set_timer(bool on);
  std::uint64_t timer_calls() const { return timer_calls_; }
  // "The video port driver calls HwVidTimer once every second" (WDK, Timers in Video Miniport
  // Drivers).
  static constexpr std::uint64_t kTimerPeriodPs = 1'000'000'000'000ULL;
  // A simulation guard, not Windows behaviour: after this many ticks in a row with no StartDma,
  // CompleteDma or interrupt, the port stops the timer, so that a run stuck for good ends (and
  // is reported as stalled) instead of ticking forever.
  static constexpr unsigned kIdleTicksLimit = 600;
  bool timer_gave_up() const { return timer_gave_up_; }

  const VideoPortStats& stats() const { return stats_; }  // all adapters together
  // One adapter's figures, by the order VideoPortGetDmaAdapter handed them out (0, 1, ...).
  VideoPortStats adapter_stats(std::size_t index) const {
    return index < adapter_stats_.size() ? adapter_stats_[index] : VideoPortStats{};
  }
  int traced_map_registers = 0;  // map registers in use over all adapters, for sc_trace

  // Internals used by the VideoPort* functions.
  static VideoPortDevice& from_extension(PVOID hw_device_extension);
  static VideoPortDevice& from_register(PVOID reg);
  const VideoPortResources& res() const { return res_; }
  DmaVerifier& verifier() { return verifier_; }
  const DmaVerifier& verifier() const { return verifier_; }
  // Reports a violation unless the calling context's IRQL is within [lowest, highest].
  void check_irql(const char* api, unsigned char lowest, unsigned char highest);
  // VideoPortStartTimer/StopTimer may be called only by a miniport with an HwTimer (WDK):
  // reports a violation and returns false if it has none.
  bool check_hw_timer(const char* api);
  // Nonpaged for the verifier: inside the HwDeviceExtension or a common buffer.
  bool is_nonpaged(const void* p) const;
  std::uint64_t& start_dma_serial() { return start_dma_serial_; }
  std::vector<std::unique_ptr<void, void (*)(void*)>>& zombie_mdls() { return zombie_mdls_; }
  Cpu& cpu() { return *res_.cpu; }
  PVOID extension() { return extension_.data(); }
  // Every adapter this device handed out; one live DMA transfer each (seeds: one adapter object
  // per concurrent path).
  std::vector<std::unique_ptr<_VP_DMA_ADAPTER>>& adapters() { return adapters_; }
  std::size_t& adapters_created() { return adapters_created_; }
  // Counts for the adapter with this index and for the totals.
  template <class F>
  void count(std::size_t adapter, F&& update) {
    if (adapter >= adapter_stats_.size()) adapter_stats_.resize(adapter + 1);
    update(adapter_stats_[adapter]);
    update(stats_);
  }

 private:
  VideoPortResources res_;
  VIDEO_HW_INITIALIZATION_DATA init_;
  std::vector<std::uint64_t> extension_;  // HwDeviceExtension, 8-byte aligned, zeroed
  std::vector<std::unique_ptr<_VP_DMA_ADAPTER>> adapters_;
  VideoPortStats stats_;
  DmaVerifier verifier_;
  std::vector<VideoPortStats> adapter_stats_;
  std::size_t adapters_created_ = 0;
  std::uint64_t start_dma_serial_ = 0;
  std::vector<std::unique_ptr<void, void (*)(void*)>> zombie_mdls_;
  void timer_thread();
  bool timer_on_ = false, timer_spawned_ = false;
  sc_core::sc_event timer_changed_;
  std::uint64_t timer_calls_ = 0;
  bool timer_gave_up_ = false;
};

}  // namespace dmasim
