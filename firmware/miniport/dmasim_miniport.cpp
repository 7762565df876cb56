// The shipped miniport for the dmasim DMA engine: packet-based bus-master DMA in the six steps of
// the WDK ("Packet-Based Bus-Master DMA"), written only against video.h and the register map.
// A request loops StartDma -> interrupt -> ISR -> DPC -> CompleteDma until *pLength has covered
// it; only then is the display driver told it is done (an idle engine between chunks is not).
#include <cstring>

#include "firmware/miniport/dmasim_ioctl.h"
#include "firmware/videoport/video.h"
#include "models/dma_regs.h"

namespace {

using namespace dmasim;  // register map names

// Large enough that the platform's map-register limit, not this, decides the chunk size.
constexpr ULONG kMaximumLength = 16u << 20;
constexpr ULONG kMaxDescriptors = (kMaximumLength >> 12) + 1;

struct HW_DEVICE_EXTENSION {
  PUCHAR Registers;  // BAR0, mapped
  PVP_DMA_ADAPTER DmaAdapter;
  DmaDescriptor* Descriptors;  // common buffer
  PHYSICAL_ADDRESS DescriptorsLogical;
  PEVENT RequestDone;
  // The request in flight (nonpaged: it is the Context of StartDma).
  PVOID Mdl;
  PUCHAR Buffer;
  ULONG Length;
  ULONG Transferred;
  ULONG ChunkLength;  // *pLength of the StartDma in flight
  ULONGLONG VramAddress;
  BOOLEAN ToDevice;
  PVP_SCATTER_GATHER_LIST ScatterGather;
  ULONG InterruptStatus;  // latched by the ISR for the DPC
  VP_STATUS Status;
};

PULONG Reg(HW_DEVICE_EXTENSION* ext, ULONG offset) {
  return reinterpret_cast<PULONG>(ext->Registers + offset);
}

VOID HwVidExecuteDma(PVOID HwDeviceExtension, PVP_DMA_ADAPTER, PVP_SCATTER_GATHER_LIST SGList,
                     PVOID Context) {
  auto* ext = static_cast<HW_DEVICE_EXTENSION*>(Context);
  (void)HwDeviceExtension;
  ext->ScatterGather = SGList;
  ULONGLONG vram = ext->VramAddress + ext->Transferred;
  for (ULONG i = 0; i < SGList->NumberOfElements; ++i) {
    DmaDescriptor& d = ext->Descriptors[i];
    d.host_addr = static_cast<ULONGLONG>(SGList->Elements[i].Address.QuadPart);
    d.vram_addr = vram;
    d.length = SGList->Elements[i].Length;
    d.control = ext->ToDevice ? 0 : DMA_DESC_FROM_DEVICE;
    d.reserved = 0;
    vram += d.length;
  }
  const auto la = static_cast<ULONGLONG>(ext->DescriptorsLogical.QuadPart);
  VideoPortWriteRegisterUlong(Reg(ext, DMA_DESC_LO), static_cast<ULONG>(la));
  VideoPortWriteRegisterUlong(Reg(ext, DMA_DESC_HI), static_cast<ULONG>(la >> 32));
  VideoPortWriteRegisterUlong(Reg(ext, DMA_DESC_COUNT), SGList->NumberOfElements);
  VideoPortWriteRegisterUlong(Reg(ext, DMA_DOORBELL), 1);
}

VP_STATUS StartChunk(HW_DEVICE_EXTENSION* ext) {
  ext->ChunkLength = ext->Length - ext->Transferred;
  return VideoPortStartDma(ext, ext->DmaAdapter, ext->Mdl, ext->Transferred, &ext->ChunkLength,
                           HwVidExecuteDma, ext, ext->ToDevice);
}

VOID DmaDpc(PVOID HwDeviceExtension, PVOID) {
  auto* ext = static_cast<HW_DEVICE_EXTENSION*>(HwDeviceExtension);
  const ULONG status = ext->InterruptStatus;
  ext->InterruptStatus = 0;
  if (!ext->ScatterGather) return;  // nothing in flight: a spurious completion
  VideoPortCompleteDma(ext, ext->DmaAdapter, ext->ScatterGather, ext->ToDevice);
  ext->ScatterGather = nullptr;
  if (status & DMA_INT_ERROR) {
    ext->Status = ERROR_IO_DEVICE;
  } else {
    ext->Transferred += ext->ChunkLength;
    if (ext->Transferred < ext->Length) {
      ext->Status = StartChunk(ext);
      if (ext->Status == NO_ERROR) return;  // more to move: the request is not done
    } else {
      ext->Status = NO_ERROR;
    }
  }
  VideoPortSetEvent(ext, ext->RequestDone);
}

BOOLEAN HwVidInterrupt(PVOID HwDeviceExtension) {
  auto* ext = static_cast<HW_DEVICE_EXTENSION*>(HwDeviceExtension);
  const ULONG status = VideoPortReadRegisterUlong(Reg(ext, DMA_INT_STATUS));
  if (status == 0 || status == 0xFFFFFFFFu) return FALSE;         // not ours
  VideoPortWriteRegisterUlong(Reg(ext, DMA_INT_STATUS), status);  // W1C: acknowledge
  ext->InterruptStatus |= status;
  VideoPortQueueDpc(ext, DmaDpc, nullptr);  // CompleteDma is not legal at DIRQL
  return TRUE;
}

BOOLEAN HwVidStartIO(PVOID HwDeviceExtension, PVIDEO_REQUEST_PACKET rp) {
  auto* ext = static_cast<HW_DEVICE_EXTENSION*>(HwDeviceExtension);
  if (rp->IoControlCode != IOCTL_VIDEO_DMASIM_TRANSFER ||
      rp->InputBufferLength < sizeof(DMASIM_TRANSFER)) {
    rp->StatusBlock->Status = ERROR_INVALID_FUNCTION;
    return TRUE;
  }
  const auto* req = static_cast<const DMASIM_TRANSFER*>(rp->InputBuffer);
  if (req->Length == 0) {
    rp->StatusBlock->Status = ERROR_INVALID_PARAMETER;
    return TRUE;
  }
  // Step 2: lock the buffer.
  ext->Mdl = VideoPortLockBuffer(ext, req->Buffer, req->Length,
                                 req->ToDevice ? VpReadAccess : VpWriteAccess);
  if (!ext->Mdl) {
    rp->StatusBlock->Status = ERROR_INVALID_PARAMETER;
    return TRUE;
  }
  ext->Buffer = static_cast<PUCHAR>(req->Buffer);
  ext->Length = req->Length;
  ext->Transferred = 0;
  ext->VramAddress = req->VramAddress;
  ext->ToDevice = req->ToDevice;
  VideoPortClearEvent(ext, ext->RequestDone);
  // Steps 3-4: the first chunk from here, the rest from the DPC.
  ext->Status = StartChunk(ext);
  if (ext->Status == NO_ERROR) VideoPortWaitForSingleObject(ext, ext->RequestDone, nullptr);
  // Step 5: unlock, then tell the display driver the whole request is done.
  VideoPortUnlockBuffer(ext, ext->Mdl);
  ext->Mdl = nullptr;
  rp->StatusBlock->Status = ext->Status;
  rp->StatusBlock->Information = ext->Transferred;
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
  // Step 1: report the DMA capabilities and get the adapter object.
  VP_DEVICE_DESCRIPTION desc{};
  desc.ScatterGather = TRUE;
  desc.Dma32BitAddresses = TRUE;
  desc.Dma64BitAddresses = TRUE;
  desc.MaximumLength = kMaximumLength;
  ext->DmaAdapter = VideoPortGetDmaAdapter(ext, &desc);
  if (!ext->DmaAdapter) return ERROR_NOT_ENOUGH_MEMORY;
  ext->Descriptors = static_cast<DmaDescriptor*>(
      VideoPortAllocateCommonBuffer(ext, ext->DmaAdapter, kMaxDescriptors * sizeof(DmaDescriptor),
                                    &ext->DescriptorsLogical, FALSE, nullptr));
  if (!ext->Descriptors) return ERROR_NOT_ENOUGH_MEMORY;
  return VideoPortCreateEvent(ext, 0, nullptr, &ext->RequestDone);
}

BOOLEAN HwVidInitialize(PVOID HwDeviceExtension) {
  auto* ext = static_cast<HW_DEVICE_EXTENSION*>(HwDeviceExtension);
  VideoPortWriteRegisterUlong(Reg(ext, DMA_CTRL), DMA_CTRL_RESET | DMA_CTRL_IRQ_EN);
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
  init.HwDeviceExtensionSize = sizeof(HW_DEVICE_EXTENSION);
  return VideoPortInitialize(Argument1, Argument2, &init, nullptr);
}
