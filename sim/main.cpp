// dmasim: run one co-simulation of chunked bus-master DMA and report it (DESIGN.md contract).
// Exit status: 0 success, 1 the simulation found an error (or an output could not be written),
// 2 bad usage or configuration (before any work, nothing written), 130/143 stopped by
// SIGINT/SIGTERM (the results and waves up to that point are written, marked "interrupted").
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <systemc>

#include "sim/config.h"
#include "sim/exit_status.h"
#include "sim/output_file.h"
#include "sim/platform.h"
#include "sim/results.h"
#include "sim/sweep.h"
#include "sim/version.h"
#include "sim/wave_stream.h"

namespace {

using namespace dmasim;

volatile std::sig_atomic_t g_stop = 0;

extern "C" void on_stop_signal(int sig) {
  g_stop = sig;
}

// SIGINT/SIGTERM stop the run at its next slice; a second one ends the process at once
// (SA_RESETHAND). SIGPIPE is ignored so a closed stdout is a write error, not a silent death.
void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sa.sa_flags = SA_RESETHAND | SA_RESTART;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  set_output_stop_flag(&g_stop);
}

void quiet_systemc() {
  sc_core::sc_report_handler::set_actions("/IEEE_Std_1666/deprecated", sc_core::SC_DO_NOTHING);
  sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
}

// The RTL's own waves go next to the platform's VCD: waves/x.vcd -> waves/x.rtl.vcd.
std::string rtl_waves_path(const std::string& vcd) {
  std::string base = vcd;
  if (base.size() > 4 && base.compare(base.size() - 4, 4, ".vcd") == 0)
    base.resize(base.size() - 4);
  return base + ".rtl.vcd";
}

struct Outputs {
  std::optional<OutputTarget> json, vcd, rtl_vcd;
};

// Every output is checked before any work: a bad one is exit 2 with nothing written.
Outputs check_outputs(const SimConfig& cfg) {
  Outputs o;
  if (!cfg.json.empty()) o.json = check_output(cfg.json, "--json", true);
  if (!cfg.vcd.empty()) o.vcd = check_output(cfg.vcd, "--vcd", false);
  if (!cfg.vcd.empty() && cfg.engine == "rtl" && cfg.rtl_waves)
    o.rtl_vcd = check_output(rtl_waves_path(cfg.vcd), "--rtl-waves", false);
  std::vector<const OutputTarget*> all;
  for (const auto* t : {&o.json, &o.vcd, &o.rtl_vcd})
    if (*t) all.push_back(&**t);
  check_distinct(all);
  for (const OutputTarget* t : all) check_not_input(*t, cfg.config_file, "--config");
  return o;
}

int run_main(int argc, char* argv[]) {
  SimConfig cfg;
  Outputs outputs;
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
    outputs = check_outputs(cfg);
  } catch (const UsageError& e) {
    std::cerr << "dmasim: " << e.what() << "\n";
    return 2;
  }
  ParamSet params;
  register_params(cfg, params);
  const nlohmann::json config_json = params.to_json();

  if (cfg.dry_run) {
    // Everything the platform checks as it is built (miniport, injections, VRAM, RAM), nothing
    // more: no output is opened, no time simulated.
    try {
      Platform check("platform", cfg);
    } catch (const std::invalid_argument& e) {
      std::cerr << "dmasim: " << one_line(e.what()) << "\n";
      return 2;
    }
    return 0;
  }
  // The waves stream through checked writers from the first byte; the RTL's is opened by the
  // engine as it is built.
  std::unique_ptr<WaveStream> vcd, rtl_vcd;
  if (outputs.vcd)
    vcd = std::make_unique<WaveStream>(*outputs.vcd, cfg.waves_from_ps, cfg.waves_to_ps);
  if (outputs.rtl_vcd) {
    rtl_vcd = std::make_unique<WaveStream>(*outputs.rtl_vcd);
    cfg.rtl_vcd_file = rtl_vcd->path();
  }
  std::unique_ptr<Platform> platform;
  try {
    platform = std::make_unique<Platform>("platform", cfg);
  } catch (const std::invalid_argument& e) {
    std::cerr << "dmasim: " << one_line(e.what()) << "\n";
    return 2;
  }
  sc_core::sc_trace_file* tf = nullptr;
  if (vcd) {
    tf = sc_core::sc_create_vcd_trace_file(vcd->systemc_name().c_str());
    tf->set_time_unit(1, sc_core::SC_PS);  // the kernel resolution: no event falls between
    platform->trace(tf);
  }
  const auto t0 = std::chrono::steady_clock::now();
  platform->run(&g_stop);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  // From here on failures are values, not exceptions (see OutputWriter). Waves first: closed as
  // valid files up to where the run ended.
  std::string failure;
  auto note = [&failure](bool ok, const std::string& error) {
    if (!ok && failure.empty()) failure = error;
  };
  if (tf) sc_core::sc_close_vcd_trace_file(tf);
  try {
    platform->close_waves();
  } catch (const std::runtime_error& e) {
    note(false, e.what());
  }
  if (vcd) note(vcd->close(), vcd->error());
  if (rtl_vcd) note(rtl_vcd->close(), rtl_vcd->error());

  const nlohmann::json results = make_results(*platform, config_json, wall);
  const bool json_on_stdout = outputs.json &&
                              outputs.json->kind == OutputTarget::Kind::kDescriptor &&
                              outputs.json->fd == 1;
  std::unique_ptr<OutputWriter> json;
  if (outputs.json && failure.empty()) {
    json = std::make_unique<OutputWriter>(*outputs.json);
    note(json->write(results.dump(2) + "\n"), json->error());
  }
  // Every output is whole by now: put them all in place (a failure above left none).
  if (failure.empty() && vcd) note(vcd->commit(), vcd->error());
  if (failure.empty() && rtl_vcd) note(rtl_vcd->commit(), rtl_vcd->error());
  if (failure.empty() && json) note(json->commit(), json->error());
  if (!failure.empty()) {
    std::cerr << "dmasim: " << failure << "\n";
    return g_stop ? 128 + g_stop : 1;
  }
  if (!json_on_stdout && !cfg.quiet && !(std::cout << summary(results) << std::flush)) {
    std::cerr << "dmasim: cannot write the summary to standard output\n";
    return 1;
  }
  const std::string status = results["status"].get<std::string>();
  if (status == "ok") return 0;
  std::cerr << "dmasim: " << status << ": " << results["error"].get<std::string>() << "\n";
  if (status == "interrupted") return 128 + platform->outcome().interrupted_by;
  return 1;
}

// One line for anything that escapes a run (sweep and merge guard themselves).
int guarded_run(int argc, char** argv) {
  try {
    return run_main(argc, argv);
  } catch (const sc_core::sc_report& e) {
    // An exception out of a SystemC process arrives wrapped in a report (E549).
    const std::string msg = e.get_msg(), where = e.get_process_name();
    if (msg.find("std::bad_alloc") != std::string::npos) {
      std::cerr << "dmasim: out of memory (in " << where << ")\n";
    } else {
      std::cerr << "dmasim: internal error: " << one_line(msg).substr(0, 300) << " (in " << where
                << ")\n";
    }
    return 1;
  } catch (...) {
    const int status = report_current_exception(nullptr);
    return g_stop && status == 1 ? 128 + g_stop : status;  // e.g. stopped waiting on a FIFO
  }
}

bool asks_version(int argc, char* argv[]) {
  for (int i = 1; i < argc; ++i)
    if (std::string(argv[i]) == "--version") return true;
  return false;
}

}  // namespace

int sc_main(int argc, char* argv[]) {
  quiet_systemc();
  install_signal_handlers();
  if (argc > 1 && std::string(argv[1]) == "sweep") return sweep_main(argc - 1, argv + 1);
  if (argc > 1 && std::string(argv[1]) == "merge") return merge_main(argc - 1, argv + 1);
  if (asks_version(argc, argv)) {
    std::cout << "dmasim " << dmasim_version() << "\n";
    return 0;
  }
  return guarded_run(argc, argv);
}

// Our own main: libsystemc's prints its banner before sc_main unless this is set first.
int main(int argc, char* argv[]) {
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
  return sc_core::sc_elab_and_sim(argc, argv);
}
