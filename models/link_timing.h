// PCIe-like link occupancy arithmetic (plain C++, no SystemC).
//
// Models: serialization time per direction from generation, lanes and line encoding; TLP overhead
// per packet (header + framing + sequence + LCRC) at MPS / MRRS / RCB / 4 KiB granularity; read
// round-trip latency; a bounded number of outstanding read tags; a flat DLLP (Ack/UpdateFC)
// bandwidth tax. Each direction is busy-until: a new packet starts when the wire is free.
// Does not model: replay, credit starvation, link power states, switches, relaxed ordering.
// All times are integer picoseconds so that runs are exact and deterministic.
//
// Splitting rules (all addresses are the bus addresses of the data):
//  - Posted writes: a TLP ends at the next multiple of MPS or at the end of the range, so no TLP
//    crosses an MPS-aligned boundary and therefore none crosses a 4 KiB boundary (MPS is a power
//    of two <= 4096). An unaligned start gives a short first TLP: 256 B at 0x20 with MPS 256 is
//    two TLPs of 224 B and 32 B.
//  - Read requests: the same rule with MRRS instead of MPS.
//  - Completions of one request (PCIe Base Spec r5.0 sec. 2.3.1.1): if the request starts off an
//    RCB boundary, the first completion ends at the next RCB boundary (or at the end of the
//    request); every further completion is min(MPS, rest) bytes. Since it starts RCB-aligned and
//    MPS is a multiple of RCB, every completion but the last ends on an RCB multiple.
//
// Rounding: the per-byte serialization time is kept as an exact fraction (ps per byte = num/den,
// derived from GT/s, lanes, encoding and the DLLP tax) and each direction's busy-until and busy
// total are carried as exact fractions too. Values handed out are rounded up to whole picoseconds.
// A packet asked to start at t <= busy_until() (the rounded value) starts at the exact free time,
// so back-to-back TLPs -- also when the caller chains on returned times -- never accumulate
// rounding: a stream of a million TLPs ends within 1 ps of the exact rational result. A packet
// asked to start later starts at t. The only rounding left is < 1 ps per dependent hop through
// an idle wire (e.g. request end -> completion availability -> completion on an idle link).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

namespace dmasim {

using ps_t = std::uint64_t;

// Defaults: PCIe Gen3 x8 as in DESIGN.md "Timing defaults". Sources:
//  [Spec]  PCI Express Base Specification (r5.0 section numbers).
//  [WP350] Xilinx WP350 v1.2 (2014) "Understanding Performance of PCI Express Systems", p.1:
//          Gen1 2.5, Gen2 5.0, Gen3 8.0 Gb/s raw per lane and direction.
//  [PB]    Neugebauer et al., "Understanding PCIe performance for end host networking",
//          SIGCOMM 2018, and its model github.com/pcie-bench/pcie-model, file model/pcie.py.
//  [PBD]   github.com/pcie-bench/data, nfp6000-1.2GHz_bdw-Xeon-E5-2630v4-dell-t430-s0-s0-s0/
//          lat_dma_sizes.txt (pcie-bench measurements used in [PB]).
//  [AN456] Intel AN 456 "PCI Express High Performance Reference Design", sec. 1.1.1-1.1.2.
//  [JM]    J. Marjanovic, "Stratix V accelerator card from eBay, part 8" (blog, 2021-10-31):
//          `lspci -vv` of Gen3 x8 endpoints on an i5-9600K host and a Dell R720 (Xeon E5-2680)
//          and ~6.5 GB/s measured DMA per direction.
//  [PG346] AMD PG346 "Versal CPM Mode for PCI Express", section "Read Completion Boundary".
struct LinkParams {
  // PCIe generation 1..5. Gen3 x8 is the DESIGN.md default; rates and encodings per [Spec] sec.
  // 4.2 and [PB] model/pcie.py (GTs / Gbs tables): 2.5, 5, 8, 16, 32 GT/s; 8b/10b for gen1-2,
  // 128b/130b for gen3-5.
  unsigned gen = 3;
  // 1, 2, 4, 8, 16 (any value 1..32 accepted). x8 per DESIGN.md; [JM] shows Gen3 x8 endpoints.
  unsigned lanes = 8;
  // Max_Payload_Size, bytes (power of two, rcb..4096). 256 B is what the hosts in [JM] program
  // ("DevCtl: MaxPayload 256 bytes"); DESIGN.md default.
  unsigned mps = 256;
  // Max_Read_Request_Size, bytes (power of two, 1..4096). 512 B is the [Spec] sec. 7.5.3.4
  // Device Control power-on default (010b) and what [JM] shows ("MaxReadReq 512 bytes").
  unsigned mrrs = 512;
  // Read Completion Boundary, bytes (power of two, <= mps). 64 B: [JM] "LnkCtl: RCB 64 bytes";
  // [PG346]: a requester that does not read the RCB value must assume the 64-byte default.
  unsigned rcb = 64;
  // Wire overhead of a request TLP (MWr/MRd) with 64-bit address, no ECRC: [PB] model/pcie.py
  // DLLP_Hdr 8 (framing + sequence number + LCRC) + TLP_Hdr 4 + TLP_MWr_64_Hdr 12 = 24 B;
  // [AN456]: 5 DW overhead with a 3 DW header, i.e. 6 DW = 24 B with a 4 DW header. Gen3+
  // framing (4 B STP token with sequence, 4 B LCRC) gives the same 8 B as Gen1/2.
  unsigned req_tlp_bytes = 24;
  // Wire overhead of a completion with data: [PB] DLLP_Hdr 8 + TLP_Hdr 4 + TLP_CplD_Hdr 8 = 20 B;
  // [AN456] 5 DW with a 3 DW header.
  unsigned cpl_tlp_bytes = 20;
  // Request sent -> first completion byte back, excl. serialization. 550 ns: [PBD] median
  // LAT_DMA_RD of 546 ns for 8..64 B DMA reads (NFP-6000, Xeon E5-2630 v4, warm cache), which
  // DESIGN.md rounds to ~0.55 us. (That measurement includes the device's own DMA overhead.)
  ps_t read_rtt_ps = 550000;
  // Outstanding non-posted requests per requester (>= 1). 32: [Spec] sec. 2.2.6.2, the 5-bit Tag
  // field in use unless Extended Tag Field Enable (Device Control bit 8) is set.
  unsigned tags = 32;
  // Share of each direction taken by DLLPs and SKP ordered sets, parts per million (< 1e6).
  // 81419 ppm is [PB] model/pcie.py TLP_bw for Gen3 x8 MPS 256: Ack 8/203 + UpdateFC 8/203
  // + SKP 4/1538 = 0.0814185, i.e. 63.015 -> 57.88 Gb/s, the TLP-layer figure the [PB] paper
  // gives for Gen3 x8. This is a flat tax; [PB]'s value depends on lanes and MPS, so set it when
  // you change those. With it, Gen3 x8 MPS 256 writes come out at 6.615 GB/s (cf. ~6.5 GB/s
  // measured in [JM], ~6.7 GB/s in DESIGN.md).
  unsigned dllp_overhead_ppm = 81419;
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

  // Throws std::invalid_argument if p is outside the ranges documented on LinkParams.
  explicit LinkOccupancy(const LinkParams& p);

  // Device reads host memory: requests (split at MRRS and 4 KiB) go upstream, completions
  // (split at RCB and MPS) come downstream. t = time the device is ready to issue.
  // Request j issues at max(end of request j-1, time its tag was last freed); tags are used
  // round robin (the rotation persists across calls); a tag is freed when the last completion of
  // its request has arrived. len 0 -> {t, t}.
  // host_latency(t), if given, is called for each read request with the time its TLP has left
  // the device and returns what the host adds before completing it (IOMMU translation).
  using HostLatency = std::function<ps_t(ps_t)>;
  ReadTiming device_read(ps_t t, std::uint64_t addr, std::uint64_t len,
                         const HostLatency& host_latency = {});
  // Device posted write to host memory (DMA write or MSI): TLPs split at MPS and 4 KiB go upstream.
  // Returns when the last byte has crossed the link (t for len 0).
  ps_t device_write(ps_t t, std::uint64_t addr, std::uint64_t len);
  // Host MMIO: posted write downstream; read = request downstream, completion upstream.
  // host_read splits like device_read (one request for a register-sized read) but is not limited
  // by the device's tags; it returns when the last completion has arrived (t for len 0).
  // All four throw std::out_of_range if addr + len wraps around 2^64.
  ps_t host_write(ps_t t, std::uint64_t addr, std::uint64_t len);
  ps_t host_read(ps_t t, std::uint64_t addr, std::uint64_t len);

  ps_t busy_until(Dir d) const { return busy_until_[d]; }
  ps_t busy_ps(Dir d) const { return busy_ps_[d]; }  // total time the wire was occupied
  std::uint64_t tlps(Dir d) const { return tlps_[d]; }
  std::uint64_t payload_bytes(Dir d) const { return payload_[d]; }
  const LinkParams& params() const { return p_; }

 private:
  // An exact time: ps + frac / den_ picoseconds, 0 <= frac < den_.
  struct ExactPs {
    ps_t ps = 0;
    std::uint64_t frac = 0;
  };

  // Puts one TLP of wire_bytes on direction d no earlier than t; returns when it has left.
  // Memory writes split at MPS (and so at 4 KiB), back to back on direction d.
  ps_t posted_write(Dir d, ps_t t, std::uint64_t addr, std::uint64_t len);
  ps_t occupy(Dir d, ps_t t, std::uint64_t wire_bytes, std::uint64_t payload);
  // x + serialization time of `bytes`, exactly.
  ExactPs add_bytes(ExactPs x, std::uint64_t bytes) const;
  // Completions of one read request [a, b) on direction d, available from t; returns last end.
  ps_t completions(Dir d, ps_t t, std::uint64_t a, std::uint64_t b);

  LinkParams p_;
  std::uint64_t num_ = 0;  // serialization time of one byte is num_ / den_ ps (reduced fraction)
  std::uint64_t den_ = 1;
  ExactPs busy_exact_[2];
  ExactPs busy_total_[2];
  ps_t busy_until_[2] = {0, 0};  // busy_exact_ rounded up
  ps_t busy_ps_[2] = {0, 0};     // busy_total_ rounded up
  std::uint64_t tlps_[2] = {0, 0};
  std::uint64_t payload_[2] = {0, 0};
  std::vector<ps_t> tag_free_;  // per tag: when the request that last used it fully completed
  unsigned next_tag_ = 0;
};

}  // namespace dmasim
