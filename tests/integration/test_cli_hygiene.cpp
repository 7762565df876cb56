// The dmasim binary at its edges (issue 11): config files that are hostile or fed back from a
// results file, one number syntax for every option, reproducible records, injections that either
// fire or fail the run, and refusals that name the option before any simulation.
//
// The binary runs through fork/exec (no shell); DMASIM_BIN_UNDER_TEST, if set, replaces the
// built binary, so that the same tests can be pointed at an older build to see them fail.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#ifndef DMASIM_BIN
#error "DMASIM_BIN (path of the dmasim executable) must be defined"
#endif

extern char** environ;

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct Outcome {
  int exit_code = -1;
  std::string out, err;
};

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

void spit(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  f << text;
}

std::string describe(const std::vector<std::string>& args) {
  std::string d = "dmasim";
  for (const auto& a : args) d += " " + (a.size() > 80 ? a.substr(0, 80) + "..." : a);
  return d;
}

class Hygiene : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/dmasim_hygiene_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string path(const std::string& name) const { return dir_ + "/" + name; }

  Outcome run(const std::vector<std::string>& args) {
    const char* over = std::getenv("DMASIM_BIN_UNDER_TEST");
    const std::string bin = over && *over ? over : DMASIM_BIN;
    const std::string so = path("stdout"), se = path("stderr");
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(bin.c_str()));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, so.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&fa, 2, se.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    pid_t pid = 0;
    Outcome r;
    if (posix_spawn(&pid, bin.c_str(), &fa, nullptr, argv.data(), environ) == 0) {
      int status = 0;
      if (waitpid(pid, &status, 0) == pid && WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
    }
    posix_spawn_file_actions_destroy(&fa);
    r.out = slurp(so);
    r.err = slurp(se);
    return r;
  }

  // A usage error: exit 2, one short line on stderr that contains `expect`, nothing on stdout.
  void expect_usage_error(const std::vector<std::string>& args, const std::string& expect) {
    const Outcome r = run(args);
    EXPECT_EQ(r.exit_code, 2) << describe(args) << "\n" << r.err.substr(0, 500);
    EXPECT_NE(r.err.find(expect), std::string::npos)
        << describe(args) << ": expected '" << expect << "' in\n"
        << r.err.substr(0, 500);
    EXPECT_LE(r.err.size(), 400u) << describe(args) << ": message too long";
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << describe(args) << "\n" << r.err;
    EXPECT_EQ(r.out, "") << describe(args);
  }

  // Runs with --json - and returns the results (exit status as given).
  json run_json(std::vector<std::string> args, int expect_exit = 0) {
    args.push_back("--json");
    args.push_back("-");
    const Outcome r = run(args);
    EXPECT_EQ(r.exit_code, expect_exit) << describe(args) << "\n" << r.err;
    try {
      return json::parse(r.out);
    } catch (const json::exception& e) {
      ADD_FAILURE() << describe(args) << ": stdout is not JSON: " << r.out.substr(0, 300);
      return json::object();
    }
  }

  std::string config(const std::string& name, const std::string& text) {
    spit(path(name), text);
    return path(name);
  }

  std::string dir_;
};

// ---- Config files ------------------------------------------------------------------------------

TEST_F(Hygiene, DeepNestingIsRefusedWithoutCrashing) {
  for (const std::size_t depth : {100000u, 20000u, 65u}) {
    const std::string nest = std::string(depth, '[') + std::string(depth, ']');
    expect_usage_error({"--config", config("deep.json", "{\"size\": " + nest + "}")},
                       "nested deeper than 64 levels");
    expect_usage_error({"--config", config("deep_top.json", nest)}, "nested deeper than 64 levels");
  }
  // 64 levels is within the limit: the parser reads it, and the value is refused as a type.
  const std::string nest63 = std::string(63, '[') + std::string(63, ']');
  expect_usage_error({"--config", config("ok_depth.json", "{\"size\": " + nest63 + "}")},
                     "expected a number or string, got array");
}

TEST_F(Hygiene, MessagesQuoteAtMost200CharactersOfAValue) {
  const std::string big(100000, 'x');
  expect_usage_error({"--config", config("long.json", "{\"size\": \"" + big + "\"}")},
                     "invalid value '" + std::string(200, 'x') + "...'");
  expect_usage_error({"--config", config("long_key.json", "{\"" + big + "\": 1}")}, "...");
  std::string many = "[1";
  for (int k = 0; k < 50000; ++k) many += ",1";
  expect_usage_error({"--config", config("long_array.json", "{\"size\": " + many + "]}")},
                     "got array [1,1,1");
  expect_usage_error({"--size", big}, "...'");
  expect_usage_error({"--" + big}, "unknown option");
  expect_usage_error({"--inject", "hw:" + big}, "...'");
  // Values checked by name rather than by the parameter table, and the sweep's own options.
  expect_usage_error({"--miniport", big}, "...'");
  expect_usage_error({"sweep", "--map-registers", "1", "--csv", path("s.csv"), "--jobs", big},
                     "...'");
  expect_usage_error({"sweep", "--map-registers", "1," + big, "--csv", path("s.csv")}, "...'");
  expect_usage_error({"sweep", "--map-registers", "1", "--csv", path("s.csv"), "--series", big},
                     "...'");
  expect_usage_error({"sweep", "--map-registers", "1", "--plot", big}, "...'");
  // A syntax error's "last read" token is quoted by the parser: cut too.
  expect_usage_error({"--config", config("bad.json", "{\"size\": \"" + big)}, "not valid JSON");
}

TEST_F(Hygiene, DuplicateKeysAreAnError) {
  expect_usage_error({"--config", config("dup.json", R"({"size": 4096, "size": 8192})")},
                     "key 'size' given twice");
  expect_usage_error(
      {"--config", config("spell.json", R"({"map_registers": 8, "map-registers": 64})")},
      "keys 'map-registers' and 'map_registers' both set --map-registers");
  expect_usage_error({"--config", config("spell2.json", R"({"rtl-clock": 4, "rtl_clock": 4})")},
                     "both set --rtl-clock");
  // A duplicate one level down is caught too, though the value would be refused anyway.
  expect_usage_error({"--config", config("dup_in.json", R"({"size": {"a": 1, "a": 2}})")},
                     "key 'a' given twice");
}

TEST_F(Hygiene, NullAndEmptyStringMeanNotGiven) {
  const std::string c = config("nulls.json",
                               R"({"size": null, "inject": "", "vcd": "", "map_registers": 8,
                                   "direction": null, "miniport": ""})");
  const json j = run_json({"--config", c});
  EXPECT_EQ(j["status"], "ok") << j["error"];
  EXPECT_EQ(j["config"]["size"], 1 << 20);  // the default
  EXPECT_EQ(j["config"]["inject"], "");
  EXPECT_EQ(j["config"]["miniport"], "dmasim");
  EXPECT_EQ(j["config"]["map_registers"], 8);
  // "" stays an error for a number, an enum and on the command line.
  expect_usage_error({"--config", config("empty_num.json", R"({"size": ""})")}, "key 'size'");
  expect_usage_error({"--config", config("empty_enum.json", R"({"engine": ""})")}, "key 'engine'");
  expect_usage_error({"--inject="}, "--inject: empty value");
}

}  // namespace

// ---- One number syntax -------------------------------------------------------------------------

TEST_F(Hygiene, EveryNumberHasOneSyntax) {
  // Refused everywhere: hex, exponents, signs, spaces, words strtod would take.
  for (const std::string& bad : {"0x10", "1e1", "+4", "-4", " 4", "4 ", "inf", "nan", "4.", ""}) {
    expect_usage_error({"--rtl-clock=" + bad}, "--rtl-clock: ");
    expect_usage_error({"--map-registers=" + bad}, "--map-registers: ");
    expect_usage_error({"--size=" + bad}, "--size: ");
  }
  expect_usage_error({"--seed", "0x10"}, "--seed: invalid value '0x10'");
  expect_usage_error({"--map-registers", "16K"}, "--map-registers: invalid value '16K'");
  expect_usage_error({"--rtl-clock", "4K"}, "--rtl-clock: invalid value '4K'");
  // @chunk=K is a count: K/M/G are for byte sizes, in either case.
  for (const std::string& k : {"1k", "1K", "0x1", " 1", "1 ", "+1", "0"})
    expect_usage_error({"--inject", "hw:read-error@chunk=" + k}, "--inject: invalid value");
  // What is accepted, and what it means.
  const json j = run_json({"--size", "8k", "--rtl-clock", "4.5", "--quantum", ".5", "--mps", "256",
                           "--inject", "hw:read-error@chunk=2", "--map-registers", "1"});
  EXPECT_EQ(j["config"]["size"], 8192);  // two pages, two runs with one map register
  EXPECT_EQ(j["config"]["rtl_clock"], 4.5);
  EXPECT_EQ(j["config"]["quantum"], 0.5);
  EXPECT_EQ(j["status"], "ok") << j["error"];
  EXPECT_EQ(j["faults"]["injected"], 1);
  EXPECT_EQ(run_json({"--size", "1KiB"})["config"]["size"], 1024);
  // A config file's numbers go through the same syntax (a float prints without an exponent).
  const json f = run_json({"--config", config("num.json", R"({"size": 8192, "rtl_clock": 1e-2,
                                                            "map_registers": 4.0})")});
  EXPECT_EQ(f["config"]["rtl_clock"], 0.01);
  EXPECT_EQ(f["config"]["map_registers"], 4);
  expect_usage_error({"--config", config("hex.json", R"({"rtl_clock": "0x10"})")},
                     "key 'rtl_clock': invalid value '0x10'");
}

// ---- Reproducible records ----------------------------------------------------------------------

// The results without what may differ between identical runs: wall time and where the config
// came from.
json comparable(json j) {
  j.erase("wall_s");
  j.erase("config_file");
  if (j.contains("config")) j["config"].erase("config");
  return j;
}

TEST_F(Hygiene, ErrorRunsAreIdenticalRunToRun) {
  // Each names objects the verifier found at fault (SG lists, contexts), by serial not address.
  for (const std::string inject : {"driver:complete-twice", "driver:complete-without-start",
                                   "driver:context-pageable", "driver:sg-after-complete"}) {
    const std::vector<std::string> args = {"--inject", inject, "--channels", "2", "--size", "256K"};
    const json a = run_json(args, 1), b = run_json(args, 1);
    EXPECT_EQ(a["status"], "error") << inject;
    EXPECT_EQ(comparable(a).dump(1), comparable(b).dump(1)) << inject;
    EXPECT_EQ(a["error"].get<std::string>().find("0x7"), std::string::npos) << a["error"];
  }
  const json twice = run_json({"--inject", "driver:complete-twice"}, 1);
  EXPECT_NE(twice["error"].get<std::string>().find("SG list #1 of adapter 0"), std::string::npos)
      << twice["error"];
}

TEST_F(Hygiene, ResultsConfigLoadsBackAndReproducesTheRun) {
  const std::vector<std::vector<std::string>> runs = {
      {},
      {"--random", "--seed", "7", "--requests", "12", "--channels", "2", "--size", "40K"},
      {"--size", "20K", "--offset", "100", "--direction", "from-device", "--iommu", "on",
       "--read-rtt", "123.456", "--map-registers", "3", "--mps", "128"},
      {"--inject", "driver:complete-twice", "--size", "16K"},
      {"--inject", "hw:read-error@chunk=2", "--size", "64K", "--map-registers", "4"},
  };
  int n = 0;
  for (const auto& args : runs) {
    const int exit_code = args.size() > 1 && args[1] == "driver:complete-twice" ? 1 : 0;
    const json first = run_json(args, exit_code);
    const std::string saved = path("config" + std::to_string(n++) + ".json");
    json config = first["config"];
    config.erase("config");  // the config file's own name is bookkeeping, not a parameter
    spit(saved, config.dump(2));
    const json again = run_json({"--config", saved}, exit_code);
    EXPECT_EQ(comparable(first).dump(1), comparable(again).dump(1)) << describe(args);
  }
}

TEST_F(Hygiene, RandomRunsReportNoFixedOffsetOrDirection) {
  const json j = run_json({"--random", "--requests", "4", "--size", "8K"});
  EXPECT_TRUE(j["config"]["offset"].is_null()) << j["config"];
  EXPECT_TRUE(j["config"]["direction"].is_null()) << j["config"];
  const json fixed = run_json({"--size", "8K"});
  EXPECT_EQ(fixed["config"]["offset"], 0);
  EXPECT_EQ(fixed["config"]["direction"], "to-device");
  const Outcome human = run({"--random", "--requests", "4", "--size", "8K"});
  EXPECT_EQ(human.exit_code, 0) << human.err;
  EXPECT_NE(human.out.find("dmasim: random, 4 request(s)"), std::string::npos) << human.out;
}

// ---- Injections: they fire, or the run says so -------------------------------------------------

// driver:NAME -> the DV_* code it is documented to prove, as --list-injections prints them.
std::vector<std::pair<std::string, std::string>> listed_driver_injections(const std::string& text) {
  std::vector<std::pair<std::string, std::string>> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    const auto at = line.find("driver:"), open = line.find('['), close = line.find(']');
    if (line.rfind("  driver:", 0) != 0 || open == std::string::npos || close < open) continue;
    out.emplace_back(line.substr(at, line.find(' ', at) - at),
                     line.substr(open + 1, close - open - 1));
  }
  return out;
}

TEST_F(Hygiene, EachDriverInjectionFirstReportsItsDocumentedCode) {
  const Outcome list = run({"--list-injections"});
  ASSERT_EQ(list.exit_code, 0);
  const auto injections = listed_driver_injections(list.out);
  ASSERT_EQ(injections.size(), 11u) << list.out;
  const std::vector<std::vector<std::string>> workloads = {
      {},  // 1 MiB, 16 chunks
      {"--requests", "2", "--channels", "2", "--size", "200K", "--offset", "100"},
      {"--iommu", "on", "--direction", "from-device", "--size", "200K", "--map-registers", "8"},
  };
  for (const auto& [inject, expect] : injections) {
    for (std::vector<std::string> args : workloads) {
      args.insert(args.end(), {"--inject", inject});
      const json j = run_json(args, 1);
      ASSERT_FALSE(j["verifier"]["list"].empty()) << describe(args);
      EXPECT_EQ(j["verifier"]["list"][0]["code"], expect) << describe(args) << "\n" << j["error"];
      EXPECT_EQ(j["error"].get<std::string>().rfind(expect + ": ", 0), 0u) << j["error"];
    }
  }
}

TEST_F(Hygiene, DriverInjectionsAMiniportLacksAreRefused) {
  const Outcome list = run({"--list-injections"});
  for (const auto& [inject, expect] : listed_driver_injections(list.out))
    expect_usage_error({"--miniport", "example", "--inject", inject, "--json", path("r.json")},
                       "--inject: '" + inject + "' is not implemented by --miniport example");
  EXPECT_FALSE(fs::exists(path("r.json")));
}

TEST_F(Hygiene, HwInjectionsThatCannotFireAreRefusedBeforeTheRun) {
  expect_usage_error({"--inject", "hw:write-error"}, "'hw:write-error' cannot fire");
  expect_usage_error({"--inject", "hw:read-error", "--direction", "from-device"},
                     "'hw:read-error' cannot fire");
  expect_usage_error({"--inject", "hw:persistent-read-error@chunk=3", "--direction", "from-device",
                      "--requests", "4"},
                     "'hw:persistent-read-error' cannot fire");
  // Both directions are there with two channels: accepted; run 1 is channel 0's (to-device),
  // run 2 channel 1's (from-device), so the fault fires on the run of its direction, and on the
  // other direction's run it never fires, which fails the run.
  EXPECT_EQ(run_json({"--inject", "hw:read-error@chunk=1", "--channels", "2", "--size",
                      "64K"})["faults"]["injected"],
            1);
  EXPECT_EQ(run_json({"--inject", "hw:write-error@chunk=2", "--channels", "2", "--size",
                      "64K"})["faults"]["injected"],
            1);
  EXPECT_NE(run_json({"--inject", "hw:write-error@chunk=1", "--channels", "2", "--size", "64K"},
                     1)["error"]
                .get<std::string>()
                .find("never fired"),
            std::string::npos);
  // --random: the rule looks at the workload the seed draws. A one-request workload has one
  // direction; the fault on the other one is refused, on its own accepted.
  int refused = 0, accepted = 0;
  for (int seed = 1; seed <= 8; ++seed) {
    const std::vector<std::string> args = {"--random", "--requests",        "1", "--size", "16K",
                                           "--seed",   std::to_string(seed)};
    const json plain = run_json(args);
    const bool to_device = plain["per_request"][0]["direction"] == "to-device";
    std::vector<std::string> wrong = args, right = args;
    wrong.insert(wrong.end(), {"--inject", to_device ? "hw:write-error" : "hw:read-error"});
    right.insert(right.end(), {"--inject", to_device ? "hw:read-error" : "hw:write-error"});
    expect_usage_error(wrong, "cannot fire");
    EXPECT_EQ(run_json(right)["faults"]["injected"], 1) << describe(right);
    (to_device ? refused : accepted)++;
  }
  EXPECT_GT(refused, 0);  // the seeds drew both directions
  EXPECT_GT(accepted, 0);
}

TEST_F(Hygiene, AnInjectionThatNeverFiredFailsTheRun) {
  // 64 KiB with 16 map registers: one chunk, one run.
  json j = run_json({"--inject", "hw:read-error@chunk=5", "--size", "64K"}, 1);
  EXPECT_EQ(j["status"], "error");
  EXPECT_EQ(j["faults"]["injected"], 0);
  EXPECT_EQ(j["error"], "--inject hw:read-error@chunk=5 never fired: the engine made 1 run(s)");
  j = run_json({"--inject", "hw:write-error@chunk=3", "--direction", "from-device", "--size", "64K",
                "--engine", "rtl", "--requests", "2"},
               1);
  EXPECT_EQ(j["error"], "--inject hw:write-error@chunk=3 never fired: the engine made 2 run(s)");
  // Run 1 happened but moved data to the device only: the message says why it did not fire.
  j = run_json({"--inject", "hw:write-error@chunk=1", "--channels", "2", "--size", "64K"}, 1);
  EXPECT_EQ(j["error"],
            "--inject hw:write-error@chunk=1 never fired: the engine made 2 run(s), and run 1 had "
            "nothing this fault applies to");
  j = run_json({"--inject", "hw:iommu-fault@chunk=9", "--iommu", "on", "--size", "128K"}, 1);
  EXPECT_EQ(j["error"],
            "--inject hw:iommu-fault@chunk=9 never fired: the miniport called VideoPortStartDma 2 "
            "time(s)");
  // A driver bug that needs a second chunk, in a one-chunk run.
  j = run_json({"--inject", "driver:sg-after-complete", "--size", "64K"}, 1);
  EXPECT_NE(j["error"].get<std::string>().find("never showed"), std::string::npos) << j["error"];
  // The K-th run exists: it fires, and the miniport recovers.
  j = run_json({"--inject", "hw:read-error@chunk=2", "--size", "128K"});
  EXPECT_EQ(j["faults"]["injected"], 1);
}

TEST_F(Hygiene, ExpectedChunksCountsFailedRequestsToo) {
  // Every read fails from run 1 on: the request fails after its retries, having completed 4
  // chunks (the first try and 3 retries of chunk 1); the rule still says 16 for 1 MiB / 16.
  const json j = run_json({"--inject", "hw:persistent-read-error"}, 1);
  EXPECT_EQ(j["faults"]["failed_requests"], 1);
  EXPECT_EQ(j["expected_chunks"], 16);
  EXPECT_EQ(j["chunks"], 4);
}

// ---- Messages name the option and its rule -----------------------------------------------------

TEST_F(Hygiene, LinkRulesAreCheckedWithTheOptionNames) {
  expect_usage_error({"--rcb", "100"}, "--rcb 100: must be a power of two and <= --mps (256)");
  expect_usage_error({"--mps", "300"}, "--mps 300: must be a power of two (128..4096)");
  expect_usage_error({"--mrrs", "3000"}, "--mrrs 3000: must be a power of two (128..4096)");
  expect_usage_error({"--config", config("rcb.json", R"({"rcb": 96})")}, "--rcb 96: must be");
  const Outcome help = run({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  for (const std::string& rule :
       {"Max_Payload_Size, a power of two", "Max_Read_Request_Size, a power of two",
        "Read Completion Boundary, a power of two <= --mps", "must divide --iotlb-entries"})
    EXPECT_NE(help.out.find(rule), std::string::npos) << rule;
  EXPECT_EQ(run_json({"--mps", "128", "--rcb", "128", "--mrrs", "1K", "--size", "64K"})["status"],
            "ok");
}

// ---- Resource limits that can be computed ------------------------------------------------------

TEST_F(Hygiene, BuffersThatCannotFitInRamAreRefusedBeforeTheRun) {
  // Two channels of 3 GiB each at once, in the 4 GiB of RAM above 4 GiB: this used to run for
  // seconds and gigabytes before the frame allocator ran out.
  expect_usage_error({"--host-memory", "8G", "--buffer-above-4g", "--channels", "2", "--size", "3G",
                      "--json", path("r.json")},
                     "--host-memory 8589934592: the display driver's buffers need 6442450944 "
                     "bytes at once");
  EXPECT_FALSE(fs::exists(path("r.json")));
  // Below 4 GiB too (1..3 GiB): 2 x (4 GiB - 1) does not fit in 2 + 4 GiB.
  expect_usage_error({"--host-memory", "8G", "--channels", "2", "--size", "4294967295"},
                     "RAM for them holds 6442450944");
  // --random sizes come from the seed: the largest one drawn per channel counts.
  expect_usage_error({"--host-memory", "8G", "--buffer-above-4g", "--random", "--requests", "50",
                      "--channels", "2", "--size", "4294967295", "--vram", "1024G"},
                     "--host-memory 8589934592: ");
}
