#include "sim/sweep.h"

#include <signal.h>
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
#include "sim/exit_status.h"
#include "sim/output_file.h"
#include "sim/params.h"
#include "sim/process_pool.h"
#include "sim/results_reader.h"
#include "sim/sweep_plot.h"
#include "sim/sweep_rows.h"

namespace dmasim {

namespace fs = std::filesystem;
using nlohmann::json;

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
        throw UsageError("--plot: '" + clipped(plot) + "' must end in .png or .svg");
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
  std::uint64_t n = 0;
  if (!ParamSet::parse_number(v, ParamSet::NumberSyntax::kCount, &n) || n < 1 || n > 256)
    throw UsageError("--jobs: invalid value '" + clipped(v) + "' (expected 1..256)");
  return static_cast<unsigned>(n);
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

// A private folder for the points' JSON (mkdtemp under $TMPDIR), removed with everything in it
// when the sweep ends, however it ends.
class TempDir {
 public:
  TempDir() = default;
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  const std::string& make() {
    std::string tmpl = (fs::temp_directory_path() / "dmasim-sweep-XXXXXX").string();
    if (!::mkdtemp(tmpl.data()))
      throw UsageError("sweep: cannot create a temporary folder in '" +
                       fs::temp_directory_path().string() + "' (" + std::strerror(errno) +
                       "; set TMPDIR or give --out-dir)");
    path_ = tmpl;
    return path_;
  }

 private:
  std::string path_;
};

// Every sweep and merge failure is one line; the status says whose it is.
template <class Body>
int guarded(const char* command, Body body) {
  try {
    return body();
  } catch (...) {
    return report_current_exception(command);
  }
}

const char kSweepUsage[] =
    "usage: dmasim sweep --map-registers LIST [--series PARAM=V1,V2,...] [--jobs N]\n"
    "                    [--csv PATH] [--plot PATH.png|.svg] [--emit-jobs FILE|-] [--out-dir DIR]\n"
    "                    [dmasim options shared by every point]\n"
    "  LIST: 1,2,4 or 1..256x2 (doubling) or 4..64+4 (stepping), no point twice\n"
    "  --series PARAM=V1,V2  one line per value of another parameter (not map-registers)\n"
    "  --jobs N      points run at once, 1..256 (default: the cores)\n"
    "  --csv PATH    one row per finished point; --plot PATH.png|.svg (gnuplot)\n"
    "  --emit-jobs FILE  write one shell-quoted dmasim command per point instead of running\n"
    "  --out-dir DIR where each point's JSON goes (default: a temporary folder, removed after)\n"
    "Every point is checked before any runs. --json, --vcd, --trace are per run: not sweep\n"
    "options. Exit 0 all points ok, 1 a point failed, 2 bad usage, 130/143 interrupted.\n";

const char kMergeUsage[] =
    "usage: dmasim merge RESULT.json... [--csv PATH|-] [--plot PATH.png|.svg]\n"
    "  the CSV and plot of a sweep, from results files written by dmasim --json (for instance\n"
    "  by the commands of sweep --emit-jobs). Exit 0 all points ok, 1 a point failed, 2 a file\n"
    "  that is not a dmasim results file, the same file or point twice, or bad usage.\n";

// Options that write a file of their own per run: among a sweep's options every point would
// write the same file. --help and --list-injections would make every point print and stop.
bool per_run_option(const std::string& name) {
  static const std::set<std::string> names = {"json", "vcd", "trace", "list-injections"};
  return names.count(ParamSet::canonical(name)) != 0;
}

// "--name=value" or "--name": the option's name, canonical ('_' -> '-').
std::string option_name(const std::string& arg) {
  if (arg.rfind("--", 0) != 0) return "";
  return ParamSet::canonical(
      arg.substr(2, arg.find('=') == std::string::npos ? std::string::npos : arg.find('=') - 2));
}

int sweep(int argc, char** argv) {
  // From here on, SIGINT/SIGTERM wait until the sweep looks for them (while its points run).
  SignalHold signals;
  std::vector<std::uint64_t> points;
  std::string series_param, out_dir;
  Outputs out;
  std::vector<std::string> series_values, pass;
  unsigned jobs = std::max(1u, std::thread::hardware_concurrency());
  std::set<std::string> seen;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::cout << kSweepUsage;
      return 0;
    }
    const std::string name = option_name(a);
    static const std::set<std::string> own = {"map-registers", "series",    "jobs",   "csv",
                                              "plot",          "emit-jobs", "out-dir"};
    if (!own.count(name)) {
      if (per_run_option(name))
        throw UsageError("--" + name +
                         ": not a sweep option (each point writes its own JSON; see --out-dir)");
      pass.push_back(a);
      continue;
    }
    if (!seen.insert(name).second) throw UsageError("--" + name + ": given twice");
    std::string v;
    if (const auto eq = a.find('='); eq != std::string::npos) {
      v = a.substr(eq + 1);
    } else {
      v = need_value(i, argc, argv, a);
    }
    if (name == "map-registers") {
      points = parse_point_list(v, "--map-registers");
    } else if (name == "series") {
      const auto eq = v.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == v.size())
        throw UsageError("--series: invalid value '" + clipped(v) + "' (expected PARAM=V1,V2,...)");
      series_param = ParamSet::canonical(v.substr(0, eq));
      if (series_param == "map-registers")
        throw UsageError("--series: '" + v.substr(0, eq) +
                         "' is the swept parameter (give its points to --map-registers)");
      if (per_run_option(series_param) || series_param == "help")
        throw UsageError("--series: '" + v.substr(0, eq) + "' is not a parameter of a point");
      std::stringstream vs(v.substr(eq + 1));
      for (std::string sv; std::getline(vs, sv, ',');) series_values.push_back(sv);
    } else if (name == "jobs") {
      jobs = parse_jobs(v);
    } else if (name == "csv") {
      out.csv = v;
    } else if (name == "plot") {
      out.plot = v;
    } else if (name == "emit-jobs") {
      out.emit = v;
    } else if (name == "out-dir") {
      if (v.empty()) throw UsageError("--out-dir: empty value (expected a directory)");
      out_dir = v;
    }
  }
  if (points.empty()) throw UsageError("--map-registers: a sweep needs a list of points");
  for (std::size_t i = 0; i < points.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (points[i] == points[j])
        throw UsageError("--map-registers: point " + std::to_string(points[i]) + " given twice");
  if (!series_param.empty())
    for (const std::string& a : pass)
      if (option_name(a) == series_param)
        throw UsageError(a.substr(0, a.find('=')) + ": also swept by --series " + series_param +
                         " (give it once)");
  if (out.csv.empty() && out.plot.empty() && out.emit.empty())
    throw UsageError("sweep: give --csv, --plot or --emit-jobs");
  // The progress lines go to standard output: the CSV cannot.
  out.check(false);
  if (series_values.empty()) series_values.push_back("");
  // Every point is checked as its dmasim would check it, before any runs; two points that come
  // out the same (a series value given twice, 1M and 1024K) would be one point counted twice.
  std::string config_file;                  // what every point reads: no output may replace it
  std::map<std::string, std::string> keys;  // effective configuration -> the point's name
  for (const std::string& sv : series_values) {
    for (std::uint64_t n : points) {
      std::vector<std::string> args = pass;
      if (!series_param.empty()) args.insert(args.end(), {"--" + series_param, sv});
      args.insert(args.end(), {"--map-registers", std::to_string(n)});
      std::vector<const char*> av = {"dmasim"};
      for (const auto& arg : args) av.push_back(arg.c_str());
      SimConfig cfg;
      std::string help;
      parse_cli(static_cast<int>(av.size()), av.data(), 1, cfg, &help);
      config_file = cfg.config_file;
      if (!cfg.json.empty() || !cfg.vcd.empty())
        throw UsageError(std::string("--config: key '") + (cfg.json.empty() ? "vcd" : "json") +
                         "' is a per-run output, not allowed in a sweep (see --out-dir)");
      ParamSet params;
      register_params(cfg, params);
      const std::string key = params.to_json().dump();
      const std::string what = "map_registers=" + std::to_string(n) +
                               (series_param.empty() ? "" : " " + series_param + "=" + sv);
      const auto [it, fresh] = keys.emplace(key, what);
      if (!fresh)
        throw UsageError("--series: the point " + what + " is " + it->second +
                         " given twice (the same configuration)");
    }
  }
  for (const OutputTarget* t : {&out.csv_target, &out.plot_target, &out.emit_target})
    if (!t->path.empty()) check_not_input(*t, config_file, "--config");
  // What only the built platform checks (miniport, injections, VRAM, RAM) is asked of dmasim
  // itself (--dry-run) before anything runs. None of it depends on --map-registers, so the
  // smallest and largest point of each series stand for all of its points.
  {
    const std::string self = self_exe();
    const auto [lo, hi] = std::minmax_element(points.begin(), points.end());
    for (const std::string& sv : series_values) {
      for (std::uint64_t n : std::set<std::uint64_t>{*lo, *hi}) {
        std::vector<std::string> argv = {self, "--dry-run"};
        argv.insert(argv.end(), pass.begin(), pass.end());
        if (!series_param.empty()) argv.insert(argv.end(), {"--" + series_param, sv});
        argv.insert(argv.end(), {"--map-registers", std::to_string(n)});
        const int status = wait_child(spawn(argv, SpawnOptions{}));
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0) continue;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 2)  // a usage error printed its line
          std::cerr << "dmasim sweep: checking the point map_registers=" << n
                    << (series_param.empty() ? "" : " " + series_param + "=" + sv)
                    << " failed (status " << status << ")\n";
        return 2;
      }
    }
  }
  // --dry-run asks for just those checks: nothing runs, nothing is written (not even --out-dir).
  if (std::find(pass.begin(), pass.end(), "--dry-run") != pass.end()) return 0;
  // Our own temporary folder unless the user named one: private, unique, removed at the end.
  TempDir temp;
  if (out_dir.empty() && !out.emit.empty()) out_dir = "sweep-results";
  if (out_dir.empty()) {
    out_dir = temp.make();
  } else {
    make_out_dir(out_dir);
  }
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
  std::vector<std::vector<std::string>> commands;
  for (const Point& p : all) {
    commands.push_back({exe});
    commands.back().insert(commands.back().end(), p.args.begin(), p.args.end());
    ::unlink(p.json_path.c_str());  // a JSON left by an earlier sweep is not this point's
  }
  std::size_t done = 0;
  bool failed = false;
  std::vector<ResultRecord> records;
  const int stop = run_pool(commands, jobs, [&](std::size_t i, int status, double secs) {
    const Point& p = all[i];
    const int rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    std::ostringstream line;
    line << "dmasim sweep: [" << ++done << "/" << all.size()
         << "] map_registers=" << p.map_registers << (p.series.empty() ? "" : " " + p.series)
         << ": ";
    try {
      ResultRecord r = read_results_file(p.json_path);
      if (r.status == "interrupted") {
        // Stopped part way (the forwarded signal): no figure to show, and not a point of the CSV.
        line << "interrupted (exit " << rc << ") -- " << one_line(r.error);
        failed = true;
        std::cout << line.str() << std::endl;
        return;
      }
      const AnalyticModel m = analytic_model(r.config);
      char buf[160];
      std::snprintf(buf, sizeof buf, "%.3f GB/s (model %.3f), %s, %.2f s wall", r.throughput_GBps,
                    m.predict_GBps(r.map_registers_granted), r.status.c_str(), secs);
      line << buf;
      if (rc != 0) line << " -- " << one_line(r.error);
      // An interrupted run did not finish: it is not a point of the CSV.
      if (r.finished() && (rc == 0 || rc == 1)) records.push_back(std::move(r));
    } catch (const UsageError&) {
      line << (rc == 130 || rc == 143 ? "interrupted" : "failed") << " (exit " << rc
           << ", no results)";
    }
    if (rc != 0) failed = true;
    std::cout << line.str() << std::endl;
  });
  if (stop) {
    std::cerr << "dmasim sweep: interrupted by " << (stop == SIGINT ? "SIGINT" : "SIGTERM") << ": "
              << records.size() << " of " << all.size() << " points finished"
              << (records.empty() ? "; nothing written" : "; what is written holds only those")
              << "\n";
    write_outputs(records, out);
    return 128 + stop;
  }
  if (records.empty()) {
    std::cerr << "dmasim sweep: no point gave results; nothing written\n";
    return 1;
  }
  write_outputs(records, out);
  if (const int late = signals.take_pending()) return 128 + late;
  return failed ? 1 : 0;
}

int merge(int argc, char** argv) {
  // SIGINT/SIGTERM wait until the merge looks for them: before writing, and after (gnuplot).
  SignalHold signals;
  Outputs out;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--csv") {
      out.csv = need_value(i, argc, argv, a);
    } else if (a == "--plot") {
      out.plot = need_value(i, argc, argv, a);
    } else if (a == "--help" || a == "-h") {
      std::cout << kMergeUsage;
      return 0;
    } else if (a.rfind("--", 0) == 0) {
      throw UsageError(a + ": unknown merge option (expected JSON files, --csv, --plot)");
    } else {
      files.push_back(a);
    }
  }
  if (files.empty()) throw UsageError("merge: no JSON files given");
  if (out.csv.empty() && out.plot.empty()) throw UsageError("merge: give --csv and/or --plot");
  out.check(true);
  std::map<std::pair<dev_t, ino_t>, std::string> inodes;
  std::map<std::string, std::string> points;  // point_key -> file
  std::vector<ResultRecord> records;
  for (const std::string& f : files) {
    records.push_back(read_results_file(f));
    struct stat st {};
    if (::stat(f.c_str(), &st) == 0) {
      const auto [it, fresh] = inodes.emplace(std::pair{st.st_dev, st.st_ino}, f);
      if (!fresh) throw UsageError("merge: '" + it->second + "' and '" + f + "' are the same file");
      // Writing it would replace a file being merged.
      for (const OutputTarget* t : {&out.csv_target, &out.plot_target})
        if (!t->path.empty() && t->exists && t->dev == st.st_dev && t->ino == st.st_ino)
          throw UsageError(t->option + ": '" + t->path + "' is '" + f + "', a file being merged");
    }
    const auto [it, fresh] = points.emplace(point_key(records.back()), f);
    if (!fresh)
      throw UsageError("merge: '" + it->second + "' and '" + f +
                       "' hold the same point (the same configuration)");
  }
  auto interrupted = [](int sig, const char* what) {
    std::cerr << "dmasim merge: interrupted by " << (sig == SIGINT ? "SIGINT" : "SIGTERM") << "; "
              << what << "\n";
    return 128 + sig;
  };
  if (const int sig = signals.take_pending()) return interrupted(sig, "nothing written");
  write_outputs(records, out);
  if (const int sig = signals.take_pending()) return interrupted(sig, "its outputs were written");
  bool failed = false;
  for (const ResultRecord& r : records) {
    if (r.passed()) continue;
    failed = true;
    std::cerr << "dmasim merge: " << r.source << ": " << r.status << ": " << one_line(r.error)
              << "\n";
  }
  return failed ? 1 : 0;
}

}  // namespace

int sweep_main(int argc, char** argv) {
  return guarded("sweep", [&] { return sweep(argc, argv); });
}

int merge_main(int argc, char** argv) {
  return guarded("merge", [&] { return merge(argc, argv); });
}

}  // namespace dmasim
