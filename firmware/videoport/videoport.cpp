// VideoPort* services on the platform models. Every service charges its modelled CPU time
// (firmware/kernel/cpu_costs.h) to the calling context and runs at the IRQL the WDK specifies.
#include "firmware/videoport/videoport.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <deque>
#include <stdexcept>
#include <string>

#include "models/page.h"
#include "models/sim_time.h"

using dmasim::Cpu;
using dmasim::VideoPortDevice;

namespace {

struct SgRecord {
  PVP_SCATTER_GATHER_LIST list;
  ULONG map_registers;
  std::vector<dmasim::LogicalMapper::Page> pages;
  std::vector<std::uint64_t> logical_pages;
  bool to_device;
  const void* mdl;
  std::uint64_t serial;  // n-th StartDma on the device, for messages
};

// Completed lists stay allocated, poisoned, for this many completions (the verifier's
// use-after-complete window); then they are freed.
constexpr std::size_t kSgQuarantine = 64;

std::string hex(std::uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

const char* irql_name(unsigned char irql) {
  switch (irql) {
    case dmasim::PASSIVE_LEVEL:
      return "PASSIVE_LEVEL";
    case dmasim::APC_LEVEL:
      return "APC_LEVEL";
    case dmasim::DISPATCH_LEVEL:
      return "DISPATCH_LEVEL";
    default:
      return "DIRQL";
  }
}

struct CommonBuffer {
  std::uint64_t logical;
  std::uint64_t first_frame;
  std::uint64_t frames;
  const std::uint8_t* va;  // kernel virtual address (nonpaged)
};

struct Mdl {  // what MmProbeAndLockPages leaves behind: the locked pages of a VA range
  std::uint64_t va;
  ULONG length;
  std::vector<std::uint64_t> pfns;
};

std::vector<VideoPortDevice*>& devices() {
  static std::vector<VideoPortDevice*> all;
  return all;
}

}  // namespace

struct _VP_DMA_ADAPTER {
  VideoPortDevice* device;
  std::size_t index;  // order of creation on this device
  std::string name() const { return "adapter " + std::to_string(index); }
  VP_DEVICE_DESCRIPTION description;
  ULONG map_registers;  // granted
  ULONG in_use = 0;
  std::vector<SgRecord> outstanding;
  std::vector<CommonBuffer> common_buffers;
  struct Completed {
    PVP_SCATTER_GATHER_LIST list;
    std::uint64_t serial;
  };
  std::deque<Completed> completed;  // quarantined, poisoned
  ~_VP_DMA_ADAPTER() {
    for (auto& r : outstanding) ::operator delete(r.list);
    for (auto& c : completed) ::operator delete(c.list);
  }
};

struct _VIDEO_PORT_EVENT {
  bool notification;
  bool signaled;
  sc_core::sc_event event;
};

namespace dmasim {

VideoPortDevice::VideoPortDevice(const VideoPortResources& res,
                                 const VIDEO_HW_INITIALIZATION_DATA& init)
    : res_(res), init_(init), extension_((init.HwDeviceExtensionSize + 7) / 8 + 1, 0) {
  if (!res_.cpu || !res_.host_memory || !res_.frames || !res_.address_space || !res_.mapper)
    throw std::invalid_argument("VideoPortDevice: missing platform resource");
  devices().push_back(this);
  res_.cpu->connect_interrupt([this] { return interrupt(); }, res_.interrupt_vector);
}

VideoPortDevice::~VideoPortDevice() {
  auto& all = devices();
  all.erase(std::remove(all.begin(), all.end(), this), all.end());
}

void VideoPortDevice::check_irql(const char* api, unsigned char lowest, unsigned char highest) {
  const unsigned char irql = cpu().current_irql();
  if (irql >= lowest && irql <= highest) return;
  std::string allowed = lowest == highest         ? std::string("at ") + irql_name(lowest)
                        : lowest == PASSIVE_LEVEL ? std::string("at or below ") + irql_name(highest)
                                                  : std::string("at or above ") + irql_name(lowest);
  verifier_.report(DvCode::kIrql,
                   std::string(api) + " called at " + irql_name(irql) + " (" +
                       std::to_string(irql) + "); allowed only " + allowed,
                   now_ps());
}

bool VideoPortDevice::is_nonpaged(const void* p) const {
  const auto* b = static_cast<const std::uint8_t*>(p);
  const auto* ext = reinterpret_cast<const std::uint8_t*>(extension_.data());
  if (b >= ext && b < ext + extension_.size() * sizeof(extension_[0])) return true;
  for (const auto& a : adapters_)
    for (const CommonBuffer& c : a->common_buffers)
      if (b >= c.va && b < c.va + c.frames * dmasim::PAGE_SIZE) return true;
  return false;
}

VideoPortDevice& VideoPortDevice::from_extension(PVOID ext) {
  for (VideoPortDevice* d : devices())
    if (d->extension() == ext) return *d;
  throw std::logic_error("VideoPort: HwDeviceExtension does not belong to any device");
}

VideoPortDevice& VideoPortDevice::from_register(PVOID reg) {
  const auto va = reinterpret_cast<std::uint64_t>(reg);
  for (VideoPortDevice* d : devices())
    if (va >= d->res_.mmio_va_base && va < d->res_.mmio_va_base + d->res_.bar0_length) return *d;
  throw std::logic_error("VideoPort: register address not in any mapped BAR");
}

VP_STATUS VideoPortDevice::start_device() {
  VIDEO_PORT_CONFIG_INFO info{};
  info.Length = sizeof(info);
  UCHAR again = FALSE;
  VP_STATUS st = init_.HwFindAdapter(extension(), nullptr, nullptr, &info, &again);
  if (st != NO_ERROR) return st;
  if (init_.HwInitialize && !init_.HwInitialize(extension())) return ERROR_DEV_NOT_EXIST;
  return NO_ERROR;
}

VP_STATUS VideoPortDevice::ioctl(ULONG code, PVOID in, ULONG in_len, PVOID out, ULONG out_len) {
  STATUS_BLOCK status{};
  status.Status = ERROR_INVALID_FUNCTION;
  VIDEO_REQUEST_PACKET rp{code, &status, in, in_len, out, out_len};
  if (!init_.HwStartIO(extension(), &rp)) return ERROR_INVALID_FUNCTION;
  return status.Status;
}

bool VideoPortDevice::interrupt() {
  return init_.HwInterrupt && init_.HwInterrupt(extension());
}

void VideoPortDevice::set_timer(bool on) {
  if (on && !init_.HwTimer) return;  // nothing to call (check_hw_timer reported the caller)
  if (on && !timer_spawned_) {
    timer_spawned_ = true;
    sc_core::sc_spawn([this] { timer_thread(); }, "hw_vid_timer");
  }
  if (on != timer_on_) {
    timer_on_ = on;
    timer_changed_.notify();
  }
}

bool VideoPortDevice::check_hw_timer(const char* api) {
  if (init_.HwTimer) return true;
  verifier_.report(
      DvCode::kTimerWithoutHwTimer,
      std::string(api) + " called by a miniport whose VIDEO_HW_INITIALIZATION_DATA has no HwTimer",
      now_ps());
  return false;
}

void VideoPortDevice::timer_thread() {
  std::uint64_t last_activity = 0;
  unsigned idle_ticks = 0;
  for (;;) {
    while (!timer_on_) sc_core::wait(timer_changed_);
    const std::uint64_t start = now_ps();
    sc_core::wait(from_ps(kTimerPeriodPs), timer_changed_);
    if (!timer_on_ || now_ps() - start < kTimerPeriodPs) continue;  // stopped (or restarted)
    const std::uint64_t activity = stats_.start_dma + stats_.complete_dma + cpu().isr_count();
    idle_ticks = activity == last_activity ? idle_ticks + 1 : 0;
    last_activity = activity;
    if (idle_ticks >= kIdleTicksLimit) {
      timer_on_ = false;
      timer_gave_up_ = true;
      continue;
    }
    // An I/O timer: its routine runs in the DPC dispatcher, at DISPATCH_LEVEL.
    cpu().timer_dpc(&timer_changed_, [this] {
      if (!timer_on_) return;
      ++timer_calls_;
      init_.HwTimer(extension());
    });
  }
}

}  // namespace dmasim

// ---- Resources and registers ------------------------------------------------------------------

// Argument1 is what the loader passed to DriverEntry: here, where to put the table. The platform
// then creates the device from it (sim/platform.cpp), as the I/O manager's AddDevice would.
ULONG VideoPortInitialize(PVOID Argument1, PVOID,
                          PVIDEO_HW_INITIALIZATION_DATA HwInitializationData, PVOID) {
  if (!Argument1 || !HwInitializationData ||
      HwInitializationData->HwInitDataSize < sizeof(VIDEO_HW_INITIALIZATION_DATA) ||
      !HwInitializationData->HwFindAdapter || !HwInitializationData->HwStartIO)
    return ERROR_INVALID_PARAMETER;
  *static_cast<VIDEO_HW_INITIALIZATION_DATA*>(Argument1) = *HwInitializationData;
  return NO_ERROR;
}

VP_STATUS VideoPortGetAccessRanges(PVOID HwDeviceExtension, ULONG, PVOID, ULONG NumAccessRanges,
                                   PVIDEO_ACCESS_RANGE AccessRanges, PVOID, PVOID, PULONG) {
  VideoPortDevice& dev = VideoPortDevice::from_extension(HwDeviceExtension);
  if (NumAccessRanges < 1 || !AccessRanges) return ERROR_MORE_DATA;
  VIDEO_ACCESS_RANGE& r = AccessRanges[0];
  r = VIDEO_ACCESS_RANGE{};
  r.RangeStart.QuadPart = static_cast<LONGLONG>(dev.res().bar0);
  r.RangeLength = dev.res().bar0_length;
  r.RangeVisible = TRUE;
  return NO_ERROR;
}

PVOID VideoPortGetDeviceBase(PVOID HwDeviceExtension, PHYSICAL_ADDRESS IoAddress,
                             ULONG NumberOfUchars, UCHAR InIoSpace) {
  VideoPortDevice& dev = VideoPortDevice::from_extension(HwDeviceExtension);
  const auto pa = static_cast<std::uint64_t>(IoAddress.QuadPart);
  if (InIoSpace || pa < dev.res().bar0 ||
      pa + NumberOfUchars > dev.res().bar0 + dev.res().bar0_length)
    return nullptr;
  return reinterpret_cast<PVOID>(dev.res().mmio_va_base + (pa - dev.res().bar0));
}

ULONG VideoPortReadRegisterUlong(PULONG Register) {
  VideoPortDevice& dev = VideoPortDevice::from_register(Register);
  const auto va = reinterpret_cast<std::uint64_t>(Register);
  return dev.cpu().mmio_read32(dev.res().bar0 + (va - dev.res().mmio_va_base));
}

VOID VideoPortWriteRegisterUlong(PULONG Register, ULONG Value) {
  VideoPortDevice& dev = VideoPortDevice::from_register(Register);
  const auto va = reinterpret_cast<std::uint64_t>(Register);
  dev.cpu().mmio_write32(dev.res().bar0 + (va - dev.res().mmio_va_base), Value);
}

UCHAR VideoPortGetCurrentIrql() {
  return devices().empty() ? 0 : devices().front()->cpu().current_irql();
}

VOID VideoPortLogError(PVOID HwDeviceExtension, PVIDEO_REQUEST_PACKET, VP_STATUS ErrorCode, ULONG) {
  VideoPortDevice& dev = VideoPortDevice::from_extension(HwDeviceExtension);
  dev.count(0, [ErrorCode](dmasim::VideoPortStats& s) {
    s.errors_logged++;
    if (ErrorCode == ERROR_TIMEOUT) s.timeouts_logged++;
  });
}

VOID VideoPortStartTimer(PVOID HwDeviceExtension) {
  VideoPortDevice& dev = VideoPortDevice::from_extension(HwDeviceExtension);
  dev.check_irql("VideoPortStartTimer", dmasim::PASSIVE_LEVEL, dmasim::DISPATCH_LEVEL);
  if (dev.check_hw_timer("VideoPortStartTimer")) dev.set_timer(true);
}

VOID VideoPortStopTimer(PVOID HwDeviceExtension) {
  VideoPortDevice& dev = VideoPortDevice::from_extension(HwDeviceExtension);
  dev.check_irql("VideoPortStopTimer", dmasim::PASSIVE_LEVEL, dmasim::DISPATCH_LEVEL);
  if (dev.check_hw_timer("VideoPortStopTimer")) dev.set_timer(false);
}

VP_STATUS VideoPortGetRegistryParameters(PVOID HwDeviceExtension, PWSTR ParameterName, UCHAR,
                                         PMINIPORT_GET_REGISTRY_ROUTINE GetRegistryRoutine,
                                         PVOID HwContext) {
  VideoPortDevice& dev = VideoPortDevice::from_extension(HwDeviceExtension);
  if (!ParameterName || !GetRegistryRoutine) return ERROR_INVALID_PARAMETER;
  auto it = dev.res().registry.find(ParameterName);
  if (it == dev.res().registry.end()) return ERROR_INVALID_PARAMETER;
  std::wstring value = it->second;  // the routine gets its own copy, NUL included
  return GetRegistryRoutine(HwDeviceExtension, HwContext, ParameterName, value.data(),
                            static_cast<ULONG>((value.size() + 1) * sizeof(wchar_t)));
}

// ---- DMA ---------------------------------------------------------------------------------------

PVP_DMA_ADAPTER VideoPortGetDmaAdapter(PVOID HwDeviceExtension,
                                       PVP_DEVICE_DESCRIPTION VpDeviceDescription) {
  VideoPortDevice& dev = VideoPortDevice::from_extension(HwDeviceExtension);
  dev.check_irql("VideoPortGetDmaAdapter", dmasim::PASSIVE_LEVEL, dmasim::PASSIVE_LEVEL);
  if (!VpDeviceDescription || !VpDeviceDescription->ScatterGather) return nullptr;
  auto adapter = std::make_unique<_VP_DMA_ADAPTER>();
  adapter->device = &dev;
  adapter->description = *VpDeviceDescription;
  // IoGetDmaAdapter's rule: enough map registers for MaximumLength at any page offset,
  // BYTES_TO_PAGES(MaximumLength) + 1, capped by what the platform grants an adapter.
  const std::uint64_t wanted = dmasim::BYTES_TO_PAGES(VpDeviceDescription->MaximumLength) + 1;
  adapter->map_registers = static_cast<ULONG>(std::min(wanted, dev.res().map_register_limit));
  adapter->index = dev.adapters_created()++;
  dev.res().mapper->add_adapter(adapter->index, adapter->map_registers,
                                VpDeviceDescription->Dma64BitAddresses != FALSE);
  dev.count(adapter->index, [&](dmasim::VideoPortStats& s) {
    s.map_registers_granted =
        std::max<std::uint64_t>(s.map_registers_granted, adapter->map_registers);
  });
  dev.adapters().push_back(std::move(adapter));
  return dev.adapters().back().get();
}

VOID VideoPortPutDmaAdapter(PVOID HwDeviceExtension, PVP_DMA_ADAPTER VpDmaAdapter) {
  VideoPortDevice& dev = VideoPortDevice::from_extension(HwDeviceExtension);
  dev.check_irql("VideoPortPutDmaAdapter", dmasim::PASSIVE_LEVEL, dmasim::PASSIVE_LEVEL);
  if (!VpDmaAdapter) return;
  if (!VpDmaAdapter->outstanding.empty()) {
    ULONG registers = 0;
    for (const auto& r : VpDmaAdapter->outstanding) registers += r.map_registers;
    dev.verifier().report(dmasim::DvCode::kMapRegistersLeaked,
                          "VideoPortPutDmaAdapter(" + VpDmaAdapter->name() +
                              "): " + std::to_string(VpDmaAdapter->outstanding.size()) +
                              " scatter/gather list(s) holding " + std::to_string(registers) +
                              " map register(s) never completed (first from StartDma #" +
                              std::to_string(VpDmaAdapter->outstanding.front().serial) + ")",
                          dmasim::now_ps());
    for (const auto& r : VpDmaAdapter->outstanding) {
      for (std::uint64_t l : r.logical_pages) dev.verifier().unmap_page(l >> 12);
      dev.traced_map_registers -= static_cast<int>(r.map_registers);
    }
  }
  if (!VpDmaAdapter->common_buffers.empty()) {
    dev.verifier().report(dmasim::DvCode::kCommonBufferLeaked,
                          "VideoPortPutDmaAdapter(" + VpDmaAdapter->name() +
                              "): " + std::to_string(VpDmaAdapter->common_buffers.size()) +
                              " common buffer(s) never released (first at logical " +
                              hex(VpDmaAdapter->common_buffers.front().logical) + ")",
                          dmasim::now_ps());
    for (const auto& b : VpDmaAdapter->common_buffers) {
      dev.verifier().remove_common_buffer(b.logical);
      dev.res().mapper->unmap_common(VpDmaAdapter->index, b.logical, b.frames * dmasim::PAGE_SIZE);
      for (std::uint64_t f = 0; f < b.frames; ++f) dev.res().frames->free(b.first_frame + f);
    }
  }
  dev.res().mapper->remove_adapter(VpDmaAdapter->index);
  auto& all = dev.adapters();
  all.erase(std::remove_if(all.begin(), all.end(),
                           [&](const auto& a) { return a.get() == VpDmaAdapter; }),
            all.end());
}

PVOID VideoPortLockBuffer(PVOID HwDeviceExtension, PVOID BaseAddress, ULONG Length,
                          VP_LOCK_OPERATION) {
  VideoPortDevice& dev = VideoPortDevice::from_extension(HwDeviceExtension);
  dev.check_irql("VideoPortLockBuffer", dmasim::PASSIVE_LEVEL, dmasim::PASSIVE_LEVEL);
  const auto va = reinterpret_cast<std::uint64_t>(BaseAddress);
  const std::uint64_t pages = dmasim::ADDRESS_AND_SIZE_TO_SPAN_PAGES(va, Length);
  dev.cpu().consume(dev.cpu().costs().lock_buffer_ps +
                    pages * dev.cpu().costs().lock_buffer_page_ps);
  auto* mdl = new Mdl{va, Length, {}};
  try {
    mdl->pfns = dev.res().address_space->frames_of(va, Length);
  } catch (const std::out_of_range&) {
    delete mdl;
    return nullptr;  // MmProbeAndLockPages would raise: the range is not all mapped
  }
  return mdl;
}

VOID VideoPortUnlockBuffer(PVOID HwDeviceExtension, PVOID MdlHandle) {
  VideoPortDevice& dev = VideoPortDevice::from_extension(HwDeviceExtension);
  auto* mdl = static_cast<Mdl*>(MdlHandle);
  dev.check_irql("VideoPortUnlockBuffer", dmasim::PASSIVE_LEVEL, dmasim::DISPATCH_LEVEL);
  if (!mdl) return;
  bool in_use = false;
  for (const auto& a : dev.adapters()) {
    for (const SgRecord& r : a->outstanding) {
      if (r.mdl != mdl) continue;
      in_use = true;
      dev.verifier().report(dmasim::DvCode::kUnlockDuringDma,
                            "VideoPortUnlockBuffer(MDL of VA " + hex(mdl->va) +
                                ") while StartDma #" + std::to_string(r.serial) + " on " +
                                a->name() + " is not completed",
                            dmasim::now_ps());
    }
  }
  dev.cpu().consume(dev.cpu().costs().unlock_buffer_ps +
                    mdl->pfns.size() * dev.cpu().costs().unlock_buffer_page_ps);
  // A buggy miniport may go on using an MDL it unlocked too early: keep that one alive (and
  // reported) rather than let the simulator itself touch freed memory.
  if (in_use) {
    dev.zombie_mdls().emplace_back(mdl, [](void* p) { delete static_cast<Mdl*>(p); });
    return;
  }
  delete mdl;
}

VP_STATUS VideoPortStartDma(PVOID HwDeviceExtension, PVP_DMA_ADAPTER VpDmaAdapter, PVOID MdlHandle,
                            ULONG Offset, PULONG pLength, PEXECUTE_DMA ExecuteDmaRoutine,
                            PVOID Context, BOOLEAN WriteToDevice) {
  VideoPortDevice& dev = VideoPortDevice::from_extension(HwDeviceExtension);
  auto* mdl = static_cast<Mdl*>(MdlHandle);
  dev.check_irql("VideoPortStartDma", dmasim::PASSIVE_LEVEL, dmasim::DISPATCH_LEVEL);
  if (!VpDmaAdapter || !mdl || !pLength || !ExecuteDmaRoutine || *pLength == 0 ||
      Offset >= mdl->length || *pLength > mdl->length - Offset)
    return ERROR_INVALID_PARAMETER;
  // HwVidExecuteDma runs at DISPATCH_LEVEL: what Context points to must be nonpaged.
  if (Context && !dev.is_nonpaged(Context)) {
    dev.verifier().report(dmasim::DvCode::kContextPageable,
                          "VideoPortStartDma(" + VpDmaAdapter->name() +
                              "): Context is neither in the device extension nor in a common "
                              "buffer (StartDma #" +
                              std::to_string(dev.start_dma_serial() + 1) + ")",
                          dmasim::now_ps());
  }
  Cpu& cpu = dev.cpu();
  const ULONG free_registers = VpDmaAdapter->map_registers - VpDmaAdapter->in_use;
  if (free_registers == 0) {
    dev.verifier().report(dmasim::DvCode::kMapRegistersExceeded,
                          "VideoPortStartDma(" + VpDmaAdapter->name() + "): all " +
                              std::to_string(VpDmaAdapter->map_registers) +
                              " map registers granted are held by transfers not completed",
                          dmasim::now_ps());
    return ERROR_NOT_ENOUGH_MEMORY;
  }
  const dmasim::KIRQL old = cpu.raise_irql(dmasim::DISPATCH_LEVEL);
  const std::uint64_t va = mdl->va + Offset;
  std::uint64_t pages = dmasim::ADDRESS_AND_SIZE_TO_SPAN_PAGES(va, *pLength);
  if (pages > free_registers) {  // clip to what the map registers cover
    pages = free_registers;
    *pLength = static_cast<ULONG>(pages * dmasim::PAGE_SIZE - dmasim::BYTE_OFFSET(va));
  }
  cpu.consume(cpu.costs().start_dma_ps + pages * cpu.costs().start_dma_page_ps);
  // Map the chunk's pages (the platform's translation), then build the scatter/gather list of
  // logical addresses, merging logically contiguous pages.
  SgRecord rec{nullptr, static_cast<ULONG>(pages), {}, {}, WriteToDevice != FALSE,
               mdl,     ++dev.start_dma_serial()};
  const std::uint64_t first_page = (dmasim::PAGE_ALIGN(va) - dmasim::PAGE_ALIGN(mdl->va)) >> 12;
  std::uint64_t pos = va, left = *pLength;
  for (std::uint64_t i = 0; i < pages; ++i) {
    const auto n =
        static_cast<std::uint32_t>(std::min(left, dmasim::PAGE_SIZE - dmasim::BYTE_OFFSET(pos)));
    rec.pages.push_back(
        {mdl->pfns[first_page + i] << 12, static_cast<std::uint32_t>(dmasim::BYTE_OFFSET(pos)), n});
    pos += n;
    left -= n;
  }
  dmasim::ps_t map_cpu = 0;
  rec.logical_pages =
      dev.res().mapper->map(VpDmaAdapter->index, rec.pages, rec.to_device, &map_cpu);
  cpu.consume(map_cpu);
  std::vector<VP_SCATTER_GATHER_ELEMENT> elems;
  for (std::uint64_t i = 0; i < pages; ++i) {
    const std::uint64_t logical = rec.logical_pages[i] + rec.pages[i].offset;
    dev.verifier().map_page(rec.logical_pages[i] >> 12);
    if (!elems.empty() &&
        static_cast<std::uint64_t>(elems.back().Address.QuadPart) + elems.back().Length ==
            logical) {
      elems.back().Length += rec.pages[i].length;
    } else {
      VP_SCATTER_GATHER_ELEMENT e{};
      e.Address.QuadPart = static_cast<LONGLONG>(logical);
      e.Length = rec.pages[i].length;
      elems.push_back(e);
    }
  }
  const std::size_t bytes =
      sizeof(VP_SCATTER_GATHER_LIST) + (elems.size() - 1) * sizeof(VP_SCATTER_GATHER_ELEMENT);
  auto* sg = static_cast<PVP_SCATTER_GATHER_LIST>(::operator new(bytes));
  sg->NumberOfElements = static_cast<ULONG>(elems.size());
  sg->Reserved = 0;
  std::memcpy(sg->Elements, elems.data(), elems.size() * sizeof(VP_SCATTER_GATHER_ELEMENT));
  rec.list = sg;
  VpDmaAdapter->in_use += rec.map_registers;
  dev.traced_map_registers += static_cast<int>(rec.map_registers);
  VpDmaAdapter->outstanding.push_back(std::move(rec));
  dev.count(VpDmaAdapter->index, [&](dmasim::VideoPortStats& s) {
    s.start_dma++;
    s.sg_elements += elems.size();
  });
  // HwVidExecuteDma programs the hardware at DISPATCH_LEVEL; StartDma does not wait for the DMA.
  cpu.consume(sg->NumberOfElements * cpu.costs().descriptor_write_ps);
  ExecuteDmaRoutine(HwDeviceExtension, VpDmaAdapter, sg, Context);
  cpu.lower_irql(old);
  return NO_ERROR;
}

VP_STATUS VideoPortCompleteDma(PVOID HwDeviceExtension, PVP_DMA_ADAPTER VpDmaAdapter,
                               PVP_SCATTER_GATHER_LIST VpScatterGather, BOOLEAN) {
  VideoPortDevice& dev = VideoPortDevice::from_extension(HwDeviceExtension);
  dev.check_irql("VideoPortCompleteDma", dmasim::PASSIVE_LEVEL, dmasim::DISPATCH_LEVEL);
  if (!VpDmaAdapter) return ERROR_INVALID_PARAMETER;
  auto& out = VpDmaAdapter->outstanding;
  auto it = std::find_if(out.begin(), out.end(),
                         [&](const SgRecord& r) { return r.list == VpScatterGather; });
  if (it == out.end()) {
    // Lists are named by the StartDma that returned them, never by address: the message must be
    // the same in every run.
    const auto& done = VpDmaAdapter->completed;
    const auto was = std::find_if(done.begin(), done.end(),
                                  [&](const auto& c) { return c.list == VpScatterGather; });
    const bool twice = was != done.end();
    dev.verifier().report(
        twice ? dmasim::DvCode::kCompleteTwice : dmasim::DvCode::kCompleteWithoutStart,
        twice ? "VideoPortCompleteDma(SG list #" + std::to_string(was->serial) + " of " +
                    VpDmaAdapter->name() + "): this list was already completed"
              : "VideoPortCompleteDma(" + VpDmaAdapter->name() +
                    "): no outstanding VideoPortStartDma returned this SG list",
        dmasim::now_ps());
    return ERROR_INVALID_PARAMETER;
  }
  Cpu& cpu = dev.cpu();
  cpu.consume(cpu.costs().complete_dma_ps + it->map_registers * cpu.costs().complete_dma_page_ps);
  dmasim::ps_t unmap_cpu = 0;
  dev.res().mapper->unmap(VpDmaAdapter->index, it->pages, it->logical_pages, it->to_device,
                          &unmap_cpu);
  cpu.consume(unmap_cpu);
  for (std::uint64_t logical : it->logical_pages) dev.verifier().unmap_page(logical >> 12);
  VpDmaAdapter->in_use -= it->map_registers;
  dev.traced_map_registers -= static_cast<int>(it->map_registers);
  // The list is invalid from here on (WDK): poison it and keep it a while, so a miniport that
  // still programs the device from it is caught when the device follows a poisoned address.
  PVP_SCATTER_GATHER_LIST list = it->list;
  for (ULONG i = 0; i < list->NumberOfElements; ++i)
    list->Elements[i].Address.QuadPart = static_cast<LONGLONG>(dmasim::dv_poison(
        it->serial, i,
        dmasim::BYTE_OFFSET(static_cast<std::uint64_t>(list->Elements[i].Address.QuadPart))));
  VpDmaAdapter->completed.push_back({list, it->serial});
  if (VpDmaAdapter->completed.size() > kSgQuarantine) {
    ::operator delete(VpDmaAdapter->completed.front().list);
    VpDmaAdapter->completed.pop_front();
  }
  out.erase(it);
  dev.count(VpDmaAdapter->index, [](dmasim::VideoPortStats& s) { s.complete_dma++; });
  return NO_ERROR;
}

PVOID VideoPortAllocateCommonBuffer(PVOID HwDeviceExtension, PVP_DMA_ADAPTER VpDmaAdapter,
                                    ULONG DesiredLength, PPHYSICAL_ADDRESS LogicalAddress, BOOLEAN,
                                    PVOID) {
  VideoPortDevice& dev = VideoPortDevice::from_extension(HwDeviceExtension);
  dev.check_irql("VideoPortAllocateCommonBuffer", dmasim::PASSIVE_LEVEL, dmasim::PASSIVE_LEVEL);
  if (!VpDmaAdapter || DesiredLength == 0 || !LogicalAddress) return nullptr;
  const std::uint64_t frames = dmasim::BYTES_TO_PAGES(DesiredLength);
  // Below 4 GiB so that any device can reach it (as HalAllocateCommonBuffer does for 32-bit).
  const std::uint64_t first = dev.res().frames->allocate_contiguous(frames, (4ULL << 30) >> 12);
  const std::uint64_t physical = first << 12;
  auto* va = dev.res().host_memory->map_contiguous(physical, frames * dmasim::PAGE_SIZE);
  std::memset(va, 0, frames * dmasim::PAGE_SIZE);
  const std::uint64_t logical =
      dev.res().mapper->map_common(VpDmaAdapter->index, physical, frames * dmasim::PAGE_SIZE);
  LogicalAddress->QuadPart = static_cast<LONGLONG>(logical);
  VpDmaAdapter->common_buffers.push_back({logical, first, frames, va});
  dev.verifier().add_common_buffer(logical, frames * dmasim::PAGE_SIZE);
  return va;
}

VOID VideoPortReleaseCommonBuffer(PVOID HwDeviceExtension, PVP_DMA_ADAPTER VpDmaAdapter, ULONG,
                                  PHYSICAL_ADDRESS LogicalAddress, PVOID, BOOLEAN) {
  VideoPortDevice& dev = VideoPortDevice::from_extension(HwDeviceExtension);
  dev.check_irql("VideoPortReleaseCommonBuffer", dmasim::PASSIVE_LEVEL, dmasim::PASSIVE_LEVEL);
  if (!VpDmaAdapter) return;
  auto& bufs = VpDmaAdapter->common_buffers;
  for (auto it = bufs.begin(); it != bufs.end(); ++it) {
    if (it->logical == static_cast<std::uint64_t>(LogicalAddress.QuadPart)) {
      for (std::uint64_t f = 0; f < it->frames; ++f)
        VpDmaAdapter->device->res().frames->free(it->first_frame + f);
      dev.verifier().remove_common_buffer(it->logical);
      dev.res().mapper->unmap_common(VpDmaAdapter->index, it->logical,
                                     it->frames * dmasim::PAGE_SIZE);
      bufs.erase(it);
      return;
    }
  }
}

BOOLEAN VideoPortQueueDpc(PVOID HwDeviceExtension, PMINIPORT_DPC_ROUTINE CallbackRoutine,
                          PVOID Context) {
  VideoPortDevice& dev = VideoPortDevice::from_extension(HwDeviceExtension);
  dev.check_irql("VideoPortQueueDpc", dmasim::DISPATCH_LEVEL, dmasim::DEVICE_IRQL);
  return dev.cpu().queue_dpc(reinterpret_cast<const void*>(CallbackRoutine),
                             [=] { CallbackRoutine(HwDeviceExtension, Context); })
             ? TRUE
             : FALSE;
}

BOOLEAN VideoPortSynchronizeExecution(PVOID HwDeviceExtension, VIDEO_SYNCHRONIZE_PRIORITY Priority,
                                      PMINIPORT_SYNCHRONIZE_ROUTINE SynchronizeRoutine,
                                      PVOID Context) {
  VideoPortDevice& dev = VideoPortDevice::from_extension(HwDeviceExtension);
  dev.check_irql("VideoPortSynchronizeExecution", dmasim::PASSIVE_LEVEL, dmasim::DEVICE_IRQL);
  if (!SynchronizeRoutine) return FALSE;
  if (Priority == VpLowPriority) return SynchronizeRoutine(Context);
  Cpu& cpu = dev.cpu();
  const dmasim::KIRQL old =
      cpu.raise_irql(Priority == VpHighPriority ? dmasim::DEVICE_IRQL : dmasim::DISPATCH_LEVEL);
  const BOOLEAN result = SynchronizeRoutine(Context);
  cpu.lower_irql(old);
  return result;
}

// ---- Events ------------------------------------------------------------------------------------

VP_STATUS VideoPortCreateEvent(PVOID, ULONG EventFlag, PVOID, PEVENT* ppEvent) {
  if (!ppEvent) return ERROR_INVALID_PARAMETER;
  *ppEvent = new _VIDEO_PORT_EVENT{(EventFlag & NOTIFICATION_EVENT) != 0,
                                   (EventFlag & INITIAL_EVENT_SIGNALED) != 0, sc_core::sc_event()};
  return NO_ERROR;
}

VP_STATUS VideoPortDeleteEvent(PVOID, PEVENT pEvent) {
  delete pEvent;
  return NO_ERROR;
}

LONG VideoPortSetEvent(PVOID HwDeviceExtension, PEVENT pEvent) {
  VideoPortDevice::from_extension(HwDeviceExtension)
      .check_irql("VideoPortSetEvent", dmasim::PASSIVE_LEVEL, dmasim::DISPATCH_LEVEL);
  const LONG previous = pEvent->signaled;
  pEvent->signaled = true;
  pEvent->event.notify();
  return previous;
}

VOID VideoPortClearEvent(PVOID HwDeviceExtension, PEVENT pEvent) {
  VideoPortDevice::from_extension(HwDeviceExtension)
      .check_irql("VideoPortClearEvent", dmasim::PASSIVE_LEVEL, dmasim::DISPATCH_LEVEL);
  pEvent->signaled = false;
}

VP_STATUS VideoPortWaitForSingleObject(PVOID HwDeviceExtension, PVOID Object, PLARGE_INTEGER) {
  VideoPortDevice& dev = VideoPortDevice::from_extension(HwDeviceExtension);
  // A wait with no time-out is legal only at PASSIVE_LEVEL (WDK remarks).
  dev.check_irql("VideoPortWaitForSingleObject", dmasim::PASSIVE_LEVEL, dmasim::PASSIVE_LEVEL);
  auto* ev = static_cast<PEVENT>(Object);
  while (!ev->signaled) dev.cpu().passive_wait(ev->event);
  if (!ev->notification) ev->signaled = false;  // synchronization events auto-reset
  return NO_ERROR;
}
