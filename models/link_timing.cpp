// PCIe-like link occupancy arithmetic. See link_timing.h for the model, the splitting rules and
// the rounding rule; sources for the default parameters are cited there.
#include "models/link_timing.h"

#include <algorithm>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>

namespace dmasim {

namespace {

constexpr std::uint64_t kPpmScale = 1000000;
constexpr std::uint64_t kMaxTlpPayload = 4096;   // largest MPS the spec allows
constexpr std::uint64_t kMaxTlpOverhead = 4096;  // sanity bound for the *_tlp_bytes parameters

// Rate of a generation in half GT/s, so that Gen1's 2.5 GT/s is an integer. 0 = unknown.
// PCIe Base Spec r5.0 sec. 4.2; pcie-bench model/pcie.py GTs table.
std::uint64_t half_gt_per_s(unsigned gen) {
  switch (gen) {
    case 1:
      return 5;
    case 2:
      return 10;
    case 3:
      return 16;
    case 4:
      return 32;
    case 5:
      return 64;
    default:
      return 0;
  }
}

// Line encoding as a reduced fraction: 8b/10b = 4/5 for gen1-2, 128b/130b = 64/65 from gen3.
void encoding_fraction(unsigned gen, std::uint64_t* num, std::uint64_t* den) {
  if (gen <= 2) {
    *num = 4;
    *den = 5;
  } else {
    *num = 64;
    *den = 65;
  }
}

bool is_pow2(std::uint64_t v) {
  return v != 0 && (v & (v - 1)) == 0;
}

[[noreturn]] void bad_param(const std::string& what) {
  throw std::invalid_argument("LinkParams: " + what);
}

// Bytes from addr to the next multiple of gran (a power of two), capped at `rest`.
std::uint64_t chunk_to_boundary(std::uint64_t addr, std::uint64_t gran, std::uint64_t rest) {
  return std::min(gran - (addr & (gran - 1)), rest);
}

std::uint64_t end_of_range(std::uint64_t addr, std::uint64_t len) {
  if (len > std::numeric_limits<std::uint64_t>::max() - addr) {
    throw std::out_of_range("LinkOccupancy: addr + len wraps around the address space");
  }
  return addr + len;
}

double usable_bytes_per_ns(const LinkParams& p) {
  return raw_bytes_per_ns(p) * (1.0 - static_cast<double>(p.dllp_overhead_ppm) / 1e6);
}

}  // namespace

double gt_per_s(unsigned gen) {
  return static_cast<double>(half_gt_per_s(gen)) / 2.0;
}

double encoding_efficiency(unsigned gen) {
  if (half_gt_per_s(gen) == 0) return 0.0;
  std::uint64_t num = 0;
  std::uint64_t den = 1;
  encoding_fraction(gen, &num, &den);
  return static_cast<double>(num) / static_cast<double>(den);
}

double raw_bytes_per_ns(const LinkParams& p) {
  return gt_per_s(p.gen) * static_cast<double>(p.lanes) * encoding_efficiency(p.gen) / 8.0;
}

double effective_write_GBps(const LinkParams& p) {
  return usable_bytes_per_ns(p) * p.mps / static_cast<double>(p.mps + p.req_tlp_bytes);
}

double effective_read_GBps(const LinkParams& p) {
  return usable_bytes_per_ns(p) * p.mps / static_cast<double>(p.mps + p.cpl_tlp_bytes);
}

LinkOccupancy::LinkOccupancy(const LinkParams& p) : p_(p) {
  const std::uint64_t half_gt = half_gt_per_s(p.gen);
  if (half_gt == 0) bad_param("gen must be 1..5, got " + std::to_string(p.gen));
  if (p.lanes < 1 || p.lanes > 32) bad_param("lanes must be 1..32, got " + std::to_string(p.lanes));
  if (!is_pow2(p.mps) || p.mps > kMaxTlpPayload) {
    bad_param("mps must be a power of two <= 4096, got " + std::to_string(p.mps));
  }
  if (!is_pow2(p.mrrs) || p.mrrs > kMaxTlpPayload) {
    bad_param("mrrs must be a power of two <= 4096, got " + std::to_string(p.mrrs));
  }
  if (!is_pow2(p.rcb) || p.rcb > p.mps) {
    bad_param("rcb must be a power of two <= mps, got " + std::to_string(p.rcb));
  }
  if (p.req_tlp_bytes > kMaxTlpOverhead || p.cpl_tlp_bytes > kMaxTlpOverhead) {
    bad_param("req_tlp_bytes and cpl_tlp_bytes must be <= 4096");
  }
  if (p.tags < 1) bad_param("tags must be >= 1");
  if (p.dllp_overhead_ppm >= kPpmScale) bad_param("dllp_overhead_ppm must be < 1000000");

  // usable bytes/ns = (half_gt / 2) * lanes * (enc_num / enc_den) / 8 * (1e6 - ppm) / 1e6, so
  // ps per byte = 1000 / usable = 16000 * enc_den * 1e6 / (half_gt * lanes * enc_num * (1e6 -
  // ppm)). Both terms fit easily in 64 bits (< 1.1e12 and < 1.4e11); reduce the fraction.
  std::uint64_t enc_num = 0;
  std::uint64_t enc_den = 1;
  encoding_fraction(p.gen, &enc_num, &enc_den);
  std::uint64_t num = 16000 * enc_den * kPpmScale;
  std::uint64_t den = half_gt * p.lanes * enc_num * (kPpmScale - p.dllp_overhead_ppm);
  const std::uint64_t g = std::gcd(num, den);
  num_ = num / g;
  den_ = den / g;
  // Largest TLP is 4096 + 4096 bytes; 8192 * num_ < 1e16 cannot overflow.

  tag_free_.assign(p.tags, 0);
}

LinkOccupancy::ExactPs LinkOccupancy::add_bytes(ExactPs x, std::uint64_t bytes) const {
  const std::uint64_t ticks = bytes * num_;  // in units of 1/den_ ps
  x.ps += ticks / den_;
  x.frac += ticks % den_;
  if (x.frac >= den_) {
    x.frac -= den_;
    x.ps += 1;
  }
  return x;
}

ps_t LinkOccupancy::occupy(Dir d, ps_t t, std::uint64_t wire_bytes, std::uint64_t payload) {
  // An integer time not after the rounded busy-until means "when the wire is free": start at
  // the exact free time, so that callers chaining on returned (rounded) times do not drift.
  const ExactPs start = t <= busy_until_[d] ? busy_exact_[d] : ExactPs{t, 0};
  const ExactPs end = add_bytes(start, wire_bytes);
  busy_exact_[d] = end;
  busy_until_[d] = end.ps + (end.frac != 0 ? 1 : 0);
  busy_total_[d] = add_bytes(busy_total_[d], wire_bytes);
  busy_ps_[d] = busy_total_[d].ps + (busy_total_[d].frac != 0 ? 1 : 0);
  ++tlps_[d];
  payload_[d] += payload;
  return busy_until_[d];
}

ps_t LinkOccupancy::completions(Dir d, ps_t t, std::uint64_t a, std::uint64_t b) {
  ps_t last = t;
  std::uint64_t c = a;
  if ((c & (p_.rcb - 1)) != 0) {  // unaligned start: first completion up to the RCB boundary
    const std::uint64_t n = chunk_to_boundary(c, p_.rcb, b - c);
    last = occupy(d, t, p_.cpl_tlp_bytes + n, n);
    c += n;
  }
  while (c < b) {  // c is RCB-aligned here, so each MPS-sized completion ends on an RCB multiple
    const std::uint64_t n = std::min<std::uint64_t>(p_.mps, b - c);
    last = occupy(d, t, p_.cpl_tlp_bytes + n, n);
    c += n;
  }
  return last;
}

LinkOccupancy::ReadTiming LinkOccupancy::device_read(ps_t t, std::uint64_t addr,
                                                     std::uint64_t len,
                                                     const HostLatency& host_latency) {
  const std::uint64_t end = end_of_range(addr, len);
  ReadTiming r{t, t};
  ps_t cursor = t;
  for (std::uint64_t a = addr; a < end;) {
    const std::uint64_t n = chunk_to_boundary(a, p_.mrrs, end - a);
    const unsigned tag = next_tag_;
    next_tag_ = (next_tag_ + 1) % p_.tags;
    const ps_t issue = std::max(cursor, tag_free_[tag]);
    const ps_t req_end = occupy(kUpstream, issue, p_.req_tlp_bytes, 0);
    const ps_t extra = host_latency ? host_latency(req_end) : 0;  // e.g. IOMMU translation
    const ps_t cpl_end = completions(kDownstream, req_end + p_.read_rtt_ps + extra, a, a + n);
    tag_free_[tag] = cpl_end;
    cursor = req_end;
    r.issue_done = req_end;
    r.data_done = std::max(r.data_done, cpl_end);
    a += n;
  }
  return r;
}

ps_t LinkOccupancy::posted_write(Dir d, ps_t t, std::uint64_t addr, std::uint64_t len) {
  const std::uint64_t end = end_of_range(addr, len);
  ps_t last = t;
  for (std::uint64_t a = addr; a < end;) {
    const std::uint64_t n = chunk_to_boundary(a, p_.mps, end - a);
    last = occupy(d, t, p_.req_tlp_bytes + n, n);
    a += n;
  }
  return last;
}

ps_t LinkOccupancy::device_write(ps_t t, std::uint64_t addr, std::uint64_t len) {
  return posted_write(kUpstream, t, addr, len);
}

ps_t LinkOccupancy::host_write(ps_t t, std::uint64_t addr, std::uint64_t len) {
  return posted_write(kDownstream, t, addr, len);
}

ps_t LinkOccupancy::host_read(ps_t t, std::uint64_t addr, std::uint64_t len) {
  const std::uint64_t end = end_of_range(addr, len);
  ps_t done = t;
  ps_t cursor = t;
  for (std::uint64_t a = addr; a < end;) {
    const std::uint64_t n = chunk_to_boundary(a, p_.mrrs, end - a);
    const ps_t req_end = occupy(kDownstream, cursor, p_.req_tlp_bytes, 0);
    done = std::max(done, completions(kUpstream, req_end + p_.read_rtt_ps, a, a + n));
    cursor = req_end;
    a += n;
  }
  return done;
}

}  // namespace dmasim
