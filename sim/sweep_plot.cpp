#include "sim/sweep_plot.h"

#include <algorithm>
#include <map>
#include <sstream>
#include <stdexcept>

#include "sim/gnuplot.h"

namespace dmasim {

namespace {

std::string human_bytes(std::uint64_t b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB"};
  int u = 0;
  while (u < 3 && b >= 1024 && b % 1024 == 0) {
    b /= 1024;
    ++u;
  }
  return std::to_string(b) + " " + units[u];
}

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

}  // namespace

std::string sweep_plot_script(const std::vector<SweepRow>& rows, const SimConfig& c, bool svg) {
  std::map<std::string, std::vector<const SweepRow*>> by_series;
  for (const SweepRow& r : rows) by_series[r.series].push_back(&r);
  std::ostringstream s;
  s.precision(10);
  s << (svg ? "set terminal svg size 1000,640 dynamic font 'sans,12'\n"
            : "set terminal pngcairo size 1000,640 font 'sans,11'\n");
  // Numbers only in the data: each series is a datablock, so no file name enters the script.
  int idx = 0;
  double ceiling = 0;
  for (const auto& [series, pts] : by_series) {
    s << "$s" << idx++ << " << EOD\n";
    for (const SweepRow* r : pts) {
      s << r->map_registers << " " << r->sim_GBps << " " << r->model_GBps << "\n";
      ceiling = std::max(ceiling, r->ceiling_GBps);
    }
    s << "EOD\n";
  }
  std::ostringstream title;
  title << "DMA throughput vs map registers: " << c.direction << ", " << c.requests << " x "
        << human_bytes(c.size) << " at offset " << c.offset << ", PCIe Gen" << c.link.gen << " x"
        << c.link.lanes << " MPS " << c.link.mps << " MRRS " << c.link.mrrs;
  if (by_series.size() == 1) title << ", IOMMU " << c.iommu;
  s << "set title " << gnuplot_string(title.str()) << " noenhanced\n"
    << "set xlabel 'map registers per adapter (pages per StartDma)'\n"
    << "set ylabel 'throughput (GB/s, 10^9 bytes per simulated second)' noenhanced\n"
    << "set logscale x 2\nset grid\nset key right bottom noenhanced box opaque\n"
    << "set yrange [0:*]\n";
  std::ostringstream ceil_text;
  ceil_text << ceiling;
  std::string plots;
  idx = 0;
  for (const auto& [series, pts] : by_series) {
    const std::string block = "$s" + std::to_string(idx);
    const std::string color = std::to_string(++idx);
    const std::string name = series.empty() ? "simulated" : series;
    const std::string model = series.empty() ? "model" : "model, " + series;
    plots += (plots.empty() ? "" : ", ") + block + " using 1:2 with linespoints lw 2 pt 7 lc " +
             color + " title " + gnuplot_string(name) + ", " + block +
             " using 1:3 with lines dt 2 lw 2 lc " + color + " title " + gnuplot_string(model);
  }
  plots += ", " + ceil_text.str() + " with lines dt 3 lw 2 lc rgb 'gray30' title " +
           gnuplot_string("link effective " + ceil_text.str().substr(0, 5) + " GB/s");
  s << "plot " << plots << "\n";
  return s.str();
}

void write_sweep_plot(const std::vector<SweepRow>& rows, const SimConfig& first,
                      const OutputTarget& target) {
  std::string image;
  try {
    image = run_gnuplot(sweep_plot_script(rows, first, ends_with(target.path, ".svg")));
  } catch (const std::runtime_error& e) {
    throw OutputError(target.option + ": cannot draw '" + target.path + "': " + e.what());
  }
  write_output(target, image);
}

}  // namespace dmasim
