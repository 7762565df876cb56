// The shipped miniport for the dmasim DMA engine: packet-based bus-master DMA in the six steps of
// the WDK ("Packet-Based Bus-Master DMA"), written only against video.h and the register map.
// A request loops StartDma -> interrupt -> ISR -> DPC -> CompleteDma until *pLength has covered
// it; only then is the display driver told it is done (an idle engine between chunks is not).
#include <cstring>
#include <cwchar>

#include "firmware/miniport/dmasim_ioctl.h"
#include "firmware/videoport/video.h"
#include "models/dma_regs.h"

namespace {

using namespace dmasim;  // register map names

// Large enough that the platform's map-register limit, not this, decides the chunk size.
constexpr ULONG kMaximumLength = 16u << 20;
constexpr ULONG kMaxDescriptors = (kMaximumLength >> 12) + 1;
constexpr ULONG kChannels = 2;
// A chunk the engine failed is retried this many times (after a channel reset) before the
// request fails: enough for a transient bus error, bounded for a persistent one.
constexpr ULONG kMaxRetries = 3;
// Status reads the watchdog spends waiting for an aborted run to drain before it tries again on
// the next tick: 32 round trips of about 1 us cover 8 queued 4 KiB writes on a slow link.
constexpr ULONG kDrainPolls = 32;

struct HW_DEVICE_EXTENSION;

// --inject driver:NAME (registry value DmasimInjectBug): one deliberate bug, for the verifier.
enum class Bug {
  kNone,
  kCompleteInIsr,
  kLockAtDispatch,
  kCompleteTwice,
  kCompleteWithoutStart,
  kLeakMapRegisters,
  kLeakCommonBuffer,
  kExceedMapRegisters,
  kUnlockDuringDma,
  kSgAfterComplete,
  kDescriptorOverrun,
  kContextPageable,
};

// One concurrent DMA path: its own adapter object (seeds: "Concurrent DMA"), descriptor common
// buffer and request in flight. Nonpaged: it is the Context passed to VideoPortStartDma.
struct DMA_CHANNEL {
  HW_DEVICE_EXTENSION* Extension;
  ULONG Index;
  PVP_DMA_ADAPTER DmaAdapter;
  DmaDescriptor* Descriptors;  // common buffer
  PHYSICAL_ADDRESS DescriptorsLogical;
  PEVENT RequestDone;
  PVOID Mdl;
  ULONG Length;
  ULONG Transferred;
  ULONG ChunkLength;  // *pLength of the StartDma in flight
  ULONGLONG VramAddress;
  BOOLEAN ToDevice;
  BOOLEAN Busy;  // a request is in progress
  PVP_SCATTER_GATHER_LIST ScatterGather;
  ULONG InterruptStatus;  // latched by the ISR for the DPC
  VP_STATUS Status;
  ULONG Retries;                  // of the chunk in flight
  ULONG ChunkSerial;              // StartDma calls so far: which chunk is in flight
  ULONG WatchedSerial;            // the chunk the last watchdog tick saw in flight
  ULONG WatchedBytes;             // and how far it had got (DMA_BYTES)
  BOOLEAN Watched;                // WatchedSerial and WatchedBytes are valid
  BOOLEAN Aborting;               // aborted by the watchdog; retried once PENDING clears
  BOOLEAN CompletedInIsr;         // Bug::kCompleteInIsr
  PVP_SCATTER_GATHER_LIST Stale;  // Bug::kSgAfterComplete
  // Bug::kLeakMapRegisters: the last list of the previous request, not completed, and the
  // buffer it maps, still locked because of it.
  PVP_SCATTER_GATHER_LIST Leaked;
  BOOLEAN LeakedToDevice;
  PVOID LeakedMdl;
};

struct HW_DEVICE_EXTENSION {
  PUCHAR Registers;  // BAR0, mapped
  ULONG Channels;    // what the hardware reports, at most kChannels
  DMA_CHANNEL Channel[kChannels];
  Bug Inject;
  BOOLEAN CanAbort;      // DMA_CAPS_ABORT: a hung channel can be stopped
  ULONG ActiveRequests;  // the watchdog timer runs while this is nonzero
};

struct BugName {
  const wchar_t* name;
  Bug bug;
};
constexpr BugName kBugs[] = {
    {L"complete-in-isr", Bug::kCompleteInIsr},
    {L"lock-at-dispatch", Bug::kLockAtDispatch},
    {L"complete-twice", Bug::kCompleteTwice},
    {L"complete-without-start", Bug::kCompleteWithoutStart},
    {L"leak-map-registers", Bug::kLeakMapRegisters},
    {L"leak-common-buffer", Bug::kLeakCommonBuffer},
    {L"exceed-map-registers", Bug::kExceedMapRegisters},
    {L"unlock-during-dma", Bug::kUnlockDuringDma},
    {L"sg-after-complete", Bug::kSgAfterComplete},
    {L"descriptor-overrun", Bug::kDescriptorOverrun},
    {L"context-pageable", Bug::kContextPageable},
};

VP_STATUS ReadInjectedBug(PVOID HwDeviceExtension, PVOID, PWSTR, PVOID ValueData, ULONG) {
  auto* ext = static_cast<HW_DEVICE_EXTENSION*>(HwDeviceExtension);
  const auto* value = static_cast<const wchar_t*>(ValueData);
  for (const BugName& b : kBugs)
    if (std::wcscmp(value, b.name) == 0) ext->Inject = b.bug;
  return NO_ERROR;
}

PULONG Reg(HW_DEVICE_EXTENSION* ext, ULONG offset) {
  return reinterpret_cast<PULONG>(ext->Registers + offset);
}
PULONG ChReg(DMA_CHANNEL* ch, ULONG offset) {
  return Reg(ch->Extension, ch->Index * DMA_CH_STRIDE + offset);
}

VOID HwVidExecuteDma(PVOID HwDeviceExtension, PVP_DMA_ADAPTER, PVP_SCATTER_GATHER_LIST SGList,
                     PVOID Context) {
  const Bug bug = static_cast<HW_DEVICE_EXTENSION*>(HwDeviceExtension)->Inject;
  auto* ch = bug == Bug::kContextPageable ? *static_cast<DMA_CHANNEL**>(Context)
                                          : static_cast<DMA_CHANNEL*>(Context);
  ch->ScatterGather = SGList;
  ULONGLONG vram = ch->VramAddress + ch->Transferred;
  for (ULONG i = 0; i < SGList->NumberOfElements; ++i) {
    DmaDescriptor& d = ch->Descriptors[i];
    d.host_addr = static_cast<ULONGLONG>(SGList->Elements[i].Address.QuadPart);
    d.vram_addr = vram;
    d.length = SGList->Elements[i].Length;
    d.control = ch->ToDevice ? 0 : DMA_DESC_FROM_DEVICE;
    d.reserved = 0;
    vram += d.length;
  }
  if (bug == Bug::kSgAfterComplete && ch->Stale) {  // programs from the freed list
    ch->Descriptors[0].host_addr = static_cast<ULONGLONG>(ch->Stale->Elements[0].Address.QuadPart);
    ch->Stale = nullptr;
  }
  if (bug == Bug::kDescriptorOverrun) ch->Descriptors[SGList->NumberOfElements - 1].length += 4096;
  const auto la = static_cast<ULONGLONG>(ch->DescriptorsLogical.QuadPart);
  VideoPortWriteRegisterUlong(ChReg(ch, DMA_DESC_LO), static_cast<ULONG>(la));
  VideoPortWriteRegisterUlong(ChReg(ch, DMA_DESC_HI), static_cast<ULONG>(la >> 32));
  VideoPortWriteRegisterUlong(ChReg(ch, DMA_DESC_COUNT), SGList->NumberOfElements);
  VideoPortWriteRegisterUlong(ChReg(ch, DMA_DOORBELL), 1);
}

VP_STATUS StartChunk(DMA_CHANNEL* ch) {
  ++ch->ChunkSerial;
  ch->ChunkLength = ch->Length - ch->Transferred;
  DMA_CHANNEL* on_stack = ch;  // Bug::kContextPageable: a pageable (stack) Context
  PVOID context = ch->Extension->Inject == Bug::kContextPageable ? static_cast<PVOID>(&on_stack)
                                                                 : static_cast<PVOID>(ch);
  return VideoPortStartDma(ch->Extension, ch->DmaAdapter, ch->Mdl, ch->Transferred,
                           &ch->ChunkLength, HwVidExecuteDma, context, ch->ToDevice);
}

// One chunk of ch has ended: complete it, then start the next or finish the request.
VOID ChunkDone(DMA_CHANNEL* ch, ULONG status) {
  const Bug bug = ch->Extension->Inject;
  if (ch->CompletedInIsr) {
    ch->CompletedInIsr = FALSE;
  } else {
    if (!ch->ScatterGather) return;  // nothing in flight: a spurious completion
    if (bug == Bug::kCompleteWithoutStart) {
      VP_SCATTER_GATHER_LIST bogus{};
      VideoPortCompleteDma(ch->Extension, ch->DmaAdapter, &bogus, ch->ToDevice);
    }
    const bool last = ch->Transferred + ch->ChunkLength >= ch->Length;
    if (bug == Bug::kLeakMapRegisters && last && !(status & DMA_INT_ERROR)) {
      ch->Leaked = ch->ScatterGather;  // completed late, when the next request starts, if ever
      ch->LeakedToDevice = ch->ToDevice;
    } else {
      ch->Stale = ch->ScatterGather;
      VideoPortCompleteDma(ch->Extension, ch->DmaAdapter, ch->ScatterGather, ch->ToDevice);
      if (bug == Bug::kCompleteTwice)
        VideoPortCompleteDma(ch->Extension, ch->DmaAdapter, ch->ScatterGather, ch->ToDevice);
    }
  }
  ch->ScatterGather = nullptr;
  if (status & DMA_INT_ERROR) {
    // The engine stopped the chunk: log it, reset the channel, run the chunk again.
    VideoPortLogError(ch->Extension, nullptr, ERROR_IO_DEVICE, ch->Retries + 1);
    if (ch->Retries < kMaxRetries) {
      ++ch->Retries;
      VideoPortWriteRegisterUlong(ChReg(ch, DMA_CTRL), DMA_CTRL_RESET | DMA_CTRL_IRQ_EN);
      ch->Status = StartChunk(ch);
      if (ch->Status == NO_ERROR) return;
    } else {
      ch->Status = ERROR_IO_DEVICE;  // retries exhausted: the display driver is told
    }
  } else {
    ch->Retries = 0;
    ch->Transferred += ch->ChunkLength;
    if (ch->Transferred < ch->Length) {
      ch->Status = StartChunk(ch);
      if (ch->Status == NO_ERROR) return;  // more to move: the request is not done
    } else {
      ch->Status = NO_ERROR;
    }
  }
  VideoPortSetEvent(ch->Extension, ch->RequestDone);
}

// One DPC object per device (VideoPortQueueDpc): it serves every channel the ISR latched.
VOID DmaDpc(PVOID HwDeviceExtension, PVOID) {
  auto* ext = static_cast<HW_DEVICE_EXTENSION*>(HwDeviceExtension);
  for (ULONG i = 0; i < ext->Channels; ++i) {
    DMA_CHANNEL* ch = &ext->Channel[i];
    const ULONG status = ch->InterruptStatus;
    ch->InterruptStatus = 0;
    if (status) ChunkDone(ch, status);
  }
}

// Reads and acknowledges (W1C) a channel's interrupt status and latches it for the DPC; what
// the ISR does per channel, and the watchdog in step with it. Returns the status read.
ULONG TakeInterruptStatus(DMA_CHANNEL* ch) {
  const ULONG status = VideoPortReadRegisterUlong(ChReg(ch, DMA_INT_STATUS));
  if (status == 0 || status == 0xFFFFFFFFu) return 0;
  VideoPortWriteRegisterUlong(ChReg(ch, DMA_INT_STATUS), status);
  ch->InterruptStatus |= status;
  return status;
}

BOOLEAN HwVidInterrupt(PVOID HwDeviceExtension) {
  auto* ext = static_cast<HW_DEVICE_EXTENSION*>(HwDeviceExtension);
  BOOLEAN ours = FALSE;
  for (ULONG i = 0; i < ext->Channels; ++i) {
    DMA_CHANNEL* ch = &ext->Channel[i];
    if (!ch->Busy) continue;  // only channels with a request can interrupt
    if (!TakeInterruptStatus(ch)) continue;
    if (ext->Inject == Bug::kCompleteInIsr && ch->ScatterGather) {  // illegal at DIRQL
      VideoPortCompleteDma(ext, ch->DmaAdapter, ch->ScatterGather, ch->ToDevice);
      ch->ScatterGather = nullptr;
      ch->CompletedInIsr = TRUE;
    }
    ours = TRUE;
  }
  if (ours) VideoPortQueueDpc(ext, DmaDpc, nullptr);  // CompleteDma is not legal at DIRQL
  return ours;
}

struct WATCHDOG_POLL {
  DMA_CHANNEL* Channel;
  BOOLEAN Abort;
};

// At DIRQL, in step with the ISR: take a completion whose interrupt never came; else, if asked,
// abort the channel and look once more, for a run that completed before the abort reached the
// device (the read cannot pass the posted abort write).
BOOLEAN WatchdogPoll(PVOID Context) {
  auto* poll = static_cast<WATCHDOG_POLL*>(Context);
  if (TakeInterruptStatus(poll->Channel)) return TRUE;
  if (!poll->Abort) return FALSE;
  VideoPortWriteRegisterUlong(ChReg(poll->Channel, DMA_CTRL), DMA_CTRL_ABORT | DMA_CTRL_IRQ_EN);
  return TakeInterruptStatus(poll->Channel) != 0;
}

ULONG BytesMoved(DMA_CHANNEL* ch) {  // by the run in progress (DMA_BYTES, low half suffices)
  return VideoPortReadRegisterUlong(ChReg(ch, DMA_BYTES_LO));
}

// The aborted run may still write host memory. Its outstanding bursts drain in microseconds, so
// a few status reads (each a round trip to the device) usually see it end; else the next tick.
BOOLEAN Draining(DMA_CHANNEL* ch) {
  for (ULONG poll = 0; poll < kDrainPolls; ++poll)
    if (!(VideoPortReadRegisterUlong(ChReg(ch, DMA_STATUS)) & DMA_STATUS_PENDING)) return FALSE;
  return TRUE;
}

// The watchdog, about once a second at DISPATCH_LEVEL. A chunk that is still in flight a whole
// timer period after the previous tick saw it, and has moved no byte since, is stuck: its
// interrupt was lost, or the engine hung. A slow chunk that makes progress is left alone.
VOID HwVidTimer(PVOID HwDeviceExtension) {
  auto* ext = static_cast<HW_DEVICE_EXTENSION*>(HwDeviceExtension);
  for (ULONG i = 0; i < ext->Channels; ++i) {
    DMA_CHANNEL* ch = &ext->Channel[i];
    if (!ch->Busy || !ch->ScatterGather) {
      ch->Watched = FALSE;
      continue;
    }
    if (ch->Aborting) {  // the buffer is released only once the device is done with it
      if (Draining(ch)) continue;
      ch->Aborting = FALSE;
      ChunkDone(ch, DMA_INT_ERROR);
      continue;
    }
    const ULONG bytes = BytesMoved(ch);
    if (!ch->Watched || ch->WatchedSerial != ch->ChunkSerial || ch->WatchedBytes != bytes) {
      ch->Watched = TRUE;
      ch->WatchedSerial = ch->ChunkSerial;
      ch->WatchedBytes = bytes;
      continue;
    }
    ch->Watched = FALSE;
    VideoPortLogError(ext, nullptr, ERROR_TIMEOUT, ch->Index);
    WATCHDOG_POLL poll{ch, ext->CanAbort};
    VideoPortSynchronizeExecution(ext, VpHighPriority, WatchdogPoll, &poll);
    const ULONG status = ch->InterruptStatus;
    ch->InterruptStatus = 0;
    if (status) {
      ChunkDone(ch, status);  // it had completed: the interrupt was lost
    } else if (ext->CanAbort) {
      // Aborted: retry the chunk as a failed one, once the device stopped using the buffer.
      if (Draining(ch)) {
        ch->Aborting = TRUE;
      } else {
        ChunkDone(ch, DMA_INT_ERROR);
      }
    }
    // Without DMA_CAPS_ABORT nothing can stop the engine, and releasing the buffer while it may
    // still write there would be worse: the chunk stays in flight, logged each time.
  }
}

struct LOCK_REQUEST {
  HW_DEVICE_EXTENSION* Extension;
  const DMASIM_TRANSFER* Request;
  PVOID Mdl;
};

BOOLEAN LockRoutine(PVOID Context) {
  auto* lock = static_cast<LOCK_REQUEST*>(Context);
  lock->Mdl = VideoPortLockBuffer(lock->Extension, lock->Request->Buffer, lock->Request->Length,
                                  lock->Request->ToDevice ? VpReadAccess : VpWriteAccess);
  return lock->Mdl != nullptr;
}

// Step 6: no more DMA for the rest of the driver's life: give everything back.
VP_STATUS Shutdown(HW_DEVICE_EXTENSION* ext) {
  for (ULONG i = 0; i < ext->Channels; ++i) {
    DMA_CHANNEL* ch = &ext->Channel[i];
    if (ch->Busy || !ch->DmaAdapter) return ERROR_IO_PENDING;
    if (ext->Inject != Bug::kLeakCommonBuffer)
      VideoPortReleaseCommonBuffer(ext, ch->DmaAdapter, kMaxDescriptors * sizeof(DmaDescriptor),
                                   ch->DescriptorsLogical, ch->Descriptors, FALSE);
    VideoPortPutDmaAdapter(ext, ch->DmaAdapter);  // Bug::kLeakMapRegisters: with ch->Leaked
    if (ch->LeakedMdl) VideoPortUnlockBuffer(ext, ch->LeakedMdl);
    ch->Leaked = nullptr;
    ch->LeakedMdl = nullptr;
    VideoPortDeleteEvent(ext, ch->RequestDone);
    ch->DmaAdapter = nullptr;
    ch->Descriptors = nullptr;
    ch->RequestDone = nullptr;
  }
  return NO_ERROR;
}

BOOLEAN HwVidStartIO(PVOID HwDeviceExtension, PVIDEO_REQUEST_PACKET rp) {
  auto* ext = static_cast<HW_DEVICE_EXTENSION*>(HwDeviceExtension);
  if (rp->IoControlCode == IOCTL_VIDEO_DMASIM_SHUTDOWN) {
    rp->StatusBlock->Status = Shutdown(ext);
    return TRUE;
  }
  if (rp->IoControlCode != IOCTL_VIDEO_DMASIM_TRANSFER ||
      rp->InputBufferLength < sizeof(DMASIM_TRANSFER)) {
    rp->StatusBlock->Status = ERROR_INVALID_FUNCTION;
    return TRUE;
  }
  const auto* req = static_cast<const DMASIM_TRANSFER*>(rp->InputBuffer);
  if (req->Length == 0 || req->Channel >= ext->Channels || ext->Channel[req->Channel].Busy) {
    rp->StatusBlock->Status = ERROR_INVALID_PARAMETER;
    return TRUE;
  }
  DMA_CHANNEL* ch = &ext->Channel[req->Channel];
  if (ch->Leaked) {  // Bug::kLeakMapRegisters: the previous request's last list, at last
    VideoPortCompleteDma(ext, ch->DmaAdapter, ch->Leaked, ch->LeakedToDevice);
    VideoPortUnlockBuffer(ext, ch->LeakedMdl);
    ch->Leaked = nullptr;
    ch->LeakedMdl = nullptr;
  }
  // Step 2: lock the buffer.
  LOCK_REQUEST lock{ext, req, nullptr};
  if (ext->Inject == Bug::kLockAtDispatch) {
    VideoPortSynchronizeExecution(ext, VpMediumPriority, LockRoutine, &lock);
  } else {
    LockRoutine(&lock);
  }
  ch->Mdl = lock.Mdl;
  if (!ch->Mdl) {
    rp->StatusBlock->Status = ERROR_INVALID_PARAMETER;
    return TRUE;
  }
  ch->Length = req->Length;
  ch->Transferred = 0;
  ch->Retries = 0;
  ch->VramAddress = req->VramAddress;
  ch->ToDevice = req->ToDevice;
  ch->Busy = TRUE;
  if (ext->ActiveRequests++ == 0) VideoPortStartTimer(ext);
  VideoPortClearEvent(ext, ch->RequestDone);
  // Steps 3-4: the first chunk from here, the rest from the DPC.
  ch->Status = StartChunk(ch);
  if (ext->Inject == Bug::kExceedMapRegisters && ch->Status == NO_ERROR &&
      ch->ChunkLength < ch->Length) {
    ULONG rest = ch->Length - ch->ChunkLength;
    VideoPortStartDma(ext, ch->DmaAdapter, ch->Mdl, ch->ChunkLength, &rest, HwVidExecuteDma, ch,
                      ch->ToDevice);
  }
  if (ext->Inject == Bug::kUnlockDuringDma) VideoPortUnlockBuffer(ext, ch->Mdl);
  if (ch->Status == NO_ERROR) VideoPortWaitForSingleObject(ext, ch->RequestDone, nullptr);
  // Step 5: unlock, then tell the display driver the whole request is done.
  if (ch->Leaked) {
    ch->LeakedMdl = ch->Mdl;  // the list not completed still maps it
  } else if (ext->Inject != Bug::kUnlockDuringDma) {
    VideoPortUnlockBuffer(ext, ch->Mdl);
  }
  ch->Mdl = nullptr;
  ch->Busy = FALSE;
  if (--ext->ActiveRequests == 0) VideoPortStopTimer(ext);
  rp->StatusBlock->Status = ch->Status;
  rp->StatusBlock->Information = ch->Transferred;
  return TRUE;
}

VP_STATUS HwVidFindAdapter(PVOID HwDeviceExtension, PVOID, PWSTR, PVIDEO_PORT_CONFIG_INFO,
                           PUCHAR Again) {
  auto* ext = static_cast<HW_DEVICE_EXTENSION*>(HwDeviceExtension);
  *Again = FALSE;
  VIDEO_ACCESS_RANGE range{};
  VP_STATUS st = VideoPortGetAccessRanges(ext, 0, nullptr, 1, &range, nullptr, nullptr, nullptr);
  if (st != NO_ERROR) return st;
  ext->Registers = static_cast<PUCHAR>(
      VideoPortGetDeviceBase(ext, range.RangeStart, range.RangeLength, range.RangeInIoSpace));
  if (!ext->Registers) return ERROR_DEV_NOT_EXIST;
  if (VideoPortReadRegisterUlong(Reg(ext, DMA_GLOBAL + DMA_ID)) != DMA_ID_VALUE)
    return ERROR_DEV_NOT_EXIST;
  static wchar_t kInjectValue[] = L"DmasimInjectBug";
  VideoPortGetRegistryParameters(ext, kInjectValue, FALSE, ReadInjectedBug, nullptr);
  ext->Channels = VideoPortReadRegisterUlong(Reg(ext, DMA_GLOBAL + DMA_CHANNELS));
  const ULONG caps = VideoPortReadRegisterUlong(Reg(ext, DMA_GLOBAL + DMA_CAPS));
  const BOOLEAN addr64 = (caps & DMA_CAPS_ADDR64) != 0;
  ext->CanAbort = (caps & DMA_CAPS_ABORT) != 0;
  if (ext->Channels == 0) return ERROR_DEV_NOT_EXIST;
  if (ext->Channels > kChannels) ext->Channels = kChannels;
  // Step 1, once per concurrent path: report the DMA capabilities, get an adapter object.
  for (ULONG i = 0; i < ext->Channels; ++i) {
    DMA_CHANNEL* ch = &ext->Channel[i];
    ch->Extension = ext;
    ch->Index = i;
    VP_DEVICE_DESCRIPTION desc{};
    desc.ScatterGather = TRUE;
    desc.Dma32BitAddresses = TRUE;
    desc.Dma64BitAddresses = addr64;  // a 32-bit device: the HAL must keep it below 4 GiB
    desc.MaximumLength = kMaximumLength;
    ch->DmaAdapter = VideoPortGetDmaAdapter(ext, &desc);
    if (!ch->DmaAdapter) return ERROR_NOT_ENOUGH_MEMORY;
    ch->Descriptors = static_cast<DmaDescriptor*>(
        VideoPortAllocateCommonBuffer(ext, ch->DmaAdapter, kMaxDescriptors * sizeof(DmaDescriptor),
                                      &ch->DescriptorsLogical, FALSE, nullptr));
    if (!ch->Descriptors) return ERROR_NOT_ENOUGH_MEMORY;
    st = VideoPortCreateEvent(ext, 0, nullptr, &ch->RequestDone);
    if (st != NO_ERROR) return st;
  }
  return NO_ERROR;
}

BOOLEAN HwVidInitialize(PVOID HwDeviceExtension) {
  auto* ext = static_cast<HW_DEVICE_EXTENSION*>(HwDeviceExtension);
  for (ULONG i = 0; i < ext->Channels; ++i)
    VideoPortWriteRegisterUlong(ChReg(&ext->Channel[i], DMA_CTRL),
                                DMA_CTRL_RESET | DMA_CTRL_IRQ_EN);
  return TRUE;
}

}  // namespace

ULONG DmasimDriverEntry(PVOID Argument1, PVOID Argument2) {
  VIDEO_HW_INITIALIZATION_DATA init{};
  init.HwInitDataSize = sizeof(init);
  init.HwFindAdapter = HwVidFindAdapter;
  init.HwInitialize = HwVidInitialize;
  init.HwInterrupt = HwVidInterrupt;
  init.HwStartIO = HwVidStartIO;
  init.HwTimer = HwVidTimer;
  init.HwDeviceExtensionSize = sizeof(HW_DEVICE_EXTENSION);
  return VideoPortInitialize(Argument1, Argument2, &init, nullptr);
}
