#include "firmware/miniport/miniports.h"

ULONG DmasimDriverEntry(PVOID Argument1, PVOID Argument2);
ULONG ExampleDriverEntry(PVOID Argument1, PVOID Argument2);

namespace dmasim {

const std::vector<MiniportEntry>& miniports() {
  static const std::vector<MiniportEntry> all = {
      {"dmasim", DmasimDriverEntry,
       "the shipped miniport: one adapter per channel, interrupt-driven chunk loop"},
      {"example", ExampleDriverEntry, "64 KiB MaximumLength -> 17 map registers; channel 0 only"},
  };
  return all;
}

const MiniportEntry* find_miniport(const std::string& name) {
  for (const MiniportEntry& m : miniports())
    if (name == m.name) return &m;
  return nullptr;
}

}  // namespace dmasim
