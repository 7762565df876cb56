#include "firmware/miniport/injections.h"

namespace dmasim {

const std::vector<Injection>& driver_injections() {
  static const std::vector<Injection> all = {
      {"complete-in-isr", "DV_IRQL", "the ISR calls VideoPortCompleteDma at DIRQL"},
      {"lock-at-dispatch", "DV_IRQL", "VideoPortLockBuffer from a DISPATCH_LEVEL routine"},
      {"complete-twice", "DV_COMPLETE_TWICE", "the DPC completes each scatter/gather list twice"},
      {"complete-without-start", "DV_COMPLETE_WITHOUT_START",
       "the DPC completes a list StartDma never returned"},
      {"leak-map-registers", "DV_MAP_REGISTERS_LEAKED",
       "a request's last list is completed only when the next one starts: the final one never"},
      {"leak-common-buffer", "DV_COMMON_BUFFER_LEAKED",
       "shutdown puts the adapter back without releasing its common buffer"},
      {"exceed-map-registers", "DV_MAP_REGISTERS_EXCEEDED",
       "a second StartDma while the first holds every map register"},
      {"unlock-during-dma", "DV_UNLOCK_DURING_DMA", "the buffer is unlocked right after StartDma"},
      {"sg-after-complete", "DV_SG_LIST_USED_AFTER_COMPLETE",
       "the next chunk is programmed from the previous, completed list"},
      {"descriptor-overrun", "DV_DEVICE_ACCESS_UNMAPPED",
       "the last descriptor of a chunk runs one page past its element"},
      {"context-pageable", "DV_CONTEXT_PAGEABLE", "StartDma's Context points to the stack"},
  };
  return all;
}

const std::vector<Injection>& hw_injections() {
  static const std::vector<Injection> all = {
      {"read-error", "recovered", "the bus answers the run's first host read with an error"},
      {"write-error", "recovered", "the bus answers the run's first host write with an error"},
      {"persistent-read-error", "request fails",
       "every host read from that run on fails: the retries run out"},
      {"lost-interrupt", "recovered", "the run's completion MSI never arrives (watchdog polls)"},
      {"spurious-interrupt", "ignored", "an MSI with no status bit set when the run starts"},
      {"engine-hang", "recovered",
       "the run stops after its first burst, busy for good (watchdog aborts, retries)"},
      {"iommu-fault", "recovered",
       "StartDma K's first page is mapped without access rights (needs --iommu on)"},
      {"bad-descriptor", "recovered",
       "the run's first descriptor arrives with a host address nothing is mapped at"},
  };
  return all;
}

const Injection* find_hw_injection(const std::string& name) {
  for (const Injection& i : hw_injections())
    if (name == i.name) return &i;
  return nullptr;
}

const Injection* find_driver_injection(const std::string& name) {
  for (const Injection& i : driver_injections())
    if (name == i.name) return &i;
  return nullptr;
}

}  // namespace dmasim
