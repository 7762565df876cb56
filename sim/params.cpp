#include "sim/params.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <set>
#include <sstream>

namespace dmasim {

std::string one_line(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20 || c == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string clipped(const std::string& value) {
  std::string text = one_line(value);
  if (text.size() <= kQuoteMax) return text;
  std::size_t cut = kQuoteMax;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // UTF-8
  return text.substr(0, cut) + "...";
}

std::string ParamSet::canonical(const std::string& name) {
  std::string out = name;
  for (char& c : out)
    if (c == '_') c = '-';
  return out;
}

bool ParamSet::parse_number(const std::string& text, NumberSyntax syntax, std::uint64_t* whole,
                            double* real) {
  constexpr std::uint64_t kMax = ~0ULL;
  auto digit = [&](std::size_t i) {
    return i < text.size() && text[i] >= '0' && text[i] <= '9';  // not isdigit: no locale
  };
  std::size_t i = 0;
  std::uint64_t v = 0;
  for (; digit(i); ++i) {
    const unsigned d = static_cast<unsigned>(text[i] - '0');
    if (v > (kMax - d) / 10) return false;
    v = v * 10 + d;
  }
  bool any = i > 0;
  if (syntax == NumberSyntax::kDecimal && i < text.size() && text[i] == '.') {
    const std::size_t dot = i++;
    for (; digit(i); ++i) {
    }
    if (i == dot + 1) return false;  // "5." and "." are not numbers
    any = true;
  }
  if (!any) return false;
  const std::string suffix = text.substr(i);
  unsigned shift = 0;
  if (syntax == NumberSyntax::kBytes && !suffix.empty()) {
    if (suffix == "K" || suffix == "k" || suffix == "KiB") {
      shift = 10;
    } else if (suffix == "M" || suffix == "m" || suffix == "MiB") {
      shift = 20;
    } else if (suffix == "G" || suffix == "g" || suffix == "GiB") {
      shift = 30;
    } else {
      return false;
    }
  } else if (!suffix.empty()) {
    return false;
  }
  if (v > (kMax >> shift)) return false;
  *whole = v << shift;
  // Only digits and one '.' are left: strtod reads them exactly as written in any locale
  // that uses '.', which is the C locale dmasim runs in.
  if (real)
    *real = syntax == NumberSyntax::kDecimal ? std::strtod(text.c_str(), nullptr)
                                             : static_cast<double>(*whole);
  return true;
}

std::uint64_t ParamSet::parse_bytes(const std::string& text, bool* ok) {
  std::uint64_t v = 0;
  *ok = parse_number(text, NumberSyntax::kBytes, &v);
  return *ok ? v : 0;
}

void ParamSet::add_uint_impl(const std::string& name, std::function<void(std::uint64_t)> store,
                             std::function<std::uint64_t()> load, std::uint64_t min,
                             std::uint64_t max, const std::string& help, bool bytes) {
  Param p;
  p.kind = "uint";
  p.help = help;
  p.range = std::to_string(min) + ".." + std::to_string(max) + (bytes ? " (K/M/G suffix)" : "");
  const std::string range = p.range;
  p.set = [=](const std::string& value, const std::string& source) {
    std::uint64_t v = 0;
    const bool ok = parse_number(value, bytes ? NumberSyntax::kBytes : NumberSyntax::kCount, &v);
    if (!ok || v < min || v > max)
      throw UsageError(source + ": invalid value '" + clipped(value) + "' (expected " + range +
                       ")");
    store(v);
  };
  p.get = [load] { return nlohmann::json(load()); };
  params_[name] = std::move(p);
  order_.push_back(name);
}

void ParamSet::add_time_ns(const std::string& name, std::uint64_t* target_ps, double max_ns,
                           const std::string& help, std::uint64_t min_ps) {
  Param p;
  p.kind = "time";
  p.help = help + " [ns]";
  std::ostringstream r;
  r << static_cast<double>(min_ps) / 1000.0 << ".." << max_ns << " ns";
  p.range = r.str();
  const std::string range = p.range;
  p.set = [=](const std::string& value, const std::string& source) {
    std::uint64_t whole = 0;
    double v = NAN;
    const bool numeric = parse_number(value, NumberSyntax::kDecimal, &whole, &v);
    if (!numeric || !std::isfinite(v) || v < 0 || v > max_ns ||
        static_cast<std::uint64_t>(std::llround(v * 1000.0)) < min_ps)
      throw UsageError(source + ": invalid value '" + clipped(value) + "' (expected " + range +
                       ")");
    *target_ps = static_cast<std::uint64_t>(std::llround(v * 1000.0));
  };
  p.get = [target_ps] { return nlohmann::json(static_cast<double>(*target_ps) / 1000.0); };
  params_[name] = std::move(p);
  order_.push_back(name);
}

void ParamSet::add_enum(const std::string& name, std::string* target,
                        std::vector<std::string> values, const std::string& help) {
  Param p;
  p.kind = "enum";
  p.help = help;
  for (const auto& v : values) p.range += (p.range.empty() ? "" : "|") + v;
  const std::string range = p.range;
  p.set = [=](const std::string& value, const std::string& source) {
    for (const auto& v : values) {
      if (v == value) {
        *target = value;
        return;
      }
    }
    throw UsageError(source + ": invalid value '" + clipped(value) + "' (expected " + range + ")");
  };
  p.get = [target] { return nlohmann::json(*target); };
  params_[name] = std::move(p);
  order_.push_back(name);
}

void ParamSet::add_string(const std::string& name, std::string* target, const std::string& help) {
  Param p;
  p.kind = "string";
  p.help = help;
  p.range = "text";
  p.set = [=](const std::string& value, const std::string& source) {
    if (value.empty()) throw UsageError(source + ": empty value");
    *target = value;
  };
  p.get = [target] { return nlohmann::json(*target); };
  params_[name] = std::move(p);
  order_.push_back(name);
}

void ParamSet::add_flag(const std::string& name, bool* target, const std::string& help) {
  Param p;
  p.kind = "flag";
  p.help = help;
  p.range = "on|off";
  p.set = [=](const std::string& value, const std::string& source) {
    if (value == "on" || value == "true" || value == "1") {
      *target = true;
    } else if (value == "off" || value == "false" || value == "0") {
      *target = false;
    } else {
      throw UsageError(source + ": invalid value '" + clipped(value) + "' (expected on|off)");
    }
  };
  p.get = [target] { return nlohmann::json(*target); };
  params_[name] = std::move(p);
  order_.push_back(name);
  flags_[name] = true;
}

void ParamSet::unused_when(const std::string& name, std::function<bool()> unused) {
  Param& p = params_.at(canonical(name));
  p.get = [get = p.get, unused = std::move(unused)] {
    return unused() ? nlohmann::json(nullptr) : get();
  };
}

void ParamSet::set(const std::string& name, const std::string& value, const std::string& source) {
  auto it = params_.find(canonical(name));
  if (it == params_.end()) throw UsageError(source + ": unknown option");
  it->second.set(value, source);
}

void ParamSet::set_json(const std::string& name, const nlohmann::json& value,
                        const std::string& source) {
  std::string text;
  if (value.is_string()) {
    text = value.get<std::string>();
  } else if (value.is_boolean() && is_flag(name)) {
    text = value.get<bool>() ? "on" : "off";
  } else if (value.is_number_unsigned() || value.is_number_integer()) {
    text = value.dump();
  } else if (value.is_number_float()) {
    std::ostringstream s;
    s.precision(17);
    s << value.get<double>();
    text = s.str();
    if (text.find_first_of("eE") != std::string::npos) {  // the number syntax has no exponent
      s.str("");
      s << std::fixed << std::setprecision(6) << value.get<double>();
      text = s.str();
    }
  } else {
    throw UsageError(source + ": expected a number or string, got " + value.type_name() + " " +
                     clipped(value.dump()));
  }
  set(name, text, source);
}

void ParamSet::load_file(const std::string& path) {
  const std::string where = "--config " + clipped(path);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw UsageError("--config: cannot read '" + clipped(path) + "' (not a regular file)");
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  if (!in) throw UsageError("--config: cannot read '" + clipped(path) + "'");
  text << in.rdbuf();  // sets failbit on an empty file, which the parser then reports
  if (in.bad()) throw UsageError("--config: cannot read '" + clipped(path) + "'");
  // The parser callback sees each container as it opens, so nesting is refused before it is
  // built (nothing deep is ever built, dumped or destroyed), and each key as it is read, which
  // is the only place a duplicate is still visible.
  using Event = nlohmann::json::parse_event_t;
  std::vector<std::set<std::string>> keys;  // of each object open now
  auto check = [&](int depth, Event event, nlohmann::json& parsed) {
    if ((event == Event::object_start || event == Event::array_start) && depth >= kJsonMaxDepth)
      throw UsageError(where + ": nested deeper than " + std::to_string(kJsonMaxDepth) + " levels");
    if (event == Event::object_start) keys.emplace_back();
    if (event == Event::object_end) keys.pop_back();
    if (event == Event::key && !keys.back().insert(parsed.get<std::string>()).second)
      throw UsageError(where + ": key '" + clipped(parsed.get<std::string>()) + "' given twice");
    return true;
  };
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text.str(), check);
  } catch (const nlohmann::json::exception& e) {
    throw UsageError("--config: '" + clipped(path) + "' is not valid JSON (" + clipped(e.what()) +
                     ")");
  }
  if (!doc.is_object())
    throw UsageError("--config: '" + clipped(path) + "' must hold a JSON object");
  std::map<std::string, std::string> spelled;  // option -> the key that gave it
  for (const auto& [key, value] : doc.items()) {
    const std::string source = where + ": key '" + clipped(key) + "'";
    if (!has(key)) throw UsageError(source + " is unknown");
    const auto [first, fresh] = spelled.emplace(canonical(key), key);
    if (!fresh)
      throw UsageError(where + ": keys '" + clipped(first->second) + "' and '" + clipped(key) +
                       "' both set --" + canonical(key));
    if (value.is_null() ||
        (value.is_string() && value.get<std::string>().empty() && kind(key) == "string"))
      continue;  // not given: the default (or the command line) stands
    set_json(key, value, source);
  }
}

nlohmann::json ParamSet::to_json() const {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& name : order_) {
    std::string key = name;
    for (char& c : key)
      if (c == '-') c = '_';
    out[key] = params_.at(name).get();
  }
  return out;
}

std::string ParamSet::help() const {
  std::ostringstream out;
  for (const auto& name : order_) {
    const Param& p = params_.at(name);
    std::string flag = "  --" + name + " (" + p.range + ")";
    out << flag << "\n      " << p.help << " [default: " << p.get().dump() << "]\n";
  }
  return out.str();
}

}  // namespace dmasim
