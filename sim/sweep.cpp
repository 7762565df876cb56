#include "sim/sweep.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
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

// The outputs of a sweep or merge, checked before any work (exit 2) and written whole.
struct Outputs {
  std::string csv, plot, emit;
  OutputTarget csv_target, plot_target, emit_target;

  void check(bool csv_to_stdout) {
    std::vector<const OutputTarget*> targets;
    if (!plot.empty()) {
      if (!(ends_with(plot, ".png") || ends_with(plot, ".svg")))
        throw UsageError("--plot: '" + plot + "' must end in .png or .svg");
      if (!on_path("gnuplot"))
        throw UsageError("--plot: gnuplot is not on PATH (install gnuplot-nox)");
    }
    if (!csv.empty()) targets.push_back(&(csv_target = check_output(csv, "--csv", csv_to_stdout)));
    if (!plot.empty()) targets.push_back(&(plot_target = check_output(plot, "--plot", false)));
    if (!emit.empty()) targets.push_back(&(emit_target = check_output(emit, "--emit-jobs", true)));
    check_distinct(targets);
  }
  static bool ends_with(const std::string& s, const std::string& tail) {
    return s.size() > tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
  }
};

std::string self_exe() {
  std::error_code ec;
  const fs::path p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? "dmasim" : p.string();
}

// Writes the CSV and the plot of the records (an OutputError, exit 1, when a write fails).
void write_outputs(const std::vector<ResultRecord>& records, const Outputs& out) {
  if (records.empty()) return;
  const std::vector<SweepRow> rows = sweep_rows(records);
  if (!out.csv.empty()) write_output(out.csv_target, sweep_csv(rows));
  if (!out.plot.empty()) write_sweep_plot(rows, records.front().config, out.plot_target);
}

std::string need_value(int& i, int argc, char** argv, const std::string& opt) {
  if (i + 1 >= argc || std::string(argv[i + 1]).rfind("--", 0) == 0)
    throw UsageError(opt + ": missing value");
  return argv[++i];
}

unsigned parse_jobs(const std::string& v) {
  const bool digits =
      !v.empty() && v.size() <= 3 && v.find_first_not_of("0123456789") == std::string::npos;
  const unsigned n = digits ? static_cast<unsigned>(std::stoul(v)) : 0;
  if (n < 1 || n > 256) throw UsageError("--jobs: invalid value '" + v + "' (expected 1..256)");
  return n;
}

// An --out-dir that exists must be a writable directory; one that does not is created.
void make_out_dir(const std::string& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) throw UsageError("--out-dir: '" + dir + "' is not a directory");
    if (::access(dir.c_str(), W_OK) != 0)
      throw UsageError("--out-dir: cannot write in '" + dir + "' (" + std::strerror(errno) + ")");
    return;
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw UsageError("--out-dir: cannot create '" + dir + "' (" + ec.message() + ")");
}

// Every sweep and merge failure is one line; the status says whose it is.
template <class Body>
int guarded(const char* command, Body body) {
  try {
    return body();
  } catch (const UsageError& e) {
    std::cerr << "dmasim: " << e.what() << "\n";
    return 2;
  } catch (const OutputError& e) {
    std::cerr << "dmasim: " << e.what() << "\n";
    return 1;
  } catch (const std::bad_alloc&) {
    std::cerr << "dmasim: " << command << ": out of memory\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "dmasim: " << command << ": " << one_line(e.what()) << "\n";
    return 1;
  }
}

int sweep(int argc, char** argv) {
  std::vector<std::uint64_t> points;
  std::string series_param, out_dir;
  Outputs out;
  std::vector<std::string> series_values, pass;
  unsigned jobs = std::max(1u, std::thread::hardware_concurrency());
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
      jobs = parse_jobs(need_value(i, argc, argv, a));
    } else if (a == "--csv") {
      out.csv = need_value(i, argc, argv, a);
    } else if (a == "--plot") {
      out.plot = need_value(i, argc, argv, a);
    } else if (a == "--emit-jobs") {
      out.emit = need_value(i, argc, argv, a);
    } else if (a == "--out-dir") {
      out_dir = need_value(i, argc, argv, a);
      if (out_dir.empty()) throw UsageError("--out-dir: empty value (expected a directory)");
    } else if (a == "--json" || a == "--vcd") {
      throw UsageError(a + ": not a sweep option (each point writes its own JSON; see --out-dir)");
    } else {
      pass.push_back(a);
    }
  }
  if (points.empty()) throw UsageError("--map-registers: a sweep needs a list of points");
  if (out.csv.empty() && out.plot.empty() && out.emit.empty())
    throw UsageError("sweep: give --csv, --plot or --emit-jobs");
  // The progress lines go to standard output: the CSV cannot.
  out.check(false);
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
  if (out_dir.empty())
    out_dir =
        out.emit.empty()
            ? (fs::temp_directory_path() / ("dmasim-sweep-" + std::to_string(getpid()))).string()
            : "sweep-results";
  make_out_dir(out_dir);
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
  if (!out.emit.empty()) {
    std::ostringstream lines;
    for (const Point& p : all) {
      lines << shell_quote(exe);
      for (const auto& a : p.args) lines << " " << shell_quote(a);
      lines << "\n";
    }
    write_output(out.emit_target, lines.str());
    (out.emit == "-" ? std::cerr : std::cout)
        << "dmasim sweep: wrote " << all.size() << " commands to " << out.emit
        << "; run them, then: dmasim merge " << out_dir << "/point-*.json --csv ... --plot ...\n";
    return 0;
  }
  // Run the points as dmasim processes, --jobs at a time.
  std::map<pid_t, std::pair<std::size_t, std::chrono::steady_clock::time_point>> running;
  std::size_t next = 0, done = 0;
  bool failed = false;
  std::vector<ResultRecord> records;
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
      ResultRecord r = read_results_file(p.json_path);
      const AnalyticModel m = analytic_model(r.config);
      char buf[160];
      std::snprintf(buf, sizeof buf, "%.3f GB/s (model %.3f), %s, %.2f s wall", r.throughput_GBps,
                    m.predict_GBps(r.map_registers_granted), r.status.c_str(), secs);
      line << buf;
      if (rc != 0) line << " -- " << one_line(r.error);
      records.push_back(std::move(r));
    } catch (const UsageError&) {
      line << "failed (exit " << rc << ", no results)";
    }
    if (rc != 0) failed = true;
    std::cout << line.str() << std::endl;
  }
  if (records.empty()) {
    std::cerr << "dmasim sweep: no point gave results; nothing written\n";
    return 1;
  }
  write_outputs(records, out);
  return failed ? 1 : 0;
}

int merge(int argc, char** argv) {
  Outputs out;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--csv") {
      out.csv = need_value(i, argc, argv, a);
    } else if (a == "--plot") {
      out.plot = need_value(i, argc, argv, a);
    } else if (a.rfind("--", 0) == 0) {
      throw UsageError(a + ": unknown merge option (expected JSON files, --csv, --plot)");
    } else {
      files.push_back(a);
    }
  }
  if (files.empty()) throw UsageError("merge: no JSON files given");
  if (out.csv.empty() && out.plot.empty()) throw UsageError("merge: give --csv and/or --plot");
  out.check(true);
  std::vector<ResultRecord> records;
  for (const std::string& f : files) records.push_back(read_results_file(f));
  write_outputs(records, out);
  return 0;
}

}  // namespace

int sweep_main(int argc, char** argv) {
  return guarded("sweep", [&] { return sweep(argc, argv); });
}

int merge_main(int argc, char** argv) {
  return guarded("merge", [&] { return merge(argc, argv); });
}

}  // namespace dmasim
