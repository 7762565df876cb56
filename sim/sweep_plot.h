// The plot a person wants from a sweep: GB/s against map registers (log2), a line per series,
// the analytic model dashed beside it, the link's effective bandwidth as the ceiling. Drawn by
// gnuplot into memory, then written through the output writer.
#pragma once

#include <string>
#include <vector>

#include "sim/output_file.h"
#include "sim/sweep_rows.h"

namespace dmasim {

// The gnuplot script (data inline as datablocks, output on stdout). `first` titles the plot.
std::string sweep_plot_script(const std::vector<SweepRow>& rows, const SimConfig& first, bool svg);

// Draws and writes the plot (.svg by the target's name, else PNG); throws OutputError naming
// the option when gnuplot fails or the write does.
void write_sweep_plot(const std::vector<SweepRow>& rows, const SimConfig& first,
                      const OutputTarget& target);

}  // namespace dmasim
