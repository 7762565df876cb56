#include "sim/vcd_window.h"

#include <cstdlib>

namespace dmasim {

namespace {

// The identifier a value-change line sets: "1!" -> "!", "b0101 %" or "r1.5 %" -> "%".
std::string identifier_of(const std::string& l) {
  if (l.empty()) return "";
  if (l[0] == 'b' || l[0] == 'B' || l[0] == 'r' || l[0] == 'R') {
    const auto sp = l.find(' ');
    return sp == std::string::npos ? "" : l.substr(sp + 1);
  }
  return l.substr(1);
}

}  // namespace

void VcdWindow::feed(const char* data, std::size_t n, std::string* out) {
  std::size_t start = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (data[i] != '\n') continue;
    partial_.append(data + start, i - start);
    line(partial_, out);
    partial_.clear();
    start = i + 1;
  }
  partial_.append(data + start, n - start);
}

void VcdWindow::finish(std::string* out) {
  if (!partial_.empty()) line(partial_, out);
  partial_.clear();
  // A window that starts after the last change still shows the values it holds.
  if (!in_header_ && !opened_ && !closed_) open_window(from_, out);
}

void VcdWindow::open_window(std::uint64_t at, std::string* out) {
  opened_ = true;
  *out += "#" + std::to_string(at) + "\n$dumpvars\n";
  for (const auto& [id, l] : values_) *out += l + "\n";
  *out += "$end\n";
  values_.clear();
}

void VcdWindow::line(const std::string& l, std::string* out) {
  if (closed_) return;
  if (in_header_) {
    *out += l + "\n";
    if (l.find("$enddefinitions") != std::string::npos) in_header_ = false;
    return;
  }
  if (!l.empty() && l[0] == '#') {
    const std::uint64_t t = std::strtoull(l.c_str() + 1, nullptr, 10);
    if (to_ != 0 && t > to_) {
      if (!opened_) open_window(from_, out);
      closed_ = true;
      return;
    }
    if (!opened_ && t >= from_) {
      open_window(from_, out);
      if (t == from_) return;  // the dump above is at this very time: changes follow it
    }
    if (opened_) *out += l + "\n";
    return;
  }
  if (opened_) {
    *out += l + "\n";
    return;
  }
  // Before the window: remember each signal's latest value; keywords and comments go.
  if (in_comment_) {
    in_comment_ = l.find("$end") == std::string::npos;
    return;
  }
  if (l.rfind("$comment", 0) == 0) {
    in_comment_ = l.find("$end", 8) == std::string::npos;
    return;
  }
  if (l.empty() || l[0] == '$') return;
  const std::string id = identifier_of(l);
  if (!id.empty()) values_[id] = l;
}

}  // namespace dmasim
