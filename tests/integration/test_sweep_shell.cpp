// No shell from data (issue 11, finding 2): strings from a results file, a series and a --plot
// path reach gnuplot only as quoted strings, and --emit-jobs lines quote every word for sh.
#include <sys/stat.h>

#include "tests/integration/sweep_bench.h"

namespace {

using namespace sweep_bench;

class SweepShell : public SweepBench {};

TEST_F(SweepShell, MergeOfHostileStringsRunsNothingAndStillPlots) {
  const std::string a = result("a.json", {"--map-registers", "4"});
  const std::string b = result("b.json", {"--map-registers", "8"});
  const std::string c = result("c.json", {"--map-registers", "16"});
  // Each way out of a gnuplot string: the quote itself, a doubled quote (gnuplot 5.4 mis-scans
  // runs of them), a line break, backquotes, a macro and a trailing backslash.
  const std::vector<std::string> hostile = {
      "x' ; system('touch " + dir_ + "/F1') ; print '",
      "y'''' ; system('touch " + dir_ + "/F2') ; print ''''",
      "z\nsystem('touch " + dir_ + "/F3')\n`touch " + dir_ + "/F4` @x \\",
  };
  const std::vector<std::string> files = {a, b, c};
  for (std::size_t i = 0; i < files.size(); ++i) {
    nlohmann::json j = load(files[i]);
    j["config"]["miniport"] = hostile[i];  // becomes the series name: "miniport=..."
    save(files[i], j);
  }
  // A path holds no '/' in its last name: the command works on gnuplot's working directory.
  cwd_ = dir_;
  const std::string plot = dir_ + "/q'; system('touch P'); set output 'r.svg";
  const std::string csv = dir_ + "/m.csv";
  EXPECT_EQ(dmasim({"merge", a, b, c, "--csv", csv, "--plot", plot}), 0) << err_;
  for (const char* f : {"F1", "F2", "F3", "F4", "P"})
    EXPECT_FALSE(fs::exists(dir_ + "/" + f)) << f << " was created: gnuplot ran a command";
  EXPECT_FALSE(fs::exists(dir_ + "/r.svg"));
  ASSERT_TRUE(fs::exists(plot));
  const std::string svg = slurp(plot);
  EXPECT_NE(svg.find("<svg"), std::string::npos);
  // The hostile text is drawn as a key entry (SVG escapes the quote), not run.
  EXPECT_NE(svg.find("system("), std::string::npos);
  EXPECT_NE(svg.find("F1"), std::string::npos);
  EXPECT_NE(svg.find("F3"), std::string::npos);
}

TEST_F(SweepShell, HostileSeriesValueRunsNothing) {
  const std::string hostile = "x' ; system('touch " + dir_ + "/F') ; print '";
  const std::string svg = dir_ + "/s.svg";
  // The hostile miniport does not exist: the sweep refuses it before any point runs (each
  // series is dry-run first) and draws nothing; the string never reaches a shell or gnuplot.
  EXPECT_EQ(dmasim({"sweep", "--map-registers", "4,8", "--size", "64K", "--series",
                    "miniport=dmasim," + hostile, "--csv", dir_ + "/s.csv", "--plot", svg}),
            2)
      << err_;
  EXPECT_FALSE(fs::exists(dir_ + "/F"));
  EXPECT_FALSE(fs::exists(svg));
}

TEST_F(SweepShell, EmitJobsQuoteEveryWordForTheShell) {
  // A config file whose path is hostile (every point must load it, so it exists: "{}").
  const std::string hostile =
      dir_ + "/a'b \"c\" $(touch " + dir_ + "/F1) `touch " + dir_ + "/F2`; x\n y.json";
  fs::create_directories(fs::path(hostile).parent_path());
  std::ofstream(hostile) << "{}";
  const std::string out = dir_ + "/out dir $(touch " + dir_ + "/F3)";
  const std::string jobs = dir_ + "/jobs.txt";
  ASSERT_EQ(dmasim({"sweep", "--map-registers", "2,4", "--config", hostile, "--emit-jobs", jobs,
                    "--out-dir", out}),
            0)
      << err_;
  std::string text = slurp(jobs);
  // One command per point; a quoted line break stays inside its word.
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (std::size_t i = 0; i < 2; ++i) {
    // Each command ends with --quiet, then a line break.
    const std::size_t end = text.find("--quiet\n", start);
    ASSERT_NE(end, std::string::npos) << text;
    lines.push_back(text.substr(start, end + 7 - start));
    start = end + 8;
  }
  EXPECT_EQ(start, text.size());
  for (std::size_t i = 0; i < lines.size(); ++i) {
    // The shell prints the words it parsed, one per NUL: they must be the sweep's argv.
    ASSERT_EQ(run({"-c", "printf '%s\\0' " + lines[i]}, "sh"), 0) << err_;
    std::vector<std::string> words;
    for (std::size_t p = 0; p < out_.size();) {
      const std::size_t nul = out_.find('\0', p);
      words.push_back(out_.substr(p, nul - p));
      p = nul + 1;
    }
    const std::string n = i == 0 ? "2" : "4";
    const std::vector<std::string> want = {fs::canonical(DMASIM_BIN).string(),
                                           "--config",
                                           hostile,
                                           "--map-registers",
                                           n,
                                           "--json",
                                           out + "/point-" + std::to_string(i) + ".json",
                                           "--quiet"};
    EXPECT_EQ(words, want);
  }
  for (const char* f : {"F1", "F2", "F3"}) EXPECT_FALSE(fs::exists(dir_ + "/" + f)) << f;
}

}  // namespace
