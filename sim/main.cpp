// dmasim: run one co-simulation of chunked bus-master DMA and report it (DESIGN.md contract).
// Exit status: 0 success, 1 the simulation found an error, 2 bad usage or configuration.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <systemc>

#include "sim/config.h"
#include "sim/platform.h"
#include "sim/results.h"
#include "sim/sweep.h"

namespace {

int usage_error(const std::string& msg) {
  std::cerr << "dmasim: " << msg << "\n";
  return 2;
}

// Fails early, before any simulation, if an output path cannot be written.
void check_writable(const std::string& path, const std::string& option) {
  if (path.empty() || path == "-") return;
  const std::string probe = path + ".dmasim-probe";
  std::ofstream f(probe);
  if (!f) throw dmasim::UsageError(option + ": cannot write '" + path + "'");
  f.close();
  std::remove(probe.c_str());
}

// Writes all or nothing: a temporary file renamed into place.
bool write_file(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary);
    if (!f || !(f << text) || !f.flush()) return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

void quiet_systemc() {
  sc_core::sc_report_handler::set_actions("/IEEE_Std_1666/deprecated", sc_core::SC_DO_NOTHING);
  sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
}

}  // namespace

int sc_main(int argc, char* argv[]) {
  using namespace dmasim;
  quiet_systemc();
  if (argc > 1 && std::string(argv[1]) == "sweep") return sweep_main(argc - 1, argv + 1);
  if (argc > 1 && std::string(argv[1]) == "merge") return merge_main(argc - 1, argv + 1);
  SimConfig cfg;
  try {
    std::string help;
    const CliAction action = parse_cli(argc, argv, 1, cfg, &help);
    if (action == CliAction::kHelp) {
      std::cout << help;
      return 0;
    }
    if (action == CliAction::kListInjections) {
      std::cout << injections_text();
      return 0;
    }
    check_writable(cfg.json, "--json");
    check_writable(cfg.vcd, "--vcd");
  } catch (const UsageError& e) {
    return usage_error(e.what());
  }
  ParamSet params;
  register_params(cfg, params);
  nlohmann::json config_json = params.to_json();
  config_json["config"] = cfg.config_file;

  std::unique_ptr<Platform> platform;
  try {
    platform = std::make_unique<Platform>("platform", cfg);
  } catch (const std::invalid_argument& e) {
    return usage_error(e.what());
  }
  sc_core::sc_trace_file* tf = nullptr;
  // SystemC appends ".vcd" to the name it is given: trace into a temporary beside the target and
  // rename it into place at the end, so no other file is touched and none is left half written.
  const std::string vcd_base = cfg.vcd + ".dmasim-tmp";
  if (!cfg.vcd.empty()) {
    tf = sc_core::sc_create_vcd_trace_file(vcd_base.c_str());
    tf->set_time_unit(1, sc_core::SC_PS);  // the kernel resolution: no event falls between
    platform->trace(tf);
  }
  const auto t0 = std::chrono::steady_clock::now();
  platform->run();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (tf) {
    sc_core::sc_close_vcd_trace_file(tf);
    if (std::rename((vcd_base + ".vcd").c_str(), cfg.vcd.c_str()) != 0) {
      std::cerr << "dmasim: --vcd: cannot write '" << cfg.vcd << "'\n";
      return 2;
    }
  }
  const nlohmann::json results = make_results(*platform, config_json, wall);
  const std::string text = results.dump(2) + "\n";
  if (cfg.json == "-") {
    std::cout << text;
  } else {
    if (!cfg.json.empty() && !write_file(cfg.json, text)) {
      std::cerr << "dmasim: --json: cannot write '" << cfg.json << "'\n";
      return 2;
    }
    if (!cfg.quiet) std::cout << summary(results);
  }
  if (results["status"] != "ok") {
    std::cerr << "dmasim: error: " << results["error"].get<std::string>() << "\n";
    return 1;
  }
  return 0;
}

// Our own main: libsystemc's prints its banner before sc_main unless this is set first.
int main(int argc, char* argv[]) {
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
  return sc_core::sc_elab_and_sim(argc, argv);
}
