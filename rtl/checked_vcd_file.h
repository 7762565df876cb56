// The file behind the RTL's Verilated VCD: opened once at the path it is given (a regular file,
// a FIFO, /proc/self/fd/N of a pipe), blocking writes, every error kept instead of acted on.
//
// Verilator's own file opens with O_NONBLOCK (a full pipe spins in write()) and ends a failed
// write in vl_fatal, whose flush callback waits on the trace's own mutex: a full disk hung the
// run. Here a failed write keeps its errno, the rest of the trace is dropped, and the owner asks
// error() once the trace is closed.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "verilated_vcd_c.h"

namespace dmasim {

class CheckedVcdFile : public VerilatedVcdFile {
 public:
  ~CheckedVcdFile() override { close(); }
  bool open(const std::string& name) override {
    fd_ = ::open(name.c_str(), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0666);
    if (fd_ < 0) error_ = errno;
    return fd_ >= 0;
  }
  void close() override {
    if (fd_ >= 0 && ::close(fd_) != 0 && !error_) error_ = errno;
    fd_ = -1;
  }
  // Always "all written", so Verilator never takes its fatal path.
  ssize_t write(const char* data, ssize_t len) override {
    for (ssize_t done = 0; done < len && fd_ >= 0 && !error_;) {
      const ssize_t n = ::write(fd_, data + done, static_cast<size_t>(len - done));
      if (n > 0) {
        done += n;
      } else if (n == 0 || errno != EINTR) {
        error_ = n == 0 ? EIO : errno;
      }
    }
    return len;
  }
  int error() const { return error_; }  // errno of the first failed open, write or close; or 0

 private:
  int fd_ = -1;
  int error_ = 0;
};

}  // namespace dmasim
