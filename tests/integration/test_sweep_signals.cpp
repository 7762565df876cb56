// Signals (issue 11, finding 9): SIGTERM or SIGINT to a sweep reaches its children, the sweep
// waits for them, writes the CSV of the points that finished and exits 143 / 130; no child
// outlives it, and its temporary folder is removed however it ends.
#include <dirent.h>
#include <signal.h>

#include <chrono>
#include <thread>

#include "tests/integration/sweep_bench.h"

namespace {

using namespace sweep_bench;

class SweepSignals : public SweepBench {
 protected:
  void SetUp() override {
    SweepBench::SetUp();
    // The sweep's temporary folder goes here, so the test can see it and every child's
    // command line (its --json path) names this folder.
    tmp_ = dir_ + "/tmp";
    fs::create_directory(tmp_);
    env_ = {{"TMPDIR", tmp_}};
  }
  // Processes whose command line mentions our folder (the sweep's children do).
  std::vector<std::string> ours() {
    std::vector<std::string> found;
    for (const auto& e : fs::directory_iterator("/proc")) {
      const std::string pid = e.path().filename().string();
      if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
      std::string cmd = slurp(e.path().string() + "/cmdline");
      std::replace(cmd.begin(), cmd.end(), '\0', ' ');
      if (cmd.find(dir_) != std::string::npos) found.push_back(pid + ": " + cmd);
    }
    return found;
  }
  bool wait_for(const std::string& text, double seconds) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < end) {
      if (slurp(dir_ + "/.stdout").find(text) != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }
  void interrupt(int sig, int want_status) {
    const std::string csv = dir_ + "/s.csv";
    // The first point is quick, the others take seconds: the signal comes while two run.
    const pid_t pid = start({"sweep", "--map-registers", "16", "--series",
                             "size=64K,512M,511M,510M", "--jobs", "2", "--csv", csv});
    ASSERT_TRUE(wait_for("[1/4]", 120)) << slurp(dir_ + "/.stdout");
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the next point under way
    kill(pid, sig);
    EXPECT_EQ(finish(pid), want_status) << out_ << err_;
    EXPECT_TRUE(ours().empty()) << "still running: " << testing::PrintToString(ours());
    EXPECT_TRUE(fs::is_empty(tmp_)) << "temporary folder left in " << tmp_;
    ASSERT_TRUE(fs::exists(csv));
    const std::string text = slurp(csv);
    // The header, and the finished point(s) only, each ok.
    const auto rows = std::count(text.begin(), text.end(), '\n') - 1;
    EXPECT_GE(rows, 1) << text;
    EXPECT_LT(rows, 4) << text;
    EXPECT_EQ(text.find("interrupted"), std::string::npos) << text;
    EXPECT_NE(err_.find("interrupted"), std::string::npos) << err_;
    // The points under way were stopped by the forwarded signal, not waited out.
    EXPECT_NE(out_.find(": interrupted"), std::string::npos) << out_;
  }
  std::string tmp_;
};

TEST_F(SweepSignals, SigtermStopsTheChildrenKeepsTheFinishedPointsAndExits143) {
  interrupt(SIGTERM, 143);
}

TEST_F(SweepSignals, SigintExits130) {
  interrupt(SIGINT, 130);
}

TEST_F(SweepSignals, TheTemporaryFolderIsRemovedWhenTheSweepEnds) {
  EXPECT_EQ(dmasim({"sweep", "--map-registers", "4,8", "--size", "64K", "--csv", dir_ + "/a.csv"}),
            0)
      << err_;
  EXPECT_TRUE(fs::is_empty(tmp_));
  // A failed point (exit 1) too.
  EXPECT_EQ(dmasim({"sweep", "--map-registers", "4", "--size", "64K", "--inject",
                    "hw:persistent-read-error", "--csv", dir_ + "/b.csv"}),
            1)
      << err_;
  EXPECT_TRUE(fs::is_empty(tmp_));
  // --out-dir is the user's: kept, with the points' JSON.
  EXPECT_EQ(dmasim({"sweep", "--map-registers", "4", "--size", "64K", "--csv", dir_ + "/c.csv",
                    "--out-dir", dir_ + "/keep"}),
            0)
      << err_;
  EXPECT_TRUE(fs::exists(dir_ + "/keep/point-0.json"));
}

// A merge stopped by SIGTERM exits 143 and writes nothing (it used to ignore the signal, write
// the CSV and exit 0). The signal is pending, blocked, from before dmasim starts: it is there
// whenever the merge looks, with no race on when it is sent.
TEST_F(SweepSignals, MergeStoppedBySigtermExits143AndWritesNothing) {
  const std::string a = result("a.json"), b = result("b.json", {"--map-registers", "2"});
  const std::string csv = dir_ + "/m.csv", out = dir_ + "/.stdout", err = dir_ + "/.stderr";
  const pid_t pid = fork();
  if (pid == 0) {
    const int o = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int e = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(o, 1);
    dup2(e, 2);
    sigset_t term;
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    sigprocmask(SIG_BLOCK, &term, nullptr);
    raise(SIGTERM);
    execl(DMASIM_BIN, DMASIM_BIN, "merge", a.c_str(), b.c_str(), "--csv", csv.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  EXPECT_EQ(finish(pid), 143) << out_ << err_;
  EXPECT_FALSE(fs::exists(csv)) << "written although interrupted";
  EXPECT_NE(err_.find("SIGTERM"), std::string::npos) << err_;
}

}  // namespace
