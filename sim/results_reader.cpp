#include "sim/results_reader.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "sim/params.h"

namespace dmasim {

using nlohmann::json;

namespace {

// What a value is, for messages: never the value itself (it may be huge or deeply nested).
std::string type_of(const json& v) {
  if (v.is_object()) return "an object";
  if (v.is_array()) return "an array";
  if (v.is_string()) return "a string";
  if (v.is_boolean()) return "a boolean";
  if (v.is_null()) return "null";
  return "a number";
}

// Keys of "config" that are not parameters of a run: where its outputs went and which config
// file it read. They do not make two points different and are not loaded.
const std::set<std::string>& output_keys() {
  static const std::set<std::string> keys = {"config", "json", "vcd", "trace"};
  return keys;
}

}  // namespace

ResultRecord read_results(const std::string& text, const std::string& source) {
  auto bad = [&](const std::string& key, const std::string& why) {
    return UsageError(source + ": key '" + key + "': " + why + " (not a dmasim results file)");
  };
  json doc;
  try {
    // The depth is checked while parsing, so no deep value is ever built, dumped or destroyed.
    doc = json::parse(text, [&](int depth, json::parse_event_t, json&) {
      if (depth > kMaxResultsDepth)
        throw UsageError(source + ": nested deeper than " + std::to_string(kMaxResultsDepth) +
                         " levels (not a dmasim results file)");
      return true;
    });
  } catch (const json::exception& e) {
    std::string why = e.what();
    if (why.size() > 200) why = why.substr(0, 200) + "...";
    throw UsageError(source + ": not valid JSON (" + why + ")");
  }
  if (!doc.is_object())
    throw UsageError(source + ": holds " + type_of(doc) +
                     ", not a JSON object (not a dmasim results file)");
  ResultRecord r;
  r.source = source;
  auto need = [&](const char* key) -> const json& {
    const auto it = doc.find(key);
    if (it == doc.end()) throw bad(key, "missing");
    return *it;
  };
  const json& config = need("config");
  if (!config.is_object()) throw bad("config", "expected an object, got " + type_of(config));
  const json& status = need("status");
  if (!status.is_string()) throw bad("status", "expected a string, got " + type_of(status));
  r.status = status.get<std::string>();
  if (r.status != "ok" && r.status != "error" && r.status != "interrupted")
    throw bad("status", "expected ok, error or interrupted");
  const json& tput = need("throughput_GBps");
  if (!tput.is_number() || tput.get<double>() < 0)
    throw bad("throughput_GBps", "expected a number >= 0, got " + type_of(tput));
  r.throughput_GBps = tput.get<double>();
  if (const auto it = doc.find("error"); it != doc.end()) {
    if (!it->is_null() && !it->is_string())
      throw bad("error", "expected a string or null, got " + type_of(*it));
    if (it->is_string()) r.error = it->get<std::string>();
  }
  if (r.status != "ok" && r.error.empty()) r.error = "status " + r.status;
  if (const auto it = doc.find("data_check"); it != doc.end() && !it->is_string())
    throw bad("data_check", "expected a string, got " + type_of(*it));

  // The configuration must load as it would from --config: every key a parameter, every value
  // in its range. A results file that does not is not one dmasim wrote.
  ParamSet params;
  register_params(r.config, params);
  for (const auto& [key, value] : config.items()) {
    const std::string name = "config." + key;
    if (output_keys().count(key)) {
      if (!value.is_string() && !value.is_null())
        throw bad(name, "expected a string, got " + type_of(value));
      continue;
    }
    if (!params.has(key)) throw bad(name, "not a dmasim parameter");
    if (!value.is_string() && !value.is_number() && !value.is_boolean())
      throw bad(name, "expected a number, string or boolean, got " + type_of(value));
    // An unset string parameter (no --inject) is written as "".
    if (value.is_string() && value.get<std::string>().empty() && params.kind(key) == "string")
      continue;
    try {
      params.set_json(key, value, source + ": key '" + name + "'");
    } catch (const UsageError& e) {
      // The message echoes the value: keep it to one readable line.
      std::string msg = e.what();
      if (msg.size() > 300) msg = msg.substr(0, 300) + "...";
      throw UsageError(msg);
    }
  }
  const auto mr = config.find("map_registers");
  if (mr == config.end()) throw bad("config.map_registers", "missing");
  r.map_registers = r.config.map_registers;
  r.map_registers_granted = r.map_registers;
  if (const auto it = doc.find("map_registers_granted"); it != doc.end()) {
    if (!it->is_number_unsigned() && !(it->is_number_integer() && it->get<std::int64_t>() >= 0))
      throw bad("map_registers_granted", "expected a whole number >= 0, got " + type_of(*it));
    r.map_registers_granted = it->get<std::uint64_t>();
  }
  r.json = std::move(doc);
  return r;
}

ResultRecord read_results_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    throw UsageError(path + ": cannot read (" + std::strerror(errno) + ")");
  if (!S_ISREG(st.st_mode)) throw UsageError(path + ": cannot read (not a regular file)");
  // A results file is kilobytes to a few megabytes; a bound keeps a stray file from filling RAM.
  constexpr off_t kMaxBytes = off_t{1} << 30;
  if (st.st_size > kMaxBytes) throw UsageError(path + ": larger than 1 GiB (not a results file)");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError(path + ": cannot read (" + std::strerror(errno) + ")");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw UsageError(path + ": cannot read (I/O error)");
  return read_results(text.str(), path);
}

std::string point_key(const ResultRecord& r) {
  // The effective values, so that "1M" and 1048576 are one point.
  SimConfig cfg = r.config;
  ParamSet params;
  register_params(cfg, params);
  json key = params.to_json();
  for (const std::string& k : output_keys()) key.erase(k);
  return key.dump();
}

}  // namespace dmasim
