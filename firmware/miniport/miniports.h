// The miniports dmasim can load (--miniport NAME), like the services a video port would find in
// the registry. Each one has a DriverEntry that fills its VIDEO_HW_INITIALIZATION_DATA and calls
// VideoPortInitialize, exactly as a WDK miniport does. To add one: write it against
// firmware/videoport/video.h (and the device's register map), give its DriverEntry a unique name,
// list it in miniports.cpp and add its source to CMakeLists.txt.
#pragma once

#include <string>
#include <vector>

#include "firmware/videoport/video.h"

namespace dmasim {

struct MiniportEntry {
  const char* name;
  ULONG (*DriverEntry)(PVOID Argument1, PVOID Argument2);
  const char* description;
  // The --inject driver:NAME bugs it implements (firmware/miniport/injections.h); asking for
  // one it does not is a usage error, never a run that passes because nothing was injected.
  std::vector<std::string> driver_injections;
};

const std::vector<MiniportEntry>& miniports();
const MiniportEntry* find_miniport(const std::string& name);
bool implements(const MiniportEntry& miniport, const std::string& driver_injection);

}  // namespace dmasim
