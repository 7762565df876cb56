// Register map and descriptor format of the dmasim DMA engine. One header shared by the TLM
// engine, the RTL bridge and the miniport: change it and all three follow.
//
// BAR0 holds one 0x100-byte block per channel followed by a global block.
// Per channel (base = ch * DMA_CH_STRIDE):
//   0x00 DMA_CTRL        RW  bit0 IRQ_EN (completion/error MSI enabled), bit1 RESET (W,
//                            self-clearing; ignored while BUSY), bit2 ABORT (W, self-clearing:
//                            stops a BUSY channel at once, with no status and no MSI; only
//                            engines that report DMA_CAPS_ABORT)
//   0x04 DMA_STATUS      RO  bit0 BUSY, bit1 DONE (last run completed), bit2 ERROR, bit3 PENDING
//                            (an aborted run's bus transactions are still outstanding: until it
//                            clears the device may still write host memory for that run, as
//                            PCIe's Device Status "Transactions Pending")
//   0x08 DMA_DESC_LO     RW  logical address of the descriptor array, low 32 bits (32-byte aligned)
//   0x0C DMA_DESC_HI     RW  high 32 bits
//   0x10 DMA_DESC_COUNT  RW  descriptors in the array (1..DMA_MAX_DESCRIPTORS)
//   0x14 DMA_DOORBELL    WO  any write starts the channel (ignored while BUSY)
//   0x18 DMA_INT_STATUS  RW1C bit0 DONE, bit1 ERROR
//   0x1C DMA_ERROR       RO  error code of the last failed run (DMA_ERR_*)
//   0x20 DMA_BYTES_LO    RO  bytes moved by the last run, low 32 bits
//   0x24 DMA_BYTES_HI    RO  high 32 bits
// Global (base = DMA_GLOBAL):
//   0x00 DMA_ID          RO  DMA_ID_VALUE
//   0x04 DMA_CHANNELS    RO  number of channels
//   0x08 DMA_MSI_ADDR_LO RW  MSI message address (written by the platform, as PCI config would)
//   0x0C DMA_MSI_ADDR_HI RW
//   0x10 DMA_MSI_DATA    RW  MSI message data
//   0x14 DMA_CAPS        RO  bit0 ADDR64: the engine drives 64-bit host addresses (else 32)
//                            bit1 ABORT: DMA_CTRL_ABORT is implemented
#pragma once

#include <cstdint>

namespace dmasim {

constexpr std::uint32_t DMA_CH_STRIDE = 0x100;
constexpr std::uint32_t DMA_CTRL = 0x00;
constexpr std::uint32_t DMA_STATUS = 0x04;
constexpr std::uint32_t DMA_DESC_LO = 0x08;
constexpr std::uint32_t DMA_DESC_HI = 0x0C;
constexpr std::uint32_t DMA_DESC_COUNT = 0x10;
constexpr std::uint32_t DMA_DOORBELL = 0x14;
constexpr std::uint32_t DMA_INT_STATUS = 0x18;
constexpr std::uint32_t DMA_ERROR = 0x1C;
constexpr std::uint32_t DMA_BYTES_LO = 0x20;
constexpr std::uint32_t DMA_BYTES_HI = 0x24;

constexpr std::uint32_t DMA_GLOBAL = 0x800;
constexpr std::uint32_t DMA_ID = 0x00;
constexpr std::uint32_t DMA_CHANNELS = 0x04;
constexpr std::uint32_t DMA_MSI_ADDR_LO = 0x08;
constexpr std::uint32_t DMA_MSI_ADDR_HI = 0x0C;
constexpr std::uint32_t DMA_MSI_DATA = 0x10;
constexpr std::uint32_t DMA_CAPS = 0x14;
constexpr std::uint32_t DMA_CAPS_ADDR64 = 1u << 0;
constexpr std::uint32_t DMA_CAPS_ABORT = 1u << 1;
constexpr std::uint32_t DMA_BAR0_SIZE = 0x1000;

constexpr std::uint32_t DMA_ID_VALUE = 0xD3A5'0001;

constexpr std::uint32_t DMA_CTRL_IRQ_EN = 1u << 0;
constexpr std::uint32_t DMA_CTRL_RESET = 1u << 1;
constexpr std::uint32_t DMA_CTRL_ABORT = 1u << 2;
constexpr std::uint32_t DMA_STATUS_BUSY = 1u << 0;
constexpr std::uint32_t DMA_STATUS_DONE = 1u << 1;
constexpr std::uint32_t DMA_STATUS_ERROR = 1u << 2;
constexpr std::uint32_t DMA_STATUS_PENDING = 1u << 3;
constexpr std::uint32_t DMA_INT_DONE = 1u << 0;
constexpr std::uint32_t DMA_INT_ERROR = 1u << 1;

constexpr std::uint32_t DMA_ERR_NONE = 0;
constexpr std::uint32_t DMA_ERR_DESC_FETCH = 1;  // bus error reading the descriptor array
constexpr std::uint32_t DMA_ERR_HOST_READ = 2;   // bus error reading host memory
constexpr std::uint32_t DMA_ERR_HOST_WRITE = 3;  // bus error writing host memory
constexpr std::uint32_t DMA_ERR_VRAM_RANGE = 4;  // descriptor points outside VRAM
constexpr std::uint32_t DMA_ERR_BAD_DESC = 5;    // zero length, bad count or reserved bits set
constexpr std::uint32_t DMA_ERR_ADDRESS = 6;     // a host address the engine cannot drive

constexpr std::uint32_t DMA_MAX_DESCRIPTORS = 4096;

// One scatter/gather element, little-endian in host memory, 32 bytes.
struct DmaDescriptor {
  std::uint64_t host_addr;  // logical (bus) address of the host side
  std::uint64_t vram_addr;  // byte address in device VRAM
  std::uint32_t length;     // bytes, 1..DMA_DESC_MAX_LENGTH
  std::uint32_t control;    // DMA_DESC_*
  std::uint64_t reserved;   // must be zero
};
static_assert(sizeof(DmaDescriptor) == 32, "descriptor layout is part of the contract");

constexpr std::uint32_t DMA_DESC_FROM_DEVICE = 1u << 0;  // VRAM -> host (else host -> VRAM)
constexpr std::uint32_t DMA_DESC_CONTROL_MASK = DMA_DESC_FROM_DEVICE;
constexpr std::uint32_t DMA_DESC_MAX_LENGTH = 1u << 24;

}  // namespace dmasim
