// Modelled host CPU time of the kernel paths a miniport exercises. Every figure is a default that
// the CLI/config can change (sim/config.cpp). Sources, by key:
//  [LM]  Resplendence LatencyMon measurement definitions
//  (resplendence.com/latencymon_interrupt2process)
//        and user-posted LatencyMon reports: "average measured interrupt to DPC latency" 1.18 and
//        2.66 us; "interrupt to process latency" 3.26 and 9.11 us (wake = difference, ~2.1 us).
//  [MS]  Microsoft Learn, "Example 15: Measuring DPC/ISR Time": ISRs should not run longer than
//        25 us, DPCs not longer than 100 us (budgets, not typical values).
//  [INTC] Intel Community, "Why do MemReq TLPs take 100s nanoseconds to be generated after MMIO
//        writes?": 50-300 ns between UC MMIO write TLPs.
//  [GUP] K. Busch, "mm: faster get user pages" (LKML, 2018-09-19): 12 GiB pinned in 375,786 us,
//        i.e. ~0.12 us per 4 KiB page (our stand-in for MmProbeAndLockPages per page).
//  [DESIGN] ../shared/DESIGN.md timing defaults (team figures; no published absolute number found:
//        Coleman, "Reducing Interrupt Latency Through the Use of MSI", Intel 2009, gives ratios
//        only).
//  [EST] engineering estimate, no published figure found; a parameter so users can set their own.
#pragma once

#include <cstdint>

namespace dmasim {

using ps_t = std::uint64_t;

struct CpuCosts {
  // Interrupt path.
  ps_t msi_to_isr_ps = 1500000;   // MSI arrives -> ISR entry [DESIGN]
  ps_t isr_body_ps = 500000;      // ISR work besides its MMIO accesses [EST], well inside [MS]
  ps_t dpc_latency_ps = 2000000;  // ISR queues DPC -> DPC routine entry [LM], [DESIGN]
  ps_t queue_dpc_ps = 100000;     // VideoPortQueueDpc itself [EST]
  // DMA API.
  ps_t start_dma_ps = 1000000;         // VideoPortStartDma fixed part [EST]
  ps_t start_dma_page_ps = 50000;      // per page mapped, logical == physical [EST]
  ps_t complete_dma_ps = 500000;       // VideoPortCompleteDma fixed part [EST]
  ps_t complete_dma_page_ps = 20000;   // per page released [EST]
  ps_t lock_buffer_ps = 1000000;       // VideoPortLockBuffer fixed part [EST]
  ps_t lock_buffer_page_ps = 120000;   // per page probed and locked [GUP]
  ps_t unlock_buffer_ps = 500000;      // VideoPortUnlockBuffer fixed part [EST]
  ps_t unlock_buffer_page_ps = 50000;  // per page unlocked [EST]
  // Miniport work and register access.
  ps_t descriptor_write_ps = 20000;  // one 32-byte descriptor into cached common buffer [EST]
  ps_t mmio_write_ps = 150000;       // CPU side of a posted UC store [INTC]
  ps_t thread_wake_ps = 2000000;     // event set -> waiting passive thread runs [LM]
};

}  // namespace dmasim
