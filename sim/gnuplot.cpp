#include "sim/gnuplot.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "sim/child_process.h"

namespace dmasim {

std::string gnuplot_string(const std::string& text) {
  std::string out, piece;
  auto flush = [&] {
    if (piece.empty()) return;
    out += (out.empty() ? "'" : ".'") + piece + "'";
    piece.clear();
  };
  for (unsigned char c : text) {
    if (c == '\'') {
      flush();
      out += out.empty() ? "\"'\"" : ".\"'\"";
    } else if (c < 0x20 || c == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", c);
      piece += buf;
    } else {
      piece += static_cast<char>(c);
    }
  }
  flush();
  return out.empty() ? "\"\"" : out;
}

namespace {

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

// An anonymous temporary file (removed by the system as soon as it is closed, even on a crash).
File anonymous_file() {
  File f(std::tmpfile());
  if (!f)
    throw std::runtime_error(std::string("cannot create a temporary file: ") +
                             std::strerror(errno));
  return f;
}

std::string read_all(std::FILE* f) {
  std::string out;
  std::rewind(f);
  char buf[65536];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) out.append(buf, n);
  return out;
}

std::string first_line(const std::string& text) {
  // gnuplot repeats the offending command before its message: report the message.
  std::string best;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    const auto first = line.find_first_not_of(" \t^");
    line = first == std::string::npos ? "" : line.substr(first);
    if (!line.empty() && line.rfind("gnuplot>", 0) != 0) {
      best = line;
      if (line.find("line ") == 0 || line.find("error") != std::string::npos) break;
    }
    start = end + 1;
  }
  if (best.size() > 200) best = best.substr(0, 200) + "...";
  return best;
}

}  // namespace

std::string run_gnuplot(const std::string& script) {
  // Script, plot and messages each in an anonymous file: no pipe can fill up and stall either
  // side, and nothing is left behind if either is killed.
  File in = anonymous_file(), out = anonymous_file(), err = anonymous_file();
  if (std::fwrite(script.data(), 1, script.size(), in.get()) != script.size() ||
      std::fflush(in.get()) != 0)
    throw std::runtime_error(std::string("cannot write the gnuplot script: ") +
                             std::strerror(errno));
  std::rewind(in.get());
  SpawnOptions o;
  o.search_path = true;
  o.stdin_fd = fileno(in.get());
  o.stdout_fd = fileno(out.get());
  o.stderr_fd = fileno(err.get());
  const int status = wait_child(spawn({"gnuplot"}, o));
  const std::string plot = read_all(out.get()), messages = read_all(err.get());
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
    throw std::runtime_error("cannot run gnuplot (is gnuplot installed and on PATH?)");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error("gnuplot failed: " + first_line(messages));
  if (plot.empty()) throw std::runtime_error("gnuplot wrote no plot: " + first_line(messages));
  return plot;
}

}  // namespace dmasim
