// The hardware faults of --inject hw:NAME[@chunk=K] (listed, with what the shipped miniport does
// about each, in firmware/miniport/injections.cpp), parsed once: the engines check for them on
// every burst, so they compare an enum, not a string.
#pragma once

#include <string>

namespace dmasim {

enum class HwFault {
  kNone,
  kReadError,
  kWriteError,
  kPersistentReadError,
  kLostInterrupt,
  kSpuriousInterrupt,
  kEngineHang,
  kIommuFault,
  kBadDescriptor,
};

// kNone for an empty name, or one sim/config.cpp would have refused.
inline HwFault hw_fault_from_name(const std::string& name) {
  static const struct {
    const char* name;
    HwFault fault;
  } kNames[] = {
      {"read-error", HwFault::kReadError},
      {"write-error", HwFault::kWriteError},
      {"persistent-read-error", HwFault::kPersistentReadError},
      {"lost-interrupt", HwFault::kLostInterrupt},
      {"spurious-interrupt", HwFault::kSpuriousInterrupt},
      {"engine-hang", HwFault::kEngineHang},
      {"iommu-fault", HwFault::kIommuFault},
      {"bad-descriptor", HwFault::kBadDescriptor},
  };
  for (const auto& n : kNames)
    if (name == n.name) return n.fault;
  return HwFault::kNone;
}

}  // namespace dmasim
