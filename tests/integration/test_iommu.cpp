// The IOMMU on the whole platform: hit/miss counts of a known access pattern, faults that stop
// an access before memory, and data that still arrives byte-exact through translation.
#include <gtest/gtest.h>

#include "models/page.h"
#include "sim/platform.h"

namespace dmasim {
namespace {

SimConfig iommu_on(std::uint64_t n) {
  SimConfig cfg;
  cfg.iommu = "on";
  cfg.map_registers = n;
  return cfg;
}

TEST(Iommu, HitsAndMissesFollowTheAccessPattern) {
  // 1 MiB at offset 0 with 16 map registers: 16 chunks of 16 pages. Each chunk maps its pages
  // into window slots 0..15 and CompleteDma invalidates them, so every data page misses (and is
  // walked) once: 256 misses. The descriptors sit in one common-buffer page that stays mapped:
  // the first fetch misses, the other 15 hit. Shutdown unmaps 2 adapters x 33 descriptor pages.
  Platform p("platform", iommu_on(16), {{1 << 20, 0, true}});
  p.run();
  ASSERT_TRUE(p.outcome().finished);
  ASSERT_TRUE(p.display_driver().results().at(0).data_ok)
      << p.display_driver().results()[0].mismatch;
  const Iommu& mmu = *p.iommu();
  EXPECT_EQ(mmu.iotlb().misses(), 257u);
  EXPECT_EQ(mmu.iotlb().hits(), 15u);
  EXPECT_EQ(mmu.walks(), 257u);
  EXPECT_EQ(mmu.invalidations(), 256u + 66u);
  EXPECT_TRUE(mmu.faults().empty());
  // Contiguous IOVAs: one scatter/gather element per chunk.
  EXPECT_EQ(p.video_port().stats().sg_elements, 16u);
}

TEST(Iommu, OffsetsAndBothDirectionsStayByteExact) {
  std::vector<RequestSpec> reqs;
  for (std::uint64_t offset : {0, 1, 2047, 4095})
    for (std::uint64_t size : {1ULL, 4097ULL, 200000ULL, 3ULL << 20})
      for (bool to_device : {true, false}) reqs.push_back({size, offset, to_device});
  Platform p("platform", iommu_on(64), reqs);
  p.run();
  ASSERT_TRUE(p.outcome().finished);
  for (const RequestResult& r : p.display_driver().results()) {
    EXPECT_TRUE(r.data_ok) << r.mismatch;
    EXPECT_EQ(r.chunks, chunks_for_request(r.spec.offset, r.spec.size, 64));
  }
  EXPECT_TRUE(p.iommu()->faults().empty());
  EXPECT_TRUE(p.video_port().verifier().violations().empty());
}

TEST(Iommu, UnmappedAccessFaultsBeforeMemory) {
  // The last descriptor of each chunk runs one page past its element: with the IOMMU that page
  // is an unmapped IOVA (the slot after the chunk's), so the device's write faults. Nothing of
  // the faulting burst reaches memory: every byte memory received is one the engine moved.
  SimConfig cfg = iommu_on(16);
  cfg.inject = "driver:descriptor-overrun";
  Platform p("platform", cfg, {{64 << 10, 0, false}});
  p.run();
  ASSERT_TRUE(p.outcome().finished);
  const Iommu& mmu = *p.iommu();
  // The miniport retries a failed chunk 3 times before failing the request: 4 faults.
  ASSERT_EQ(mmu.faults().size(), 4u);
  const IommuFault& f = mmu.faults()[0];
  EXPECT_EQ(f.iova, 0x8000'0000ULL + 16 * 4096);  // adapter 0's window, slot 16
  EXPECT_EQ(f.requester, kEngineRequesterId);
  EXPECT_EQ(f.kind, IoFault::kNotPresent);
  EXPECT_TRUE(f.write);
  EXPECT_EQ(p.iommu_fault_interrupts(), 4u);
  EXPECT_EQ(mmu.faults()[3].iova, f.iova);
  EXPECT_EQ(p.display_driver().results().at(0).status, ERROR_IO_DEVICE);
  EXPECT_EQ(p.engine().bytes_moved(0),
            4u * (64u << 10));  // the element each time, never the overrun
  EXPECT_EQ(p.host_memory_bytes_written(), p.engine().bytes_moved(0));
  ASSERT_FALSE(p.video_port().verifier().violations().empty());
  EXPECT_EQ(p.video_port().verifier().violations()[0].code, DvCode::kDeviceAccessUnmapped);
}

}  // namespace
}  // namespace dmasim

namespace dmasim {
namespace {

std::vector<RequestSpec> bounce_workload() {
  std::vector<RequestSpec> reqs;
  for (std::uint64_t offset : {0, 1, 4095})
    for (std::uint64_t size : {1ULL, 4097ULL, 300000ULL})
      for (bool to_device : {true, false}) reqs.push_back({size, offset, to_device});
  return reqs;
}

TEST(Bounce, ThirtyTwoBitDeviceGetsItsDataThroughBouncePages) {
  // No IOMMU, a 32-bit engine, every buffer page above 4 GiB: each byte goes through a bounce
  // page below 4 GiB, copied in before a transfer to the device and out after one from it. The
  // engine refuses any address it cannot drive, so success means no access went above 4 GiB.
  SimConfig cfg;
  cfg.map_registers = 16;
  cfg.dma32 = true;
  cfg.buffer_above_4g = true;
  Platform p("platform", cfg, bounce_workload());
  p.run();
  ASSERT_TRUE(p.outcome().finished);
  std::uint64_t bytes = 0;
  for (const RequestResult& r : p.display_driver().results()) {
    EXPECT_TRUE(r.data_ok) << r.mismatch;
    bytes += r.spec.size;
  }
  EXPECT_EQ(p.bounce_bytes(), bytes);
  EXPECT_TRUE(p.video_port().verifier().violations().empty());
}

TEST(Bounce, AnIommuMakesBouncingUnnecessary) {
  SimConfig cfg;
  cfg.map_registers = 16;
  cfg.dma32 = true;
  cfg.buffer_above_4g = true;
  cfg.iommu = "on";
  Platform p("platform", cfg, bounce_workload());
  p.run();
  ASSERT_TRUE(p.outcome().finished);
  for (const RequestResult& r : p.display_driver().results()) EXPECT_TRUE(r.data_ok) << r.mismatch;
  EXPECT_EQ(p.bounce_bytes(), 0u);
  EXPECT_TRUE(p.iommu()->faults().empty());
}

TEST(Bounce, ADriverThatClaims64BitsFailsOnAThirtyTwoBitDevice) {
  // The example miniport always reports Dma64BitAddresses: the HAL then hands the 32-bit engine
  // addresses above 4 GiB, which it refuses (DMA_ERR_ADDRESS), and the request fails.
  SimConfig cfg;
  cfg.miniport = "example";
  cfg.dma32 = true;
  cfg.buffer_above_4g = true;
  Platform p("platform", cfg, {{8192, 0, true}});
  p.run();
  ASSERT_TRUE(p.outcome().finished);
  EXPECT_NE(p.display_driver().results().at(0).status, NO_ERROR);
  EXPECT_FALSE(p.display_driver().results().at(0).data_ok);
  EXPECT_EQ(p.bounce_bytes(), 0u);
}

}  // namespace
}  // namespace dmasim
