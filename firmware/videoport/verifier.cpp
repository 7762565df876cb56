#include "firmware/videoport/verifier.h"

#include <algorithm>
#include <sstream>

namespace dmasim {

const std::vector<DvCheck>& dv_checks() {
  static const std::vector<DvCheck> checks = {
      {DvCode::kIrql, "DV_IRQL", "a DMA service called above the IRQL its documentation allows"},
      {DvCode::kMapRegistersLeaked, "DV_MAP_REGISTERS_LEAKED",
       "VideoPortPutDmaAdapter with scatter/gather lists still not completed"},
      {DvCode::kCommonBufferLeaked, "DV_COMMON_BUFFER_LEAKED",
       "VideoPortPutDmaAdapter with common buffers not released"},
      {DvCode::kCompleteTwice, "DV_COMPLETE_TWICE",
       "VideoPortCompleteDma on a scatter/gather list already completed"},
      {DvCode::kCompleteWithoutStart, "DV_COMPLETE_WITHOUT_START",
       "VideoPortCompleteDma on a list VideoPortStartDma never returned"},
      {DvCode::kMapRegistersExceeded, "DV_MAP_REGISTERS_EXCEEDED",
       "VideoPortStartDma when all of the adapter's map registers are in use"},
      {DvCode::kUnlockDuringDma, "DV_UNLOCK_DURING_DMA",
       "VideoPortUnlockBuffer while a transfer of that buffer is not completed"},
      {DvCode::kSgListUsedAfterComplete, "DV_SG_LIST_USED_AFTER_COMPLETE",
       "the device was sent to an address from a scatter/gather list after its CompleteDma"},
      {DvCode::kDeviceAccessUnmapped, "DV_DEVICE_ACCESS_UNMAPPED",
       "the device accessed host memory no mapping or common buffer covers"},
      {DvCode::kContextPageable, "DV_CONTEXT_PAGEABLE",
       "VideoPortStartDma's Context is not in nonpaged memory (device extension or common "
       "buffer)"},
      {DvCode::kTimerWithoutHwTimer, "DV_TIMER_WITHOUT_HW_TIMER",
       "VideoPortStartTimer or VideoPortStopTimer from a miniport that registered no HwTimer"},
  };
  return checks;
}

const char* dv_name(DvCode code) {
  for (const DvCheck& c : dv_checks())
    if (c.code == code) return c.name;
  return "DV_UNKNOWN";
}

void DmaVerifier::report(DvCode code, std::string message, std::uint64_t time_ps) {
  violations_.push_back({code, std::move(message), time_ps});
}

void DmaVerifier::unmap_page(std::uint64_t logical_page) {
  auto it = mapped_.find(logical_page);
  if (it == mapped_.end()) return;
  if (--it->second == 0) mapped_.erase(it);
}

void DmaVerifier::add_common_buffer(std::uint64_t logical, std::uint64_t bytes) {
  common_.emplace_back(logical, logical + bytes);
}

void DmaVerifier::remove_common_buffer(std::uint64_t logical) {
  common_.erase(std::remove_if(common_.begin(), common_.end(),
                               [&](const auto& r) { return r.first == logical; }),
                common_.end());
}

bool DmaVerifier::in_common_buffer(std::uint64_t addr) const {
  for (const auto& r : common_)
    if (addr >= r.first && addr < r.second) return true;
  return false;
}

bool DmaVerifier::check_device_access(std::uint64_t addr, std::uint64_t len, bool write,
                                      std::uint64_t time_ps) {
  const std::uint64_t end = addr + len;
  for (std::uint64_t a = addr; a < end; a = (a | 4095) + 1) {
    if (mapped_.count(a >> 12) || in_common_buffer(a)) continue;
    std::ostringstream m;
    const bool poisoned = addr >= kDvPoisonBase && addr < kDvPoisonBase + kDvPoisonSize;
    m << "device " << (write ? "write" : "read") << " of " << len << " bytes at logical 0x"
      << std::hex << addr << std::dec;
    if (poisoned) {
      m << ": element " << ((addr - kDvPoisonBase) >> 12 & 0xFFFF)
        << " of the scatter/gather list of VideoPortStartDma #" << ((addr - kDvPoisonBase) >> 28)
        << ", used after its VideoPortCompleteDma";
    } else {
      m << ": page 0x" << std::hex << (a >> 12 << 12) << std::dec
        << " is not mapped by any outstanding VideoPortStartDma or common buffer";
    }
    report(poisoned ? DvCode::kSgListUsedAfterComplete : DvCode::kDeviceAccessUnmapped, m.str(),
           time_ps);
    return false;
  }
  return true;
}

}  // namespace dmasim
