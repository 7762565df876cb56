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
#include "sim/child_process.h"
#include "sim/config.h"
#include "sim/output_file.h"
#include "sim/params.h"
#include "sim/results_reader.h"
#include "sim/sweep_plot.h"
#include "sim/sweep_rows.h"

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

// Reads the results, then writes the CSV and the plot of them.
int finish(const std::vector<std::string>& json_files, const std::string& csv,
           const std::string& plot) {
  std::vector<ResultRecord> records;
  try {
    for (const std::string& f : json_files) records.push_back(read_results_file(f));
  } catch (const UsageError& e) {
    std::cerr << "dmasim: " << e.what() << "\n";
    return 2;
  }
  const std::vector<SweepRow> rows = sweep_rows(records);
  try {
    if (!csv.empty()) write_output(check_output(csv, "--csv", true), sweep_csv(rows));
    if (!plot.empty())
      write_sweep_plot(rows, records.front().config, check_output(plot, "--plot", false));
  } catch (const std::exception& e) {
    std::cerr << "dmasim: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

std::string need_value(int& i, int argc, char** argv, const std::string& opt) {
  if (i + 1 >= argc || std::string(argv[i + 1]).rfind("--", 0) == 0)
    throw UsageError(opt + ": missing value");
  return argv[++i];
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
    for (const auto& [path, option] :
         {std::pair{csv, "--csv"}, {plot, "--plot"}, {emit, "--emit-jobs"}})
      if (!path.empty()) check_output(path, option, false);
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
      std::vector<std::string> av = {exe};
      av.insert(av.end(), all[next].args.begin(), all[next].args.end());
      const pid_t pid = spawn(av, SpawnOptions{});
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
    try {
      const ResultRecord r = read_results_file(p.json_path);
      const AnalyticModel m = analytic_model(r.config);
      char buf[160];
      std::snprintf(buf, sizeof buf, "%.3f GB/s (model %.3f), %s, %.2f s wall", r.throughput_GBps,
                    m.predict_GBps(r.map_registers_granted), r.status.c_str(), secs);
      line << buf;
      if (rc != 0) line << " -- " << one_line(r.error);
    } catch (const UsageError&) {
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
    if (!csv.empty()) check_output(csv, "--csv", true);
    if (!plot.empty()) check_output(plot, "--plot", false);
  } catch (const UsageError& e) {
    std::cerr << "dmasim: " << e.what() << "\n";
    return 2;
  }
  return finish(files, csv, plot);
}

}  // namespace dmasim
