// ParamSet::parse_number: the one number syntax of every option and @field=.
#include <gtest/gtest.h>

#include <string>

#include "sim/params.h"

namespace {

using dmasim::ParamSet;
using Syntax = ParamSet::NumberSyntax;

bool parses(const std::string& text, Syntax syntax, std::uint64_t* v = nullptr,
            double* real = nullptr) {
  std::uint64_t whole = 0;
  const bool ok = ParamSet::parse_number(text, syntax, &whole, real);
  if (v) *v = whole;
  return ok;
}

TEST(NumberSyntax, DecimalDigitsOnly) {
  std::uint64_t v = 0;
  EXPECT_TRUE(parses("0", Syntax::kCount, &v));
  EXPECT_EQ(v, 0u);
  EXPECT_TRUE(parses("18446744073709551615", Syntax::kCount, &v));
  EXPECT_EQ(v, ~0ULL);
  EXPECT_TRUE(parses("010", Syntax::kCount, &v));  // decimal, not octal
  EXPECT_EQ(v, 10u);
  for (const char* bad : {"", "18446744073709551616", "0x10", "1e3", "+1", "-1", " 1", "1 ", "1\n",
                          "1K", "1.5", "\xd9\xa1", "one"})
    EXPECT_FALSE(parses(bad, Syntax::kCount)) << "'" << bad << "'";
}

TEST(NumberSyntax, BytesTakeBinarySuffixes) {
  std::uint64_t v = 0;
  const std::pair<const char*, std::uint64_t> good[] = {
      {"4K", 4096},       {"4k", 4096},       {"4KiB", 4096}, {"3M", 3ULL << 20},
      {"2G", 2ULL << 30}, {"2g", 2ULL << 30}, {"7", 7}};
  for (const auto& [text, want] : good) {
    EXPECT_TRUE(parses(text, Syntax::kBytes, &v)) << text;
    EXPECT_EQ(v, want) << text;
  }
  for (const char* bad : {"K", "4KB", "4 K", "4T", "17179869184G", "0x10K", "1.5K"})
    EXPECT_FALSE(parses(bad, Syntax::kBytes)) << bad;
}

TEST(NumberSyntax, DecimalsTakeAFractionOnly) {
  double r = 0;
  EXPECT_TRUE(parses("4.5", Syntax::kDecimal, nullptr, &r));
  EXPECT_EQ(r, 4.5);
  EXPECT_TRUE(parses(".25", Syntax::kDecimal, nullptr, &r));
  EXPECT_EQ(r, 0.25);
  EXPECT_TRUE(parses("1000000", Syntax::kDecimal, nullptr, &r));
  EXPECT_EQ(r, 1e6);
  for (const char* bad : {".", "4.", "1e3", "0x10", "inf", "nan", "-1", " 1", "1 ", "1..2", "4K"})
    EXPECT_FALSE(parses(bad, Syntax::kDecimal)) << bad;
}

}  // namespace
