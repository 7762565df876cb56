// The display driver's workload: for each request it prepares a buffer (seeded pattern, guard
// bytes around the destination), sends the transfer IOCTL to the miniport, waits for the whole
// request, and checks every byte of the destination and its guards (host buffer vs VRAM).
// Each channel's requests run in order on their own passive thread, so two channels overlap.
// Buffer preparation and checking are testbench work and take no simulated time.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "firmware/kernel/cpu.h"
#include "firmware/videoport/videoport.h"
#include "firmware/virtual_memory.h"
#include "models/sparse_memory.h"

namespace dmasim {

struct RequestSpec {
  std::uint64_t size;
  std::uint64_t offset;  // byte offset of the host buffer in its first page
  bool to_device;
  unsigned channel = 0;  // DMA channel (adapter object) the request goes to
};

struct RequestResult {
  RequestSpec spec;
  VP_STATUS status = NO_ERROR;
  std::uint64_t chunks = 0, interrupts = 0, dpcs = 0, sg_elements = 0;
  std::uint64_t start_ps = 0, end_ps = 0;
  bool done = false;  // the request has been issued and has completed
  bool data_ok = false;
  std::string mismatch;  // where the first wrong byte is, if any
};

class DisplayDriver {
 public:
  static constexpr std::uint64_t kVramBase = 1ULL << 20;
  static constexpr std::uint64_t kGuardBytes = 64;

  DisplayDriver(Cpu& cpu, VideoPortDevice& device, AddressSpace& space, SparseMemory& host,
                SparseMemory& vram, std::uint64_t seed, std::vector<RequestSpec> requests);

  // Issues, one after the other, the requests of this channel; call on a passive thread.
  void run_channel(unsigned channel);
  const std::vector<RequestSpec>& requests() const { return requests_; }
  const std::vector<RequestResult>& results() const { return results_; }  // request order

 private:
  void transfer(std::size_t index);
  // Pattern of seed at positions position.. into the buffer bytes [va, va + len).
  void fill_host(std::uint64_t va, std::uint64_t len, std::uint64_t seed,
                 std::uint64_t position = 0);
  bool compare(std::uint64_t va, std::uint64_t vram_addr, std::uint64_t len, std::uint64_t seed,
               std::string* where);

  Cpu& cpu_;
  VideoPortDevice& device_;
  AddressSpace& space_;
  SparseMemory& host_;
  SparseMemory& vram_;
  std::uint64_t seed_;
  std::vector<RequestSpec> requests_;
  std::vector<RequestResult> results_;
};

// Deterministic byte pattern: fill(dst, n, seed, position) is a pure function of seed and the
// absolute position, so any sub-range can be regenerated for checking.
void fill_pattern(std::uint8_t* dst, std::uint64_t n, std::uint64_t seed, std::uint64_t position);

}  // namespace dmasim
