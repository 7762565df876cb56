// What the sweep/merge tests share: a private folder per test, the real dmasim binary run with
// an argv (no shell, so hostile values reach it byte for byte), and results files made by real
// runs, to edit into hostile or foreign ones.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#ifndef DMASIM_BIN
#error "DMASIM_BIN (path of the dmasim executable) must be defined"
#endif

namespace sweep_bench {

namespace fs = std::filesystem;

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void spit(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

class SweepBench : public testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/dmasim_sweep_bench_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Runs `program args...` (program "dmasim" = the binary under test) with stdout and stderr
  // in out_ / err_; returns the exit status, or 128 + signal.
  int run(std::vector<std::string> args, const std::string& program = DMASIM_BIN) {
    return finish(start(std::move(args), program));
  }
  // Starts it and returns at once; finish() waits for it and reads its output.
  pid_t start(std::vector<std::string> args, const std::string& program = DMASIM_BIN) {
    args.insert(args.begin(), program);
    const std::string out = dir_ + "/.stdout", err = dir_ + "/.stderr";
    const pid_t pid = fork();
    if (pid == 0) {
      for (const auto& [k, v] : env_) setenv(k.c_str(), v.c_str(), 1);
      if (!cwd_.empty() && chdir(cwd_.c_str()) != 0) _exit(126);
      const int o = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      const int e = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(o, 1);
      dup2(e, 2);
      std::vector<char*> av;
      for (auto& a : args) av.push_back(a.data());
      av.push_back(nullptr);
      execvp(av[0], av.data());
      _exit(127);
    }
    return pid;
  }
  int finish(pid_t pid) {
    const std::string out = dir_ + "/.stdout", err = dir_ + "/.stderr";
    int status = 0;
    waitpid(pid, &status, 0);
    out_ = slurp(out);
    err_ = slurp(err);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  int dmasim(const std::vector<std::string>& args) { return run(args); }

  // A real results file of a small run.
  std::string result(const std::string& name, std::vector<std::string> args = {}) {
    const std::string path = dir_ + "/" + name;
    args.insert(args.end(), {"--size", "64K", "--json", path, "--quiet"});
    EXPECT_EQ(dmasim(args), 0) << err_;
    return path;
  }
  nlohmann::json load(const std::string& path) { return nlohmann::json::parse(slurp(path)); }
  void save(const std::string& path, const nlohmann::json& j) { spit(path, j.dump(2)); }

  // One line on stderr, nothing on stdout that looks like a crash.
  void expect_one_line_error() {
    EXPECT_EQ(std::count(err_.begin(), err_.end(), '\n'), 1) << err_;
    EXPECT_EQ(err_.find("uncaught"), std::string::npos) << err_;
    EXPECT_EQ(out_.find("uncaught"), std::string::npos) << out_;
    EXPECT_EQ(out_.find("Error:"), std::string::npos) << out_;
  }

  std::string dir_, out_, err_;
  std::string cwd_;  // where run() starts the program (empty: here)
  std::vector<std::pair<std::string, std::string>> env_;  // set in its environment
};

}  // namespace sweep_bench
