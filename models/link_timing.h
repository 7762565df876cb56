// PCIe-like link occupancy arithmetic (plain C++, no SystemC).
//
// Models: serialization time per direction from generation, lanes and line encoding; TLP overhead
// per packet (header + framing + sequence + LCRC) at MPS / MRRS / RCB / 4 KiB granularity; read
// round-trip latency; a bounded number of outstanding read tags; a flat DLLP (Ack/UpdateFC)
// bandwidth tax. Each direction is busy-until: a new packet starts when the wire is free.
// Does not model: replay, credit starvation, link power states, switches, relaxed ordering.
// All times are integer picoseconds so that runs are exact and deterministic.
#pragma once

#include <cstdint>

namespace dmasim {

using ps_t = std::uint64_t;

struct LinkParams {
  unsigned gen = 3;               // PCIe generation 1..5
  unsigned lanes = 8;             // 1, 2, 4, 8, 16
  unsigned mps = 256;             // Max_Payload_Size, bytes
  unsigned mrrs = 512;            // Max_Read_Request_Size, bytes
  unsigned rcb = 64;              // Read Completion Boundary, bytes
  unsigned req_tlp_bytes = 24;    // wire overhead of a request TLP with 64-bit address
  unsigned cpl_tlp_bytes = 20;    // wire overhead of a completion TLP
  ps_t read_rtt_ps = 550000;      // request sent -> first completion byte back, excl. serialization
  unsigned tags = 32;             // outstanding non-posted requests per requester
  unsigned dllp_overhead_ppm = 0; // share of each direction taken by DLLPs, parts per million
};

// Per-lane raw rate and encoding for a generation; 0 for an unknown generation.
double gt_per_s(unsigned gen);
double encoding_efficiency(unsigned gen);  // 8/10 for gen1-2, 128/130 from gen3

// Bytes per nanosecond one direction carries before TLP/DLLP overhead (GT/s * lanes * enc / 8).
double raw_bytes_per_ns(const LinkParams& p);

// Long-stream effective payload bandwidth, GB/s (1e9 B/s), for posted writes of MPS-sized TLPs
// and for reads whose completions come back MPS-sized. This is the textbook formula the
// occupancy model must converge to; tests compare the two.
double effective_write_GBps(const LinkParams& p);
double effective_read_GBps(const LinkParams& p);

class LinkOccupancy {
 public:
  enum Dir { kUpstream = 0, kDownstream = 1 };  // upstream: device -> host

  struct ReadTiming {
    ps_t issue_done;  // when the last request TLP has left the requester (next read may issue)
    ps_t data_done;   // when the last completion byte has arrived at the requester
  };

  explicit LinkOccupancy(const LinkParams& p);

  // Device reads host memory: requests (split at MRRS and 4 KiB) go upstream, completions
  // (split at RCB and MPS) come downstream. t = time the device is ready to issue.
  ReadTiming device_read(ps_t t, std::uint64_t addr, std::uint64_t len);
  // Device posted write to host memory (DMA write or MSI): TLPs split at MPS and 4 KiB go upstream.
  // Returns when the last byte has crossed the link.
  ps_t device_write(ps_t t, std::uint64_t addr, std::uint64_t len);
  // Host MMIO: posted write downstream; read = request downstream, completion upstream.
  ps_t host_write(ps_t t, std::uint64_t addr, std::uint64_t len);
  ps_t host_read(ps_t t, std::uint64_t addr, std::uint64_t len);

  ps_t busy_until(Dir d) const { return busy_until_[d]; }
  ps_t busy_ps(Dir d) const { return busy_ps_[d]; }  // total time the wire was occupied
  std::uint64_t tlps(Dir d) const { return tlps_[d]; }
  std::uint64_t payload_bytes(Dir d) const { return payload_[d]; }
  const LinkParams& params() const { return p_; }

 private:
  // Puts one TLP of wire_bytes on direction d no earlier than t; returns when it has left.
  ps_t occupy(Dir d, ps_t t, std::uint64_t wire_bytes, std::uint64_t payload);

  LinkParams p_;
  ps_t busy_until_[2] = {0, 0};
  ps_t busy_ps_[2] = {0, 0};
  std::uint64_t tlps_[2] = {0, 0};
  std::uint64_t payload_[2] = {0, 0};
  ps_t tag_free_[64] = {};  // completion time of the request that last used each tag
  unsigned next_tag_ = 0;
};

}  // namespace dmasim
