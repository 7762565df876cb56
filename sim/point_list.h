// The point lists of dmasim sweep --map-registers: "1,2,4", "1..256x2" (geometric), "1..8" or
// "4..64+4" (arithmetic), or a mix.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace dmasim {

// Throws UsageError naming `option` on a bad list (at most 100000 points).
std::vector<std::uint64_t> parse_point_list(const std::string& text, const std::string& option);

}  // namespace dmasim
