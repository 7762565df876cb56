// libFuzzer target for the CLI / config-file front end (sim/config.cpp parse_cli, sim/params.cpp
// ParamSet::load_file). No SystemC. Built and run by cmake/fuzz.sh.
//
// Every input is used twice:
//  (a) as a command line: split on NUL bytes (the one byte a real argv word cannot hold) into
//      words after a program name, parsed by parse_cli on a fresh SimConfig;
//  (b) as the contents of a config file, parsed through parse_cli with "--config FILE".
// Allowed outcomes: a normal return, or dmasim::UsageError whose message is exactly one line and
// starts with "--" or with one of the few other prefixes the front end uses. Anything else (a
// different exception type, a crash, a sanitizer report, a malformed message, an accepted
// configuration that violates a documented range) aborts, which libFuzzer records as a finding.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "firmware/miniport/injections.h"
#include "sim/config.h"
#include "sim/params.h"

namespace {

[[noreturn]] void fail(const char* mode, const std::string& what) {
  std::fprintf(stderr, "fuzz_config: FINDING in mode %s: %s\n", mode, what.c_str());
  std::fflush(stderr);
  std::abort();
}

std::string printable(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (c >= 0x20 && c < 0x7F && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", c);
      out += buf;
    }
  }
  return out;
}

// The UsageError messages of parse_cli / ParamSet start with "--OPTION..." (option or config
// source) or with "unexpected argument '...'". One line: no '\n' or '\r' anywhere.
void check_usage_message(const char* mode, const std::string& msg) {
  if (msg.empty()) fail(mode, "UsageError with an empty message");
  if (msg.find('\n') != std::string::npos || msg.find('\r') != std::string::npos)
    fail(mode, "UsageError message is not one line: \"" + printable(msg) + "\"");
  static const char* const kPrefixes[] = {"--", "unexpected argument '"};
  for (const char* p : kPrefixes)
    if (msg.rfind(p, 0) == 0) return;
  fail(mode, "UsageError message has an unknown prefix: \"" + printable(msg) + "\"");
}

// An accepted configuration must respect the ranges the parameters document.
void check_accepted(const char* mode, const dmasim::SimConfig& c) {
  auto in = [&](const char* name, std::uint64_t v, std::uint64_t lo, std::uint64_t hi) {
    if (v < lo || v > hi)
      fail(mode, std::string("accepted ") + name + " = " + std::to_string(v) + " outside " +
                     std::to_string(lo) + ".." + std::to_string(hi));
  };
  in("size", c.size, 1, 0xFFFF'FFFFULL);
  in("offset", c.offset, 0, 4095);
  in("requests", c.requests, 1, 1000000);
  in("map-registers", c.map_registers, 1, 65536);
  in("channels", c.channels, 1, 2);
  in("host-memory", c.host_memory_bytes, 8ULL << 30, 1ULL << 46);
  in("vram", c.vram_bytes, 1ULL << 20, 1ULL << 40);
  in("link-gen", c.link.gen, 1, 5);
  in("lanes", c.link.lanes, 1, 32);
  in("mps", c.link.mps, 128, 4096);
  in("mrrs", c.link.mrrs, 128, 4096);
  in("tags", c.link.tags, 1, 1024);
  in("iotlb-entries", c.iommu_params.iotlb_entries, 1, 65536);
  in("iotlb-ways", c.iommu_params.iotlb_ways, 1, 65536);
  in("rtl-clock ps", c.rtl_clock_ps, 1, 1000ULL * 1000);
  in("rtl-quantum ps", c.rtl_quantum_ps, 1, 1000000ULL * 1000);
  in("quantum ps", c.quantum_ps, 0, 1000000ULL * 1000);
  if (c.iommu_params.iotlb_entries % c.iommu_params.iotlb_ways != 0)
    fail(mode, "accepted iotlb-entries not a multiple of iotlb-ways");
  if (c.direction != "to-device" && c.direction != "from-device")
    fail(mode, "accepted direction '" + printable(c.direction) + "'");
  if (c.engine != "tlm" && c.engine != "rtl")
    fail(mode, "accepted engine '" + printable(c.engine) + "'");
  if (c.iommu != "on" && c.iommu != "off")
    fail(mode, "accepted iommu '" + printable(c.iommu) + "'");
  if (!c.inject.empty() &&
      (c.inject.rfind("driver:", 0) != 0 || !dmasim::find_driver_injection(c.inject.substr(7))))
    fail(mode, "accepted inject '" + printable(c.inject) + "'");
}

// Runs parse_cli; returns normally on success or UsageError, aborts otherwise.
void run_cli(const char* mode, const std::vector<std::string>& words) {
  std::vector<const char*> argv;
  argv.push_back("dmasim");
  for (const auto& w : words) argv.push_back(w.c_str());
  argv.push_back(nullptr);
  dmasim::SimConfig cfg;
  std::string help;
  try {
    const dmasim::CliAction a =
        dmasim::parse_cli(static_cast<int>(argv.size() - 1), argv.data(), 1, cfg, &help);
    if (a == dmasim::CliAction::kHelp && help.empty()) fail(mode, "--help with an empty text");
    if (a == dmasim::CliAction::kRun) check_accepted(mode, cfg);
  } catch (const dmasim::UsageError& e) {
    check_usage_message(mode, e.what());
  }
  // Any other exception propagates out of LLVMFuzzerTestOneInput: std::terminate -> abort,
  // which libFuzzer reports as a crash with the input saved.
}

std::string config_path() {
  const char* dir = std::getenv("TMPDIR");
  std::string base = dir && *dir ? dir : "/tmp";
  return base + "/dmasim_fuzz_config_" + std::to_string(getpid()) + ".json";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);

  // (a) command line: NUL-separated words.
  {
    std::vector<std::string> words;
    std::size_t start = 0;
    for (;;) {
      const std::size_t nul = input.find('\0', start);
      words.push_back(input.substr(start, nul == std::string::npos ? nul : nul - start));
      if (nul == std::string::npos) break;
      start = nul + 1;
    }
    if (size == 0) words.clear();
    run_cli("argv", words);
  }

  // (b) config file contents.
  {
    static const std::string path = config_path();
    static const bool cleanup_registered = [] {
      std::atexit([] { std::remove(path.c_str()); });
      return true;
    }();
    (void)cleanup_registered;
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) fail("config", "cannot create " + path);
    if (size && std::fwrite(data, 1, size, f) != size) fail("config", "cannot write " + path);
    std::fclose(f);
    run_cli("config", {"--config", path});
  }
  return 0;
}
