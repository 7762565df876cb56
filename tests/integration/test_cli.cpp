// Tests of the real dmasim binary against the DESIGN.md CLI contract: exit codes, the --json
// object, the chunking rule, determinism, one-line usage errors that write no output, and the
// --vcd waves (read back with tests/vcd_reader.h).
//
// Expected figures are derived by hand from the chunking rule (the arithmetic is in comments).
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/vcd_reader.h"

#ifndef DMASIM_BIN
#error "DMASIM_BIN (path of the dmasim executable) must be defined"
#endif

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct RunResult {
  int exit_code = -1;
  std::string out, err;
};

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'') {
      q += "'\\''";
    } else {
      q += c;
    }
  }
  return q + "'";
}

std::string describe(const std::vector<std::string>& args) {
  std::string d = "dmasim";
  for (const auto& a : args) d += " " + shell_quote(a);
  return d;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

std::set<std::string> files_in(const std::string& dir) {
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.insert(e.path().filename().string());
  return names;
}

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/dmasim_cli_test_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    fs::create_directory(dir_ + "/io");   // captured stdout/stderr
    fs::create_directory(dir_ + "/out");  // files dmasim is asked to write
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string out(const std::string& name) const { return dir_ + "/out/" + name; }

  // env: VAR=value words put before the command (empty: none).
  RunResult run(const std::vector<std::string>& args, const std::string& env = "") {
    const std::string so = dir_ + "/io/stdout", se = dir_ + "/io/stderr";
    std::string cmd = (env.empty() ? "" : env + " ") + shell_quote(DMASIM_BIN);
    for (const auto& a : args) cmd += " " + shell_quote(a);
    cmd += " </dev/null >" + shell_quote(so) + " 2>" + shell_quote(se);
    const int status = std::system(cmd.c_str());
    RunResult r;
    r.exit_code = status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = slurp(so);
    r.err = slurp(se);
    return r;
  }

  // Runs with --json - and returns the parsed stdout (which must be nothing but JSON).
  json run_json(std::vector<std::string> args) {
    args.push_back("--json");
    args.push_back("-");
    const RunResult r = run(args);
    EXPECT_EQ(r.exit_code, 0) << describe(args) << "\n" << r.err;
    EXPECT_EQ(r.err, "") << describe(args);
    try {
      return json::parse(r.out);
    } catch (const json::exception& e) {
      ADD_FAILURE() << describe(args) << ": stdout is not pure JSON (" << e.what() << "):\n"
                    << r.out;
      return json::object();
    }
  }

  std::string dir_;
};

TEST_F(Cli, JsonToStdoutHasEveryContractField) {
  json j = run_json({"--size", "1M", "--map-registers", "16"});
  ASSERT_TRUE(j.is_object());
  for (const char* key : {"config", "status", "error", "bytes", "requests", "chunks", "interrupts",
                          "dpcs", "timer_dpcs", "unclaimed_interrupts", "isr_calls", "sim_time_ns",
                          "throughput_GBps", "data_check", "iommu", "faults", "wall_s"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(j["status"], "ok");
  EXPECT_TRUE(j["error"].is_null());
  EXPECT_EQ(j["data_check"], "pass");
  EXPECT_EQ(j["bytes"], 1048576u);
  EXPECT_EQ(j["requests"], 1u);
  // 1 MiB at offset 0 spans 256 pages; 16 map registers -> 256 / 16 = 16 StartDma cycles, each
  // ending in one interrupt and one DPC.
  EXPECT_EQ(j["chunks"], 16u);
  EXPECT_EQ(j["interrupts"], 16u);
  EXPECT_EQ(j["dpcs"], 16u);
  EXPECT_EQ(j["timer_dpcs"], 0u);  // HwVidTimer's, counted apart; none in a short run
  EXPECT_EQ(j["unclaimed_interrupts"], 0u);
  EXPECT_EQ(j["isr_calls"], 16u);
  // faults: what an injection caused, so all zero here (unclaimed interrupts are not faults).
  ASSERT_TRUE(j["faults"].is_object());
  for (const auto& [key, value] : j["faults"].items()) EXPECT_EQ(value, 0u) << key;
  EXPECT_FALSE(j["faults"].contains("spurious_interrupts"));
  ASSERT_TRUE(j["sim_time_ns"].is_number());
  ASSERT_TRUE(j["throughput_GBps"].is_number());
  ASSERT_TRUE(j["wall_s"].is_number());
  const double ns = j["sim_time_ns"].get<double>(), gbps = j["throughput_GBps"].get<double>();
  EXPECT_GT(ns, 0.0);
  // 1e9 bytes per simulated second = bytes per simulated ns.
  EXPECT_NEAR(gbps, 1048576.0 / ns, 1e-9 * gbps);
  // Below the raw Gen3 x8 link rate: 8 GT/s * 8 lanes * 128/130 / 8 bit = 7.877 GB/s.
  EXPECT_GT(gbps, 0.0);
  EXPECT_LT(gbps, 7.877);
  EXPECT_GE(j["wall_s"].get<double>(), 0.0);
  ASSERT_TRUE(j["iommu"].is_object());
  for (const char* key : {"iotlb_hits", "iotlb_misses", "page_walks", "faults"}) {
    ASSERT_TRUE(j["iommu"].contains(key)) << key;
    EXPECT_EQ(j["iommu"][key], 0u) << key << " with --iommu off";
  }
  // config: every effective parameter, '_' names.
  json& c = j["config"];
  ASSERT_TRUE(c.is_object());
  EXPECT_EQ(c["map_registers"], 16u);
  EXPECT_EQ(c["size"], 1048576u);
  EXPECT_EQ(c["offset"], 0u);
  EXPECT_EQ(c["requests"], 1u);
  EXPECT_EQ(c["direction"], "to-device");
  EXPECT_EQ(c["channels"], 1u);
  EXPECT_EQ(c["engine"], "tlm");
  EXPECT_EQ(c["iommu"], "off");
  EXPECT_EQ(c["seed"], 1u);
  EXPECT_EQ(c["json"], "-");
  EXPECT_EQ(c["vcd"], "");
  for (const auto& [key, value] : c.items()) EXPECT_EQ(key.find('-'), std::string::npos) << key;
}

struct ChunkCase {
  std::string size_arg;
  std::uint64_t size, offset, n;
  std::string direction;
  std::uint64_t requests;
  std::uint64_t chunks;  // by hand: requests * ceil(ceil((offset + size) / 4096) / n)
};

TEST_F(Cli, ChunksFollowTheRule) {
  const ChunkCase cases[] = {
      // 256 pages / 16.
      {"1M", 1048576, 0, 16, "to-device", 1, 16},
      // 4095 + 102400 = 106495 -> 26 pages; ceil(26 / 4) = 7.
      {"100K", 102400, 4095, 4, "to-device", 1, 7},
      // 1 + 65536 -> 17 pages; ceil(17 / 16) = 2.
      {"64K", 65536, 1, 16, "from-device", 1, 2},
      // Exactly 16 pages: 1.
      {"64K", 65536, 0, 16, "from-device", 1, 1},
      // 2047 + 4096 = 6143 -> 2 pages, one per chunk.
      {"4096", 4096, 2047, 1, "to-device", 1, 2},
      // 2047 + 5000 = 7047 -> 2 pages.
      {"5000", 5000, 2047, 1, "from-device", 1, 2},
      // 2047 + 1048576 -> 257 pages; ceil(257 / 7) = 37; 3 requests -> 111.
      {"1M", 1048576, 2047, 7, "from-device", 3, 111},
      // The last byte of a page: 1 page.
      {"1", 1, 4095, 1, "to-device", 1, 1},
      // Straddles a page boundary: 2 pages each, 3 requests -> 6.
      {"2", 2, 4095, 1, "to-device", 3, 6},
      // 1 + 307200 -> 76 pages, all in one StartDma of up to 256; 2 requests -> 2.
      {"300K", 307200, 1, 256, "to-device", 2, 2},
      // 4095 + 2 MiB -> 513 pages, one per chunk.
      {"2M", 2097152, 4095, 1, "to-device", 1, 513},
  };
  int i = 0;
  for (const ChunkCase& k : cases) {
    const std::string json_path = out("r" + std::to_string(i++) + ".json");
    const std::vector<std::string> args = {"--size",          k.size_arg,
                                           "--offset",        std::to_string(k.offset),
                                           "--map-registers", std::to_string(k.n),
                                           "--direction",     k.direction,
                                           "--requests",      std::to_string(k.requests),
                                           "--quiet",         "--json",
                                           json_path};
    const RunResult r = run(args);
    ASSERT_EQ(r.exit_code, 0) << describe(args) << "\n" << r.err;
    EXPECT_EQ(r.out, "") << "--quiet with a --json file prints nothing";
    json j = json::parse(slurp(json_path));
    SCOPED_TRACE(describe(args));
    EXPECT_EQ(j["status"], "ok");
    EXPECT_EQ(j["data_check"], "pass");
    EXPECT_EQ(j["chunks"], k.chunks);
    EXPECT_EQ(j["interrupts"], k.chunks);
    EXPECT_EQ(j["dpcs"], k.chunks);
    EXPECT_EQ(j["requests"], k.requests);
    EXPECT_EQ(j["bytes"], k.size * k.requests);
    EXPECT_EQ(j["config"]["size"], k.size);
    EXPECT_EQ(j["config"]["offset"], k.offset);
    EXPECT_EQ(j["config"]["map_registers"], k.n);
    EXPECT_EQ(j["config"]["direction"], k.direction);
    EXPECT_EQ(j["config"]["json"], json_path);
  }
  // Without --quiet a --json file run prints a human summary, not JSON.
  const RunResult r = run({"--size", "8K", "--json", out("s.json")});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out, "");
  EXPECT_TRUE(fs::exists(out("s.json")));
}

TEST_F(Cli, DeterministicForASeed) {
  const std::vector<std::string> args = {"--size",          "300K",       "--offset",   "1",
                                         "--map-registers", "8",          "--requests", "2",
                                         "--direction",     "from-device"};
  json a = run_json(args), b = run_json(args);
  ASSERT_EQ(a["status"], "ok");
  ASSERT_TRUE(a.contains("wall_s"));
  a.erase("wall_s");
  b.erase("wall_s");
  EXPECT_EQ(a, b);
  // Another seed (other frames, other data) still passes with the same chunking:
  // 1 + 307200 -> 76 pages; ceil(76 / 8) = 10 per request, 20 in all.
  std::vector<std::string> other = args;
  other.insert(other.end(), {"--seed", "987654321"});
  json c = run_json(other);
  EXPECT_EQ(c["status"], "ok");
  EXPECT_EQ(c["data_check"], "pass");
  EXPECT_EQ(c["config"]["seed"], 987654321u);
  EXPECT_EQ(c["chunks"], 20u);
  EXPECT_EQ(a["chunks"], 20u);
}

TEST_F(Cli, BadValuesExit2WithOneLineAndNoOutput) {
  const std::string unknown_key = dir_ + "/io/unknown_key.json";
  std::ofstream(unknown_key) << R"({"size": "1M", "map_regsiters": 4})";
  struct Bad {
    std::vector<std::string> args;
    std::vector<std::string> named;  // what the message must mention
  };
  const Bad bad[] = {
      {{"--map-registers", "0"}, {"--map-registers"}},
      {{"--map-registers", "-1"}, {"--map-registers"}},
      {{"--size", "abc"}, {"--size"}},
      {{"--size", ""}, {"--size"}},
      {{"--direction", "up"}, {"--direction"}},
      {{"--engine", "systemverilog"}, {"--engine"}},
      {{"--iommu", "yes"}, {"--iommu"}},
      {{"--channels", "3"}, {"--channels"}},
      {{"--config", "/nonexistent.json"}, {"--config", "/nonexistent.json"}},
      {{"--config", unknown_key}, {"--config", "map_regsiters"}},
      {{"--frobnicate", "3"}, {"--frobnicate"}},
      {{"sweep", "--map-registers", "1,2,4"}, {"sweep"}},
      {{"--config", dir_ + "/io"}, {"--config"}},        // a directory
      {{"--size", "--map-registers", "4"}, {"--size"}},  // an option word is not a value
      {{"--map-registers", "4", "--quiet", "--size"}, {"--size"}},
      {{"--read-rtt", " 5"}, {"--read-rtt"}},
      {{"--inject", "driver:no-such-bug"}, {"--inject"}},
      {{"--inject", "hw:iommu-fault", "--iommu", "off"}, {"--inject"}},
      {{"--inject", "hw:no-such-fault"}, {"--inject"}},
      {{"--miniport", "nope"}, {"--miniport"}},
      // A clock period of 0 (also after rounding to picoseconds): the RTL bridge divides by it
      // (SIGFPE, exit 136). Refused, not simulated. (--rtl-quantum 0, which hung the bridge,
      // is covered with a time limit by EveryNumericOptionAtItsMinimumRunsOrIsRefused.)
      {{"--engine", "rtl", "--rtl-clock", "0"}, {"--rtl-clock"}},
      {{"--engine", "rtl", "--rtl-clock", "0.0004"}, {"--rtl-clock"}},
      // An empty waves window.
      {{"--waves-from", "500", "--waves-to", "200.5"}, {"--waves-from", "--waves-to", "200.5"}},
  };
  for (const Bad& b : bad) {
    std::vector<std::string> args = b.args;
    args.insert(args.end(), {"--json", out("r.json"), "--vcd", out("w.vcd")});
    const RunResult r = run(args);
    SCOPED_TRACE(describe(args));
    EXPECT_EQ(r.exit_code, 2);
    const auto lines = lines_of(r.err);
    ASSERT_EQ(lines.size(), 1u) << r.err;
    EXPECT_EQ(r.err.back(), '\n');
    for (const auto& name : b.named) EXPECT_NE(lines[0].find(name), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_TRUE(files_in(dir_ + "/out").empty()) << "an output file was written";
  }
}

// Edges of a signal: value changes from 0 to non-zero (rising) and back (falling), in order.
struct Edges {
  std::vector<std::uint64_t> rise, fall;
};
Edges edges(const dmasim_test::VcdSignal& s) {
  Edges e;
  std::uint64_t prev = 0;
  for (const auto& [t, v] : s.changes) {
    if (!prev && v) e.rise.push_back(t);
    if (prev && !v) e.fall.push_back(t);
    prev = v;
  }
  return e;
}

std::uint64_t final_value(const dmasim_test::VcdSignal& s) {
  return s.changes.empty() ? 0 : s.changes.back().second;
}

std::uint64_t max_value(const dmasim_test::VcdSignal& s) {
  std::uint64_t m = 0;
  for (const auto& c : s.changes) m = std::max(m, c.second);
  return m;
}

bool has_value(const dmasim_test::VcdSignal& s, std::uint64_t v) {
  return std::any_of(s.changes.begin(), s.changes.end(),
                     [v](const auto& c) { return c.second == v; });
}

TEST_F(Cli, VcdWavesFollowEveryChunk) {
  // 100 KiB at offset 4095 with 4 map registers: 4095 + 102400 -> 26 pages -> 7 chunks per
  // request (six of 4 pages, one of 2); 2 requests -> 14 chunks, 204800 bytes.
  for (const std::string name : {"wave.vcd", "wave"}) {
    SCOPED_TRACE(name);
    const std::string path = out(name);
    json j = run_json({"--size", "100K", "--offset", "4095", "--map-registers", "4", "--requests",
                       "2", "--vcd", path});
    ASSERT_EQ(j["chunks"], 14u);
    ASSERT_EQ(j["config"]["vcd"], path);
    // The file is at exactly PATH and nothing else was left behind.
    EXPECT_EQ(files_in(dir_ + "/out"), std::set<std::string>{name});
    std::uint64_t ts = 0;
    const auto sigs = dmasim_test::read_vcd(path, &ts);
    EXPECT_EQ(ts, 1u);  // 1 ps
    for (const char* s :
         {"irq_line", "cpu_irql", "engine_busy_ch0", "map_registers_in_use", "bytes_moved"})
      ASSERT_TRUE(sigs.count(s)) << s;
    const auto& irq = sigs.at("irq_line");
    const auto& irql = sigs.at("cpu_irql");
    const auto& busy = sigs.at("engine_busy_ch0");
    const auto& mapregs = sigs.at("map_registers_in_use");
    const auto& bytes = sigs.at("bytes_moved");
    for (const auto* s : {&irq, &irql, &busy, &mapregs, &bytes}) EXPECT_FALSE(s->has_unknown);

    // The interrupt line goes up and back down once per chunk, and ends low.
    const Edges irq_e = edges(irq);
    EXPECT_EQ(irq_e.rise.size(), 14u);
    EXPECT_EQ(irq_e.fall.size(), 14u);
    EXPECT_EQ(max_value(irq), 1u);
    EXPECT_EQ(final_value(irq), 0u);
    // The CPU runs the ISR at DIRQL (5) and the DPC at DISPATCH_LEVEL (2), nothing higher.
    EXPECT_TRUE(has_value(irql, 5));
    EXPECT_TRUE(has_value(irql, 2));
    EXPECT_EQ(max_value(irql), 5u);
    EXPECT_EQ(final_value(irql), 0u);
    // The engine is busy once per chunk, and each chunk's interrupt follows its end.
    const Edges busy_e = edges(busy);
    ASSERT_EQ(busy_e.rise.size(), 14u);
    ASSERT_EQ(busy_e.fall.size(), 14u);
    EXPECT_EQ(final_value(busy), 0u);
    for (std::size_t k = 0; k < 14 && k < irq_e.rise.size(); ++k) {
      EXPECT_LT(busy_e.rise[k], busy_e.fall[k]) << k;
      EXPECT_LE(busy_e.fall[k], irq_e.rise[k]) << k;
      if (k + 1 < 14) {
        EXPECT_LT(irq_e.rise[k], busy_e.rise[k + 1]) << k;
      }
    }
    // Map registers in use peak at exactly N (26 pages > 4) and are all returned at the end.
    EXPECT_EQ(max_value(mapregs), 4u);
    EXPECT_EQ(final_value(mapregs), 0u);
    // Bytes moved only grow and end at size * requests.
    for (std::size_t k = 1; k < bytes.changes.size(); ++k)
      EXPECT_LE(bytes.changes[k - 1].second, bytes.changes[k].second) << k;
    EXPECT_EQ(final_value(bytes), 204800u);
    // One channel in use: the second never gets busy.
    if (sigs.count("engine_busy_ch1")) {
      EXPECT_EQ(max_value(sigs.at("engine_busy_ch1")), 0u);
    }
    fs::remove(path);
  }
}

TEST_F(Cli, VcdPathWithoutSuffixLeavesOtherFilesAlone) {
  // SystemC appends ".vcd" to trace-file names; dmasim must write exactly the given path.
  std::ofstream(out("wave.vcd")) << "keep";
  const RunResult r = run({"--size", "4K", "--quiet", "--vcd", out("wave")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(slurp(out("wave.vcd")), "keep");
  EXPECT_NE(slurp(out("wave")).find("$enddefinitions"), std::string::npos);
  EXPECT_EQ(files_in(dir_ + "/out"), (std::set<std::string>{"wave", "wave.vcd"}));
}

TEST_F(Cli, InjectedDriverBugExits1WithItsVerifierCode) {
  const RunResult list = run({"--list-injections"});
  ASSERT_EQ(list.exit_code, 0);
  EXPECT_NE(list.out.find("driver:complete-twice  [DV_COMPLETE_TWICE]"), std::string::npos);
  const RunResult r = run({"--inject", "driver:complete-twice", "--size", "64K", "--json", "-"});
  EXPECT_EQ(r.exit_code, 1);
  const json j = json::parse(r.out);
  EXPECT_EQ(j["status"], "error");
  EXPECT_EQ(j["data_check"], "pass");  // the data moved right; the driver broke the contract
  EXPECT_EQ(j["verifier"]["list"][0]["code"], "DV_COMPLETE_TWICE");
  EXPECT_EQ(j["verifier"]["list"][0]["number"], 4);
  EXPECT_EQ(lines_of(r.err).size(), 1u) << r.err;
  EXPECT_NE(r.err.find("DV_COMPLETE_TWICE"), std::string::npos);
}

// Every hardware injection, through the binary: listed, and ending with exit status 0 when
// every request ended correct (recovered or harmless) and 1 with the failed request counted.
TEST_F(Cli, EveryHardwareInjectionEndsWithTheRightStatus) {
  struct Expect {
    const char* name;
    int exit_code;
    int errors_logged, timeouts_logged, unclaimed, failed;
  };
  const Expect all[] = {
      {"read-error", 0, 1, 0, 0, 0},
      {"write-error", 0, 1, 0, 0, 0},
      {"persistent-read-error", 1, 4, 0, 0, 1},
      {"lost-interrupt", 0, 1, 1, 0, 0},
      {"spurious-interrupt", 0, 0, 0, 1, 0},
      {"engine-hang", 0, 2, 1, 0, 0},
      {"iommu-fault", 0, 1, 0, 0, 0},
      {"bad-descriptor", 0, 1, 0, 0, 0},
  };
  const RunResult list = run({"--list-injections"});
  std::size_t listed = 0;
  for (const std::string& line : lines_of(list.out)) listed += line.rfind("  hw:", 0) == 0;
  EXPECT_EQ(listed, std::size(all)) << list.out;
  for (const Expect& e : all) {
    EXPECT_NE(list.out.find(std::string("hw:") + e.name), std::string::npos) << e.name;
    // Host writes happen only from the device; the other faults hit either direction.
    const bool from_device = std::string(e.name) == "write-error";
    const RunResult r = run({"--inject", std::string("hw:") + e.name + "@chunk=2", "--size", "64K",
                             "--map-registers", "4", "--iommu", "on", "--direction",
                             from_device ? "from-device" : "to-device", "--json", "-"});
    EXPECT_EQ(r.exit_code, e.exit_code) << e.name << ": " << r.err;
    const json j = json::parse(r.out);
    EXPECT_EQ(j["status"], e.exit_code ? "error" : "ok") << e.name;
    EXPECT_EQ(j["faults"]["injected"], e.failed ? 4 : 1) << e.name;
    EXPECT_EQ(j["faults"]["errors_logged"], e.errors_logged) << e.name;
    EXPECT_EQ(j["faults"]["timeouts_logged"], e.timeouts_logged) << e.name;
    EXPECT_EQ(j["unclaimed_interrupts"], e.unclaimed) << e.name;
    // isr_calls: the device's vector (claimed or not) and the IOMMU's fault events.
    EXPECT_EQ(j["isr_calls"],
              j["interrupts"].get<int>() + e.unclaimed + j["iommu"]["fault_interrupts"].get<int>())
        << e.name;
    EXPECT_EQ(j["faults"]["failed_requests"], e.failed) << e.name;
    EXPECT_EQ(j["verifier"]["violations"], 0) << e.name;
    if (e.exit_code) {
      EXPECT_EQ(lines_of(r.err).size(), 1u) << r.err;
    }
  }
}

// A miniport without a watchdog (the example one) never finishes after a lost interrupt: exit 1
// with one line, and the time reported is up to where the run stopped, not a wrapped difference.
TEST_F(Cli, StalledRunReportsTheTimeUpToTheStall) {
  const std::vector<std::string> args = {
      "--miniport",      "example", "--size",   "64K",
      "--map-registers", "4",       "--inject", "hw:lost-interrupt@chunk=2"};
  std::vector<std::string> with_json = args;
  with_json.insert(with_json.end(), {"--json", "-"});
  // The stuck passive thread's stack (its locked buffer, its MDL) stays on a SystemC coroutine
  // that never resumes, so a sanitized build's LeakSanitizer would report it at exit.
  const std::string no_leak_check = "ASAN_OPTIONS=\"${ASAN_OPTIONS:-}:detect_leaks=0\"";
  const RunResult r = run(with_json, no_leak_check);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  const auto lines = lines_of(r.err);
  ASSERT_EQ(lines.size(), 1u) << r.err;
  EXPECT_EQ(lines[0].rfind("dmasim: error: simulation stalled at ", 0), 0u) << r.err;
  EXPECT_NE(lines[0].find("1 of 1 requests not completed"), std::string::npos) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["status"], "error");
  EXPECT_EQ(j["requests"], 0u);
  EXPECT_EQ(j["chunks"], 1u);  // the first chunk; the second's interrupt never came
  // The first chunk (16 pages) takes about 20 us; the run stops when nothing is left to happen,
  // well under a millisecond (no watchdog timer runs).
  const double ns = j["sim_time_ns"].get<double>();
  EXPECT_GT(ns, 1000.0);
  EXPECT_LT(ns, 1e6);
  EXPECT_EQ(j["throughput_GBps"], 0.0);
  EXPECT_LE(j["cpu"]["utilization"].get<double>(), 1.0);
  // The summary says the same.
  const RunResult s = run(args, no_leak_check);
  EXPECT_EQ(s.exit_code, 1);
  char simulated[64];
  std::snprintf(simulated, sizeof simulated, "simulated %.3f us,", ns / 1000.0);
  EXPECT_NE(s.out.find(simulated), std::string::npos) << s.out;
}

// HwVidTimer's DPCs are the video port's, not the driver's: dpcs stays one per claimed interrupt
// (one per chunk), and the timer's are counted as timer_dpcs.
TEST_F(Cli, TimerDpcsAreCountedApartFromTheDriversDpcs) {
  // 64 KiB, 4 map registers: 4 chunks. The second chunk's interrupt is lost; the watchdog in
  // HwVidTimer finds it at the timer's second tick (2 s) and completes it.
  const json j =
      run_json({"--inject", "hw:lost-interrupt@chunk=2", "--size", "64K", "--map-registers", "4"});
  EXPECT_EQ(j["status"], "ok");
  EXPECT_EQ(j["chunks"], 4u);
  EXPECT_EQ(j["interrupts"], 3u);
  EXPECT_EQ(j["dpcs"], 3u);
  EXPECT_EQ(j["timer_dpcs"], 2u);
  EXPECT_EQ(j["faults"]["timeouts_logged"], 1u);
  ASSERT_EQ(j["per_request"].size(), 1u);
  EXPECT_EQ(j["per_request"][0]["dpcs"], 3u);
  EXPECT_EQ(j["per_request"][0]["interrupts"], j["per_request"][0]["dpcs"]);
}

// Two channels, nothing injected: an ISR reads both channels' status, so it may take a second
// completion whose MSI then finds nothing to claim. That is not a fault.
TEST_F(Cli, TwoChannelsMayLeaveInterruptsUnclaimedWithoutAFault) {
  const json j =
      run_json({"--size", "256K", "--map-registers", "16", "--channels", "2", "--requests", "2"});
  EXPECT_EQ(j["status"], "ok");
  EXPECT_EQ(j["isr_calls"],
            j["interrupts"].get<std::uint64_t>() + j["unclaimed_interrupts"].get<std::uint64_t>());
  EXPECT_EQ(j["msi_messages"], j["isr_calls"]);
  for (const auto& [key, value] : j["faults"].items()) EXPECT_EQ(value, 0u) << key;
}

// Every numeric option at the least value it accepts (read from --help), on both engines: the
// run either works or is refused with exit 2 and one line naming an option; never a signal, a
// hang or a wrong exit. (tests/unit/test_hostile.cpp runs the parser alone: an accepted value
// that breaks the simulation, like a zero clock period, gets past it.)
TEST_F(Cli, EveryNumericOptionAtItsMinimumRunsOrIsRefused) {
  const RunResult help = run({"--help"});
  ASSERT_EQ(help.exit_code, 0);
  std::vector<std::pair<std::string, std::string>> minimums;  // option, least value
  for (const std::string& line : lines_of(help.out)) {
    if (line.rfind("  --", 0) != 0) continue;
    const auto open = line.find(" (");
    const auto dots = line.find("..", open);
    if (open == std::string::npos || dots == std::string::npos) continue;
    minimums.emplace_back(line.substr(2, open - 2), line.substr(open + 2, dots - open - 2));
  }
  ASSERT_GT(minimums.size(), 30u) << help.out;
  for (const char* engine : {"tlm", "rtl"}) {
    for (const auto& [option, value] : minimums) {
      const std::vector<std::string> args = {"--engine", engine, "--size", "8K",     "--offset",
                                             "100",      option, value,    "--quiet"};
      std::string cmd = "timeout 30 " + shell_quote(DMASIM_BIN);
      for (const auto& a : args) cmd += " " + shell_quote(a);
      cmd += " </dev/null >/dev/null 2>" + shell_quote(dir_ + "/io/stderr");
      const int status = std::system(cmd.c_str());
      const int code = status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      const std::string err = slurp(dir_ + "/io/stderr");
      SCOPED_TRACE(describe(args));
      EXPECT_TRUE(code == 0 || code == 2) << "exit " << code << " (124: hung; 128+N: signal N)\n"
                                          << err;
      if (code == 2) {
        EXPECT_EQ(lines_of(err).size(), 1u) << err;
        EXPECT_NE(err.find("--"), std::string::npos) << err;
      }
    }
  }
}

TEST_F(Cli, IommuCostsTimeAsItsPerPageCostsPredict) {
  // 1 MiB, 16 map registers: 16 chunks of 16 pages. With the IOMMU each chunk adds CPU work of
  // 16 x (0.1 us map + 0.083 us unmap) + 0.5 us invalidation wait = 3.428 us, all on the
  // critical path, so at least 54.848 us in total; page walks (0.25 us each) add more only
  // where the link does not hide them, at most 16 x 16 x 0.25 = 64 us.
  const json off = run_json({"--size", "1M", "--map-registers", "16", "--iommu", "off"});
  const json on = run_json({"--size", "1M", "--map-registers", "16", "--iommu", "on"});
  ASSERT_EQ(on["status"], "ok");
  EXPECT_EQ(on["data_check"], "pass");
  // One thing gets cheaper: contiguous IOVAs make one scatter/gather element per chunk, so the
  // miniport writes fewer descriptors (0.02 us each).
  const double fewer_descriptors =
      (off["sg_elements"].get<double>() - on["sg_elements"].get<double>()) * 20.0;
  EXPECT_EQ(on["sg_elements"], 16);
  const double extra = on["sim_time_ns"].get<double>() - off["sim_time_ns"].get<double>();
  EXPECT_GE(extra, 54848.0 - fewer_descriptors);
  EXPECT_LE(extra, 54848.0 - fewer_descriptors + 64000.0);
  EXPECT_LT(on["throughput_GBps"].get<double>(), off["throughput_GBps"].get<double>());
  EXPECT_EQ(on["iommu"]["iotlb_misses"], 257);
  // Making walks ten times dearer costs time: they are on the path, not free.
  const json slow = run_json(
      {"--size", "1M", "--map-registers", "16", "--iommu", "on", "--iommu-walk-read", "625"});
  EXPECT_GT(slow["sim_time_ns"].get<double>(), on["sim_time_ns"].get<double>());
}

TEST_F(Cli, BounceCopiesCostExactlyTheirBytes) {
  // Every copy sits on the critical path (StartDma before HwVidExecuteDma; CompleteDma in the
  // DPC before the next chunk), so the time with a copy cost of 93 ns/KiB exceeds the time with
  // a free copy by exactly bytes / 1024 x 93 ns: 64 KiB -> 5952 ns, in either direction.
  for (const char* dir : {"to-device", "from-device"}) {
    std::vector<std::string> base = {"--size",      "64K",     "--map-registers",
                                     "4",           "--dma32", "--buffer-above-4g",
                                     "--direction", dir};
    std::vector<std::string> free_copy = base, paid = base;
    free_copy.insert(free_copy.end(), {"--bounce-copy", "0"});
    paid.insert(paid.end(), {"--bounce-copy", "93"});
    const json a = run_json(free_copy), b = run_json(paid);
    EXPECT_EQ(a["bounce_bytes"], 65536);
    EXPECT_EQ(b["data_check"], "pass");
    EXPECT_DOUBLE_EQ(b["sim_time_ns"].get<double>() - a["sim_time_ns"].get<double>(), 5952.0)
        << dir;
  }
}

TEST_F(Cli, VcdShowsLinkBusyAndIotlbMisses) {
  // 64 KiB with the IOMMU: both link directions go busy and idle again; the IOTLB miss count
  // steps up to the run's total (16 data pages + 1 descriptor page).
  const RunResult r = run({"--size", "64K", "--iommu", "on", "--quiet", "--vcd", out("w.vcd")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::uint64_t timescale = 0;
  const auto sigs = dmasim_test::read_vcd(out("w.vcd"), &timescale);
  for (const char* name : {"link_busy_upstream", "link_busy_downstream"}) {
    ASSERT_TRUE(sigs.count(name)) << name;
    EXPECT_TRUE(has_value(sigs.at(name), 1)) << name;
    EXPECT_EQ(final_value(sigs.at(name)), 0u) << name;
  }
  ASSERT_TRUE(sigs.count("iotlb_misses"));
  EXPECT_EQ(final_value(sigs.at("iotlb_misses")), 17u);
  EXPECT_GT(sigs.at("iotlb_misses").changes.size(), 2u);
}

TEST_F(Cli, RtlEngineWritesItsOwnWavesBesideThePlatforms) {
  const RunResult r =
      run({"--engine", "rtl", "--size", "16K", "--quiet", "--rtl-waves", "--vcd", out("w.vcd")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::uint64_t timescale = 0;
  const auto platform = dmasim_test::read_vcd(out("w.vcd"), &timescale);
  EXPECT_TRUE(platform.count("engine_busy_ch0"));
  const auto rtl = dmasim_test::read_vcd(out("w.rtl.vcd"), &timescale);
  // Names used in several scopes are qualified: the top module's ports are TOP.*.
  ASSERT_TRUE(rtl.count("TOP.clk"));
  ASSERT_TRUE(rtl.count("TOP.busy"));
  EXPECT_GT(rtl.at("TOP.clk").changes.size(), 10u);  // it toggles every half cycle
  EXPECT_TRUE(has_value(rtl.at("TOP.busy"), 1));
  // Off unless asked for (about 83 MB per MiB moved): only the platform's waves.
  const RunResult off = run({"--engine", "rtl", "--size", "16K", "--quiet", "--vcd", out("x.vcd")});
  ASSERT_EQ(off.exit_code, 0) << off.err;
  EXPECT_TRUE(fs::exists(out("x.vcd")));
  EXPECT_FALSE(fs::exists(out("x.rtl.vcd")));
}

// --waves-from/--waves-to: the RTL's waves hold only the window's simulated times, and in it the
// clock toggles every half cycle (4 ns clock: 2000 ps).
TEST_F(Cli, RtlWavesOnlyInsideTheWindow) {
  const RunResult r =
      run({"--engine", "rtl", "--size", "64K", "--quiet", "--rtl-waves", "--waves-from", "10000",
           "--waves-to", "10100.5", "--vcd", out("w.vcd")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::uint64_t timescale = 0;
  const auto rtl = dmasim_test::read_vcd(out("w.rtl.vcd"), &timescale);
  ASSERT_TRUE(rtl.count("TOP.clk"));
  std::uint64_t first = ~0ULL, last = 0, changes = 0;
  for (const auto& [name, sig] : rtl) {
    for (const auto& [t, v] : sig.changes) {
      first = std::min(first, t * timescale);
      last = std::max(last, t * timescale);
      ++changes;
    }
  }
  ASSERT_GT(changes, 0u);
  EXPECT_GE(first, 10000000u);
  EXPECT_LE(last, 10100500u);
  // 10000..10100.5 ns (the engine busy) holds 51 half cycles (10000, 10002, ..., 10100 ns).
  const auto& clk = rtl.at("TOP.clk").changes;
  ASSERT_EQ(clk.size(), 51u);
  EXPECT_EQ(clk.front().first * timescale, 10000000u);
  EXPECT_EQ(clk.back().first * timescale, 10100000u);
  // From 0 (the start) to a time: nothing after it.
  const RunResult to = run({"--engine", "rtl", "--size", "64K", "--quiet", "--rtl-waves",
                            "--waves-to", "1000", "--vcd", out("x.vcd")});
  ASSERT_EQ(to.exit_code, 0) << to.err;
  for (const auto& [name, sig] : dmasim_test::read_vcd(out("x.rtl.vcd"), &timescale))
    for (const auto& [t, v] : sig.changes) EXPECT_LE(t * timescale, 1000000u) << name;
}

TEST_F(Cli, HelpListsOptions) {
  const RunResult r = run({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.err, "");
  for (const char* opt : {"--map-registers", "--size", "--offset", "--direction", "--requests",
                          "--config", "--vcd", "--json"})
    EXPECT_NE(r.out.find(opt), std::string::npos) << opt;
}

}  // namespace
