// dmasim sweep and merge against the real binary: the CSV and plot a person reads, the analytic
// model beside the simulation (within 10% on the default configuration), and the batch path
// (--emit-jobs run by GNU parallel, then merge) giving the same rows as a local sweep.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#ifndef DMASIM_BIN
#error "DMASIM_BIN (path of the dmasim executable) must be defined"
#endif

namespace {

namespace fs = std::filesystem;

struct Csv {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::string get(std::size_t row, const std::string& col) const {
    for (std::size_t i = 0; i < header.size(); ++i)
      if (header[i] == col) return rows.at(row).at(i);
    ADD_FAILURE() << "no column " << col;
    return "";
  }
};

std::vector<std::string> split(const std::string& line) {  // our CSV quotes only text cells
  std::vector<std::string> out;
  std::string cell;
  bool quoted = false;
  for (char c : line) {
    if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      out.push_back(cell);
      cell.clear();
    } else {
      cell += c;
    }
  }
  out.push_back(cell);
  return out;
}

Csv read_csv(const std::string& path) {
  Csv csv;
  std::ifstream in(path);
  std::string line;
  if (std::getline(in, line)) csv.header = split(line);
  while (std::getline(in, line)) csv.rows.push_back(split(line));
  return csv;
}

class Sweep : public testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/dmasim_sweep_test_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }
  int sh(const std::string& cmd) {
    const int st = std::system((cmd + " >" + dir_ + "/out.txt 2>&1").c_str());
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  }
  std::string dir_;
};

TEST_F(Sweep, CsvAndPlotWithTheModelWithinTenPercent) {
  const std::string csv = dir_ + "/s.csv", png = dir_ + "/s.png";
  ASSERT_EQ(sh(std::string(DMASIM_BIN) + " sweep --map-registers 1..256x2 --size 16M --jobs 2" +
               " --csv " + csv + " --plot " + png),
            0);
  const Csv c = read_csv(csv);
  ASSERT_EQ(c.rows.size(), 9u);  // 1, 2, 4, ..., 256
  for (std::size_t i = 0; i < c.rows.size(); ++i) {
    EXPECT_EQ(c.get(i, "config.map_registers"), std::to_string(1u << i));  // sorted by N
    EXPECT_EQ(c.get(i, "status"), "ok");
    EXPECT_EQ(c.get(i, "data_check"), "pass");
    const double sim = std::stod(c.get(i, "throughput_GBps"));
    const double model = std::stod(c.get(i, "model_GBps"));
    EXPECT_LE(std::fabs(sim - model) / model, 0.10) << "N=" << (1u << i);
  }
  // Throughput grows with N on the default platform.
  EXPECT_LT(std::stod(c.get(0, "throughput_GBps")), std::stod(c.get(8, "throughput_GBps")));
  std::ifstream png_in(png, std::ios::binary);
  char magic[4] = {};
  png_in.read(magic, 4);
  EXPECT_EQ(std::string(magic + 1, 3), "PNG");
  EXPECT_GT(fs::file_size(png), 10000u);
}

TEST_F(Sweep, SeriesGiveOneLinePerValue) {
  const std::string csv = dir_ + "/s.csv", svg = dir_ + "/s.svg";
  ASSERT_EQ(sh(std::string(DMASIM_BIN) + " sweep --map-registers 4,64 --size 2M" +
               " --series iommu=off,on --csv " + csv + " --plot " + svg),
            0);
  const Csv c = read_csv(csv);
  ASSERT_EQ(c.rows.size(), 4u);
  EXPECT_EQ(c.get(0, "series"), "iommu=off");
  EXPECT_EQ(c.get(3, "series"), "iommu=on");
  EXPECT_GT(std::stod(c.get(1, "throughput_GBps")), std::stod(c.get(3, "throughput_GBps")));
  std::ifstream in(svg);
  std::stringstream s;
  s << in.rdbuf();
  EXPECT_NE(s.str().find("<svg"), std::string::npos);
  EXPECT_NE(s.str().find("iommu=on"), std::string::npos);
}

// A randomized regression's results hold null for what it draws (offset, direction): they still
// sweep, merge and plot.
TEST_F(Sweep, RandomWorkloadsSweepAndPlot) {
  const std::string csv = dir_ + "/s.csv", png = dir_ + "/s.png";
  ASSERT_EQ(sh(std::string(DMASIM_BIN) + " sweep --map-registers 4,16 --random --requests 5" +
               " --size 64K --csv " + csv + " --plot " + png),
            0);
  const Csv c = read_csv(csv);
  ASSERT_EQ(c.rows.size(), 2u);
  EXPECT_EQ(c.get(0, "status"), "ok");
  EXPECT_EQ(c.get(0, "config.direction"), "");
  EXPECT_GT(fs::file_size(png), 10000u);
}

// What only the built platform can refuse (a miniport, an injection it lacks, VRAM) is refused
// before any point runs: exit 2, one line, nothing written.
TEST_F(Sweep, PlatformChecksOfEveryPointComeBeforeAnyRuns) {
  const std::string csv = dir_ + "/s.csv";
  for (const std::string& bad : {std::string("--miniport nope"),
                                 std::string("--series miniport=dmasim,example --inject "
                                             "driver:complete-twice"),
                                 std::string("--series vram=1G,1M --size 1M")}) {
    SCOPED_TRACE(bad);
    EXPECT_EQ(sh(std::string(DMASIM_BIN) + " sweep --map-registers 1,256 --size 16M " + bad +
                 " --out-dir " + dir_ + "/points --csv " + csv),
              2);
    std::ifstream in(dir_ + "/out.txt");
    std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(std::count(all.begin(), all.end(), '\n'), 1) << all;
    EXPECT_EQ(all.find("[1/"), std::string::npos) << all;  // no point ran
    EXPECT_FALSE(fs::exists(csv));
    EXPECT_FALSE(fs::exists(dir_ + "/points"));
  }
}

TEST_F(Sweep, EmitJobsRunByGnuParallelThenMergeMatchesALocalSweep) {
  const std::string jobs = dir_ + "/jobs.txt", out = dir_ + "/out";
  ASSERT_EQ(sh(std::string(DMASIM_BIN) + " sweep --map-registers 2,8,32 --size 1M" +
               " --emit-jobs " + jobs + " --out-dir " + out),
            0);
  std::ifstream in(jobs);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  ASSERT_EQ(lines.size(), 3u);
  ASSERT_EQ(sh("parallel --will-cite -j 2 < " + jobs), 0);  // what --sshlogin spreads
  const std::string merged = dir_ + "/merged.csv", local = dir_ + "/local.csv";
  ASSERT_EQ(sh(std::string(DMASIM_BIN) + " merge " + out + "/point-0.json " + out +
               "/point-1.json " + out + "/point-2.json --csv " + merged),
            0);
  ASSERT_EQ(sh(std::string(DMASIM_BIN) + " sweep --map-registers 2,8,32 --size 1M --csv " + local),
            0);
  const Csv a = read_csv(merged), b = read_csv(local);
  ASSERT_EQ(a.rows.size(), 3u);
  ASSERT_EQ(b.rows.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i)
    for (const char* col : {"config.map_registers", "chunks", "sim_time_ns", "model_GBps"})
      EXPECT_EQ(a.get(i, col), b.get(i, col)) << col;
}

TEST_F(Sweep, BadListsAndOptionsExit2) {
  for (const char* args :
       {"--map-registers 0..8x1 --csv x.csv", "--map-registers 8..1 --csv x.csv",
        "--map-registers a,b --csv x.csv", "--map-registers 1,2",
        "--map-registers 1,2 --csv x.csv --jobs 0", "--map-registers 1,2 --plot x.jpg",
        "--map-registers 1,2 --csv x.csv --series iommu",
        "--map-registers 1,2 --csv x.csv --series iommu=maybe"}) {
    EXPECT_EQ(sh(std::string(DMASIM_BIN) + " sweep " + args), 2) << args;
  }
}

}  // namespace
