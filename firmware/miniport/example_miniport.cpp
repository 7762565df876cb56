// "example": a second, independent miniport for the dmasim DMA engine, written only against the
// public contract: firmware/videoport/video.h (the WDK names), models/dma_regs.h (the device's
// register map) and firmware/miniport/dmasim_ioctl.h (the display driver's transfer IOCTL).
// It follows the six steps of the WDK's "Packet-Based Bus-Master DMA" and the rules of "Points to
// Consider When Using DMA", and differs from the shipped miniport where the contract leaves room:
//
//  - It reports a small MaximumLength (64 KiB), so its adapter gets BYTES_TO_PAGES(65536) + 1 = 17
//    map registers (fewer if the platform grants fewer) and a large request takes many chunks.
//  - It programs the engine's registers only from VideoPortSynchronizeExecution(VpHighPriority)
//    routines, i.e. at DIRQL and synchronized with its ISR, and takes the status the ISR latched
//    the same way; the ISR only acknowledges the device and queues the DPC.
//  - It serves channel 0 only; each chunk's byte count is checked against the engine's
//    DMA_BYTES registers and against *pLength before the request moves on.
//
// The request completes to the display driver only when completed chunks cover its whole length:
// the engine is idle between chunks, and that alone means nothing.
#include "firmware/miniport/dmasim_ioctl.h"
#include "firmware/videoport/video.h"
#include "models/dma_regs.h"

namespace {

using dmasim::DmaDescriptor;

constexpr ULONG kPageSize = 0x1000;  // x86/x64
// The most this adapter moves in one DMA operation, as reported in VP_DEVICE_DESCRIPTION.
constexpr ULONG kMaximumLength = 64 * 1024;
// Map registers the video port can grant for kMaximumLength at any page offset
// (BYTES_TO_PAGES(MaximumLength) + 1). A scatter/gather list never has more elements than the
// map registers it uses, so this many descriptors always suffice.
constexpr ULONG kMaxElements = (kMaximumLength + kPageSize - 1) / kPageSize + 1;
constexpr ULONG kChannel = 0;  // the one channel this miniport drives
constexpr ULONG kChannelBase = kChannel * dmasim::DMA_CH_STRIDE;
constexpr ULONG kInterruptBits = dmasim::DMA_INT_DONE | dmasim::DMA_INT_ERROR;

// The hardware device extension: nonpaged, zeroed by the video port, and the only place request
// state lives. It is the Context of VideoPortStartDma and holds the *pLength variable.
struct EXAMPLE_DEVICE_EXTENSION {
  PUCHAR Bar0;  // mapped register block
  PVP_DMA_ADAPTER DmaAdapter;
  DmaDescriptor* Descriptors;  // common buffer of kMaxElements descriptors
  PHYSICAL_ADDRESS DescriptorsLogical;
  PEVENT TransferDone;  // notification event: set by the DPC when the request is over

  // The request in flight.
  BOOLEAN Busy;  // one request at a time: the channel has one descriptor array
  PVOID Mdl;
  ULONG Length;        // bytes in the request
  ULONG BytesDone;     // bytes covered by completed chunks
  ULONG ChunkLength;   // *pLength of the StartDma in flight
  ULONGLONG VramBase;  // VRAM address of the request's first byte
  BOOLEAN WriteToDevice;
  PVP_SCATTER_GATHER_LIST ScatterGather;  // of the chunk in flight, until CompleteDma
  ULONG DescriptorCount;                  // for the register-programming routine
  BOOLEAN ChunkRejected;                  // HwVidExecuteDma could not program the chunk
  VP_STATUS RequestStatus;
  ULONG LastEngineError;  // DMA_ERROR of the last failed run, for the debugger

  // Shared with the ISR: touched only at DIRQL (ISR or a synchronized routine).
  ULONG LatchedInterrupt;
};

using EXT = EXAMPLE_DEVICE_EXTENSION;

PULONG Register(EXT* ext, ULONG offset) {
  return reinterpret_cast<PULONG>(ext->Bar0 + offset);
}

ULONG ReadChannel(EXT* ext, ULONG reg) {
  return VideoPortReadRegisterUlong(Register(ext, kChannelBase + reg));
}

VOID WriteChannel(EXT* ext, ULONG reg, ULONG value) {
  VideoPortWriteRegisterUlong(Register(ext, kChannelBase + reg), value);
}

// ---- Synchronized with the ISR (run at DIRQL by VideoPortSynchronizeExecution) ----------------

BOOLEAN ResetChannelSynchronized(PVOID Context) {
  auto* ext = static_cast<EXT*>(Context);
  WriteChannel(ext, dmasim::DMA_CTRL, dmasim::DMA_CTRL_RESET);  // interrupts off, state cleared
  WriteChannel(ext, dmasim::DMA_INT_STATUS, kInterruptBits);    // nothing stale left to claim
  ext->LatchedInterrupt = 0;
  WriteChannel(ext, dmasim::DMA_CTRL, dmasim::DMA_CTRL_IRQ_EN);
  return TRUE;
}

BOOLEAN ProgramChannelSynchronized(PVOID Context) {
  auto* ext = static_cast<EXT*>(Context);
  const auto base = static_cast<ULONGLONG>(ext->DescriptorsLogical.QuadPart);
  WriteChannel(ext, dmasim::DMA_DESC_LO, static_cast<ULONG>(base));
  WriteChannel(ext, dmasim::DMA_DESC_HI, static_cast<ULONG>(base >> 32));
  WriteChannel(ext, dmasim::DMA_DESC_COUNT, ext->DescriptorCount);
  WriteChannel(ext, dmasim::DMA_DOORBELL, 1);
  return TRUE;
}

struct TAKE_INTERRUPT {
  EXT* Extension;
  ULONG Status;
};

BOOLEAN TakeInterruptSynchronized(PVOID Context) {
  auto* take = static_cast<TAKE_INTERRUPT*>(Context);
  take->Status = take->Extension->LatchedInterrupt;
  take->Extension->LatchedInterrupt = 0;
  return TRUE;
}

// ---- DMA
// -----------------------------------------------------------------------------------------

VOID ExampleDpc(PVOID HwDeviceExtension, PVOID Context);

// HwVidExecuteDma, at DISPATCH_LEVEL: describe the chunk to the engine and start it. *pLength
// (ChunkLength) is already final here, so the list must cover exactly that many bytes.
VOID ExampleExecuteDma(PVOID HwDeviceExtension, PVP_DMA_ADAPTER, PVP_SCATTER_GATHER_LIST SGList,
                       PVOID Context) {
  auto* ext = static_cast<EXT*>(Context);
  ext->ScatterGather = SGList;
  ULONG covered = 0;
  const bool fits =
      SGList && SGList->NumberOfElements >= 1 && SGList->NumberOfElements <= kMaxElements;
  if (fits) {
    ULONGLONG vram = ext->VramBase + ext->BytesDone;
    for (ULONG i = 0; i < SGList->NumberOfElements; ++i) {
      const VP_SCATTER_GATHER_ELEMENT& e = SGList->Elements[i];
      DmaDescriptor& d = ext->Descriptors[i];
      d.host_addr = static_cast<ULONGLONG>(e.Address.QuadPart);  // logical, never physical
      d.vram_addr = vram;
      d.length = e.Length;
      d.control = ext->WriteToDevice ? 0 : dmasim::DMA_DESC_FROM_DEVICE;
      d.reserved = 0;
      vram += e.Length;
      covered += e.Length;
    }
  }
  if (!fits || covered != ext->ChunkLength) {
    // Not something this device can run: hand the chunk to the DPC, which completes it and fails
    // the request (the DMA functions are legal there; the list must still be released).
    ext->ChunkRejected = TRUE;
    VideoPortQueueDpc(HwDeviceExtension, ExampleDpc, ext);
    return;
  }
  ext->DescriptorCount = SGList->NumberOfElements;
  VideoPortSynchronizeExecution(HwDeviceExtension, VpHighPriority, ProgramChannelSynchronized, ext);
}

// The next chunk: everything not yet moved; VideoPortStartDma clips *pLength to the pages its
// map registers cover.
VP_STATUS StartNextChunk(EXT* ext) {
  ext->ChunkLength = ext->Length - ext->BytesDone;
  ext->ChunkRejected = FALSE;
  return VideoPortStartDma(ext, ext->DmaAdapter, ext->Mdl, ext->BytesDone, &ext->ChunkLength,
                           ExampleExecuteDma, ext, ext->WriteToDevice);
}

VOID FinishRequest(EXT* ext, VP_STATUS status) {
  ext->RequestStatus = status;
  VideoPortSetEvent(ext, ext->TransferDone);
}

// The DPC, at DISPATCH_LEVEL: complete the chunk (VideoPortCompleteDma is not legal in the ISR),
// then start the next one or finish the request.
VOID ExampleDpc(PVOID HwDeviceExtension, PVOID Context) {
  auto* ext = static_cast<EXT*>(Context);
  TAKE_INTERRUPT take{ext, 0};
  VideoPortSynchronizeExecution(HwDeviceExtension, VpHighPriority, TakeInterruptSynchronized,
                                &take);
  if (!ext->ScatterGather) return;                      // no chunk in flight
  if (!ext->ChunkRejected && take.Status == 0) return;  // nothing finished yet
  VideoPortCompleteDma(HwDeviceExtension, ext->DmaAdapter, ext->ScatterGather, ext->WriteToDevice);
  ext->ScatterGather = nullptr;
  if (ext->ChunkRejected) {
    FinishRequest(ext, ERROR_INVALID_PARAMETER);
    return;
  }
  if (take.Status & dmasim::DMA_INT_ERROR) {
    ext->LastEngineError = ReadChannel(ext, dmasim::DMA_ERROR);
    FinishRequest(ext, ERROR_IO_DEVICE);
    return;
  }
  // The engine says how much it moved; it must be the whole chunk.
  const ULONG moved_lo = ReadChannel(ext, dmasim::DMA_BYTES_LO);
  const ULONG moved_hi = ReadChannel(ext, dmasim::DMA_BYTES_HI);
  if (moved_hi != 0 || moved_lo != ext->ChunkLength) {
    FinishRequest(ext, ERROR_IO_DEVICE);
    return;
  }
  ext->BytesDone += ext->ChunkLength;
  if (ext->BytesDone < ext->Length) {
    const VP_STATUS st = StartNextChunk(ext);
    if (st != NO_ERROR) FinishRequest(ext, st);
    return;  // the request goes on: the engine being idle now does not make it done
  }
  FinishRequest(ext, NO_ERROR);
}

// ---- Entry points ----------------------------------------------------------------------------

// HwVidInterrupt, at DIRQL: claim and acknowledge the device's interrupt, leave the rest to the
// DPC. No DMA functions here.
BOOLEAN ExampleInterrupt(PVOID HwDeviceExtension) {
  auto* ext = static_cast<EXT*>(HwDeviceExtension);
  const ULONG raw = ReadChannel(ext, dmasim::DMA_INT_STATUS);
  if (raw == 0xFFFFFFFFu) return FALSE;  // the device does not answer: not ours to claim
  const ULONG status = raw & kInterruptBits;
  if (status == 0) return FALSE;                      // not this device
  WriteChannel(ext, dmasim::DMA_INT_STATUS, status);  // W1C: acknowledge
  ext->LatchedInterrupt |= status;
  VideoPortQueueDpc(ext, ExampleDpc, ext);
  return TRUE;
}

// One transfer, at PASSIVE_LEVEL: lock, loop the chunks (driven by the DPC), unlock.
VP_STATUS Transfer(EXT* ext, const DMASIM_TRANSFER& req, ULONG_PTR* information) {
  // Step 2: probe and lock the buffer. The device reads it for a transfer to the device.
  ext->Mdl =
      VideoPortLockBuffer(ext, req.Buffer, req.Length, req.ToDevice ? VpReadAccess : VpWriteAccess);
  if (!ext->Mdl) return ERROR_INVALID_PARAMETER;
  ext->Length = req.Length;
  ext->BytesDone = 0;
  ext->VramBase = req.VramAddress;
  ext->WriteToDevice = req.ToDevice ? TRUE : FALSE;
  ext->RequestStatus = ERROR_IO_PENDING;
  VideoPortClearEvent(ext, ext->TransferDone);
  // Steps 3-4: the first chunk starts here; each interrupt's DPC completes one and starts the
  // next until the request is covered.
  VP_STATUS status = StartNextChunk(ext);
  if (status == NO_ERROR) {
    VideoPortWaitForSingleObject(ext, ext->TransferDone, nullptr);
    status = ext->RequestStatus;
  }
  if (status == NO_ERROR && ext->BytesDone != ext->Length) status = ERROR_IO_DEVICE;
  // Step 5: unlock, only now that no chunk is in flight.
  VideoPortUnlockBuffer(ext, ext->Mdl);
  ext->Mdl = nullptr;
  *information = ext->BytesDone;
  return status;
}

// HwVidStartIO, at PASSIVE_LEVEL.
BOOLEAN ExampleStartIO(PVOID HwDeviceExtension, PVIDEO_REQUEST_PACKET RequestPacket) {
  auto* ext = static_cast<EXT*>(HwDeviceExtension);
  PSTATUS_BLOCK sb = RequestPacket->StatusBlock;
  sb->Information = 0;
  if (RequestPacket->IoControlCode == IOCTL_VIDEO_DMASIM_SHUTDOWN) {
    // Step 6: no more DMA: release the descriptor ring and discard the adapter object.
    if (ext->Busy) {
      sb->Status = ERROR_IO_PENDING;
      return TRUE;
    }
    if (ext->DmaAdapter) {
      VideoPortReleaseCommonBuffer(ext, ext->DmaAdapter, kMaxElements * sizeof(DmaDescriptor),
                                   ext->DescriptorsLogical, ext->Descriptors, FALSE);
      VideoPortPutDmaAdapter(ext, ext->DmaAdapter);
      VideoPortDeleteEvent(ext, ext->TransferDone);
      ext->Descriptors = nullptr;
      ext->DmaAdapter = nullptr;
      ext->TransferDone = nullptr;
    }
    sb->Status = NO_ERROR;
    return TRUE;
  }
  if (RequestPacket->IoControlCode != IOCTL_VIDEO_DMASIM_TRANSFER) {
    sb->Status = ERROR_INVALID_FUNCTION;
    return TRUE;
  }
  if (!RequestPacket->InputBuffer || RequestPacket->InputBufferLength < sizeof(DMASIM_TRANSFER)) {
    sb->Status = ERROR_INVALID_PARAMETER;
    return TRUE;
  }
  const DMASIM_TRANSFER req = *static_cast<const DMASIM_TRANSFER*>(RequestPacket->InputBuffer);
  if (req.Channel != kChannel || req.Length == 0 || !req.Buffer ||
      req.VramAddress + req.Length < req.VramAddress || ext->Busy) {
    sb->Status = ERROR_INVALID_PARAMETER;
    return TRUE;
  }
  ext->Busy = TRUE;
  ULONG_PTR information = 0;
  sb->Status = Transfer(ext, req, &information);
  sb->Information = information;
  ext->Busy = FALSE;
  return TRUE;
}

// HwVidFindAdapter, at PASSIVE_LEVEL: find the registers, check the device, and do step 1.
VP_STATUS ExampleFindAdapter(PVOID HwDeviceExtension, PVOID, PWSTR, PVIDEO_PORT_CONFIG_INFO,
                             PUCHAR Again) {
  auto* ext = static_cast<EXT*>(HwDeviceExtension);
  *Again = FALSE;
  VIDEO_ACCESS_RANGE range{};
  const VP_STATUS st =
      VideoPortGetAccessRanges(ext, 0, nullptr, 1, &range, nullptr, nullptr, nullptr);
  if (st != NO_ERROR) return st;
  if (range.RangeInIoSpace || range.RangeLength < dmasim::DMA_BAR0_SIZE) return ERROR_DEV_NOT_EXIST;
  ext->Bar0 = static_cast<PUCHAR>(
      VideoPortGetDeviceBase(ext, range.RangeStart, range.RangeLength, range.RangeInIoSpace));
  if (!ext->Bar0) return ERROR_DEV_NOT_EXIST;
  if (VideoPortReadRegisterUlong(Register(ext, dmasim::DMA_GLOBAL + dmasim::DMA_ID)) !=
          dmasim::DMA_ID_VALUE ||
      VideoPortReadRegisterUlong(Register(ext, dmasim::DMA_GLOBAL + dmasim::DMA_CHANNELS)) <=
          kChannel)
    return ERROR_DEV_NOT_EXIST;

  // Step 1: report the DMA capabilities; get the adapter object (one: one channel).
  VP_DEVICE_DESCRIPTION desc{};
  desc.ScatterGather = TRUE;
  desc.Dma32BitAddresses = TRUE;
  desc.Dma64BitAddresses = TRUE;  // descriptors carry 64-bit host addresses
  desc.MaximumLength = kMaximumLength;
  ext->DmaAdapter = VideoPortGetDmaAdapter(ext, &desc);
  if (!ext->DmaAdapter) return ERROR_NOT_ENOUGH_MEMORY;

  constexpr ULONG kRingBytes = kMaxElements * sizeof(DmaDescriptor);
  ext->Descriptors = static_cast<DmaDescriptor*>(VideoPortAllocateCommonBuffer(
      ext, ext->DmaAdapter, kRingBytes, &ext->DescriptorsLogical, FALSE, nullptr));
  VP_STATUS result = NO_ERROR;
  if (!ext->Descriptors) {
    result = ERROR_NOT_ENOUGH_MEMORY;
  } else if (ext->DescriptorsLogical.QuadPart % sizeof(DmaDescriptor) != 0) {
    result = ERROR_DEV_NOT_EXIST;  // the engine needs a 32-byte aligned descriptor array
  } else {
    result = VideoPortCreateEvent(ext, NOTIFICATION_EVENT, nullptr, &ext->TransferDone);
  }
  if (result != NO_ERROR) {  // undo step 1 (step 6) and leave nothing behind
    if (ext->Descriptors)
      VideoPortReleaseCommonBuffer(ext, ext->DmaAdapter, kRingBytes, ext->DescriptorsLogical,
                                   ext->Descriptors, FALSE);
    VideoPortPutDmaAdapter(ext, ext->DmaAdapter);
    ext->Descriptors = nullptr;
    ext->DmaAdapter = nullptr;
  }
  return result;
}

// HwVidInitialize, at PASSIVE_LEVEL: a clean channel with its interrupt enabled.
BOOLEAN ExampleInitialize(PVOID HwDeviceExtension) {
  return VideoPortSynchronizeExecution(HwDeviceExtension, VpHighPriority, ResetChannelSynchronized,
                                       HwDeviceExtension);
}

}  // namespace

ULONG ExampleDriverEntry(PVOID Argument1, PVOID Argument2) {
  VIDEO_HW_INITIALIZATION_DATA init{};
  init.HwInitDataSize = sizeof(VIDEO_HW_INITIALIZATION_DATA);
  init.HwFindAdapter = ExampleFindAdapter;
  init.HwInitialize = ExampleInitialize;
  init.HwInterrupt = ExampleInterrupt;
  init.HwStartIO = ExampleStartIO;
  init.HwDeviceExtensionSize = sizeof(EXAMPLE_DEVICE_EXTENSION);
  return VideoPortInitialize(Argument1, Argument2, &init, nullptr);
}
