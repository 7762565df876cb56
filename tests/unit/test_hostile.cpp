// Hostile input: every option and every config key, given empty, negative, zero, huge,
// non-numeric, unknown and odd values, is either accepted or refused with exactly one line that
// names it; nothing else escapes (no other exception, no crash).
// These run the parser only: whether an accepted value also simulates (a zero clock period did
// not) is tested through the binary (Cli.EveryNumericOptionAtItsMinimumRunsOrIsRefused).
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "sim/config.h"
#include "sim/params.h"

namespace dmasim {
namespace {

const std::vector<std::string> kValues = {"",
                                          "-1",
                                          "0",
                                          "-0",
                                          "1",
                                          "99999999999999999999999999",
                                          "18446744073709551616",
                                          "1e309",
                                          "nan",
                                          "inf",
                                          "abc",
                                          "12abc",
                                          "0x10",
                                          " 5",
                                          "5 ",
                                          "1.5",
                                          "4G",
                                          "1K",
                                          "on",
                                          "off",
                                          "\n",
                                          "--",
                                          "--size",
                                          "tlm",
                                          "rtl",
                                          "lru",
                                          "driver:",
                                          "hw:",
                                          "driver:complete-twice"};

std::vector<std::string> option_names() {
  SimConfig cfg;
  ParamSet params;
  register_params(cfg, params);
  return params.names();
}

// Parses --name value; returns "" if accepted, else the message. Fails on anything but
// UsageError.
std::string try_cli(const std::string& name, const std::string& value) {
  SimConfig cfg;
  std::string help;
  const std::string opt = "--" + name;
  const char* argv[] = {"dmasim", opt.c_str(), value.c_str()};
  try {
    parse_cli(3, argv, 1, cfg, &help);
    return "";
  } catch (const UsageError& e) {
    return e.what();
  }
}

TEST(Hostile, EveryOptionEveryOddValueOnTheCommandLine) {
  for (const std::string& name : option_names()) {
    for (const std::string& v : kValues) {
      const std::string msg = try_cli(name, v);
      if (msg.empty()) continue;  // a legal value for this option
      SCOPED_TRACE("--" + name + " '" + v + "'");
      EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;  // one line
      // It names the option; after a flag (which takes no value) an option word is its own
      // option, and that one is named.
      // (A check between two options names both.)
      const bool names_it = msg.rfind("--" + name + ":", 0) == 0 ||
                            msg.find("--" + name + " ") != std::string::npos ||
                            (v.rfind("--", 0) == 0 && msg.rfind(v + ":", 0) == 0);
      EXPECT_TRUE(names_it) << msg;
    }
  }
}

TEST(Hostile, NumericOptionsRefuseNonNumbers) {
  SimConfig cfg;
  ParamSet params;
  register_params(cfg, params);
  for (const std::string& name : params.names()) {
    const std::string& kind = params.kind(name);
    if (kind != "uint" && kind != "time") continue;
    for (const std::string v :
         {"", "-1", "abc", "12abc", "99999999999999999999999999", "nan", "inf", " 5", "1e309"}) {
      EXPECT_FALSE(try_cli(name, v).empty()) << "--" << name << " accepted '" << v << "'";
    }
  }
}

TEST(Hostile, PeriodsAndStepsRefuseZero) {
  // The RTL bridge divides by its clock period and advances a quantum at a time.
  for (const std::string name : {"rtl-clock", "rtl-quantum"}) {
    for (const std::string v : {"0", "0.0", "0.0004"}) {
      const std::string msg = try_cli(name, v);
      EXPECT_EQ(msg.rfind("--" + name + ": invalid value", 0), 0u) << name << " '" << v << "'";
    }
    EXPECT_EQ(try_cli(name, "0.001"), "") << name;  // one picosecond is the resolution
  }
}

TEST(Hostile, EveryConfigKeyEveryOddJsonValue) {
  const std::string path = testing::TempDir() + "/hostile.json";
  const std::vector<std::string> json_values = {
      "\"\"",  "-1",      "0",    "1e400",     "-1e400",
      "1.5",   "\"abc\"", "true", "false",     "null",
      "[]",    "{}",      "[1]",  "{\"a\":1}", "18446744073709551616",
      "\"4G\""};
  for (const std::string& name : option_names()) {
    std::string key = name;
    for (char& c : key)
      if (c == '-') c = '_';
    for (const std::string& v : json_values) {
      std::ofstream(path) << "{\"" << key << "\": " << v << "}";
      SimConfig cfg;
      std::string help;
      const char* argv[] = {"dmasim", "--config", path.c_str()};
      try {
        parse_cli(3, argv, 1, cfg, &help);
      } catch (const UsageError& e) {
        const std::string msg = e.what();
        SCOPED_TRACE(key + " = " + v);
        EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
        // Names the key (or, for values only refused after loading, the option it sets); a
        // number beyond what JSON itself can hold makes the file invalid JSON, and the message
        // quotes the number.
        const bool json_level =
            msg.find("is not valid JSON") != std::string::npos && msg.find(v) != std::string::npos;
        EXPECT_TRUE(msg.find(key) != std::string::npos || msg.rfind("--" + name, 0) == 0 ||
                    json_level)
            << msg;
      }
    }
  }
  std::remove(path.c_str());
}

TEST(Hostile, BrokenConfigFilesNameTheProblem) {
  const std::string path = testing::TempDir() + "/broken.json";
  for (const std::string text : {"", "{", "{\"size\": ", "[1,2]", "\"size\"", "{\"size\": 1,}",
                                 "{\"nope\": 1}", "{\"size\": 1} trailing", "\xff\xfe{}"}) {
    std::ofstream(path, std::ios::binary) << text;
    SimConfig cfg;
    std::string help;
    const char* argv[] = {"dmasim", "--config", path.c_str()};
    try {
      parse_cli(3, argv, 1, cfg, &help);
      ADD_FAILURE() << "accepted config '" << text << "'";
    } catch (const UsageError& e) {
      const std::string msg = e.what();
      EXPECT_EQ(msg.rfind("--config", 0), 0u) << msg;
      EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    }
  }
  std::remove(path.c_str());
}

}  // namespace
}  // namespace dmasim
