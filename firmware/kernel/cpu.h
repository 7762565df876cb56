// One host CPU with Windows IRQL semantics.
//
// Code runs in three kinds of context, each its own SystemC thread: passive threads (the display
// driver and the miniport's HwVidStartIO), the DPC dispatcher (DISPATCH_LEVEL) and the interrupt
// dispatcher (DIRQL). The CPU is given to the ready context with the highest IRQL; a context at
// equal IRQL is never preempted. Time passes only in consume(): a context that is preempted there
// resumes, with the rest of its time, when the higher-IRQL work is done. So an ISR preempts a DPC
// or passive work, DPCs drain before passive work resumes, and a passive thread that raised to
// DISPATCH_LEVEL holds off DPCs until it lowers. Lowering IRQL or queueing a DPC at PASSIVE_LEVEL
// lets pending DPCs run at once, as KeLowerIrql does.
// Not modelled: more than one CPU, APCs, thread priorities among several passive threads.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>

#include <deque>
#include <functional>
#include <map>
#include <systemc>
#include <tlm>

#include "firmware/kernel/cpu_costs.h"

namespace dmasim {

using KIRQL = unsigned char;
constexpr KIRQL PASSIVE_LEVEL = 0;
constexpr KIRQL APC_LEVEL = 1;
constexpr KIRQL DISPATCH_LEVEL = 2;
constexpr KIRQL DEVICE_IRQL = 5;  // the adapter's DIRQL (any level above DISPATCH_LEVEL on x64)

class Cpu : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<Cpu> bus;  // MMIO to device BARs (through the link)

  Cpu(sc_core::sc_module_name name, const CpuCosts& costs);

  const CpuCosts& costs() const { return costs_; }

  // Spend modelled CPU time in the calling context (preemptible by higher IRQL).
  void consume(ps_t t);
  KIRQL current_irql() const;
  KIRQL raise_irql(KIRQL level);  // returns the old level
  void lower_irql(KIRQL level);

  // Start a passive-level thread that runs body (a display-driver stream). Threads at equal IRQL
  // do not preempt each other: one runs until it waits or ends (no time slicing).
  void start_passive(std::function<void()> body);
  // Block the calling passive thread until event is notified; the CPU is free meanwhile.
  void passive_wait(sc_core::sc_event& event);

  // Interrupt line: the service routine returns true if it handled the interrupt.
  // Interrupt vectors: each has one service routine, which returns true if it handled it.
  void connect_interrupt(std::function<bool()> isr, unsigned vector = 0) {
    isrs_[vector] = std::move(isr);
  }
  void request_interrupt(unsigned vector = 0);  // an interrupt on this vector reaches the CPU now
  // KeInsertQueueDpc: false if this key is already queued.
  bool queue_dpc(const void* key, std::function<void()> routine);
  // A kernel timer expired (from the clock interrupt, whose own cost is not modelled): its DPC
  // is queued. Callable from any process, not only a CPU context. Counted apart from the
  // driver's DPCs (timer_dpc_count(), not dpc_count()).
  bool timer_dpc(const void* key, std::function<void()> routine);

  // MMIO from the calling context; the CPU stalls for reads, pays a fixed cost for posted writes.
  std::uint32_t mmio_read32(std::uint64_t addr);
  void mmio_write32(std::uint64_t addr, std::uint32_t value);

  // Statistics and trace.
  std::uint64_t isr_count() const { return isr_count_; }
  std::uint64_t isr_count(unsigned vector) const {
    auto it = calls_.find(vector);
    return it == calls_.end() ? 0 : it->second;
  }
  std::uint64_t isr_claimed() const { return isr_claimed_; }
  std::uint64_t isr_claimed(unsigned vector) const {
    auto it = claimed_.find(vector);
    return it == claimed_.end() ? 0 : it->second;
  }
  std::uint64_t dpc_count() const { return dpc_count_; }              // queue_dpc's DPCs that ran
  std::uint64_t timer_dpc_count() const { return timer_dpc_count_; }  // timer_dpc's that ran
  ps_t busy_ps() const { return busy_ps_; }
  int traced_irql = 0;  // IRQL of the running context (0 when idle), for sc_trace
  bool traced_irq_line = false;

 private:
  struct Context {
    Context(const char* n, KIRQL level) : name(n), irql(level) {}
    const char* name;
    KIRQL irql;
    bool ready = false;
    sc_core::sc_process_handle thread;
    sc_core::sc_event resume;
    sc_core::sc_event preempted;
  };

  Context* current() const;
  bool is_passive(const Context* c) const;
  // One 32-bit MMIO transaction from time now; returns the link's delay.
  sc_core::sc_time mmio(tlm::tlm_command cmd, std::uint64_t addr, std::uint32_t* value);
  void schedule();
  void acquire(Context& c);
  void isr_thread();
  void dpc_thread();

  CpuCosts costs_;
  std::deque<Context> passive_;  // deque: contexts must not move
  Context dpc_{"dpc", DISPATCH_LEVEL};
  Context isr_{"isr", DEVICE_IRQL};
  Context* owner_ = nullptr;
  std::map<unsigned, std::function<bool()>> isrs_;
  std::map<unsigned, std::uint64_t> claimed_, calls_;
  std::deque<unsigned> pending_;  // vectors, in arrival order
  sc_core::sc_event interrupt_event_;
  struct Dpc {
    const void* key;
    std::function<void()> routine;
    bool timer;
  };
  // KeInsertQueueDpc proper: false if this key is already queued, else queued and the
  // dispatcher woken.
  bool insert_dpc(const void* key, std::function<void()> routine, bool timer);
  std::deque<Dpc> dpcs_;
  sc_core::sc_event dpc_event_;
  std::uint64_t isr_count_ = 0, isr_claimed_ = 0, dpc_count_ = 0, timer_dpc_count_ = 0;
  ps_t busy_ps_ = 0;
};

}  // namespace dmasim
