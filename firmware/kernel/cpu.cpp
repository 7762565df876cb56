#include "firmware/kernel/cpu.h"

#include <algorithm>
#include <stdexcept>

#include "models/sim_time.h"

namespace dmasim {

using sc_core::sc_spawn;
using sc_core::wait;

Cpu::Cpu(sc_core::sc_module_name name, const CpuCosts& costs)
    : sc_module(name), bus("bus"), costs_(costs) {
  isr_.thread = sc_spawn([this] { isr_thread(); }, "isr_dispatch");
  dpc_.thread = sc_spawn([this] { dpc_thread(); }, "dpc_dispatch");
}

Cpu::Context* Cpu::current() const {
  const sc_core::sc_process_handle self = sc_core::sc_get_current_process_handle();
  for (const Context* c : {&isr_, &dpc_})
    if (c->thread.valid() && c->thread == self) return const_cast<Context*>(c);
  for (const Context& c : passive_)
    if (c.thread.valid() && c.thread == self) return const_cast<Context*>(&c);
  return nullptr;
}

bool Cpu::is_passive(const Context* c) const {
  for (const Context& p : passive_)
    if (&p == c) return true;
  return false;
}

KIRQL Cpu::current_irql() const {
  const Context* c = current();
  return c ? c->irql : PASSIVE_LEVEL;
}

void Cpu::schedule() {
  // On equal IRQL the passive thread wins over the DPC dispatcher: a thread raised to
  // DISPATCH_LEVEL that an ISR interrupted goes on, and DPCs wait until it lowers.
  Context* best = isr_.ready ? &isr_ : nullptr;
  for (Context& c : passive_)
    if (c.ready && (!best || c.irql > best->irql)) best = &c;
  if (dpc_.ready && (!best || dpc_.irql > best->irql)) best = &dpc_;
  // Equal IRQL never preempts: a passive thread raised to DISPATCH_LEVEL keeps the CPU.
  if (owner_ && owner_->ready && best && owner_->irql >= best->irql) best = owner_;
  if (best != owner_) {
    if (owner_) owner_->preempted.notify();
    owner_ = best;
    if (owner_) owner_->resume.notify();
  }
  traced_irql = owner_ ? owner_->irql : PASSIVE_LEVEL;
}

void Cpu::acquire(Context& c) {
  while (owner_ != &c) wait(c.resume);
}

void Cpu::consume(ps_t t) {
  Context* c = current();
  if (!c) throw std::logic_error("Cpu::consume called outside a CPU context");
  while (t > 0) {
    acquire(*c);
    const ps_t start = now_ps();
    wait(from_ps(t), c->preempted);
    const ps_t elapsed = now_ps() - start;
    busy_ps_ += elapsed;
    t -= std::min(elapsed, t);
  }
}

KIRQL Cpu::raise_irql(KIRQL level) {
  Context* c = current();
  if (!c) throw std::logic_error("Cpu::raise_irql called outside a CPU context");
  const KIRQL old = c->irql;
  c->irql = std::max(old, level);
  if (owner_ == c) traced_irql = c->irql;
  return old;
}

void Cpu::lower_irql(KIRQL level) {
  Context* c = current();
  if (!c) throw std::logic_error("Cpu::lower_irql called outside a CPU context");
  c->irql = level;
  schedule();  // pending DPCs run now, before the caller goes on
  acquire(*c);
}

void Cpu::start_passive(std::function<void()> body) {
  Context& c = passive_.emplace_back("passive", PASSIVE_LEVEL);
  c.thread = sc_spawn(
      [this, &c, body] {
        c.ready = true;
        schedule();
        acquire(c);
        body();
        c.ready = false;
        schedule();
      },
      ("passive" + std::to_string(passive_.size() - 1)).c_str());
}

void Cpu::passive_wait(sc_core::sc_event& event) {
  Context* c = current();
  if (!is_passive(c)) throw std::logic_error("Cpu::passive_wait called outside a passive thread");
  c->ready = false;
  schedule();
  wait(event);
  c->ready = true;
  schedule();
  consume(costs_.thread_wake_ps);
}

void Cpu::request_interrupt(unsigned vector) {
  pending_.push_back(vector);
  traced_irq_line = true;
  interrupt_event_.notify();
}

void Cpu::isr_thread() {
  for (;;) {
    while (pending_.empty()) wait(interrupt_event_);
    isr_.ready = true;
    schedule();
    acquire(isr_);
    const unsigned vector = pending_.front();
    pending_.pop_front();
    ++isr_count_;
    ++calls_[vector];
    consume(costs_.isr_body_ps);
    auto isr = isrs_.find(vector);
    if (isr != isrs_.end() && isr->second()) {
      ++isr_claimed_;
      ++claimed_[vector];
    }
    if (pending_.empty()) {
      traced_irq_line = false;
      isr_.ready = false;
      schedule();
    }
  }
}

bool Cpu::insert_dpc(const void* key, std::function<void()> routine, bool timer) {
  for (const Dpc& d : dpcs_)
    if (d.key == key) return false;
  dpcs_.push_back({key, std::move(routine), timer});
  dpc_event_.notify();
  return true;
}

bool Cpu::queue_dpc(const void* key, std::function<void()> routine) {
  consume(costs_.queue_dpc_ps);
  if (!insert_dpc(key, std::move(routine), false)) return false;
  // Ready now, not when the dispatcher thread next wakes: a KeLowerIrql right after this must
  // already see the DPC.
  dpc_.ready = true;
  return true;
}

bool Cpu::timer_dpc(const void* key, std::function<void()> routine) {
  // The dispatcher makes itself ready when it wakes and competes for the CPU.
  return insert_dpc(key, std::move(routine), true);
}

void Cpu::dpc_thread() {
  for (;;) {
    while (dpcs_.empty()) wait(dpc_event_);
    dpc_.ready = true;
    schedule();
    acquire(dpc_);
    while (!dpcs_.empty()) {
      consume(costs_.dpc_latency_ps);
      Dpc d = std::move(dpcs_.front());
      dpcs_.pop_front();
      ++(d.timer ? timer_dpc_count_ : dpc_count_);
      d.routine();
    }
    dpc_.ready = false;
    schedule();
  }
}

sc_core::sc_time Cpu::mmio(tlm::tlm_command cmd, std::uint64_t addr, std::uint32_t* value) {
  tlm::tlm_generic_payload gp;
  gp.set_command(cmd);
  gp.set_address(addr);
  gp.set_data_ptr(reinterpret_cast<unsigned char*>(value));
  gp.set_data_length(4);
  gp.set_streaming_width(4);
  gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  bus->b_transport(gp, delay);
  if (gp.is_response_error() && cmd == tlm::TLM_READ_COMMAND) *value = 0xFFFFFFFFu;  // master abort
  return delay;
}

std::uint32_t Cpu::mmio_read32(std::uint64_t addr) {
  std::uint32_t value = 0;
  consume(to_ps(mmio(tlm::TLM_READ_COMMAND, addr, &value)));  // the CPU stalls for the round trip
  return value;
}

void Cpu::mmio_write32(std::uint64_t addr, std::uint32_t value) {
  mmio(tlm::TLM_WRITE_COMMAND, addr, &value);  // posted: the device sees it on arrival
  consume(costs_.mmio_write_ps);
}

}  // namespace dmasim
