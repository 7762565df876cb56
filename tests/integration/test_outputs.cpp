// Every file dmasim writes, tried the way a careless user or an attacker would aim it: symlinks,
// FIFOs, device nodes, directories, missing folders, the same file twice, a full disk, stdout,
// and a run stopped by SIGINT/SIGTERM. The rules (README "What is checked"): outputs are checked
// before any work (exit 2, nothing written), written whole or not at all, never replace a
// symlink, FIFO or device, leave no temporary, and an interrupted run ends 130/143 with valid
// results and waves up to where it stopped.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/vcd_reader.h"

#ifndef DMASIM_BIN
#error "DMASIM_BIN (path of the dmasim executable) must be defined"
#endif

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

struct Result {
  int exit_code = -1;
  std::string out, err;
  long max_rss_kib = 0;
};

class Outputs : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/dmasim_outputs_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    fs::create_directory(dir_ + "/io");
    fs::create_directory(dir_ + "/out");
  }
  void TearDown() override {
    if (mounted_) umount2(out("").c_str(), MNT_DETACH);
    fs::remove_all(dir_);
  }
  std::string out(const std::string& name) const { return dir_ + "/out/" + name; }

  // Starts dmasim with args (no shell), stdout/stderr to files; returns its pid.
  pid_t start(const std::vector<std::string>& args) {
    const std::string so = dir_ + "/io/stdout", se = dir_ + "/io/stderr";
    const pid_t pid = fork();
    if (pid == 0) {
      const int o = open(so.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      const int e = open(se.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      const int n = open("/dev/null", O_RDONLY);
      if (no_leak_check_) {
        const char* old = getenv("ASAN_OPTIONS");
        const std::string opts =
            std::string(old ? old : "") + (old && *old ? ":" : "") + "detect_leaks=0";
        setenv("ASAN_OPTIONS", opts.c_str(), 1);
      }
      if (address_space_limit_ > 0) {
        const rlimit lim{address_space_limit_, address_space_limit_};
        setrlimit(RLIMIT_AS, &lim);
      }
      dup2(n, 0);
      dup2(o, 1);
      dup2(e, 2);
      std::vector<char*> av = {const_cast<char*>(DMASIM_BIN)};
      for (const auto& a : args) av.push_back(const_cast<char*>(a.c_str()));
      av.push_back(nullptr);
      execv(DMASIM_BIN, av.data());
      _exit(127);
    }
    return pid;
  }
  Result finish(pid_t pid) {
    int status = 0;
    rusage ru{};
    wait4(pid, &status, 0, &ru);
    Result r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = slurp(dir_ + "/io/stdout");
    r.err = slurp(dir_ + "/io/stderr");
    r.max_rss_kib = ru.ru_maxrss;
    return r;
  }
  Result run(const std::vector<std::string>& args) { return finish(start(args)); }

  std::set<std::string> files() const {
    std::set<std::string> names;
    for (const auto& e : fs::directory_iterator(out(""))) names.insert(e.path().filename());
    return names;
  }
  // A one-line message naming the option (and nothing else on stderr).
  static void one_line_naming(const Result& r, const std::string& option) {
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << r.err;
    EXPECT_NE(r.err.find(option), std::string::npos) << r.err;
  }
  // A tmpfs of `kib` KiB over out/: a disk that fills (needs root; false if not possible).
  bool small_disk(int kib) {
    const std::string opts = "size=" + std::to_string(kib) + "k";
    if (mount("tmpfs", out("").c_str(), "tmpfs", 0, opts.c_str()) != 0) return false;
    mounted_ = true;
    return true;
  }

  std::string dir_;
  bool mounted_ = false;
  rlim_t address_space_limit_ = 0;  // RLIMIT_AS of the child, 0 = none
  // A run stopped part way leaves its SystemC threads suspended, holding what they allocated:
  // LeakSanitizer (./test.sh --sanitize) would call that a leak and change the exit status.
  bool no_leak_check_ = false;
};

TEST_F(Outputs, ARegularRunLeavesItsOutputsAndNothingElse) {
  const Result r =
      run({"--size", "64K", "--quiet", "--json", out("r.json"), "--vcd", out("w.vcd")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(files(), (std::set<std::string>{"r.json", "w.vcd"}));  // no probe, no temporary
  EXPECT_EQ(json::parse(slurp(out("r.json")))["status"], "ok");
  EXPECT_TRUE(dmasim_test::read_vcd(out("w.vcd"), nullptr).count("engine_busy_ch0"));
}

TEST_F(Outputs, ConcurrentRunsOntoOnePathEachWriteAWholeFile) {
  std::vector<pid_t> pids;
  for (int i = 0; i < 4; ++i)
    pids.push_back(start(
        {"--size", "256K", "--quiet", "--json", out("r.json"), "--seed", std::to_string(i + 1)}));
  for (pid_t pid : pids) EXPECT_EQ(finish(pid).exit_code, 0);
  EXPECT_EQ(files(), std::set<std::string>{"r.json"});  // one unique temporary each, all gone
  EXPECT_EQ(json::parse(slurp(out("r.json")))["status"], "ok");
}

TEST_F(Outputs, ASymlinkIsFollowedAndStaysALink) {
  fs::create_symlink("target.json", out("link.json"));
  fs::create_symlink("wtarget.vcd", out("link.vcd"));
  const Result r =
      run({"--size", "4K", "--quiet", "--json", out("link.json"), "--vcd", out("link.vcd")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::is_symlink(out("link.json")));
  EXPECT_TRUE(fs::is_symlink(out("link.vcd")));
  EXPECT_EQ(json::parse(slurp(out("target.json")))["status"], "ok");
  EXPECT_FALSE(slurp(out("wtarget.vcd")).empty());
  EXPECT_EQ(files(),
            (std::set<std::string>{"link.json", "target.json", "link.vcd", "wtarget.vcd"}));
}

TEST_F(Outputs, AFifoIsWrittenInPlace) {
  ASSERT_EQ(mkfifo(out("pipe").c_str(), 0644), 0);
  std::string got;
  std::thread reader([&] { got = slurp(out("pipe")); });
  const Result r = run({"--size", "4K", "--quiet", "--json", out("pipe")});
  // If dmasim never opened the FIFO, the reader still waits for a writer: be one, briefly.
  const int unblock = open(out("pipe").c_str(), O_WRONLY | O_NONBLOCK);
  if (unblock >= 0) close(unblock);
  reader.join();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  struct stat st {};
  ASSERT_EQ(lstat(out("pipe").c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  EXPECT_EQ(json::parse(got)["status"], "ok");
  EXPECT_EQ(files(), std::set<std::string>{"pipe"});
}

TEST_F(Outputs, ACharacterDeviceIsWrittenInPlace) {
  // A null device node of our own (as root); /dev/null itself is never at risk in a test.
  if (mknod(out("null").c_str(), S_IFCHR | 0666, makedev(1, 3)) != 0)
    GTEST_SKIP() << "mknod needs root here: character-device case not run";
  const Result r = run({"--size", "4K", "--quiet", "--json", out("null"), "--vcd", out("null")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  struct stat st {};
  ASSERT_EQ(lstat(out("null").c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(files(), std::set<std::string>{"null"});
}

TEST_F(Outputs, DevStdoutIsTheStandardOutputNotAFileToReplace) {
  const Result r = run({"--size", "4K", "--json", "/dev/stdout"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["status"], "ok");  // pure JSON: the summary is left out
}

TEST_F(Outputs, BadTargetsExit2BeforeAnyWorkWithNothingWritten) {
  fs::create_directory(out("adir"));
  fs::create_directory(out("w.rtl.vcd"));
  std::ofstream(out("existing.json")) << "keep";
  fs::create_symlink("existing.json", out("alias.json"));
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--json", out("adir")}, "--json"},
      {{"--vcd", out("adir")}, "--vcd"},
      {{"--json", out("missing/r.json")}, "--json"},
      {{"--vcd", "-"}, "--vcd"},
      {{"--vcd", out("x.vcd"), "--json", out("x.vcd")}, "--vcd"},
      {{"--json", out("existing.json"), "--vcd", out("alias.json")}, "--json"},
      {{"--engine", "rtl", "--rtl-waves", "--vcd", out("w.vcd")}, "--rtl-waves"},
  };
  for (const auto& [args, option] : cases) {
    std::vector<std::string> a = {"--size", "1G", "--map-registers", "1"};  // minutes if it ran
    a.insert(a.end(), args.begin(), args.end());
    const Result r = run(a);
    SCOPED_TRACE(a.back());
    EXPECT_EQ(r.exit_code, 2) << r.err;
    one_line_naming(r, option);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(files(), (std::set<std::string>{"adir", "w.rtl.vcd", "existing.json", "alias.json"}));
    EXPECT_EQ(slurp(out("existing.json")), "keep");
  }
}

TEST_F(Outputs, AFullDiskIsExit1NamingThePathAndLeavesNoTemporary) {
  if (!small_disk(64)) GTEST_SKIP() << "mounting a tmpfs needs root here: full-disk case not run";
  std::ofstream(out("old.vcd")) << "old waves";
  struct Case {
    std::vector<std::string> args;
    std::string path;
  };
  const std::vector<Case> cases = {
      {{"--size", "16M", "--vcd", out("old.vcd"), "--json", out("r.json")}, out("old.vcd")},
      {{"--engine", "rtl", "--rtl-waves", "--size", "64K", "--vcd", out("b.vcd")},
       out("b.rtl.vcd")},
  };
  for (const Case& c : cases) {
    std::vector<std::string> a = c.args;
    a.push_back("--quiet");
    const Result r = run(a);
    SCOPED_TRACE(c.path);
    EXPECT_EQ(r.exit_code, 1) << r.err;
    one_line_naming(r, c.path);
    EXPECT_NE(r.err.find("No space left on device"), std::string::npos) << r.err;
    EXPECT_EQ(files(), std::set<std::string>{"old.vcd"});  // nothing half written, no temporary
    EXPECT_TRUE(slurp(out("old.vcd")) == "old waves") << "old.vcd was replaced";
  }
  // The results JSON alone onto a disk with no room left.
  std::ofstream(out("fill"), std::ios::binary) << std::string(60 << 10, 'x');
  const Result r = run({"--size", "64K", "--quiet", "--json", out("r.json")});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  one_line_naming(r, out("r.json"));
  EXPECT_EQ(files(), (std::set<std::string>{"old.vcd", "fill"}));
}

TEST_F(Outputs, SigintAndSigtermStopARunWithValidResultsAndWaves) {
  for (const auto& [sig, code, name] :
       {std::tuple<int, int, const char*>{SIGINT, 130, "SIGINT"}, {SIGTERM, 143, "SIGTERM"}}) {
    SCOPED_TRACE(name);
    fs::remove_all(out(""));
    fs::create_directory(out(""));
    no_leak_check_ = true;
    // 100,000 requests of 1 MiB in one-page chunks: minutes, far longer than the wait below,
    // and each request small, so the simulation is under way when the signal comes.
    const pid_t pid = start({"--size", "1M", "--requests", "100000", "--map-registers", "1",
                             "--quiet", "--json", out("r.json"), "--vcd", out("w.vcd")});
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    kill(pid, sig);
    const Result r = finish(pid);
    EXPECT_EQ(r.exit_code, code) << r.err;
    one_line_naming(r, name);
    EXPECT_EQ(files(), (std::set<std::string>{"r.json", "w.vcd"}));
    const json j = json::parse(slurp(out("r.json")));
    EXPECT_EQ(j["status"], "interrupted");
    EXPECT_EQ(j["data_check"], "incomplete");  // what completed passed; the rest is unchecked
    EXPECT_NE(j["error"].get<std::string>().find(name), std::string::npos) << j["error"];
    EXPECT_NE(j["error"].get<std::string>().find("ns simulated"), std::string::npos);
    EXPECT_GT(j["sim_time_ns"].get<double>(), 0.0);
    // The waves are a whole VCD up to the stop: they parse, and the engine was seen busy.
    const auto sigs = dmasim_test::read_vcd(out("w.vcd"), nullptr);
    ASSERT_TRUE(sigs.count("engine_busy_ch0"));
    EXPECT_GT(sigs.at("engine_busy_ch0").changes.size(), 2u);
  }
}

TEST_F(Outputs, OutOfMemoryIsExit1OnOneLine) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "AddressSanitizer reserves more address space than the limit: not run";
#endif
  address_space_limit_ = 1500ULL << 20;  // 2 GiB of buffer cannot fit
  const Result r = run({"--size", "2G", "--quiet", "--json", out("r.json")});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  one_line_naming(r, "out of memory");
  EXPECT_EQ(files(), std::set<std::string>{});
}

// --waves-from/--waves-to on the platform's VCD: a whole VCD of just that window, each signal
// holding its value from the window's first instant.
TEST_F(Outputs, PlatformWavesOnlyInsideTheWindow) {
  const Result r = run({"--size", "1M", "--quiet", "--vcd", out("w.vcd"), "--waves-from", "100000",
                        "--waves-to", "200000"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto sigs = dmasim_test::read_vcd(out("w.vcd"), nullptr);
  ASSERT_TRUE(sigs.count("bytes_moved"));
  for (const auto& [name, sig] : sigs) {
    SCOPED_TRACE(name);
    ASSERT_FALSE(sig.changes.empty());
    EXPECT_EQ(sig.changes.front().first, 100000000u);  // ps
    for (const auto& [t, v] : sig.changes) EXPECT_LE(t, 200000000u);
  }
  // Data moves in the window: 1 MiB at about 3 GB/s takes about 350 us.
  EXPECT_GT(sigs.at("bytes_moved").changes.size(), 10u);
  EXPECT_GT(sigs.at("bytes_moved").changes.front().second, 0u);
}

TEST_F(Outputs, AnOutputNeverReplacesTheConfigItReads) {
  std::ofstream(out("c.json")) << "{\"size\": 4096}";
  fs::create_symlink("c.json", out("alias.json"));
  for (const char* target : {"c.json", "alias.json"}) {
    const Result r = run({"--config", out("c.json"), "--quiet", "--json", out(target)});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    one_line_naming(r, "--config");
    EXPECT_EQ(slurp(out("c.json")), "{\"size\": 4096}");
  }
  const Result s =
      run({"sweep", "--map-registers", "1,2", "--config", out("c.json"), "--csv", out("c.json")});
  EXPECT_EQ(s.exit_code, 2) << s.err;
  EXPECT_EQ(slurp(out("c.json")), "{\"size\": 4096}");
}

// A FIFO nobody reads yet: the run waits for a reader, as a shell redirection would, but a
// SIGTERM still ends it (143), with nothing left behind.
TEST_F(Outputs, SigtermEndsAWaitForAFifoReader) {
  ASSERT_EQ(mkfifo(out("pipe").c_str(), 0644), 0);
  no_leak_check_ = true;
  const pid_t pid = start({"--size", "4K", "--quiet", "--vcd", out("pipe")});
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  kill(pid, SIGTERM);
  const Result r = finish(pid);
  EXPECT_EQ(r.exit_code, 143) << r.err;
  EXPECT_EQ(files(), std::set<std::string>{"pipe"});
}

TEST_F(Outputs, AVeryLongPathIsQuotedShortInItsMessage) {
  const std::string path = out(std::string(3000, 'd') + "/r.json");  // a folder that is not there
  const Result r = run({"--size", "4K", "--json", path});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  one_line_naming(r, "--json");
  EXPECT_LT(r.err.size(), 600u) << r.err.size();
}

TEST_F(Outputs, VersionIsPrintedAndInTheResults) {
  const Result v = run({"--version"});
  ASSERT_EQ(v.exit_code, 0);
  ASSERT_EQ(v.out.rfind("dmasim ", 0), 0u) << v.out;
  const std::string version = v.out.substr(7, v.out.size() - 8);
  EXPECT_FALSE(version.empty());
  const Result r = run({"--size", "4K", "--json", "-"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["version"], version);
}

TEST_F(Outputs, PerRequestEntriesAreBoundedAndCounted) {
  const Result r =
      run({"--size", "4K", "--requests", "50", "--per-request-limit", "10", "--json", "-"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["per_request"].size(), 10u);
  EXPECT_EQ(j["per_request_omitted"], 40);
  EXPECT_EQ(j["requests"], 50);
}

// Memory does not grow with --requests: 200,000 requests stay within a generous bound of what
// 20,000 take (before the per_request limit, 1,000,000 requests took 6.6 GB).
TEST_F(Outputs, MemoryStaysFlatOverManyRequests) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "AddressSanitizer's quarantine holds freed memory: RSS says nothing here";
#endif
  auto rss = [&](const char* n) {
    const Result r = run({"--size", "1", "--requests", n, "--quiet", "--json", out("r.json")});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.max_rss_kib;
  };
  const long small = rss("20000"), large = rss("200000");
  RecordProperty("rss_kib_20000", std::to_string(small));
  RecordProperty("rss_kib_200000", std::to_string(large));
  EXPECT_LT(large, small + 96 * 1024) << small << " KiB for 20000, " << large << " for 200000";
}

}  // namespace
