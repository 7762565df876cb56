// Long runs hold memory flat: 10,000 random requests on both channels, through the IOMMU, end
// with every map register, MDL, scatter/gather list, common buffer and adapter given back (the
// verifier checks each at CompleteDma, UnlockBuffer and PutDmaAdapter), every buffer frame freed
// and only the IOMMU's page-table pages still allocated at the end.
#include <gtest/gtest.h>

#include "sim/platform.h"

namespace dmasim {
namespace {

struct End {
  std::uint64_t kernel_frames, buffer_frames;
};

End run(std::uint64_t requests) {
  SimConfig c;
  c.random = true;
  c.seed = 11;
  c.requests = requests;
  c.size = 64 << 10;
  c.channels = 2;
  c.map_registers = 8;
  c.iommu = "on";
  Platform p("platform", c);
  p.run();
  EXPECT_TRUE(p.outcome().finished);
  const auto& results = p.display_driver().results();
  EXPECT_EQ(results.size(), requests);
  std::uint64_t bad = 0;
  for (const RequestResult& r : results) bad += !(r.done && r.status == NO_ERROR && r.data_ok);
  EXPECT_EQ(bad, 0u);
  EXPECT_TRUE(p.video_port().verifier().violations().empty())
      << p.video_port().verifier().violations().front().message;
  EXPECT_EQ(p.video_port().traced_map_registers, 0);
  EXPECT_EQ(p.video_port().stats().start_dma, p.video_port().stats().complete_dma);
  return {p.kernel_frames_in_use(), p.buffer_frames_in_use()};
}

TEST(LongRun, TenThousandRequestsReturnEverything) {
  const End end = run(10000);
  EXPECT_EQ(end.buffer_frames, 0u);  // every display-driver buffer freed
  // What stays is the IOMMU's page-table pages, kept once built (as a HAL keeps them): the root,
  // one table each at the next two levels (both adapters' IOVA windows lie in one GiB), and a
  // leaf table each for the two windows' map-register and common-buffer parts.
  EXPECT_EQ(end.kernel_frames, 1u + 1u + 1u + 4u);
}

}  // namespace
}  // namespace dmasim
