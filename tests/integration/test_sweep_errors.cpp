// No uncaught exception (issue 11, finding 6): every bad sweep/merge input is one line on stderr
// and exit 2 before anything runs or is written; a failed write is exit 1 naming the path.
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cerrno>
#include <cstring>

#include "tests/integration/sweep_bench.h"

namespace {

using namespace sweep_bench;

class SweepErrors : public SweepBench {
 protected:
  // Exit 2, one line naming each of `words`, no point run, nothing written in dir_ but `keep`.
  void expect_refused(const std::vector<std::string>& args, const std::vector<std::string>& words) {
    std::set<std::string> before;
    for (const auto& e : fs::directory_iterator(dir_)) before.insert(e.path().string());
    EXPECT_EQ(dmasim(args), 2) << err_;
    expect_one_line_error();
    for (const std::string& w : words)
      EXPECT_NE(err_.find(w), std::string::npos) << w << ": " << err_;
    EXPECT_EQ(out_.find("[1/"), std::string::npos) << "a point ran: " << out_;
    for (const auto& e : fs::directory_iterator(dir_)) {
      const std::string name = e.path().filename().string();
      if (name != ".stdout" && name != ".stderr") {
        EXPECT_TRUE(before.count(e.path().string())) << "written: " << e.path();
      }
    }
  }
};

TEST_F(SweepErrors, BadSweepOptionsAreRefusedBeforeAnyPoint) {
  const std::string csv = dir_ + "/s.csv";
  spit(dir_ + "/file", "x");
  fs::create_directory(dir_ + "/sub");
  expect_refused(
      {"sweep", "--map-registers", "1,2", "--csv", csv, "--jobs", "99999999999999999999"},
      {"--jobs", "1..256"});
  expect_refused({"sweep", "--map-registers", "1,2", "--csv", csv, "--jobs", "-1"}, {"--jobs"});
  expect_refused({"sweep", "--map-registers", "1", "--csv", csv, "--out-dir", dir_ + "/file"},
                 {"--out-dir", dir_ + "/file"});
  expect_refused({"sweep", "--map-registers", "1", "--size", "64K", "--csv", dir_ + "/sub"},
                 {"--csv", dir_ + "/sub", "directory"});
  expect_refused({"sweep", "--map-registers", "1", "--size", "64K", "--plot", dir_ + "/sub.svg",
                  "--csv", dir_ + "/nodir/s.csv"},
                 {"--csv", "nodir"});
  expect_refused(
      {"sweep", "--map-registers", "1", "--csv", dir_ + "/same.svg", "--plot", dir_ + "/same.svg"},
      {"--csv", "--plot", "same file"});
  expect_refused({"sweep", "--map-registers", "1", "--csv", "-"}, {"--csv"});
}

TEST_F(SweepErrors, MergeOfAnythingButAResultsObjectNamesTheFileAndKey) {
  const std::string good = result("good.json");
  const nlohmann::json real = load(good);
  struct Case {
    std::string name, text, key;
  };
  std::vector<Case> cases = {
      {"array.json", "[1, 2]", "array"},
      {"number.json", "5", "number"},
      {"empty.json", "{}", "'config'"},
      {"text.json", "not json", "not valid JSON"},
      {"nothing.json", "", "not valid JSON"},
      {"deep.json", std::string(100000, '[') + std::string(100000, ']'), "nested"},
  };
  auto variant = [&](const std::string& name, const std::string& key, auto edit) {
    nlohmann::json j = real;
    edit(j);
    cases.push_back({name, j.dump(), key});
  };
  variant("config5.json", "'config'", [](auto& j) { j["config"] = 5; });
  variant("tput.json", "'throughput_GBps'", [](auto& j) { j["throughput_GBps"] = "x"; });
  variant("status.json", "'status'", [](auto& j) { j["status"] = 1; });
  variant("nostatus.json", "'status'", [](auto& j) { j.erase("status"); });
  variant("granted.json", "'map_registers_granted'",
          [](auto& j) { j["map_registers_granted"] = -3; });
  variant("mr.json", "'config.map_registers'", [](auto& j) { j["config"]["map_registers"] = "x"; });
  variant("mr0.json", "'config.map_registers'", [](auto& j) { j["config"]["map_registers"] = 0; });
  variant("nomr.json", "'config.map_registers'",
          [](auto& j) { j["config"].erase("map_registers"); });
  variant("unknown.json", "'config.colour'", [](auto& j) { j["config"]["colour"] = "red"; });
  variant("enum.json", "'config.iommu'", [](auto& j) { j["config"]["iommu"] = "maybe"; });
  variant("arr.json", "'config.lanes'",
          [](auto& j) { j["config"]["lanes"] = nlohmann::json::array(); });
  variant("err.json", "'error'", [](auto& j) { j["error"] = 7; });
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string path = dir_ + "/" + c.name;
    spit(path, c.text);
    expect_refused({"merge", good, path, "--csv", dir_ + "/m.csv"}, {path, c.key});
    fs::remove(path);
  }
  expect_refused({"merge", good, dir_ + "/missing.json", "--csv", dir_ + "/m.csv"},
                 {dir_ + "/missing.json"});
  expect_refused({"merge", good, "--csv", dir_}, {"--csv", "directory"});
  expect_refused({"merge", good, "--csv", dir_ + "/x.png", "--plot", dir_ + "/x.png"},
                 {"same file"});
}

// An output that is one of the files being merged would replace it: refused, the input kept.
TEST_F(SweepErrors, MergeRefusesAnOutputThatIsOneOfItsInputs) {
  const std::string good = result("good.json");
  const std::string before = slurp(good);
  expect_refused({"merge", good, "--csv", good}, {"--csv", good, "merged"});
  fs::create_symlink(good, dir_ + "/link.csv");
  expect_refused({"merge", good, "--csv", dir_ + "/link.csv"}, {"--csv", "merged"});
  EXPECT_EQ(slurp(good), before);
}

// --dry-run among a sweep's options checks every point as a sweep does and runs none: exit 0
// with nothing written (each point used to dry-run as a "failed" point, exit 1).
TEST_F(SweepErrors, DryRunChecksEveryPointAndRunsNone) {
  const std::string csv = dir_ + "/s.csv", jobs = dir_ + "/jobs.txt";
  EXPECT_EQ(dmasim({"sweep", "--map-registers", "1,2", "--size", "4K", "--csv", csv, "--dry-run"}),
            0)
      << err_;
  EXPECT_EQ(err_, "");
  EXPECT_EQ(out_.find("[1/"), std::string::npos) << "a point ran: " << out_;
  EXPECT_EQ(dmasim({"sweep", "--map-registers", "1,2", "--size", "4K", "--emit-jobs", jobs,
                    "--out-dir", dir_ + "/results", "--dry-run"}),
            0)
      << err_;
  for (const auto& e : fs::directory_iterator(dir_)) {
    const std::string name = e.path().filename().string();
    EXPECT_TRUE(name == ".stdout" || name == ".stderr") << "written: " << e.path();
  }
  expect_refused({"sweep", "--map-registers", "1,65537", "--csv", csv, "--dry-run"},
                 {"--map-registers"});
}

TEST_F(SweepErrors, AFullDiskIsExit1NamingThePath) {
  // A full device of our own (/dev/full's numbers): every write fails with ENOSPC.
  const std::string full = dir_ + "/full";
  if (mknod(full.c_str(), S_IFCHR | 0666, makedev(1, 7)) != 0)
    GTEST_SKIP() << "cannot make a device node here (needs root): " << strerror(errno);
  const std::string good = result("good.json");
  EXPECT_EQ(dmasim({"merge", good, "--csv", full}), 1) << err_;
  expect_one_line_error();
  EXPECT_NE(err_.find(full), std::string::npos) << err_;
  EXPECT_NE(err_.find("No space left"), std::string::npos) << err_;
  EXPECT_EQ(dmasim({"sweep", "--map-registers", "2", "--size", "64K", "--csv", full}), 1) << err_;
  EXPECT_NE(err_.find("--csv"), std::string::npos) << err_;
  EXPECT_NE(err_.find(full), std::string::npos) << err_;
}

}  // namespace
