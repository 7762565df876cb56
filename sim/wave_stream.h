// A waveform file that SystemC or Verilator writes by name, delivered to its output through a
// pipe and a thread that drains it into an OutputWriter. So every byte of a VCD is written with
// its errors checked (neither library reports a failed write), a full disk can never block the
// simulation (Verilator's writer deadlocked on one), and the target gets the output writer's
// rules: whole or not at all, never a symlink, FIFO or device replaced.
#pragma once

#include <cstdint>
#include <string>
#include <thread>

#include "sim/output_file.h"

namespace dmasim {

class WaveStream {
 public:
  // from_ps..to_ps: the window of simulated time kept (to_ps 0: to the end), see vcd_window.h.
  // Throws OutputError if the target or the pipe cannot be opened (before the run).
  explicit WaveStream(const OutputTarget& target, std::uint64_t from_ps = 0,
                      std::uint64_t to_ps = 0);
  ~WaveStream();  // without commit(): nothing is written, the temporary is removed
  WaveStream(const WaveStream&) = delete;
  WaveStream& operator=(const WaveStream&) = delete;

  // The path a writer opens as given (Verilator): /proc/self/fd/N, the pipe's write end.
  std::string path() const;
  // The name for sc_create_vcd_trace_file, which appends ".vcd": a symlink to path() in a
  // private folder, removed by release_name() once SystemC has opened it (or by close()).
  std::string systemc_name();
  void release_name();
  // Once every writer has closed the file: drains the rest; false if any write failed (error()
  // says which). Then commit() puts it in place (two steps, so a run commits all outputs or
  // none). Neither throws: they run after the simulation (see OutputWriter).
  bool close();
  bool commit();
  const std::string& error() const { return error_; }

 private:
  void drain();
  OutputWriter writer_;
  std::uint64_t from_ps_, to_ps_;
  int read_fd_ = -1, write_fd_ = -1;
  int stop_read_fd_ = -1, stop_write_fd_ = -1;  // closed by the destructor: drain stops
  std::thread thread_;
  std::string error_;  // the drain's first failure; later bytes are read and dropped
  std::string link_dir_;
  bool finished_ = false;
};

}  // namespace dmasim
