#include "firmware/miniport/miniports.h"

ULONG DmasimDriverEntry(PVOID Argument1, PVOID Argument2);
ULONG ExampleDriverEntry(PVOID Argument1, PVOID Argument2);

namespace dmasim {

const std::vector<MiniportEntry>& miniports() {
  static const std::vector<MiniportEntry> all = {
      {"dmasim",
       DmasimDriverEntry,
       "the shipped miniport: one adapter per channel, interrupt-driven chunk loop",
       {"complete-in-isr", "lock-at-dispatch", "complete-twice", "complete-without-start",
        "leak-map-registers", "leak-common-buffer", "exceed-map-registers", "unlock-during-dma",
        "sg-after-complete", "descriptor-overrun", "context-pageable"}},
      {"example",
       ExampleDriverEntry,
       "64 KiB MaximumLength -> 17 map registers; channel 0 only",
       {}},
  };
  return all;
}

const MiniportEntry* find_miniport(const std::string& name) {
  for (const MiniportEntry& m : miniports())
    if (name == m.name) return &m;
  return nullptr;
}

bool implements(const MiniportEntry& miniport, const std::string& driver_injection) {
  for (const std::string& name : miniport.driver_injections)
    if (name == driver_injection) return true;
  return false;
}

}  // namespace dmasim
