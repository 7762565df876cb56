// dmasim sweep / dmasim merge: one simulation per map-register count (and per value of an
// optional second parameter), run as parallel dmasim processes, gathered into a CSV and a plot
// with the analytic model beside the simulated points. For machines beyond this one,
// --emit-jobs writes the per-point commands for a batch system and merge builds the same
// outputs from their JSON files.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace dmasim {

// "1,2,4", "1..256x2" (geometric), "1..8" or "4..64+4" (arithmetic). Throws UsageError naming
// `option` on a bad list.
std::vector<std::uint64_t> parse_point_list(const std::string& text, const std::string& option);

// Both return the process exit status (0 ok, 1 a point failed, 2 bad usage).
int sweep_main(int argc, char** argv);  // argv[0] == "sweep"
int merge_main(int argc, char** argv);  // argv[0] == "merge"

}  // namespace dmasim
