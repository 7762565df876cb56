// VcdWindow (--waves-from/--waves-to on the platform's VCD): the kept file is a whole VCD that
// starts at the window with every signal's value at that time and has no change outside it,
// whatever pieces the stream arrives in.
#include <gtest/gtest.h>

#include <string>

#include "sim/vcd_window.h"
#include "tests/vcd_reader.h"

namespace dmasim {
namespace {

const char* kVcd =
    "$timescale 1 ps $end\n"
    "$scope module SystemC $end\n"
    "$var wire 1 ! a $end\n"
    "$var wire 8 \" b [7:0] $end\n"
    "$upscope $end\n"
    "$enddefinitions $end\n"
    "\n$comment\nAll initial values are dumped below at time 0 sec = 0 timescale units.\n$end\n"
    "\n$dumpvars\n0!\nb0 \"\n$end\n"
    "#100\n1!\n"
    "#200\nb101 \"\n"
    "#300\n0!\n"
    "#400\nb111 \"\n1!\n";

std::string windowed(std::uint64_t from, std::uint64_t to, std::size_t piece) {
  VcdWindow w(from, to);
  std::string out;
  const std::string in = kVcd;
  for (std::size_t i = 0; i < in.size(); i += piece)
    w.feed(in.data() + i, std::min(piece, in.size() - i), &out);
  w.finish(&out);
  return out;
}

TEST(VcdWindow, KeepsTheStateAtTheStartAndNothingOutside) {
  for (std::size_t piece : {1u, 7u, 4096u}) {
    SCOPED_TRACE(piece);
    const auto sigs = dmasim_test::parse_vcd(windowed(250, 350, piece), nullptr);
    const auto& a = sigs.at("a").changes;
    const auto& b = sigs.at("b").changes;
    // At 250: a = 1 (since 100), b = 5 (since 200); at 300 a falls; the change at 400 is gone.
    ASSERT_EQ(a.size(), 2u);
    EXPECT_EQ(a[0], (std::pair<std::uint64_t, std::uint64_t>{250, 1}));
    EXPECT_EQ(a[1], (std::pair<std::uint64_t, std::uint64_t>{300, 0}));
    ASSERT_EQ(b.size(), 1u);
    EXPECT_EQ(b[0], (std::pair<std::uint64_t, std::uint64_t>{250, 5}));
  }
}

TEST(VcdWindow, NoWindowEndKeepsEverythingAfterTheStart) {
  const auto sigs = dmasim_test::parse_vcd(windowed(300, 0, 13), nullptr);
  EXPECT_EQ(sigs.at("a").changes.back(), (std::pair<std::uint64_t, std::uint64_t>{400, 1}));
  EXPECT_EQ(sigs.at("b").changes.front(), (std::pair<std::uint64_t, std::uint64_t>{300, 5}));
}

TEST(VcdWindow, AWindowAfterTheLastChangeStillHoldsTheValues) {
  const auto sigs = dmasim_test::parse_vcd(windowed(1000, 2000, 64), nullptr);
  EXPECT_EQ(sigs.at("b").changes,
            (std::vector<std::pair<std::uint64_t, std::uint64_t>>{{1000, 7}}));
}

}  // namespace
}  // namespace dmasim
