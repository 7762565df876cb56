#include "sim/platform.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <random>
#include <stdexcept>

#include "firmware/miniport/miniports.h"
#include "firmware/videoport/bounce_mapper.h"
#include "firmware/videoport/iommu_mapper.h"
#include "models/dma_regs.h"
#include "models/hw_fault.h"
#include "models/page.h"
#include "models/sim_time.h"
#ifdef DMASIM_HAVE_RTL
#include "rtl/dma_engine_rtl.h"
#endif
#include "sim/params.h"

namespace dmasim {

namespace {

// A PC memory map: RAM from 16 MiB up to the PCI hole at 3 GiB, and from 4 GiB up. The
// kernel's own allocations (common buffers, I/O page tables, bounce pages) come from the first
// GiB; display-driver buffers from the rest, or only from above 4 GiB (--buffer-above-4g).
std::vector<FrameAllocator::Range> kernel_ranges() {
  return {{(16ULL << 20) >> 12, (1ULL << 30) >> 12}};
}

std::vector<FrameAllocator::Range> buffer_ranges(std::uint64_t bytes, bool above_4g) {
  std::vector<FrameAllocator::Range> r;
  if (!above_4g) r.push_back({(1ULL << 30) >> 12, (3ULL << 30) >> 12});
  r.push_back({(4ULL << 30) >> 12, bytes >> 12});
  return r;
}

#ifndef DMASIM_HAVE_RTL
std::unique_ptr<DmaDevice> make_rtl_engine_unavailable() {
  throw std::invalid_argument("--engine: 'rtl' is not available in this build");
}
#endif

// --random: a seeded workload. Sizes log-uniform in 1..--size, offsets uniform in a page,
// directions even, channels uniform over --channels; the same seed gives the same workload.
std::vector<RequestSpec> random_requests(const SimConfig& cfg) {
  std::mt19937_64 rng(cfg.seed * 0x9E3779B97F4A7C15ULL + 7);
  auto uniform = [&](std::uint64_t n) { return n ? rng() % n : 0; };  // [0, n)
  std::vector<RequestSpec> out;
  const double max_log = std::log2(static_cast<double>(cfg.size));
  for (std::uint64_t i = 0; i < cfg.requests; ++i) {
    const double u = static_cast<double>(rng() >> 11) / static_cast<double>(1ULL << 53);
    const auto size = std::min<std::uint64_t>(
        cfg.size, std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::exp2(u * max_log))));
    out.push_back(
        {size, uniform(4096), uniform(2) == 0, static_cast<unsigned>(uniform(cfg.channels))});
  }
  return out;
}

// The display driver holds one buffer per channel at a time (allocated before the request,
// released after it), so the RAM for buffers must hold the largest request of each channel at
// once. Checked up front: running out of frames would otherwise end a long run half way.
void check_buffer_frames(const SimConfig& cfg, const std::vector<RequestSpec>& requests,
                         std::uint64_t frames) {
  std::vector<std::uint64_t> largest;
  for (const RequestSpec& r : requests) {
    if (r.channel >= largest.size()) largest.resize(r.channel + 1);
    largest[r.channel] =
        std::max(largest[r.channel], std::max<std::uint64_t>(1, BYTES_TO_PAGES(r.offset + r.size)));
  }
  std::uint64_t need = 0;
  for (std::uint64_t pages : largest) need += pages;
  if (need <= frames) return;
  throw std::invalid_argument(
      "--host-memory " + std::to_string(cfg.host_memory_bytes) + ": the display driver's buffers " +
      "need " + std::to_string(need * PAGE_SIZE) +
      " bytes at once (the largest --size of each of " + std::to_string(largest.size()) +
      " channel(s)), RAM for them holds " + std::to_string(frames * PAGE_SIZE) +
      (cfg.buffer_above_4g ? " (above 4 GiB only: --buffer-above-4g)"
                           : " (1..3 GiB and above 4 GiB)"));
}

// An injection that cannot happen in this run is refused before it, so that no run passes
// because nothing was injected: a driver bug the miniport does not implement, or a bus error on a
// transfer direction the workload never uses. The engines decide per descriptor: a host read
// (read-error, persistent-read-error) only in a to-device run, a host write (write-error) only in
// a from-device one (models/dma_engine.cpp run(), rtl/dma_engine_rtl.cpp inject_on_read/write).
void check_injection(const SimConfig& cfg, const std::vector<RequestSpec>& requests) {
  if (cfg.inject.rfind("driver:", 0) == 0) {
    const MiniportEntry* m = find_miniport(cfg.miniport);
    const std::string bug = cfg.inject.substr(7);
    if (!m || implements(*m, bug)) return;
    std::string list;
    for (const std::string& name : m->driver_injections) list += (list.empty() ? "" : ", ") + name;
    throw std::invalid_argument("--inject: '" + cfg.inject + "' is not implemented by --miniport " +
                                cfg.miniport + " (it implements " +
                                (list.empty() ? "no driver injection" : list) + ")");
  }
  const HwFault fault = hw_fault_from_name(cfg.hw_fault);
  const bool reads = fault == HwFault::kReadError || fault == HwFault::kPersistentReadError;
  if (!reads && fault != HwFault::kWriteError) return;
  for (const RequestSpec& r : requests)
    if (r.to_device == reads) return;
  throw std::invalid_argument(
      "--inject: 'hw:" + cfg.hw_fault + "' cannot fire: it fails a host " +
      (reads ? "read, and no request is to-device" : "write, and no request is from-device") +
      " (see --direction, --channels 2, --random)");
}

// The engine backend: the TLM model, or (--engine rtl) the Verilated RTL behind its bridge.
std::unique_ptr<DmaDevice> make_engine(const SimConfig& cfg) {
#ifdef DMASIM_HAVE_RTL
  if (cfg.engine == "rtl") return make_rtl_engine(cfg, kBar0, cfg.rtl_vcd_file);
#else
  if (cfg.engine == "rtl") return make_rtl_engine_unavailable();
#endif
  auto engine = std::make_unique<DmaEngine>("engine", 2, kBar0, cfg.vram_bytes, cfg.quantum_ps,
                                            !cfg.dma32, cfg.vram_ps_per_byte, cfg.rtl_clock_ps);
  if (!cfg.hw_fault.empty()) engine->inject_fault(cfg.hw_fault, cfg.hw_fault_run);
  return engine;
}

}  // namespace

Platform::Platform(sc_core::sc_module_name name, const SimConfig& cfg,
                   std::vector<RequestSpec> requests)
    : sc_module(name),
      cfg_(cfg),
      requests_(std::move(requests)),
      frames_(kernel_ranges(), cfg.seed),
      buffer_frames_(buffer_ranges(cfg.host_memory_bytes, cfg.buffer_above_4g), cfg.seed ^ 1),
      cpu_("cpu", cfg.cpu),
      memory_("memory", cfg.host_memory_bytes),
      rc_("root_complex"),
      intc_("msi", cfg.cpu.msi_to_isr_ps, [this](unsigned v) { cpu_.request_interrupt(v); }),
      link_("link", cfg.link),
      space_(buffer_frames_, kBufferVaBase, &memory_.store()) {
  if (requests_.empty() && cfg_.random) requests_ = random_requests(cfg_);
  if (requests_.empty()) {
    // --channels 2: channel 1 streams the other direction at the same time (seeds: concurrent
    // DMA, one adapter object per path).
    for (unsigned ch = 0; ch < cfg_.channels; ++ch)
      for (std::uint64_t i = 0; i < cfg_.requests; ++i)
        requests_.push_back({cfg_.size, cfg_.offset, cfg_.to_device() == (ch == 0), ch});
  }
  for (const RequestSpec& r : requests_) {
    channels_ = std::max(channels_, r.channel + 1);
    // Each channel owns half of VRAM; a request and its guard bytes must fit in it.
    const std::uint64_t need = DisplayDriver::kVramBase + r.size + DisplayDriver::kGuardBytes;
    if (need > cfg_.vram_bytes / 2)
      throw std::invalid_argument("--vram: " + std::to_string(cfg_.vram_bytes) +
                                  " bytes cannot hold a request of " + std::to_string(r.size) +
                                  " bytes per channel (need at least " + std::to_string(2 * need) +
                                  ")");
  }
  check_buffer_frames(cfg_, requests_, buffer_frames_.total());
  check_injection(cfg_, requests_);
  if (sc_core::sc_get_time_resolution() != sc_core::sc_time(1, sc_core::SC_PS))
    throw std::logic_error("Platform: the time resolution must be 1 ps");
  cpu_.bus.bind(link_.down_in);
  engine_ = make_engine(cfg_);
  link_.down_out.bind(engine_->bar0_socket());
  engine_->master_socket().bind(link_.up_in);
  link_.up_out.bind(rc_.from_link);
  if (cfg_.iommu == "on") {
    iommu_ = std::make_unique<Iommu>("iommu", cfg_.iommu_params, memory_.store(), frames_);
    rc_.to_memory.bind(iommu_->upstream);
    iommu_->memory.bind(memory_.socket);
    auto mapper = std::make_unique<IommuMapper>(
        *iommu_, static_cast<std::uint16_t>(kEngineRequesterId), cfg_.iommu_costs);
    if (cfg_.hw_fault == "iommu-fault") mapper->inject_fault(cfg_.hw_fault_run);
    iommu_mapper_ = mapper.get();
    mapper_ = std::move(mapper);
  } else {
    rc_.to_memory.bind(memory_.socket);
    auto bounce =
        std::make_unique<BounceMapper>(memory_.store(), frames_, cfg_.bounce_copy_ps_per_kib);
    bounce_ = bounce.get();
    mapper_ = std::move(bounce);
  }
  rc_.to_msi.bind(intc_.msi);

  VIDEO_HW_INITIALIZATION_DATA init{};
  const MiniportEntry* miniport = find_miniport(cfg_.miniport);
  if (!miniport) {
    std::string known;
    for (const MiniportEntry& m : miniports())
      known += (known.empty() ? "" : "|") + std::string(m.name);
    throw std::invalid_argument("--miniport: invalid value '" + clipped(cfg_.miniport) +
                                "' (expected " + known + ")");
  }
  if (miniport->DriverEntry(&init, nullptr) != NO_ERROR)
    throw std::runtime_error("miniport '" + cfg_.miniport + "': DriverEntry failed");
  VideoPortResources res;
  res.cpu = &cpu_;
  res.host_memory = &memory_.store();
  res.frames = &frames_;
  res.address_space = &space_;
  res.mapper = mapper_ ? mapper_.get() : &identity_;
  res.map_register_limit = cfg_.map_registers;
  res.bar0 = kBar0;
  res.bar0_length = DMA_BAR0_SIZE;
  res.mmio_va_base = kMmioVaBase;
  res.interrupt_vector = kDeviceVector;
  if (!cfg_.inject.empty() && cfg_.inject.rfind("driver:", 0) == 0) {
    const std::string bug = cfg_.inject.substr(7);
    res.registry[L"DmasimInjectBug"] = std::wstring(bug.begin(), bug.end());
  }
  videoport_ = std::make_unique<VideoPortDevice>(res, init);
  display_ = std::make_unique<DisplayDriver>(cpu_, *videoport_, space_, memory_.store(),
                                             engine_->vram(), cfg_.seed, requests_);
  if (iommu_) {
    // The IOMMU enforces the mappings: its faults are the verifier's device-side findings, and
    // each is an interrupt that the HAL's fault handler takes.
    iommu_->on_fault([this](const IommuFault& f) {
      if (!injected_refusal(f.iova))
        videoport_->verifier().check_device_access(f.iova, 1, f.write, f.time_ps);
      intc_.signal(kIommuFaultVector, from_ps(f.time_ps - now_ps()));
    });
    cpu_.connect_interrupt(
        [this] {
          ++iommu_fault_interrupts_;
          return true;
        },
        kIommuFaultVector);
  } else {
    rc_.set_access_check([this](std::uint64_t addr, std::uint64_t len, bool write) {
      if (injected_refusal(addr)) return false;
      return videoport_->verifier().check_device_access(addr, len, write, now_ps());
    });
  }
  // The OS programs the function's MSI capability at enumeration, before the driver loads.
  engine_->set_msi(MSI_WINDOW_BASE, kDeviceVector);

  cpu_.start_passive([this] {
    outcome_.start_status = videoport_->start_device();
    outcome_.started = outcome_.start_status == NO_ERROR;
    if (!outcome_.started) return;
    outcome_.first_request_ps = now_ps();
    streams_left_ = channels_;
    for (unsigned ch = 1; ch < channels_; ++ch) cpu_.start_passive([this, ch] { stream(ch); });
    stream(0);
  });
}

void Platform::stream(unsigned channel) {
  display_->run_channel(channel);
  if (--streams_left_ == 0) {
    outcome_.last_done_ps = now_ps();
    outcome_.finished = true;
    // Step 6: the display driver is done with DMA; the miniport gives its adapters back.
    videoport_->ioctl(IOCTL_VIDEO_DMASIM_SHUTDOWN, nullptr, 0, nullptr, 0);
    videoport_->set_timer(false);  // the device stops: so does its HwVidTimer
  }
}

bool Platform::injected_refusal(std::uint64_t addr) const {
  return cfg_.hw_fault == "bad-descriptor" && addr >= kBadDescriptorAddress &&
         addr < kBadDescriptorAddress + DMA_DESC_MAX_LENGTH;
}

std::uint64_t Platform::faults_injected() const {
  return engine_->faults_injected() + (iommu_mapper_ ? iommu_mapper_->faults_injected() : 0);
}

Platform::~Platform() = default;

void Platform::run(const volatile std::sig_atomic_t* stop) {
  if (!stop) {
    sc_core::sc_start();  // ends when no event is left: the workload is over or stuck
    return;
  }
  // Slices of at least 1 ms simulated (a few ms to 0.2 s of wall time) that always reach the next
  // event and never go past the last one, so simulated time ends where sc_start() would end it.
  const sc_core::sc_time min_slice(1, sc_core::SC_MS);
  bool first = true;
  while (*stop == 0) {
    const sc_core::sc_time next = sc_core::sc_time_to_pending_activity();
    sc_core::sc_start(first || next < min_slice ? min_slice : next, sc_core::SC_EXIT_ON_STARVATION);
    first = false;
    if (!sc_core::sc_pending_activity()) return;
  }
  outcome_.interrupted_by = *stop;
}

void Platform::trace(sc_core::sc_trace_file* tf) {
  sc_core::sc_trace(tf, cpu_.traced_irq_line, "irq_line");
  sc_core::sc_trace(tf, cpu_.traced_irql, "cpu_irql");
  engine_->trace(tf);
  sc_core::sc_trace(tf, videoport_->traced_map_registers, "map_registers_in_use");
  link_.trace_busy();
  sc_core::sc_trace(tf, link_.traced_busy[LinkOccupancy::kUpstream], "link_busy_upstream");
  sc_core::sc_trace(tf, link_.traced_busy[LinkOccupancy::kDownstream], "link_busy_downstream");
  if (iommu_) sc_core::sc_trace(tf, iommu_->traced_iotlb_misses, "iotlb_misses");
}

#ifdef DMASIM_HAVE_RTL
// The bridge's parameters from the run's configuration (rtl/ knows nothing of SimConfig).
std::unique_ptr<DmaDevice> make_rtl_engine(const SimConfig& cfg, std::uint64_t bar0,
                                           const std::string& vcd) {
  RtlEngineParams p;
  p.bar0_base = bar0;
  p.vram_bytes = cfg.vram_bytes;
  p.quantum_ps = cfg.rtl_quantum_ps;
  p.addr64 = !cfg.dma32;
  p.clock_ps = cfg.rtl_clock_ps;
  p.vcd = vcd;
  p.waves_from_ps = cfg.waves_from_ps;
  p.waves_to_ps = cfg.waves_to_ps;
  p.fault = cfg.hw_fault;
  p.fault_run = cfg.hw_fault_run;
  // For comparison runs only: skipping waits changes no result, only the wall time.
  const char* skip = std::getenv("DMASIM_RTL_SKIP_WAITS");
  p.skip_waits = !(skip && std::string(skip) == "off");
  return std::make_unique<DmaEngineRtl>("engine", p);
}
#endif

}  // namespace dmasim
