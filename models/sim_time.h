// Conversions between sc_time and integer picoseconds (the platform requires a 1 ps resolution).
#pragma once

#include <cstdint>
#include <systemc>

namespace dmasim {

inline std::uint64_t to_ps(const sc_core::sc_time& t) {
  return t.value();
}
inline sc_core::sc_time from_ps(std::uint64_t ps) {
  return sc_core::sc_time::from_value(ps);
}
inline std::uint64_t now_ps() {
  return to_ps(sc_core::sc_time_stamp());
}

}  // namespace dmasim
