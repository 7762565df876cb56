#include "sim/analytic.h"

namespace dmasim {

namespace {

// Time to put `bytes` of one TLP on a direction of the link, ns (payload + overhead).
double wire_ns(const LinkParams& l, double bytes) {
  const double usable = raw_bytes_per_ns(l) * (1.0 - l.dllp_overhead_ppm / 1e6);
  return bytes / usable;
}

}  // namespace

double AnalyticModel::predict_GBps(std::uint64_t n) const {
  const double b = static_cast<double>(n) * 4096.0;
  return b / (t0_ns + b / bw_eff_GBps + static_cast<double>(n) * c_page_ns);
}

AnalyticModel analytic_model(const SimConfig& cfg) {
  const LinkParams& l = cfg.link;
  const CpuCosts& k = cfg.cpu;
  const bool iommu = cfg.iommu == "on";
  auto ns = [](std::uint64_t ps) { return static_cast<double>(ps) / 1000.0; };
  const double rtt = ns(l.read_rtt_ps);
  AnalyticModel m{};
  // Engine side: the descriptor fetch and the first data read each wait one round trip; the
  // MSI is one small posted write upstream.
  m.t0_ns = 2 * rtt + wire_ns(l, l.req_tlp_bytes + 4.0);
  // Host side: interrupt delivery, the ISR (body, INT_STATUS read over the link, W1C write,
  // QueueDpc), the DPC's dispatch, CompleteDma and StartDma fixed parts, and the four register
  // writes of HwVidExecuteDma (the doorbell's own trip down the link).
  m.t0_ns += ns(k.msi_to_isr_ps) + ns(k.isr_body_ps) + rtt + 2 * wire_ns(l, l.req_tlp_bytes + 4.0) +
             ns(k.mmio_write_ps) + ns(k.queue_dpc_ps) + ns(k.dpc_latency_ps) +
             ns(k.complete_dma_ps) + ns(k.start_dma_ps) + 4 * ns(k.mmio_write_ps) +
             wire_ns(l, l.req_tlp_bytes + 4.0);
  m.c_page_ns = ns(k.start_dma_page_ps) + ns(k.complete_dma_page_ps) + ns(k.descriptor_write_ps) +
                ns(k.lock_buffer_page_ps) + ns(k.unlock_buffer_page_ps);
  if (iommu) {
    m.t0_ns += ns(cfg.iommu_costs.invalidate_ps) + ns(cfg.iommu_params.walk_read_ps) * 4;
    m.c_page_ns += ns(cfg.iommu_costs.map_page_ps) + ns(cfg.iommu_costs.unmap_page_ps);
  }
  m.bw_eff_GBps = cfg.to_device() ? effective_read_GBps(l) : effective_write_GBps(l);
  return m;
}

}  // namespace dmasim
