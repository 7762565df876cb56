#include "sim/wave_stream.h"

#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "sim/vcd_window.h"

namespace dmasim {

WaveStream::WaveStream(const OutputTarget& target, std::uint64_t from_ps, std::uint64_t to_ps)
    : writer_(target), from_ps_(from_ps), to_ps_(to_ps) {
  if (!writer_.ok()) throw OutputError(writer_.error());
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0)
    throw OutputError(target.option + ": cannot make a pipe: " + std::strerror(errno));
  read_fd_ = fds[0];
  write_fd_ = fds[1];
  if (::pipe2(fds, O_CLOEXEC) != 0)
    throw OutputError(target.option + ": cannot make a pipe: " + std::strerror(errno));
  stop_read_fd_ = fds[0];
  stop_write_fd_ = fds[1];
  ::fcntl(write_fd_, F_SETPIPE_SZ, 1 << 20);  // fewer wake-ups; the default 64 KiB also works
  thread_ = std::thread([this] { drain(); });
}

WaveStream::~WaveStream() {
  // Abandoned while a writer may still hold the pipe open: tell the drain to stop now.
  if (stop_write_fd_ >= 0) ::close(stop_write_fd_);
  if (write_fd_ >= 0) ::close(write_fd_);
  if (thread_.joinable()) thread_.join();
  for (int fd : {read_fd_, stop_read_fd_})
    if (fd >= 0) ::close(fd);
  release_name();
  if (!finished_) writer_.abandon();
}

std::string WaveStream::path() const {
  return "/proc/self/fd/" + std::to_string(write_fd_);
}

std::string WaveStream::systemc_name() {
  if (link_dir_.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    std::string dir = std::string(tmp && *tmp ? tmp : "/tmp") + "/dmasim-wave-XXXXXX";
    if (!::mkdtemp(dir.data()))
      throw OutputError("cannot make a private folder in " + dir + ": " + std::strerror(errno));
    link_dir_ = dir;
    if (::symlink(path().c_str(), (link_dir_ + "/w.vcd").c_str()) != 0) {
      const int err = errno;
      release_name();
      throw OutputError("cannot link in a private folder: " + std::string(std::strerror(err)));
    }
  }
  return link_dir_ + "/w";
}

void WaveStream::release_name() {
  if (link_dir_.empty()) return;
  ::unlink((link_dir_ + "/w.vcd").c_str());
  ::rmdir(link_dir_.c_str());
  link_dir_.clear();
}

void WaveStream::drain() {
  std::vector<char> buf(1 << 20);
  const bool windowed = from_ps_ != 0 || to_ps_ != 0;
  VcdWindow window(from_ps_, to_ps_);
  std::string kept;
  auto put = [&](const char* data, std::size_t n) {
    if (!error_.empty()) return;  // keep reading so the writer never blocks, drop the bytes
    bool ok = true;
    if (!windowed) {
      ok = writer_.write(data, n);
    } else {
      kept.clear();
      if (data) {
        window.feed(data, n, &kept);
      } else {
        window.finish(&kept);
      }
      ok = writer_.write(kept);
    }
    if (!ok) error_ = writer_.error();
  };
  for (;;) {
    pollfd fds[2] = {{read_fd_, POLLIN, 0}, {stop_read_fd_, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[1].revents != 0) return;  // abandoned: nothing more is written
    const ssize_t n = ::read(read_fd_, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    put(buf.data(), static_cast<std::size_t>(n));
  }
  if (windowed) put(nullptr, 0);
}

bool WaveStream::close() {
  if (write_fd_ >= 0) {
    ::close(write_fd_);
    write_fd_ = -1;
    thread_.join();
    release_name();
  }
  return error_.empty();
}

bool WaveStream::commit() {
  if (!close()) return false;
  if (!writer_.commit()) {
    error_ = writer_.error();
    return false;
  }
  finished_ = true;
  return true;
}

}  // namespace dmasim
