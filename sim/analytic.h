// Analytic throughput model, computed from the configured parameters (never fitted):
//
//   throughput(N) = B(N) / (T0 + B(N) / BW_eff + N * c_page),   B(N) = N * 4096 bytes
//
// T0: the fixed cost of one StartDma/CompleteDma cycle on its critical path: descriptor fetch
//     and first data read round trips, the MSI over the link, MSI-to-ISR, the ISR with its
//     status read round trip and acknowledge, DPC dispatch, CompleteDma's and StartDma's fixed
//     parts, the register writes that start the engine, and (IOMMU) the invalidation wait.
// c_page: what every page costs the CPU: StartDma and CompleteDma per page, a descriptor write,
//     locking and unlocking it once per request, and (IOMMU) map and unmap.
// BW_eff: the link's long-stream effective bandwidth in the transfer's direction.
// Left out on purpose: per-request fixed costs (lock, unlock, wake-up), spread over the chunks
// of a request; partial first/last chunks (offset != 0); walks the link does not hide.
#pragma once

#include <cstdint>

#include "sim/config.h"

namespace dmasim {

struct AnalyticModel {
  double t0_ns;
  double c_page_ns;
  double bw_eff_GBps;
  double predict_GBps(std::uint64_t map_registers) const;
};

AnalyticModel analytic_model(const SimConfig& cfg);

}  // namespace dmasim
