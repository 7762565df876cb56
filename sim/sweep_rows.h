// The rows of a sweep's CSV: one per results record, labelled by its series (the configuration
// keys that differ between the records besides the map-register count), with the analytic
// model's prediction beside the simulated throughput.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sim/results_reader.h"

namespace dmasim {

struct SweepRow {
  std::string series;  // "iommu=on" or "" for a sweep of one series
  std::uint64_t map_registers = 0;
  double sim_GBps = 0, model_GBps = 0, ceiling_GBps = 0;
  std::map<std::string, nlohmann::json> cells;  // CSV columns: the record's scalars, flattened
};

// Sorted by series, then map registers.
std::vector<SweepRow> sweep_rows(const std::vector<ResultRecord>& records);

// The CSV text: fixed leading columns, then every other column any row has.
std::string sweep_csv(const std::vector<SweepRow>& rows);

}  // namespace dmasim
