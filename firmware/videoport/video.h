// The video port driver's interface to a miniport: the WDK (video.h) names, types and prototypes
// of the packet-based bus-master DMA subset, plus what a miniport needs around it (initialization
// table, request packets, register access, events, DPCs). A miniport includes only this header;
// there is no SystemC in it. Behaviour follows the WDK documentation; see firmware/videoport/.
#pragma once

#include <cstdint>

// Base types (ntdef.h).
typedef void VOID;
typedef void* PVOID;
typedef std::uint8_t UCHAR;
typedef UCHAR* PUCHAR;
typedef UCHAR BOOLEAN;
typedef BOOLEAN* PBOOLEAN;
typedef std::uint16_t USHORT;
typedef std::uint32_t ULONG;
typedef ULONG* PULONG;
typedef std::int32_t LONG;
typedef std::int64_t LONGLONG;
typedef std::uint64_t ULONGLONG;
typedef std::uintptr_t ULONG_PTR;
typedef wchar_t* PWSTR;
#ifndef TRUE
#define TRUE 1
#define FALSE 0
#endif

typedef union _LARGE_INTEGER {
  struct {
    ULONG LowPart;
    LONG HighPart;
  } u;
  LONGLONG QuadPart;
} LARGE_INTEGER, *PLARGE_INTEGER;
typedef LARGE_INTEGER PHYSICAL_ADDRESS, *PPHYSICAL_ADDRESS;

// Status codes (winerror.h values, as video.h uses them).
typedef LONG VP_STATUS;
typedef VP_STATUS* PVP_STATUS;
#define NO_ERROR 0L
#define ERROR_INVALID_FUNCTION 1L
#define ERROR_NOT_ENOUGH_MEMORY 8L
#define ERROR_DEV_NOT_EXIST 55L
#define ERROR_INVALID_PARAMETER 87L
#define ERROR_MORE_DATA 234L
#define ERROR_IO_PENDING 997L
#define ERROR_IO_DEVICE 1117L
#define ERROR_TIMEOUT 1460L

// DMA.
typedef struct _VP_DMA_ADAPTER* PVP_DMA_ADAPTER;  // opaque: owned by the video port

typedef struct _VP_DEVICE_DESCRIPTION {
  BOOLEAN ScatterGather;
  BOOLEAN Dma32BitAddresses;
  BOOLEAN Dma64BitAddresses;
  ULONG MaximumLength;
} VP_DEVICE_DESCRIPTION, *PVP_DEVICE_DESCRIPTION;

typedef struct _VP_SCATTER_GATHER_ELEMENT {
  PHYSICAL_ADDRESS Address;  // logical address, as the device must use it
  ULONG Length;
  ULONG_PTR Reserved;
} VP_SCATTER_GATHER_ELEMENT, *PVP_SCATTER_GATHER_ELEMENT;

typedef struct _VP_SCATTER_GATHER_LIST {
  ULONG NumberOfElements;
  ULONG_PTR Reserved;
  VP_SCATTER_GATHER_ELEMENT Elements[1];  // ANYSIZE_ARRAY
} VP_SCATTER_GATHER_LIST, *PVP_SCATTER_GATHER_LIST;

typedef enum _VP_LOCK_OPERATION {
  VpReadAccess,   // the device reads the buffer (transfer to the device)
  VpWriteAccess,  // the device writes the buffer (transfer from the device)
  VpModifyAccess
} VP_LOCK_OPERATION;

typedef VOID (*PEXECUTE_DMA)(PVOID HwDeviceExtension, PVP_DMA_ADAPTER VpDmaAdapter,
                             PVP_SCATTER_GATHER_LIST SGList, PVOID Context);
typedef VOID (*PMINIPORT_DPC_ROUTINE)(PVOID HwDeviceExtension, PVOID Context);

// Requests from the display driver (IOCTLs), delivered to HwVidStartIO.
typedef struct _STATUS_BLOCK {
  union {
    VP_STATUS Status;
    PVOID Pointer;
  };
  ULONG_PTR Information;
} STATUS_BLOCK, *PSTATUS_BLOCK;

typedef struct _VIDEO_REQUEST_PACKET {
  ULONG IoControlCode;
  PSTATUS_BLOCK StatusBlock;
  PVOID InputBuffer;
  ULONG InputBufferLength;
  PVOID OutputBuffer;
  ULONG OutputBufferLength;
} VIDEO_REQUEST_PACKET, *PVIDEO_REQUEST_PACKET;

// Hardware resources and initialization.
typedef struct _VIDEO_ACCESS_RANGE {
  PHYSICAL_ADDRESS RangeStart;
  ULONG RangeLength;
  UCHAR RangeInIoSpace;
  UCHAR RangeVisible;
  UCHAR RangeShareable;
  UCHAR RangePassive;
} VIDEO_ACCESS_RANGE, *PVIDEO_ACCESS_RANGE;

typedef struct _VIDEO_PORT_CONFIG_INFO {
  ULONG Length;
  ULONG SystemIoBusNumber;
  ULONG BusInterruptLevel;
  ULONG BusInterruptVector;
} VIDEO_PORT_CONFIG_INFO, *PVIDEO_PORT_CONFIG_INFO;

typedef VP_STATUS (*PVIDEO_HW_FIND_ADAPTER)(PVOID HwDeviceExtension, PVOID HwContext,
                                            PWSTR ArgumentString,
                                            PVIDEO_PORT_CONFIG_INFO ConfigInfo, PUCHAR Again);
typedef BOOLEAN (*PVIDEO_HW_INITIALIZE)(PVOID HwDeviceExtension);
typedef BOOLEAN (*PVIDEO_HW_INTERRUPT)(PVOID HwDeviceExtension);
typedef BOOLEAN (*PVIDEO_HW_START_IO)(PVOID HwDeviceExtension, PVIDEO_REQUEST_PACKET RequestPacket);
typedef VOID (*PVIDEO_HW_TIMER)(PVOID HwDeviceExtension);

typedef struct _VIDEO_HW_INITIALIZATION_DATA {
  ULONG HwInitDataSize;
  PVIDEO_HW_FIND_ADAPTER HwFindAdapter;
  PVIDEO_HW_INITIALIZE HwInitialize;
  PVIDEO_HW_INTERRUPT HwInterrupt;
  PVIDEO_HW_START_IO HwStartIO;
  ULONG HwDeviceExtensionSize;
  PVIDEO_HW_TIMER HwTimer;  // optional; called about once a second after VideoPortStartTimer
} VIDEO_HW_INITIALIZATION_DATA, *PVIDEO_HW_INITIALIZATION_DATA;

typedef enum VIDEO_SYNCHRONIZE_PRIORITY {
  VpLowPriority,     // runs at the caller's IRQL
  VpMediumPriority,  // runs at DISPATCH_LEVEL
  VpHighPriority     // runs at the device's DIRQL: synchronized with HwVidInterrupt
} VIDEO_SYNCHRONIZE_PRIORITY;
typedef BOOLEAN (*PMINIPORT_SYNCHRONIZE_ROUTINE)(PVOID Context);

typedef VP_STATUS (*PMINIPORT_GET_REGISTRY_ROUTINE)(PVOID HwDeviceExtension, PVOID Context,
                                                    PWSTR ValueName, PVOID ValueData,
                                                    ULONG ValueLength);

typedef struct _VIDEO_PORT_EVENT* PEVENT;  // opaque
#define NOTIFICATION_EVENT 0x1
#define INITIAL_EVENT_SIGNALED 0x2

// IOCTL codes: a device-specific range, as a miniport would define its private ones.
#define IOCTL_VIDEO_DMASIM_TRANSFER 0x23F000UL
#define IOCTL_VIDEO_DMASIM_SHUTDOWN 0x23F004UL  // no more DMA: release everything (step 6)

// Prototypes.
ULONG VideoPortInitialize(PVOID Argument1, PVOID Argument2,
                          PVIDEO_HW_INITIALIZATION_DATA HwInitializationData, PVOID HwContext);
VP_STATUS VideoPortGetAccessRanges(PVOID HwDeviceExtension, ULONG NumRequestedResources,
                                   PVOID RequestedResources, ULONG NumAccessRanges,
                                   PVIDEO_ACCESS_RANGE AccessRanges, PVOID VendorId, PVOID DeviceId,
                                   PULONG Slot);
PVOID VideoPortGetDeviceBase(PVOID HwDeviceExtension, PHYSICAL_ADDRESS IoAddress,
                             ULONG NumberOfUchars, UCHAR InIoSpace);
ULONG VideoPortReadRegisterUlong(PULONG Register);
VOID VideoPortWriteRegisterUlong(PULONG Register, ULONG Value);
UCHAR VideoPortGetCurrentIrql();
// Records an error in the system event log (here: counted, and listed in the results).
VOID VideoPortLogError(PVOID HwDeviceExtension, PVIDEO_REQUEST_PACKET Vrp, VP_STATUS ErrorCode,
                       ULONG UniqueId);
// Reads the device's registry value ParameterName and hands it (a NUL-terminated wide string)
// to GetRegistryRoutine; ERROR_INVALID_PARAMETER if there is no such value.
VP_STATUS VideoPortGetRegistryParameters(PVOID HwDeviceExtension, PWSTR ParameterName,
                                         UCHAR IsParameterFileName,
                                         PMINIPORT_GET_REGISTRY_ROUTINE GetRegistryRoutine,
                                         PVOID HwContext);

PVP_DMA_ADAPTER VideoPortGetDmaAdapter(PVOID HwDeviceExtension,
                                       PVP_DEVICE_DESCRIPTION VpDeviceDescription);
VOID VideoPortPutDmaAdapter(PVOID HwDeviceExtension, PVP_DMA_ADAPTER VpDmaAdapter);
PVOID VideoPortLockBuffer(PVOID HwDeviceExtension, PVOID BaseAddress, ULONG Length,
                          VP_LOCK_OPERATION Operation);
VOID VideoPortUnlockBuffer(PVOID HwDeviceExtension, PVOID Mdl);
VP_STATUS VideoPortStartDma(PVOID HwDeviceExtension, PVP_DMA_ADAPTER VpDmaAdapter, PVOID Mdl,
                            ULONG Offset, PULONG pLength, PEXECUTE_DMA ExecuteDmaRoutine,
                            PVOID Context, BOOLEAN WriteToDevice);
VP_STATUS VideoPortCompleteDma(PVOID HwDeviceExtension, PVP_DMA_ADAPTER VpDmaAdapter,
                               PVP_SCATTER_GATHER_LIST VpScatterGather, BOOLEAN WriteToDevice);
PVOID VideoPortAllocateCommonBuffer(PVOID HwDeviceExtension, PVP_DMA_ADAPTER VpDmaAdapter,
                                    ULONG DesiredLength, PPHYSICAL_ADDRESS LogicalAddress,
                                    BOOLEAN CacheEnabled, PVOID Reserved);
VOID VideoPortReleaseCommonBuffer(PVOID HwDeviceExtension, PVP_DMA_ADAPTER VpDmaAdapter,
                                  ULONG Length, PHYSICAL_ADDRESS LogicalAddress,
                                  PVOID VirtualAddress, BOOLEAN CacheEnabled);
BOOLEAN VideoPortQueueDpc(PVOID HwDeviceExtension, PMINIPORT_DPC_ROUTINE CallbackRoutine,
                          PVOID Context);
// HwVidTimer runs at DISPATCH_LEVEL about once a second (an I/O timer) between these two calls,
// which HwVidTimer itself must not make. IRQL <= DISPATCH_LEVEL.
VOID VideoPortStartTimer(PVOID HwDeviceExtension);
VOID VideoPortStopTimer(PVOID HwDeviceExtension);
BOOLEAN VideoPortSynchronizeExecution(PVOID HwDeviceExtension, VIDEO_SYNCHRONIZE_PRIORITY Priority,
                                      PMINIPORT_SYNCHRONIZE_ROUTINE SynchronizeRoutine,
                                      PVOID Context);

VP_STATUS VideoPortCreateEvent(PVOID HwDeviceExtension, ULONG EventFlag, PVOID Unused,
                               PEVENT* ppEvent);
VP_STATUS VideoPortDeleteEvent(PVOID HwDeviceExtension, PEVENT pEvent);
LONG VideoPortSetEvent(PVOID HwDeviceExtension, PEVENT pEvent);
VOID VideoPortClearEvent(PVOID HwDeviceExtension, PEVENT pEvent);
VP_STATUS VideoPortWaitForSingleObject(PVOID HwDeviceExtension, PVOID Object,
                                       PLARGE_INTEGER Timeout);
