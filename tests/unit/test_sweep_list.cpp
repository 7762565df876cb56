// Point lists of dmasim sweep, and the analytic model's arithmetic.
#include <gtest/gtest.h>

#include "sim/analytic.h"
#include "sim/params.h"
#include "sim/sweep.h"

namespace dmasim {
namespace {

using V = std::vector<std::uint64_t>;

TEST(PointList, ListsAndRanges) {
  EXPECT_EQ(parse_point_list("1,2,4", "--map-registers"), (V{1, 2, 4}));
  EXPECT_EQ(parse_point_list("1..256x2", "--map-registers"), (V{1, 2, 4, 8, 16, 32, 64, 128, 256}));
  EXPECT_EQ(parse_point_list("1..10x3", "--map-registers"), (V{1, 3, 9}));
  EXPECT_EQ(parse_point_list("4..16+4", "--map-registers"), (V{4, 8, 12, 16}));
  EXPECT_EQ(parse_point_list("1..3,64", "--map-registers"), (V{1, 2, 3, 64}));
}

TEST(PointList, BadListsNameTheOption) {
  for (const char* bad :
       {"", "a", "1,,2", "8..1", "0..8x2", "1..8x1", "1..8+0", "1..", "..4", "1..8y2", "-1"}) {
    try {
      parse_point_list(bad, "--map-registers");
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const UsageError& e) {
      EXPECT_EQ(std::string(e.what()).rfind("--map-registers: ", 0), 0u) << e.what();
    }
  }
}

TEST(AnalyticModel, FollowsItsFormula) {
  // throughput(N) = 4096N / (T0 + 4096N / BW + N c_page), by hand from the model's own terms.
  SimConfig cfg;
  const AnalyticModel m = analytic_model(cfg);
  for (std::uint64_t n : {1, 7, 256}) {
    const double b = 4096.0 * static_cast<double>(n);
    EXPECT_DOUBLE_EQ(m.predict_GBps(n), b / (m.t0_ns + b / m.bw_eff_GBps + n * m.c_page_ns));
  }
  // c_page is the per-page CPU work: StartDma 50 + CompleteDma 20 + descriptor 20 + lock 120 +
  // unlock 50 ns with the default costs; the IOMMU adds map 100 + unmap 83 ns.
  EXPECT_DOUBLE_EQ(m.c_page_ns, 260.0);
  cfg.iommu = "on";
  EXPECT_DOUBLE_EQ(analytic_model(cfg).c_page_ns, 443.0);
  // Saturation: the ceiling is the link's effective read bandwidth, never exceeded.
  EXPECT_LT(m.predict_GBps(1u << 20), m.bw_eff_GBps);
  EXPECT_NEAR(m.predict_GBps(1u << 20), m.bw_eff_GBps / (1 + m.c_page_ns / 4096.0 * m.bw_eff_GBps),
              0.01);
}

}  // namespace
}  // namespace dmasim
