#include "tests/vcd_reader.h"

#include <cctype>
#include <cstddef>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>

namespace dmasim_test {
namespace {

struct Token {
  std::string text;
  int line;
};

std::vector<Token> tokenize(const std::string& text) {
  std::vector<Token> out;
  int line = 1;
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '\n') {
      ++line;
      ++i;
    } else if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else {
      const std::size_t start = i;
      while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
      out.push_back({text.substr(start, i - start), line});
    }
  }
  return out;
}

[[noreturn]] void fail(int line, const std::string& msg) {
  throw std::runtime_error("vcd:" + std::to_string(line) + ": " + msg);
}

// Decimal unsigned integer, the whole string, no overflow.
bool parse_u64(const std::string& s, std::uint64_t* v) {
  if (s.empty()) return false;
  std::uint64_t r = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    const std::uint64_t d = static_cast<std::uint64_t>(c - '0');
    if (r > (std::numeric_limits<std::uint64_t>::max() - d) / 10) return false;
    r = r * 10 + d;
  }
  *v = r;
  return true;
}

class Parser {
 public:
  explicit Parser(const std::string& text) : toks_(tokenize(text)) {}

  std::map<std::string, VcdSignal> run(std::uint64_t* timescale_ps) {
    while (pos_ < toks_.size()) step();
    if (in_dump_) fail(dump_line_, "'" + dump_kw_ + "' block without $end");
    if (!defs_done_) fail(last_line(), "no $enddefinitions");
    if (timescale_ps) *timescale_ps = timescale_ps_;
    return build_map();
  }

 private:
  int last_line() const { return toks_.empty() ? 1 : toks_.back().line; }

  // Tokens after a $keyword up to its $end (consumed).
  std::vector<std::string> until_end(const Token& kw) {
    std::vector<std::string> body;
    while (pos_ < toks_.size()) {
      const Token& t = toks_[pos_++];
      if (t.text == "$end") return body;
      body.push_back(t.text);
    }
    fail(kw.line, "'" + kw.text + "' without $end");
  }

  void step() {
    const Token& t = toks_[pos_++];
    const std::string& s = t.text;
    if (s == "$timescale") {
      timescale(t, until_end(t));
    } else if (s == "$scope") {
      const auto body = until_end(t);
      if (body.empty()) fail(t.line, "$scope without a name");
      scopes_.push_back(body.back());
    } else if (s == "$upscope") {
      if (!until_end(t).empty()) fail(t.line, "$upscope takes no arguments");
      if (scopes_.empty()) fail(t.line, "$upscope without $scope");
      scopes_.pop_back();
    } else if (s == "$var") {
      var(t, until_end(t));
    } else if (s == "$enddefinitions") {
      until_end(t);
      if (!scopes_.empty()) fail(t.line, "$enddefinitions inside $scope " + scopes_.back());
      defs_done_ = true;
    } else if (s == "$dumpvars" || s == "$dumpall" || s == "$dumpon" || s == "$dumpoff") {
      need_defs(t);
      if (in_dump_) fail(t.line, "'" + s + "' inside '" + dump_kw_ + "'");
      in_dump_ = true;
      dump_kw_ = s;
      dump_line_ = t.line;
    } else if (s == "$end") {
      if (!in_dump_) fail(t.line, "stray $end");
      in_dump_ = false;
    } else if (s == "$date" || s == "$version" || s == "$comment") {
      until_end(t);
    } else if (s[0] == '$') {
      fail(t.line, "unknown keyword '" + s + "'");
    } else if (s[0] == '#') {
      need_defs(t);
      std::uint64_t v = 0;
      if (!parse_u64(s.substr(1), &v)) fail(t.line, "bad time '" + s + "'");
      if (v < now_) fail(t.line, "time goes backwards: " + s);
      now_ = v;
    } else {
      value_change(t);
    }
  }

  void need_defs(const Token& t) const {
    if (!defs_done_) fail(t.line, "'" + t.text + "' before $enddefinitions");
  }

  void timescale(const Token& t, const std::vector<std::string>& body) {
    std::string all;
    for (const auto& b : body) all += b;  // "1 ps" or "1ps"
    std::size_t digits = 0;
    while (digits < all.size() && std::isdigit(static_cast<unsigned char>(all[digits]))) ++digits;
    std::uint64_t n = 0;
    if (!parse_u64(all.substr(0, digits), &n) || n == 0)
      fail(t.line, "bad $timescale '" + all + "'");
    const std::string unit = all.substr(digits);
    static const std::map<std::string, std::uint64_t> kPsPerUnit = {{"s", 1000000000000ULL},
                                                                    {"ms", 1000000000ULL},
                                                                    {"us", 1000000ULL},
                                                                    {"ns", 1000ULL},
                                                                    {"ps", 1ULL}};
    if (unit == "fs") {
      if (n % 1000 != 0) fail(t.line, "$timescale finer than 1 ps is not supported: " + all);
      timescale_ps_ = n / 1000;
      return;
    }
    auto it = kPsPerUnit.find(unit);
    if (it == kPsPerUnit.end()) fail(t.line, "bad $timescale unit '" + unit + "'");
    timescale_ps_ = n * it->second;
  }

  void var(const Token& t, const std::vector<std::string>& body) {
    // $var type width id reference [bit range] $end
    if (body.size() < 4 || body.size() > 5 || (body.size() == 5 && body[4][0] != '['))
      fail(t.line, "$var needs type, width, id, name and an optional [bit range]");
    if (defs_done_) fail(t.line, "$var after $enddefinitions");
    std::uint64_t width = 0;
    if (!parse_u64(body[1], &width) || width == 0 || width > 1u << 20)
      fail(t.line, "bad $var width '" + body[1] + "'");
    VcdSignal sig;
    sig.width = static_cast<int>(width);
    sig.id = body[2];
    sig.name = body[3];
    // "sig[7:0]" with the range glued on: drop it. With a separate range token the brackets in
    // the name are an array index ("mem[3] [13:0]") and stay.
    const std::size_t bracket = sig.name.find('[');
    if (body.size() == 4 && bracket != std::string::npos && bracket > 0) sig.name.resize(bracket);
    for (const auto& sc : scopes_) sig.scope += (sig.scope.empty() ? "" : ".") + sc;
    by_id_[sig.id].push_back(signals_.size());
    signals_.push_back(std::move(sig));
  }

  void record(const Token& t, const std::string& id, std::uint64_t value, bool unknown) {
    need_defs(t);
    auto it = by_id_.find(id);
    if (it == by_id_.end()) fail(t.line, "value change of undeclared id '" + id + "'");
    for (std::size_t i : it->second) {
      signals_[i].changes.emplace_back(now_, value);
      if (unknown) signals_[i].has_unknown = true;
    }
  }

  const std::string& next_id(const Token& t) {
    if (pos_ >= toks_.size()) fail(t.line, "value '" + t.text + "' without an id");
    const Token& id = toks_[pos_++];
    // By the grammar the token after a vector value is its id: any printable code, '#' and '$'
    // included (Verilator uses both). An undeclared one fails in record().
    return id.text;
  }

  void value_change(const Token& t) {
    const std::string& s = t.text;
    const char c = s[0];
    if (c == '0' || c == '1' || c == 'x' || c == 'X' || c == 'z' || c == 'Z') {
      if (s.size() < 2) fail(t.line, "scalar change '" + s + "' without an id");
      record(t, s.substr(1), c == '1' ? 1 : 0, !(c == '0' || c == '1'));
    } else if (c == 'b' || c == 'B') {
      const std::string digits = s.substr(1);
      const std::string& id = next_id(t);
      auto it = by_id_.find(id);
      if (it == by_id_.end()) fail(t.line, "value change of undeclared id '" + id + "'");
      const int width = signals_[it->second.front()].width;
      if (digits.empty() || digits.size() > static_cast<std::size_t>(width))
        fail(t.line, "vector '" + s + "' does not fit width " + std::to_string(width));
      std::uint64_t v = 0;
      bool unknown = false;
      for (char d : digits) {
        v <<= 1;  // wider than 64 bits: the low 64 bits are kept
        if (d == '1') {
          v |= 1;
        } else if (d == 'x' || d == 'X' || d == 'z' || d == 'Z') {
          unknown = true;
        } else if (d != '0') {
          fail(t.line, "bad vector digit in '" + s + "'");
        }
      }
      record(t, id, v, unknown);
    } else if (c == 'r' || c == 'R') {
      const std::string num = s.substr(1);
      const std::string& id = next_id(t);
      std::size_t used = 0;
      double d = 0;
      try {
        d = std::stod(num, &used);
      } catch (const std::exception&) {
        fail(t.line, "bad real value '" + s + "'");
      }
      if (used != num.size()) fail(t.line, "bad real value '" + s + "'");
      record(t, id, static_cast<std::uint64_t>(static_cast<std::int64_t>(d)), false);
    } else {
      fail(t.line, "unexpected token '" + s + "'");
    }
  }

  std::map<std::string, VcdSignal> build_map() {
    std::map<std::string, int> name_count;
    for (const auto& s : signals_) ++name_count[s.name];
    std::map<std::string, VcdSignal> out;
    for (auto& s : signals_) {
      std::string key = s.name;
      if (name_count[s.name] > 1) key = s.scope.empty() ? s.name : s.scope + "." + s.name;
      if (!out.emplace(key, std::move(s)).second)
        throw std::runtime_error("vcd: signal '" + key + "' declared twice in one scope");
    }
    return out;
  }

  std::vector<Token> toks_;
  std::size_t pos_ = 0;
  std::vector<std::string> scopes_;
  std::vector<VcdSignal> signals_;
  std::map<std::string, std::vector<std::size_t>> by_id_;
  std::uint64_t timescale_ps_ = 1;
  std::uint64_t now_ = 0;
  bool defs_done_ = false;
  bool in_dump_ = false;
  std::string dump_kw_;
  int dump_line_ = 0;
};

}  // namespace

std::map<std::string, VcdSignal> parse_vcd(const std::string& text, std::uint64_t* timescale_ps) {
  return Parser(text).run(timescale_ps);
}

std::map<std::string, VcdSignal> read_vcd(const std::string& path, std::uint64_t* timescale_ps) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("vcd: cannot open '" + path + "'");
  std::ostringstream text;
  text << in.rdbuf();
  try {
    return parse_vcd(text.str(), timescale_ps);
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(path + ": " + e.what());
  }
}

}  // namespace dmasim_test
