// No silent false pass (issue 11, findings 7 and 8): a sweep checks every point before running
// any and refuses what it would silently ignore or duplicate; merge fails on a failed point and
// refuses duplicates.
#include "tests/integration/sweep_bench.h"

namespace {

using namespace sweep_bench;

class SweepFalsePass : public SweepBench {
 protected:
  void expect_refused(std::vector<std::string> args, const std::string& word) {
    SCOPED_TRACE(testing::PrintToString(args));
    EXPECT_EQ(dmasim(args), 2) << err_;
    expect_one_line_error();
    EXPECT_NE(err_.find(word), std::string::npos) << word << ": " << err_;
    EXPECT_EQ(out_.find("[1/"), std::string::npos) << "a point ran: " << out_;
  }
  std::vector<std::string> sweep(std::vector<std::string> more) {
    std::vector<std::string> a = {"sweep", "--size", "64K", "--csv", dir_ + "/s.csv"};
    a.insert(a.end(), more.begin(), more.end());
    return a;
  }
};

TEST_F(SweepFalsePass, EveryPointIsCheckedBeforeAnyRuns) {
  expect_refused(sweep({"--map-registers", "1,65537"}), "--map-registers");
  expect_refused(sweep({"--map-registers", "1,2", "--series", "mps=128,100"}), "--mps");
  EXPECT_FALSE(fs::exists(dir_ + "/s.csv"));
}

TEST_F(SweepFalsePass, SeriesOverTheSweptParameterAndDuplicatePointsAreRefused) {
  expect_refused(sweep({"--map-registers", "4,8", "--series", "map-registers=64,128"}), "--series");
  expect_refused(sweep({"--map-registers", "4,8", "--series", "map_registers=64,128"}), "--series");
  expect_refused(sweep({"--map-registers", "4,4"}), "twice");
  expect_refused(sweep({"--map-registers", "1..4,2"}), "twice");
  expect_refused(sweep({"--map-registers", "4", "--series", "iommu=on,on"}), "twice");
  expect_refused(
      {"sweep", "--csv", dir_ + "/s.csv", "--map-registers", "4", "--series", "size=1M,1024K"},
      "twice");
  expect_refused(sweep({"--map-registers", "4", "--iommu", "on", "--series", "iommu=off,on"}),
                 "--iommu");
  expect_refused(sweep({"--map-registers", "4", "--map-registers", "8"}), "--map-registers");
}

TEST_F(SweepFalsePass, PerRunOutputsAreRefusedInEveryForm) {
  for (const std::vector<std::string>& o :
       std::vector<std::vector<std::string>>{{"--vcd", "x.vcd"},
                                             {"--vcd=x.vcd"},
                                             {"--json", "x.json"},
                                             {"--json=x.json"},
                                             {"--trace", "x.txt"},
                                             {"--trace=x.txt"},
                                             {"--list-injections"},
                                             {"--series", "vcd=a.vcd,b.vcd"}}) {
    std::vector<std::string> a = {"--map-registers", "4"};
    a.insert(a.end(), o.begin(), o.end());
    expect_refused(sweep(a), o[0].substr(0, o[0].find('=')));
  }
  // From a config file too: every child would write the same VCD.
  spit(dir_ + "/c.json", R"({"vcd": ")" + dir_ + R"(/w.vcd"})");
  expect_refused(sweep({"--map-registers", "4", "--config", dir_ + "/c.json"}), "vcd");
  EXPECT_FALSE(fs::exists(dir_ + "/w.vcd"));
}

TEST_F(SweepFalsePass, HelpAmongSweepOptionsPrintsSweepHelpAndRunsNothing) {
  for (const char* h : {"--help", "-h"}) {
    EXPECT_EQ(dmasim(sweep({"--map-registers", "4,8", h})), 0) << err_;
    EXPECT_NE(out_.find("dmasim sweep --map-registers LIST"), std::string::npos) << out_;
    EXPECT_EQ(out_.find("[1/"), std::string::npos) << out_;
    EXPECT_FALSE(fs::exists(dir_ + "/s.csv"));
  }
  EXPECT_EQ(dmasim({"merge", "--help"}), 0) << err_;
  EXPECT_NE(out_.find("dmasim merge RESULT.json"), std::string::npos) << out_;
}

TEST_F(SweepFalsePass, EmitJobsToADirectoryOrAnUnwritablePathWritesNothing) {
  cwd_ = dir_;
  fs::create_directory(dir_ + "/sub");
  for (const std::string& target : {dir_ + "/sub", std::string("/proc/no/such/file")}) {
    EXPECT_EQ(dmasim({"sweep", "--map-registers", "2,4", "--emit-jobs", target}), 2) << err_;
    expect_one_line_error();
    EXPECT_NE(err_.find("--emit-jobs"), std::string::npos) << err_;
    EXPECT_EQ(out_.find("wrote"), std::string::npos) << out_;
    EXPECT_FALSE(fs::exists(dir_ + "/sweep-results"));  // the default --out-dir: not made
  }
}

TEST_F(SweepFalsePass, MergeFailsOnAFailedPointAfterWritingTheCsv) {
  const std::string ok = result("ok.json", {"--map-registers", "4"});
  const std::string bad = dir_ + "/bad.json";
  EXPECT_EQ(dmasim({"--size", "64K", "--map-registers", "8", "--inject", "hw:persistent-read-error",
                    "--json", bad, "--quiet"}),
            1);
  ASSERT_EQ(load(bad)["status"], "error");
  const std::string csv = dir_ + "/m.csv";
  EXPECT_EQ(dmasim({"merge", ok, bad, "--csv", csv}), 1) << err_;
  EXPECT_NE(err_.find(bad), std::string::npos) << err_;
  EXPECT_NE(slurp(csv).find(",error,"), std::string::npos) << slurp(csv);
  // An interrupted run did not finish: a failure too.
  nlohmann::json j = load(ok);
  j["status"] = "interrupted";
  j["error"] = "interrupted by SIGTERM at 10 us";
  save(bad, j);
  EXPECT_EQ(dmasim({"merge", bad, "--csv", csv}), 1) << err_;
  EXPECT_NE(err_.find("interrupted"), std::string::npos) << err_;
}

TEST_F(SweepFalsePass, MergeRefusesTheSameFileTwiceAndDuplicatePoints) {
  const std::string a = result("a.json", {"--map-registers", "4"});
  const std::string csv = dir_ + "/m.csv";
  expect_refused({"merge", a, a, "--csv", csv}, "same file");
  expect_refused({"merge", a, dir_ + "/./a.json", "--csv", csv}, "same file");
  fs::copy_file(a, dir_ + "/copy.json");
  expect_refused({"merge", a, dir_ + "/copy.json", "--csv", csv}, "same point");
  // The same point written differently (64K as 65536) is still the same point.
  const std::string b = result("b.json", {"--map-registers", "8"});
  nlohmann::json j = load(b);
  ASSERT_EQ(j["config"]["size"], 65536);
  j["config"]["size"] = "64K";
  save(dir_ + "/b2.json", j);
  expect_refused({"merge", b, dir_ + "/b2.json", "--csv", csv}, "same point");
  EXPECT_FALSE(fs::exists(csv));
}

}  // namespace
