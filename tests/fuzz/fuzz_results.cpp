// libFuzzer target for the results reader behind dmasim merge (sim/results_reader.cpp), and for
// what merge makes of an accepted record: its CSV row and its gnuplot script. No SystemC.
// Built and run by cmake/fuzz.sh.
//
// Allowed outcomes: a normal return, or dmasim::UsageError whose message is one line starting
// with the file name. An accepted record must hold what merge relies on, and its plot script
// must have exactly the lines it was built from (a string that broke out of its quotes onto a
// new line would add one). Anything else aborts, which libFuzzer records as a finding.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "sim/params.h"
#include "sim/results_reader.h"
#include "sim/sweep_plot.h"
#include "sim/sweep_rows.h"

namespace {

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "fuzz_results: FINDING: %s\n", dmasim::one_line(what).c_str());
  std::fflush(stderr);
  std::abort();
}

const char kSource[] = "fuzz.json";

void check_accepted(const dmasim::ResultRecord& r) {
  if (r.status != "ok" && r.status != "error" && r.status != "interrupted")
    fail("accepted status '" + r.status + "'");
  if (!(r.throughput_GBps >= 0)) fail("accepted a negative or NaN throughput");
  if (r.map_registers < 1 || r.map_registers > 65536) fail("accepted map_registers out of range");
  if (r.map_registers != r.config.map_registers) fail("map_registers differs from the config");
  if (!r.json.is_object() || !r.json.at("config").is_object()) fail("accepted a non-object");
  if (r.status != "ok" && r.error.empty()) fail("a failed record without an error text");
  (void)dmasim::point_key(r);
  const std::vector<dmasim::SweepRow> rows = dmasim::sweep_rows({r});
  if (rows.size() != 1) fail("one record, not one row");
  const std::string csv = dmasim::sweep_csv(rows);
  if (std::count(csv.begin(), csv.end(), '\n') < 2) fail("CSV without header and row");
  for (bool svg : {false, true}) {
    const std::string script = dmasim::sweep_plot_script(rows, r.config, svg);
    // terminal, "$s0 << EOD", one point, "EOD", title, xlabel, ylabel, 4 settings, plot.
    const auto lines = std::count(script.begin(), script.end(), '\n');
    if (lines != 12) fail("plot script has " + std::to_string(lines) + " lines: " + script);
    if (script.find('\0') != std::string::npos) fail("plot script holds a NUL");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  try {
    check_accepted(dmasim::read_results(input, kSource));
  } catch (const dmasim::UsageError& e) {
    const std::string msg = e.what();
    if (msg.rfind(std::string(kSource) + ": ", 0) != 0) fail("message without the file: " + msg);
    if (msg.find('\n') != std::string::npos || msg.find('\r') != std::string::npos)
      fail("message is not one line: " + msg);
    if (msg.size() > 600) fail("message longer than 600 characters: " + msg);
  }
  // Any other exception propagates: std::terminate -> abort, a finding with the input saved.
  return 0;
}
