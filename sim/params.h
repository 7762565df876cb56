// Named, typed, documented parameters settable from the command line (--name VALUE) or a JSON
// config file ({"name": value}, with '-' or '_'). Values are checked when set; a bad one raises
// UsageError with a one-line message naming the option and the accepted range.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace dmasim {

// A usage message is one line whatever the user typed: control characters in echoed values are
// escaped (\n, \xNN).
std::string one_line(const std::string& text);
// A value as a message quotes it: one line, and at most kQuoteMax characters ("..." after).
constexpr std::size_t kQuoteMax = 200;
std::string clipped(const std::string& value);
// Deepest nesting of arrays and objects a JSON input may have (a config file is flat).
constexpr int kJsonMaxDepth = 64;

struct UsageError : std::runtime_error {
  explicit UsageError(const std::string& message) : std::runtime_error(one_line(message)) {}
};

class ParamSet {
 public:
  // Unsigned integer; bytes=true accepts K/M/G suffixes (powers of 1024).
  template <class T>
  void add_uint(const std::string& name, T* target, std::uint64_t min, std::uint64_t max,
                const std::string& help, bool bytes = false) {
    add_uint_impl(
        name, [target](std::uint64_t v) { *target = static_cast<T>(v); },
        [target] { return static_cast<std::uint64_t>(*target); }, min, max, help, bytes);
  }
  // Time in nanoseconds (decimal allowed), stored as integer picoseconds; min_ps > 0 for a time
  // that must not be zero (a clock period, a step), checked after rounding to picoseconds.
  void add_time_ns(const std::string& name, std::uint64_t* target_ps, double max_ns,
                   const std::string& help, std::uint64_t min_ps = 0);
  void add_enum(const std::string& name, std::string* target, std::vector<std::string> values,
                const std::string& help);
  void add_string(const std::string& name, std::string* target, const std::string& help);
  // On/off: on|off|true|false|1|0 (JSON true/false too); on the command line --name alone = on.
  void add_flag(const std::string& name, bool* target, const std::string& help);
  bool is_flag(const std::string& name) const { return flags_.count(canonical(name)) != 0; }

  // to_json() reports the parameter as null while unused() holds: the run did not use it (and a
  // null loads back as "not given").
  void unused_when(const std::string& name, std::function<bool()> unused);

  bool has(const std::string& name) const { return params_.count(canonical(name)) != 0; }
  // Every parameter, in registration order, and its kind: uint, time, enum, flag or string.
  const std::vector<std::string>& names() const { return order_; }
  const std::string& kind(const std::string& name) const {
    return params_.at(canonical(name)).kind;
  }
  // `source` names where the value came from in messages: "--map-registers" or "config key ...".
  void set(const std::string& name, const std::string& value, const std::string& source);
  void set_json(const std::string& name, const nlohmann::json& value, const std::string& source);
  // Loads a JSON object file; unknown keys, bad values, unreadable or malformed files, nesting
  // deeper than kJsonMaxDepth, a key given twice (also as map_registers and map-registers) raise.
  // A null value, or "" for a string, means the key is not given (a results file's config).
  void load_file(const std::string& path);
  nlohmann::json to_json() const;  // every effective parameter, keys with '_'
  std::string help() const;

  static std::string canonical(const std::string& name);  // '_' -> '-'
  // The one number syntax of every option and every @field=: decimal digits, nothing before or
  // after (no sign, space, hex or exponent). kBytes adds a K, M or G suffix (also k/m/g,
  // KiB/MiB/GiB; powers of 1024) and applies to byte-sized values only; kDecimal allows a
  // fraction (DIGITS[.DIGITS] or .DIGITS). False for anything else or an integer beyond 2^64-1.
  enum class NumberSyntax { kCount, kBytes, kDecimal };
  static bool parse_number(const std::string& text, NumberSyntax syntax, std::uint64_t* whole,
                           double* real = nullptr);
  static std::uint64_t parse_bytes(const std::string& text, bool* ok);  // kBytes

 private:
  struct Param {
    std::string kind;
    std::string help;
    std::string range;  // accepted values, for messages and help
    std::function<void(const std::string&, const std::string&)> set;  // (value, source)
    std::function<nlohmann::json()> get;
  };
  void add_uint_impl(const std::string& name, std::function<void(std::uint64_t)> store,
                     std::function<std::uint64_t()> load, std::uint64_t min, std::uint64_t max,
                     const std::string& help, bool bytes);

  std::map<std::string, Param> params_;
  std::vector<std::string> order_;
  std::map<std::string, bool> flags_;
};

}  // namespace dmasim
