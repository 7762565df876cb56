#include "sim/sweep_rows.h"

#include <algorithm>
#include <set>
#include <sstream>

#include "sim/analytic.h"

namespace dmasim {

using nlohmann::json;

namespace {

// Flattens scalars of a JSON object into dotted columns (arrays are left out).
void flatten(const json& j, const std::string& prefix, std::map<std::string, json>* out) {
  for (const auto& [key, value] : j.items()) {
    const std::string name = prefix.empty() ? key : prefix + "." + key;
    if (value.is_object()) {
      flatten(value, name, out);
    } else if (!value.is_array()) {
      (*out)[name] = value;
    }
  }
}

// RFC 4180: a cell with a comma, quote or line break is quoted, quotes doubled.
std::string csv_cell(const json& v) {
  if (v.is_null()) return "";
  if (!v.is_string()) return v.dump();
  const std::string s = v.get<std::string>();
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

std::string series_value(const json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump();
}

}  // namespace

std::vector<SweepRow> sweep_rows(const std::vector<ResultRecord>& records) {
  static const std::set<std::string> ignore = {"map_registers", "json", "vcd", "config", "trace"};
  std::map<std::string, std::set<std::string>> values;
  for (const ResultRecord& r : records)
    for (const auto& [k, v] : r.json.at("config").items()) values[k].insert(v.dump());
  std::vector<SweepRow> rows;
  for (const ResultRecord& r : records) {
    SweepRow row;
    for (const auto& [k, v] : r.json.at("config").items())
      if (!ignore.count(k) && values[k].size() > 1)
        row.series += (row.series.empty() ? "" : " ") + k + "=" + series_value(v);
    const AnalyticModel model = analytic_model(r.config);
    row.map_registers = r.map_registers;
    row.sim_GBps = r.throughput_GBps;
    row.model_GBps = model.predict_GBps(r.map_registers_granted);
    row.ceiling_GBps = model.bw_eff_GBps;
    flatten(r.json, "", &row.cells);
    row.cells["series"] = row.series;
    row.cells["model_GBps"] = row.model_GBps;
    row.cells["model_error_pct"] =
        row.model_GBps > 0 ? 100.0 * (row.sim_GBps - row.model_GBps) / row.model_GBps : 0.0;
    rows.push_back(std::move(row));
  }
  std::stable_sort(rows.begin(), rows.end(), [](const SweepRow& a, const SweepRow& b) {
    return a.series != b.series ? a.series < b.series : a.map_registers < b.map_registers;
  });
  return rows;
}

std::string sweep_csv(const std::vector<SweepRow>& rows) {
  std::vector<std::string> columns = {"series",         "config.map_registers", "status",
                                      "data_check",     "throughput_GBps",      "model_GBps",
                                      "model_error_pct"};
  std::set<std::string> seen(columns.begin(), columns.end());
  for (const SweepRow& r : rows)
    for (const auto& [k, v] : r.cells)
      if (seen.insert(k).second) columns.push_back(k);
  std::ostringstream out;
  for (std::size_t i = 0; i < columns.size(); ++i) out << (i ? "," : "") << csv_cell(columns[i]);
  out << "\n";
  for (const SweepRow& r : rows) {
    for (std::size_t i = 0; i < columns.size(); ++i) {
      auto it = r.cells.find(columns[i]);
      out << (i ? "," : "") << (it == r.cells.end() ? "" : csv_cell(it->second));
    }
    out << "\n";
  }
  return out.str();
}

}  // namespace dmasim
