// Unit tests of the tests' own VCD reader (tests/vcd_reader.h) on hand-written VCD text.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>

#include "tests/vcd_reader.h"

namespace dmasim_test {
namespace {

using Changes = std::vector<std::pair<std::uint64_t, std::uint64_t>>;

// Shaped like SystemC 2.3's VCD writer output (header blocks, bit ranges after the names,
// a trailing time stamp with no changes), plus scalars, x/z and a nested scope.
const char* kSample = R"($date
     Nov 21, 2026       13:49:22
$end
$version
 SystemC 2.3.4-Accellera --- Jan 13 2023 17:28:48
$end
$timescale
     10 ns
$end
$scope module SystemC $end
$var wire   32  aaaaa  irq_line [31:0]  $end
$var wire   64  aaaab  bytes_moved [63:0]  $end
$var wire    1  !  clk  $end
$scope module sub $end
$var wire    4  "  nib [3:0] $end
$upscope $end
$upscope $end
$enddefinitions  $end
$comment
All initial values are dumped below at time 0 sec = 0 timescale units.
$end
$dumpvars
b0 aaaaa
b0 aaaab
0!
bxxxx "
$end

#5
b1 aaaaa
b11000000000001 aaaab
1!

#12
b0 aaaaa
x!
b1z1 "

#30
B1111111111111111111111111111111111111111111111111111111111111111 aaaab
0!
b1010 "

#40
)";

std::map<std::string, VcdSignal> parse(const std::string& text) {
  return parse_vcd(text, nullptr);
}

TEST(VcdReader, ParsesHeaderScopesAndWidths) {
  std::uint64_t ts = 0;
  const auto sigs = parse_vcd(kSample, &ts);
  EXPECT_EQ(ts, 10000u);  // 10 ns = 10 * 1000 ps
  ASSERT_EQ(sigs.size(), 4u);
  ASSERT_TRUE(sigs.count("irq_line"));
  ASSERT_TRUE(sigs.count("bytes_moved"));
  ASSERT_TRUE(sigs.count("clk"));
  ASSERT_TRUE(sigs.count("nib"));
  EXPECT_EQ(sigs.at("irq_line").width, 32);
  EXPECT_EQ(sigs.at("irq_line").id, "aaaaa");
  EXPECT_EQ(sigs.at("irq_line").scope, "SystemC");
  EXPECT_EQ(sigs.at("bytes_moved").width, 64);
  EXPECT_EQ(sigs.at("clk").width, 1);
  EXPECT_EQ(sigs.at("nib").width, 4);
  EXPECT_EQ(sigs.at("nib").scope, "SystemC.sub");
  EXPECT_EQ(sigs.at("nib").name, "nib");
}

TEST(VcdReader, ValueChangesWithTimes) {
  const auto sigs = parse(kSample);
  EXPECT_EQ(sigs.at("irq_line").changes, (Changes{{0, 0}, {5, 1}, {12, 0}}));
  // b11000000000001 = 2^13 + 2^12 + 1 = 12289; 64 ones = 2^64 - 1.
  EXPECT_EQ(sigs.at("bytes_moved").changes,
            (Changes{{0, 0}, {5, 12289}, {30, 0xFFFFFFFFFFFFFFFFULL}}));
  EXPECT_FALSE(sigs.at("bytes_moved").has_unknown);
  // x reads as 0 and is flagged.
  EXPECT_EQ(sigs.at("clk").changes, (Changes{{0, 0}, {5, 1}, {12, 0}, {30, 0}}));
  EXPECT_TRUE(sigs.at("clk").has_unknown);
  // bxxxx -> 0, b1z1 -> 0b101 = 5, b1010 = 10.
  EXPECT_EQ(sigs.at("nib").changes, (Changes{{0, 0}, {12, 5}, {30, 10}}));
  EXPECT_TRUE(sigs.at("nib").has_unknown);
  EXPECT_FALSE(sigs.at("irq_line").has_unknown);
}

TEST(VcdReader, TimescaleUnits) {
  const std::string body =
      " $end $scope module m $end $var wire 1 ! a $end $upscope $end $enddefinitions $end #0 1!";
  std::uint64_t ts = 0;
  parse_vcd("$timescale 1ps" + body, &ts);
  EXPECT_EQ(ts, 1u);
  parse_vcd("$timescale 100ps" + body, &ts);
  EXPECT_EQ(ts, 100u);
  parse_vcd("$timescale 1 us" + body, &ts);
  EXPECT_EQ(ts, 1000000u);
  parse_vcd("$timescale 1 ms" + body, &ts);
  EXPECT_EQ(ts, 1000000000u);
  parse_vcd("$timescale 1 s" + body, &ts);
  EXPECT_EQ(ts, 1000000000000u);
  parse_vcd("$timescale 1000 fs" + body, &ts);
  EXPECT_EQ(ts, 1u);
  EXPECT_THROW(parse_vcd("$timescale 1 fs" + body, &ts), std::runtime_error);
  EXPECT_THROW(parse_vcd("$timescale 1 parsec" + body, &ts), std::runtime_error);
  EXPECT_THROW(parse_vcd("$timescale ns" + body, &ts), std::runtime_error);
  // No $timescale: 1 ps.
  ts = 0;
  parse_vcd("$scope module m $end $var wire 1 ! a $end $upscope $end $enddefinitions $end", &ts);
  EXPECT_EQ(ts, 1u);
}

TEST(VcdReader, SharedIdFeedsEveryAlias) {
  const auto sigs = parse(
      "$scope module m $end $var wire 2 % a $end $var wire 2 % b [1:0] $end $upscope $end "
      "$enddefinitions $end #3 b11 % #4 b1 %");
  EXPECT_EQ(sigs.at("a").changes, (Changes{{3, 3}, {4, 1}}));
  EXPECT_EQ(sigs.at("b").changes, (Changes{{3, 3}, {4, 1}}));
}

TEST(VcdReader, SameNameInTwoScopesKeyedByPath) {
  const auto sigs = parse(
      "$scope module top $end $scope module u0 $end $var wire 1 ! busy $end $upscope $end "
      "$scope module u1 $end $var wire 1 \" busy $end $upscope $end $upscope $end "
      "$enddefinitions $end #1 1! #2 1\"");
  ASSERT_EQ(sigs.size(), 2u);
  EXPECT_EQ(sigs.at("top.u0.busy").changes, (Changes{{1, 1}}));
  EXPECT_EQ(sigs.at("top.u1.busy").changes, (Changes{{2, 1}}));
}

TEST(VcdReader, RealValuesTruncate) {
  const auto sigs = parse(
      "$scope module m $end $var real 64 ! r $end $upscope $end $enddefinitions $end "
      "#1 r2.75 ! #2 r1e3 !");
  EXPECT_EQ(sigs.at("r").changes, (Changes{{1, 2}, {2, 1000}}));
}

TEST(VcdReader, MalformedInputThrows) {
  const std::string head =
      "$scope module m $end $var wire 4 ! v $end $var wire 1 # s $end $upscope $end ";
  const std::string defs = head + "$enddefinitions $end ";
  // Sanity: the well-formed prefix parses.
  EXPECT_NO_THROW(parse(defs + "#0 b1 ! 1#"));
  const char* bad[] = {
      "#1 b1 ?",                // undeclared id
      "#1 1?",                  // undeclared scalar id
      "#1 b10101 !",            // 5 digits in a 4-bit vector
      "#1 b12 !",               // not a binary digit
      "#1 b1",                  // vector without id
      "#1 1",                   // scalar without id
      "#x",                     // bad time
      "#",                      // empty time
      "#5 #4",                  // time going backwards
      "#99999999999999999999",  // time overflow
      "$dumpvars b1 !",         // $dumpvars without $end
      "$end",                   // stray $end
      "$comment never closed",
      "hello",        // junk
      "r1.5x !",      // bad real
      "$bogus $end",  // unknown keyword
  };
  for (const char* b : bad) EXPECT_THROW(parse(defs + b), std::runtime_error) << b;
  // Values before $enddefinitions, missing $enddefinitions, structural errors.
  EXPECT_THROW(parse(head + "#0 b1 !"), std::runtime_error);
  EXPECT_THROW(parse(head), std::runtime_error);
  EXPECT_THROW(parse("$upscope $end $enddefinitions $end"), std::runtime_error);
  EXPECT_THROW(parse("$scope module m $end $enddefinitions $end"), std::runtime_error);
  EXPECT_THROW(parse("$scope module m $end $var wire ! v $end $upscope $end $enddefinitions $end"),
               std::runtime_error);
  EXPECT_THROW(
      parse("$scope module m $end $var wire 0 ! v $end $upscope $end $enddefinitions $end"),
      std::runtime_error);
  EXPECT_THROW(parse("$scope module m $end $var wire 1 ! v $upscope $end $enddefinitions $end"),
               std::runtime_error);
  // A 65-bit value written with 66 digits does not fit its width.
  EXPECT_THROW(parse("$scope module m $end $var wire 65 ! w $end $upscope $end $enddefinitions "
                     "$end #0 b11" +
                     std::string(64, '0') + " !"),
               std::runtime_error);
  EXPECT_THROW(parse(""), std::runtime_error);
}

TEST(VcdReader, ErrorNamesTheLine) {
  try {
    parse(
        "$scope module m $end\n$var wire 1 ! a $end\n$upscope $end\n$enddefinitions $end\n"
        "#0\n1!\n#1\n1?\n");
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("vcd:8:"), std::string::npos) << e.what();
  }
}

TEST(VcdReader, ReadsFile) {
  char path[] = "/tmp/vcd_reader_testXXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  {
    std::ofstream f(path);
    f << kSample;
  }
  std::uint64_t ts = 0;
  const auto sigs = read_vcd(path, &ts);
  EXPECT_EQ(ts, 10000u);
  EXPECT_EQ(sigs.at("irq_line").changes, (Changes{{0, 0}, {5, 1}, {12, 0}}));
  std::remove(path);
  EXPECT_THROW(read_vcd(path, &ts), std::runtime_error);  // gone now
}

}  // namespace
}  // namespace dmasim_test

TEST(VcdReader, WideVectorsKeepTheirLow64Bits) {
  const std::string text =
      "$scope module m $end $var wire 128 ! w [127:0] $end $upscope $end "
      "$enddefinitions $end #0 b1" +
      std::string(63, '0') + "101 !";
  const auto sigs = dmasim_test::parse(text);
  ASSERT_TRUE(sigs.count("w"));
  EXPECT_EQ(sigs.at("w").changes.back().second, 5u);  // bit 66 dropped, 0b101 kept
}
