#include "sim/sweep.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "sim/analytic.h"
#include "sim/config.h"
#include "sim/params.h"

namespace dmasim {

namespace fs = std::filesystem;
using nlohmann::json;

std::vector<std::uint64_t> parse_point_list(const std::string& text, const std::string& option) {
  auto bad = [&](const std::string& why) {
    return UsageError(option + ": invalid list '" + text + "' (" + why +
                      "; expected e.g. 1,2,4 or 1..256x2 or 4..64+4)");
  };
  auto number = [&](const std::string& s) {
    bool ok = false;
    const std::uint64_t v = ParamSet::parse_bytes(s, &ok);
    if (!ok || s.find_first_not_of("0123456789") != std::string::npos) throw bad("'" + s + "'");
    return v;
  };
  std::vector<std::uint64_t> out;
  std::stringstream items(text);
  std::string item;
  while (std::getline(items, item, ',')) {
    const auto dots = item.find("..");
    if (dots == std::string::npos) {
      out.push_back(number(item));
      continue;
    }
    const std::string from = item.substr(0, dots), rest = item.substr(dots + 2);
    const auto op = rest.find_first_of("x+");
    const std::uint64_t a = number(from), b = number(rest.substr(0, op));
    const std::uint64_t step = op == std::string::npos ? 1 : number(rest.substr(op + 1));
    const bool geometric = op != std::string::npos && rest[op] == 'x';
    if (a > b || (geometric ? step < 2 || a == 0 : step == 0)) throw bad("empty or endless range");
    for (std::uint64_t v = a; v <= b; v = geometric ? v * step : v + step) {
      out.push_back(v);
      if (out.size() > 100000) throw bad("too many points");
    }
  }
  if (out.empty()) throw bad("no points");
  return out;
}

namespace {

struct Point {
  std::string series;  // "PARAM=value" or ""
  std::uint64_t map_registers;
  std::vector<std::string> args;  // dmasim arguments, without the program name
  std::string json_path;
};

std::string self_exe() {
  std::error_code ec;
  const fs::path p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? "dmasim" : p.string();
}

std::string shell_quote(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                        "0123456789-_./=:,") == std::string::npos)
    return s;
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// The simulation's effective configuration, rebuilt from its JSON (unknown keys ignored).
SimConfig config_of(const json& config) {
  SimConfig cfg;
  ParamSet params;
  register_params(cfg, params);
  for (const auto& [key, value] : config.items()) {
    if (!params.has(key) || value.is_null() ||
        (value.is_string() && value.get<std::string>().empty()))
      continue;
    try {
      params.set_json(key, value, key);
    } catch (const UsageError&) {
    }
  }
  return cfg;
}

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

std::string csv_cell(const json& v) {
  if (v.is_null()) return "";
  if (v.is_string()) {
    std::string s = v.get<std::string>(), q = "\"";
    for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return s.find_first_of(",\"\n") == std::string::npos ? s : q + "\"";
  }
  return v.dump();
}

struct Row {
  std::string series;
  std::uint64_t map_registers;
  double sim_GBps, model_GBps, ceiling_GBps;
  std::map<std::string, json> cells;
};

// Labels each result by the configuration keys that differ between results (its series).
std::vector<Row> rows_of(const std::vector<json>& results) {
  static const std::set<std::string> ignore = {"map_registers", "json", "vcd", "config"};
  std::map<std::string, std::set<std::string>> values;
  for (const json& r : results)
    for (const auto& [k, v] : r["config"].items()) values[k].insert(v.dump());
  std::vector<Row> rows;
  for (const json& r : results) {
    Row row;
    for (const auto& [k, v] : r["config"].items())
      if (!ignore.count(k) && values[k].size() > 1)
        row.series += (row.series.empty() ? "" : " ") + k + "=" +
                      (v.is_string() ? v.get<std::string>() : v.dump());
    const SimConfig cfg = config_of(r["config"]);
    const AnalyticModel model = analytic_model(cfg);
    row.map_registers = r["config"].value("map_registers", std::uint64_t{0});
    row.sim_GBps = r.value("throughput_GBps", 0.0);
    row.model_GBps = model.predict_GBps(r.value("map_registers_granted", row.map_registers));
    row.ceiling_GBps = model.bw_eff_GBps;
    flatten(r, "", &row.cells);
    row.cells["series"] = row.series;
    row.cells["model_GBps"] = row.model_GBps;
    row.cells["model_error_pct"] =
        row.model_GBps > 0 ? 100.0 * (row.sim_GBps - row.model_GBps) / row.model_GBps : 0.0;
    rows.push_back(std::move(row));
  }
  std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    return a.series != b.series ? a.series < b.series : a.map_registers < b.map_registers;
  });
  return rows;
}

void write_csv(const std::vector<Row>& rows, const std::string& path) {
  std::vector<std::string> columns = {"series",         "config.map_registers", "status",
                                      "data_check",     "throughput_GBps",      "model_GBps",
                                      "model_error_pct"};
  std::set<std::string> seen(columns.begin(), columns.end());
  for (const Row& r : rows)
    for (const auto& [k, v] : r.cells)
      if (seen.insert(k).second) columns.push_back(k);
  std::ostringstream out;
  for (std::size_t i = 0; i < columns.size(); ++i) out << (i ? "," : "") << columns[i];
  out << "\n";
  for (const Row& r : rows) {
    for (std::size_t i = 0; i < columns.size(); ++i) {
      auto it = r.cells.find(columns[i]);
      out << (i ? "," : "") << (it == r.cells.end() ? "" : csv_cell(it->second));
    }
    out << "\n";
  }
  const std::string tmp = path + ".tmp";
  std::ofstream(tmp) << out.str();
  fs::rename(tmp, path);
}

std::string human_bytes(std::uint64_t b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB"};
  int u = 0;
  while (u < 3 && b >= 1024 && b % 1024 == 0) {
    b /= 1024;
    ++u;
  }
  return std::to_string(b) + " " + units[u];
}

// The plot a person wants: GB/s against map registers (log2), a line per series, the model
// dashed beside it, the link's effective bandwidth as the ceiling. Drawn by gnuplot.
bool write_plot(const std::vector<Row>& rows, const json& first_config, const std::string& path) {
  const fs::path dir = fs::temp_directory_path() / ("dmasim-plot-" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::map<std::string, std::vector<const Row*>> by_series;
  for (const Row& r : rows) by_series[r.series].push_back(&r);
  std::ostringstream script;
  const bool svg = path.size() > 4 && path.compare(path.size() - 4, 4, ".svg") == 0;
  script << (svg ? "set terminal svg size 1000,640 dynamic font 'sans,12'\n"
                 : "set terminal pngcairo size 1000,640 font 'sans,11'\n");
  script << "set output '" << path << "'\n";
  const json& c = first_config;
  std::ostringstream title;
  title << "DMA throughput vs map registers: " << c.value("direction", "") << ", "
        << c.value("requests", 0) << " x " << human_bytes(c.value("size", std::uint64_t{0}))
        << " at offset " << c.value("offset", 0) << ", PCIe Gen" << c.value("link_gen", 0) << " x"
        << c.value("lanes", 0) << " MPS " << c.value("mps", 0) << " MRRS " << c.value("mrrs", 0);
  if (by_series.size() == 1) title << ", IOMMU " << c.value("iommu", "off");
  script << "set title \"" << title.str() << "\" noenhanced\n"
         << "set xlabel 'map registers per adapter (pages per StartDma)'\n"
         << "set ylabel 'throughput (GB/s, 10^9 bytes per simulated second)'\n"
         << "set logscale x 2\nset grid\nset key right bottom noenhanced box opaque\nset yrange "
            "[0:*]\n";
  std::string plots;
  int idx = 0;
  double ceiling = 0;
  for (const auto& [series, pts] : by_series) {
    const fs::path data = dir / ("s" + std::to_string(idx) + ".dat");
    std::ofstream d(data);
    for (const Row* r : pts) {
      d << r->map_registers << " " << r->sim_GBps << " " << r->model_GBps << "\n";
      ceiling = std::max(ceiling, r->ceiling_GBps);
    }
    const std::string name = series.empty() ? "simulated" : series;
    const int color = idx + 1;
    plots += (plots.empty() ? "" : ", ") + std::string("'") + data.string() +
             "' using 1:2 with linespoints lw 2 pt 7 lc " + std::to_string(color) + " title '" +
             name + "', '" + data.string() + "' using 1:3 with lines dt 2 lw 2 lc " +
             std::to_string(color) + " title 'model" + (series.empty() ? "" : ", " + series) + "'";
    ++idx;
  }
  std::ostringstream ceil_line;
  ceil_line << ceiling;
  plots += ", " + ceil_line.str() + " with lines dt 3 lw 2 lc rgb 'gray30' title 'link effective " +
           ceil_line.str().substr(0, 5) + " GB/s'";
  script << "plot " << plots << "\n";
  const fs::path gp = dir / "plot.gp";
  std::ofstream(gp) << script.str();
  const int rc = std::system(("gnuplot " + shell_quote(gp.string()) + " 2>&1").c_str());
  fs::remove_all(dir);
  return rc == 0;
}

int finish(const std::vector<std::string>& json_files, const std::string& csv,
           const std::string& plot) {
  std::vector<json> results;
  for (const std::string& f : json_files) {
    std::ifstream in(f);
    try {
      results.push_back(json::parse(in));
    } catch (const std::exception&) {
      std::cerr << "dmasim: " << f << ": not a dmasim results JSON\n";
      return 1;
    }
  }
  const std::vector<Row> rows = rows_of(results);
  if (!csv.empty()) write_csv(rows, csv);
  if (!plot.empty() && !write_plot(rows, results.front()["config"], plot)) {
    std::cerr << "dmasim: --plot: gnuplot failed to draw '" << plot << "'\n";
    return 1;
  }
  return 0;
}

std::string need_value(int& i, int argc, char** argv, const std::string& opt) {
  if (i + 1 >= argc || std::string(argv[i + 1]).rfind("--", 0) == 0)
    throw UsageError(opt + ": missing value");
  return argv[++i];
}

void check_output(const std::string& path, const std::string& option) {
  if (path.empty()) return;
  const fs::path parent = fs::path(path).parent_path();
  if (!parent.empty() && !fs::is_directory(parent))
    throw UsageError(option + ": directory of '" + path + "' does not exist");
}

}  // namespace

int sweep_main(int argc, char** argv) {
  std::vector<std::uint64_t> points;
  std::string series_param, csv, plot, emit, out_dir;
  std::vector<std::string> series_values, pass;
  unsigned jobs = std::max(1u, std::thread::hardware_concurrency());
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      if (a == "--map-registers") {
        points = parse_point_list(need_value(i, argc, argv, a), a);
      } else if (a == "--series") {
        const std::string v = need_value(i, argc, argv, a);
        const auto eq = v.find('=');
        if (eq == std::string::npos || eq == 0 || eq + 1 == v.size())
          throw UsageError("--series: invalid value '" + v + "' (expected PARAM=V1,V2,...)");
        series_param = v.substr(0, eq);
        std::stringstream vs(v.substr(eq + 1));
        for (std::string s; std::getline(vs, s, ',');) series_values.push_back(s);
      } else if (a == "--jobs") {
        const std::string v = need_value(i, argc, argv, a);
        if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos ||
            std::stoul(v) < 1 || std::stoul(v) > 256)
          throw UsageError("--jobs: invalid value '" + v + "' (expected 1..256)");
        jobs = static_cast<unsigned>(std::stoul(v));
      } else if (a == "--csv") {
        csv = need_value(i, argc, argv, a);
      } else if (a == "--plot") {
        plot = need_value(i, argc, argv, a);
        if (!(plot.size() > 4 && (plot.compare(plot.size() - 4, 4, ".png") == 0 ||
                                  plot.compare(plot.size() - 4, 4, ".svg") == 0)))
          throw UsageError("--plot: '" + plot + "' must end in .png or .svg");
      } else if (a == "--emit-jobs") {
        emit = need_value(i, argc, argv, a);
      } else if (a == "--out-dir") {
        out_dir = need_value(i, argc, argv, a);
      } else if (a == "--json" || a == "--vcd") {
        throw UsageError(a +
                         ": not a sweep option (each point writes its own JSON; see --out-dir)");
      } else {
        pass.push_back(a);
      }
    }
    if (points.empty()) throw UsageError("--map-registers: a sweep needs a list of points");
    if (csv.empty() && plot.empty() && emit.empty())
      throw UsageError("sweep: give --csv, --plot or --emit-jobs");
    check_output(csv, "--csv");
    check_output(plot, "--plot");
    check_output(emit, "--emit-jobs");
    if (series_values.empty()) series_values.push_back("");
    // Every point's options must be valid before anything runs.
    for (const std::string& sv : series_values) {
      std::vector<std::string> args = pass;
      if (!series_param.empty()) args.insert(args.end(), {"--" + series_param, sv});
      args.insert(args.end(), {"--map-registers", std::to_string(points.front())});
      std::vector<const char*> av = {"dmasim"};
      for (const auto& s : args) av.push_back(s.c_str());
      SimConfig cfg;
      std::string help;
      parse_cli(static_cast<int>(av.size()), av.data(), 1, cfg, &help);
    }
  } catch (const UsageError& e) {
    std::cerr << "dmasim: " << e.what() << "\n";
    return 2;
  }
  if (out_dir.empty())
    out_dir =
        emit.empty()
            ? (fs::temp_directory_path() / ("dmasim-sweep-" + std::to_string(getpid()))).string()
            : "sweep-results";
  fs::create_directories(out_dir);
  std::vector<Point> all;
  for (const std::string& sv : series_values) {
    for (std::uint64_t n : points) {
      Point p;
      p.series = series_param.empty() ? "" : series_param + "=" + sv;
      p.map_registers = n;
      p.args = pass;
      if (!series_param.empty()) p.args.insert(p.args.end(), {"--" + series_param, sv});
      p.json_path =
          (fs::absolute(out_dir) / ("point-" + std::to_string(all.size()) + ".json")).string();
      p.args.insert(p.args.end(),
                    {"--map-registers", std::to_string(n), "--json", p.json_path, "--quiet"});
      all.push_back(std::move(p));
    }
  }
  const std::string exe = self_exe();
  if (!emit.empty()) {
    std::ostringstream lines;
    for (const Point& p : all) {
      lines << shell_quote(exe);
      for (const auto& a : p.args) lines << " " << shell_quote(a);
      lines << "\n";
    }
    std::ofstream(emit) << lines.str();
    std::cout << "dmasim sweep: wrote " << all.size() << " commands to " << emit
              << "; run them, then: dmasim merge " << out_dir
              << "/point-*.json --csv ... --plot ...\n";
    return 0;
  }
  // Run the points as dmasim processes, --jobs at a time.
  std::map<pid_t, std::pair<std::size_t, std::chrono::steady_clock::time_point>> running;
  std::size_t next = 0, done = 0;
  bool failed = false;
  while (done < all.size()) {
    while (running.size() < jobs && next < all.size()) {
      std::vector<char*> av = {const_cast<char*>(exe.c_str())};
      for (auto& a : all[next].args) av.push_back(const_cast<char*>(a.c_str()));
      av.push_back(nullptr);
      const pid_t pid = fork();
      if (pid == 0) {
        execv(exe.c_str(), av.data());
        _exit(127);
      }
      running[pid] = {next++, std::chrono::steady_clock::now()};
    }
    int status = 0;
    const pid_t pid = wait(&status);
    if (pid < 0) break;
    auto it = running.find(pid);
    if (it == running.end()) continue;
    const Point& p = all[it->second.first];
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - it->second.second).count();
    running.erase(it);
    ++done;
    const int rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
    std::ostringstream line;
    line << "dmasim sweep: [" << done << "/" << all.size() << "] map_registers=" << p.map_registers
         << (p.series.empty() ? "" : " " + p.series) << ": ";
    std::ifstream in(p.json_path);
    json j;
    try {
      j = json::parse(in);
      const AnalyticModel m = analytic_model(config_of(j["config"]));
      char buf[160];
      std::snprintf(buf, sizeof buf, "%.3f GB/s (model %.3f), %s, %.2f s wall",
                    j.value("throughput_GBps", 0.0),
                    m.predict_GBps(j.value("map_registers_granted", p.map_registers)),
                    j.value("status", "?").c_str(), secs);
      line << buf;
      if (rc != 0) line << " -- " << j.value("error", json()).dump();
    } catch (const std::exception&) {
      line << "failed (exit " << rc << ", no results)";
    }
    if (rc != 0) failed = true;
    std::cout << line.str() << std::endl;
  }
  std::vector<std::string> files;
  for (const Point& p : all)
    if (fs::exists(p.json_path)) files.push_back(p.json_path);
  if (files.empty()) return 1;
  const int rc = finish(files, csv, plot);
  return failed ? 1 : rc;
}

int merge_main(int argc, char** argv) {
  std::string csv, plot;
  std::vector<std::string> files;
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      if (a == "--csv") {
        csv = need_value(i, argc, argv, a);
      } else if (a == "--plot") {
        plot = need_value(i, argc, argv, a);
      } else if (a.rfind("--", 0) == 0) {
        throw UsageError(a + ": unknown merge option (expected JSON files, --csv, --plot)");
      } else {
        if (!fs::is_regular_file(a)) throw UsageError("merge: cannot read '" + a + "'");
        files.push_back(a);
      }
    }
    if (files.empty()) throw UsageError("merge: no JSON files given");
    if (csv.empty() && plot.empty()) throw UsageError("merge: give --csv and/or --plot");
    check_output(csv, "--csv");
    check_output(plot, "--plot");
  } catch (const UsageError& e) {
    std::cerr << "dmasim: " << e.what() << "\n";
    return 2;
  }
  return finish(files, csv, plot);
}

}  // namespace dmasim
