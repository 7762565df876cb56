// Reads a dmasim results JSON (the object a run writes with --json) for sweep and merge, and
// refuses anything else: a message names the file and the key, quotes at most a short piece of
// a bad value, and nothing that is not a dmasim results object gets as far as a CSV or a plot.
// Pure (text in, record out) so that tests/fuzz/fuzz_results.cpp can drive it directly.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "sim/config.h"

namespace dmasim {

struct ResultRecord {
  std::string source;   // the file it came from, for messages
  nlohmann::json json;  // the whole object, as read
  SimConfig config;     // the run's configuration, rebuilt from json["config"]
  std::uint64_t map_registers = 0;
  std::uint64_t map_registers_granted = 0;
  double throughput_GBps = 0;
  std::string status;  // "ok", "error" or "interrupted"
  std::string error;   // empty when status is "ok"
  // A point that finished: it ran to the end (ok or error). An interrupted run did not.
  bool finished() const { return status != "interrupted"; }
  bool passed() const { return status == "ok"; }
};

// Deepest nesting accepted in a results file (a real one nests 4 deep).
constexpr int kMaxResultsDepth = 64;

// Parses and validates `text`; throws UsageError "SOURCE: key 'K': ..." (one line).
ResultRecord read_results(const std::string& text, const std::string& source);

// Reads the file, then read_results; throws UsageError "FILE: ..." when it cannot be read.
ResultRecord read_results_file(const std::string& path);

// The configuration keys that identify a point (every parameter but the run's own outputs), as a
// canonical JSON text: two records with the same key are the same point.
std::string point_key(const ResultRecord& r);

}  // namespace dmasim
