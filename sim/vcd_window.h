// Keeps the part of a VCD stream inside a window of simulated time [from, to] (--waves-from,
// --waves-to), as a file that opens on its own: the header passes through; at the window's start
// every signal's value at that time is dumped; value changes after `to` are dropped. Fed in
// pieces of any size, as the bytes arrive.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace dmasim {

class VcdWindow {
 public:
  // Times in the file's own units (dmasim writes 1 ps); to == 0: no end.
  VcdWindow(std::uint64_t from, std::uint64_t to) : from_(from), to_(to) {}
  // Appends to *out what of data is kept.
  void feed(const char* data, std::size_t n, std::string* out);
  void finish(std::string* out);  // the last line, if it had no newline

 private:
  void line(const std::string& l, std::string* out);
  void open_window(std::uint64_t at, std::string* out);
  std::uint64_t from_, to_;
  std::string partial_;
  bool in_header_ = true, in_comment_ = false, opened_ = false, closed_ = false;
  std::map<std::string, std::string> values_;  // identifier -> its latest value-change line
};

}  // namespace dmasim
