// Every file dmasim writes (results JSON, VCDs, CSV, plots, job lists) goes through here, so each
// follows the same rules (DESIGN.md "Exit status", README "What is checked"):
// - outputs are checked before any work: the parent directory exists, the target is not a
//   directory, a block device or a socket, and no two outputs are the same file;
// - a regular file is written whole or not at all: into a unique temporary beside it (O_EXCL),
//   renamed into place once every write and the close succeeded; a symlink is followed and the
//   file it points at is what gets replaced;
// - a FIFO, a character device (/dev/null) or an inherited descriptor (-, /dev/stdout,
//   /dev/fd/N) is opened and written in place, never replaced;
// - any failed write, close or rename is an OutputError naming the option, the path and errno's
//   text, and no temporary is left behind.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace dmasim {

// A write that failed after the run started (full disk, I/O error): exit status 1.
struct OutputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct OutputTarget {
  enum class Kind {
    kReplace,     // a regular file (new or existing): temporary + rename
    kInPlace,     // a FIFO or character device: opened and written where it is
    kDescriptor,  // an inherited descriptor: "-", /dev/stdout, /dev/stderr, /dev/fd/N
  };
  std::string option;  // "--json": every message names it
  std::string path;    // as the user gave it
  Kind kind = Kind::kReplace;
  std::string file;  // kReplace: the file that gets replaced (symlinks followed); kInPlace: opened
  int fd = -1;       // kDescriptor: the descriptor written to
  bool exists = false;
  std::uint64_t dev = 0, ino = 0;  // of the existing target (or of fd), to find two alike
};

// Checks one output before any work; throws UsageError (one line naming the option).
// allow_stdout: "-" means standard output; else "-" is refused.
OutputTarget check_output(const std::string& path, const std::string& option, bool allow_stdout);

// Throws UsageError if two of the targets are the same file or both standard output. Two outputs
// to the same character device (/dev/null) are fine: nothing is replaced and nothing mixes.
void check_distinct(const std::vector<const OutputTarget*>& targets);

// Reports failures by value, not by exception: it is used after a simulation, where throwing
// across SystemC's coroutine stacks confuses AddressSanitizer. After the first failure every
// call returns false, error() says what failed, and nothing is left behind.
// Throws UsageError if the target is the existing file `input` (which `input_option` reads):
// an output must never replace what the run reads (--config c.json --json c.json).
void check_not_input(const OutputTarget& target, const std::string& input,
                     const std::string& input_option);

// Where the process's stop flag lives (set by its SIGINT/SIGTERM handler): opening a FIFO that
// has no reader yet waits for one, and gives up when the flag is set.
void set_output_stop_flag(const volatile int* flag);

class OutputWriter {
 public:
  // Opens the target (for kReplace, a new temporary beside it).
  explicit OutputWriter(const OutputTarget& target);
  ~OutputWriter();  // without commit(): closes and removes the temporary
  OutputWriter(const OutputWriter&) = delete;
  OutputWriter& operator=(const OutputWriter&) = delete;

  bool write(const char* data, std::size_t n);
  bool write(const std::string& text) { return write(text.data(), text.size()); }
  bool commit();   // close and rename into place
  void abandon();  // close and remove the temporary; the target is left as it was
  bool ok() const { return error_.empty(); }
  // "--json: cannot write 'PATH': No space left on device"; empty while all went well.
  const std::string& error() const { return error_; }

 private:
  bool fail(const std::string& what, int err);
  OutputTarget target_;
  int fd_ = -1;
  std::string tmp_;
  std::string error_;
  bool done_ = false;
};

// Writes text to the target whole or not at all; throws OutputError (for sweep and merge).
void write_output(const OutputTarget& target, const std::string& text);

}  // namespace dmasim
