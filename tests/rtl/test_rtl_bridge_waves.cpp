// The RTL bridge's own waves (--rtl-waves): opened once at exactly the path given (a file, or a
// pipe as /proc/self/fd/N), flushed and closed by close_waves() while the engine still exists,
// nothing else written beside them, and a failed write reported, not hung on (a full disk used
// to deadlock in Verilator's fatal path). Part of sc_tests (one elaboration per process).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include "sim/platform.h"
#include "tests/vcd_reader.h"

namespace dmasim {
namespace {

namespace fs = std::filesystem;

std::string slurp(const std::string& path) {
  std::string text;
  const int fd = ::open(path.c_str(), O_RDONLY);
  char buf[65536];
  for (ssize_t n; fd >= 0 && (n = ::read(fd, buf, sizeof buf)) > 0;) text.append(buf, n);
  if (fd >= 0) ::close(fd);
  return text;
}

// Reads a pipe to its end; gives up after 20 s without data (the writer never closed it).
void drain(int fd, std::string* text, bool* eof) {
  char buf[65536];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 20000) <= 0) return;
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n == 0) *eof = true;
    if (n <= 0) return;
    text->append(buf, static_cast<std::size_t>(n));
  }
}

SimConfig rtl_config() {
  SimConfig c;
  c.engine = "rtl";
  c.rtl_waves = true;
  return c;
}

TEST(RtlBridgeWaves, ThroughAPipeEndedByCloseWaves) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  std::string text;
  bool eof = false;
  std::thread reader(drain, fds[0], &text, &eof);
  auto engine = make_rtl_engine(rtl_config(), 0, "/proc/self/fd/" + std::to_string(fds[1]));
  ::close(fds[1]);  // the bridge's own open of the pipe is the only writer left
  engine->close_waves();
  reader.join();  // the engine still exists: close_waves() ended the waves
  ::close(fds[0]);
  EXPECT_TRUE(eof) << "the bridge did not close its end of the pipe";
  std::uint64_t timescale = 0;
  const auto rtl = dmasim_test::parse_vcd(text, &timescale);
  EXPECT_EQ(timescale, 1u);
  ASSERT_TRUE(rtl.count("TOP.rst"));
  // The reset cycles the constructor clocked: rst high, then low.
  const auto& rst = rtl.at("TOP.rst").changes;
  ASSERT_EQ(rst.size(), 2u);
  EXPECT_EQ(rst[0].second, 1u);
  EXPECT_EQ(rst[1].second, 0u);
  engine->close_waves();  // once closed, nothing more to do
}

TEST(RtlBridgeWaves, OneFileAtThePathGivenCompleteAtCloseWaves) {
  char tmpl[] = "/tmp/dmasim_rtl_waves_XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  SimConfig cfg = rtl_config();
  cfg.size = 16 << 10;
  cfg.rtl_vcd_file = dir + "/w.rtl.vcd";  // (sim/main.cpp sets it from --vcd)
  std::string closed;
  {
    Platform p("platform", cfg);
    p.run();
    p.close_waves();
    closed = slurp(dir + "/w.rtl.vcd");
    std::uint64_t timescale = 0;
    const auto rtl = dmasim_test::parse_vcd(closed, &timescale);
    ASSERT_TRUE(rtl.count("TOP.busy"));
    const auto& busy = rtl.at("TOP.busy").changes;
    ASSERT_FALSE(busy.empty());
    EXPECT_EQ(busy.back().second, 0u);  // to the end of the run: the last run is over
    p.close_waves();
  }
  EXPECT_EQ(slurp(dir + "/w.rtl.vcd"), closed);  // the destructor wrote nothing more
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename());
  EXPECT_EQ(names, std::vector<std::string>{"w.rtl.vcd"});
  fs::remove_all(dir);
}

TEST(RtlBridgeWaves, FullDeviceIsAnErrorNamingThePath) {
  auto engine = make_rtl_engine(rtl_config(), 0, "/dev/full");
  try {
    engine->close_waves();
    ADD_FAILURE() << "no error writing /dev/full";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("'/dev/full'"), std::string::npos) << what;
    EXPECT_NE(what.find(std::strerror(ENOSPC)), std::string::npos) << what;
  }
  engine->close_waves();  // reported once
}

TEST(RtlBridgeWaves, UnopenablePathIsAUsageError) {
  try {
    make_rtl_engine(rtl_config(), 0, "/nonexistent-dir/w.rtl.vcd");
    ADD_FAILURE() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("'/nonexistent-dir/w.rtl.vcd'"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace dmasim
