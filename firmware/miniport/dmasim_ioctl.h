// The private IOCTL between the display driver and a dmasim miniport: move Length bytes between
// the display driver's buffer and VRAM. Completes only when the whole request has moved.
#pragma once

#include "firmware/videoport/video.h"

typedef struct _DMASIM_TRANSFER {
  PVOID Buffer;           // virtual address in the display driver's address space
  ULONG Length;           // bytes
  BOOLEAN ToDevice;       // TRUE: buffer -> VRAM; FALSE: VRAM -> buffer
  ULONGLONG VramAddress;  // device-side byte address
  ULONG Channel;          // DMA channel (one adapter object per channel): 0 or 1
} DMASIM_TRANSFER, *PDMASIM_TRANSFER;
