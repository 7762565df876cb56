// dmasim sweep / dmasim merge: one simulation per map-register count (and per value of an
// optional second parameter), run as parallel dmasim processes, gathered into a CSV and a plot
// with the analytic model beside the simulated points. For machines beyond this one,
// --emit-jobs writes the per-point commands for a batch system and merge builds the same
// outputs from their JSON files.
#pragma once

#include "sim/point_list.h"

namespace dmasim {

// Both return the process exit status (0 ok, 1 a point failed or a write failed, 2 bad usage,
// 130/143 interrupted by SIGINT/SIGTERM) and print one line on stderr for any failure.
int sweep_main(int argc, char** argv);  // argv[0] == "sweep"
int merge_main(int argc, char** argv);  // argv[0] == "merge"

}  // namespace dmasim
