// gnuplot_string against the real gnuplot: whatever the text, gnuplot reads back exactly that
// text (control characters shown as \xNN), and nothing in it runs.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

#include "sim/gnuplot.h"

namespace dmasim {
namespace {

TEST(GnuplotString, ReadsBackAsTheSameText) {
  char tmpl[] = "/tmp/dmasim_gnuplot_XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl, f = dir + "/F";
  const std::string cases[] = {
      "",
      "plain",
      "it's",
      "'",
      "''",
      "''''",
      "'''''';system('touch " + f + "');''",
      "x' ; system('touch " + f + "') ; print '",
      "\" ; system(\"touch " + f + "\") ; \"",
      "`touch " + f + "`",
      "@x $x \\ \\' \\n",
      "tail\\",
      "caf\xC3\xA9 \xE2\x80\x99",
  };
  for (const std::string& s : cases) {
    const std::string out = run_gnuplot("x = \"system('touch " + f + "')\"\nset print '-'\nprint " +
                                        gnuplot_string(s) + "\n");
    EXPECT_EQ(out, s + "\n") << gnuplot_string(s);
  }
  // Line breaks and other control characters would end the command: shown, not kept.
  EXPECT_EQ(
      run_gnuplot("set print '-'\nprint " +
                  gnuplot_string(std::string("a\nsystem('touch ") + f + "')\r\x01" + '\0') + "\n"),
      "a\\x0Asystem('touch " + f + "')\\x0D\\x01\\x00\n");
  EXPECT_FALSE(std::filesystem::exists(f));
  std::filesystem::remove_all(dir);
}

TEST(GnuplotString, NeverHoldsALineBreakOrARunOfQuotes) {
  std::string all;
  for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
  const std::string q = gnuplot_string(all + "''" + all);
  EXPECT_EQ(q.find_first_of(std::string("\n\r\0", 3)), std::string::npos);
  EXPECT_EQ(q.find("''"), std::string::npos);
}

TEST(RunGnuplot, AFailingScriptNamesTheError) {
  try {
    run_gnuplot("plot nosuchfunction(x)\n");
    ADD_FAILURE() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("gnuplot failed"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace dmasim
