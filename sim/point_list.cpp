#include "sim/point_list.h"

#include <sstream>

#include "sim/params.h"

namespace dmasim {

std::vector<std::uint64_t> parse_point_list(const std::string& text, const std::string& option) {
  auto bad = [&](const std::string& why) {
    return UsageError(option + ": invalid list '" + clipped(text) + "' (" + why +
                      "; expected e.g. 1,2,4 or 1..256x2 or 4..64+4)");
  };
  auto number = [&](const std::string& s) {
    std::uint64_t v = 0;
    // The list is quoted already: the item only briefly, so the line stays short.
    const std::string item = s.size() > 40 ? clipped(s.substr(0, 40)) + "..." : clipped(s);
    if (!ParamSet::parse_number(s, ParamSet::NumberSyntax::kCount, &v)) throw bad("'" + item + "'");
    return v;
  };
  std::vector<std::uint64_t> out;
  std::stringstream items(text);
  std::string item;
  while (std::getline(items, item, ',')) {
    const auto dots = item.find("..");
    if (dots == std::string::npos) {
      out.push_back(number(item));
      continue;
    }
    const std::string from = item.substr(0, dots), rest = item.substr(dots + 2);
    const auto op = rest.find_first_of("x+");
    const std::uint64_t a = number(from), b = number(rest.substr(0, op));
    const std::uint64_t step = op == std::string::npos ? 1 : number(rest.substr(op + 1));
    const bool geometric = op != std::string::npos && rest[op] == 'x';
    if (a > b || (geometric ? step < 2 || a == 0 : step == 0)) throw bad("empty or endless range");
    for (std::uint64_t v = a; v <= b; v = geometric ? v * step : v + step) {
      out.push_back(v);
      if (out.size() > 100000) throw bad("too many points");
    }
  }
  if (out.empty()) throw bad("no points");
  return out;
}

}  // namespace dmasim
