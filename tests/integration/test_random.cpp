// Randomized regression through the real binary: many seeds, each a workload of random sizes,
// offsets, directions and channels under a seed-chosen map-register count (and sometimes the
// IOMMU), every byte checked by the scoreboard; a failure names its seed. Same seed, same JSON.
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#ifndef DMASIM_BIN
#error "DMASIM_BIN (path of the dmasim executable) must be defined"
#endif

namespace {

using json = nlohmann::json;

std::string command(unsigned seed, unsigned requests) {
  return std::string(DMASIM_BIN) + " --random --seed " + std::to_string(seed) + " --requests " +
         std::to_string(requests) + " --size 256K --channels " + std::to_string(1 + seed % 2) +
         " --map-registers " + std::to_string(1 + (seed * 37) % 256) +
         (seed % 3 == 0 ? " --iommu on" : "") + (seed % 7 == 0 ? " --offset 4095" : "");
}

json run(const std::string& cmd) {
  std::unique_ptr<FILE, int (*)(FILE*)> p(popen((cmd + " --json - 2>/dev/null").c_str(), "r"),
                                          pclose);
  std::string out;
  char buf[4096];
  while (p && fgets(buf, sizeof buf, p.get())) out += buf;
  return json::parse(out);
}

void seeds(unsigned first, unsigned last, unsigned requests) {
  for (unsigned seed = first; seed <= last; ++seed) {
    const std::string cmd = command(seed, requests);
    const json j = run(cmd);
    ASSERT_EQ(j["status"], "ok") << "failing seed " << seed << ": " << cmd << "\n" << j["error"];
    ASSERT_EQ(j["data_check"], "pass") << cmd;
    ASSERT_EQ(j["requests"], requests) << cmd;
    ASSERT_EQ(j["chunks"], j["expected_chunks"]) << cmd;
  }
}

TEST(Random, TwoHundredSeeds) {
  seeds(1, 200, 12);
}

TEST(Random, SameSeedSameResults) {
  json a = run(command(7, 20)), b = run(command(7, 20));
  a.erase("wall_s");
  b.erase("wall_s");
  EXPECT_EQ(a, b);
  const json c = run(command(8, 20));
  EXPECT_NE(a["per_request"], c["per_request"]);  // another seed is another workload
}

TEST(RandomSoak, ThreeThousandSeeds) {
  seeds(1, 3000, 20);
}

}  // namespace
