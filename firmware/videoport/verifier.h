// DMA verifier: Driver-Verifier-style checks on how a miniport uses the video port's DMA
// services (and the IRQL and HwTimer rules of the other VideoPort calls), always on. Each violation
// has a stable code (name and number) and a message that names the call and the object; any
// violation fails the run (exit 1). The device-side check (an access outside every mapped page and
// common buffer) sits on the root complex's path to memory and answers the device with an error, so
// a buggy miniport cannot corrupt host memory. Freed scatter/gather lists are poisoned and kept for
// a while, so using one after VideoPortCompleteDma sends the device to a poisoned address, which is
// reported as such.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace dmasim {

enum class DvCode : unsigned {
  kIrql = 0x01,
  kMapRegistersLeaked = 0x02,
  kCommonBufferLeaked = 0x03,
  kCompleteTwice = 0x04,
  kCompleteWithoutStart = 0x05,
  kMapRegistersExceeded = 0x06,
  kUnlockDuringDma = 0x07,
  kSgListUsedAfterComplete = 0x08,
  kDeviceAccessUnmapped = 0x09,
  kContextPageable = 0x0A,
  kTimerWithoutHwTimer = 0x0B,
};

struct DvCheck {
  DvCode code;
  const char* name;  // stable: scripts match on it
  const char* what;
};
const std::vector<DvCheck>& dv_checks();
const char* dv_name(DvCode code);

struct DvViolation {
  DvCode code;
  std::string message;
  std::uint64_t time_ps;
};

// Logical addresses the verifier poisons freed scatter/gather lists with, far above any RAM:
// base + (StartDma serial << 28) + (element << 12) + byte offset, so a hit names the list.
constexpr std::uint64_t kDvPoisonBase = 0xDEAD'0000'0000'0000ULL;
constexpr std::uint64_t kDvPoisonSize = 1ULL << 48;
constexpr std::uint64_t dv_poison(std::uint64_t serial, std::uint64_t element,
                                  std::uint64_t byte_offset) {
  return kDvPoisonBase + ((serial << 28) & (kDvPoisonSize - 1)) + (element << 12) + byte_offset;
}

class DmaVerifier {
 public:
  void report(DvCode code, std::string message, std::uint64_t time_ps);
  const std::vector<DvViolation>& violations() const { return violations_; }

  // The device may touch a page while a StartDma mapping or a common buffer covers it.
  void map_page(std::uint64_t logical_page) { ++mapped_[logical_page]; }
  void unmap_page(std::uint64_t logical_page);
  void add_common_buffer(std::uint64_t logical, std::uint64_t bytes);
  void remove_common_buffer(std::uint64_t logical);
  // Checks one device access; reports and returns false if any byte lies outside the window.
  bool check_device_access(std::uint64_t addr, std::uint64_t len, bool write,
                           std::uint64_t time_ps);

 private:
  bool in_common_buffer(std::uint64_t addr) const;

  std::vector<DvViolation> violations_;
  std::unordered_map<std::uint64_t, unsigned> mapped_;           // logical page -> mappings
  std::vector<std::pair<std::uint64_t, std::uint64_t>> common_;  // [base, end)
};

}  // namespace dmasim
