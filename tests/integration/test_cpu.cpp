// The kernel model's IRQL rules, checked on exact simulated times: an ISR preempts DPC and passive
// work, DPCs drain before passive work resumes, DISPATCH_LEVEL holds DPCs off until it is lowered,
// and interrupts arriving during an ISR are not lost.
#include <gtest/gtest.h>
#include <tlm_utils/simple_target_socket.h>

#include <string>
#include <vector>

#include "firmware/kernel/cpu.h"
#include "models/sim_time.h"

namespace dmasim {
namespace {

constexpr ps_t us(double v) {
  return static_cast<ps_t>(v * 1e6);
}

// The CPU's MMIO port must be bound; these tests do no MMIO, so it goes nowhere.
struct NoDevice : sc_core::sc_module {
  tlm_utils::simple_target_socket<NoDevice> socket{"socket"};
  explicit NoDevice(sc_core::sc_module_name n) : sc_module(n) {
    socket.register_b_transport(this, &NoDevice::b_transport);
  }
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time&) {
    gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
  }
};

CpuCosts test_costs() {
  CpuCosts c;
  c.isr_body_ps = us(0.5);
  c.queue_dpc_ps = us(0.1);
  c.dpc_latency_ps = us(2);
  c.thread_wake_ps = us(1);
  return c;
}

struct Log {
  explicit Log(Cpu& c) : cpu(c) {}
  void add(const std::string& what) {
    events.push_back(what + "@" + std::to_string(now_ps()) + ":irql" +
                     std::to_string(cpu.current_irql()));
  }
  Cpu& cpu;
  std::vector<std::string> events;
};

// A CPU with its (unused) MMIO port bound, and a log of what ran when.
struct Bench {
  NoDevice dev{"dev"};
  Cpu cpu{"cpu", test_costs()};
  Log log{cpu};
  Bench() { cpu.bus.bind(dev.socket); }
};

// Raises an interrupt at each of the given times.
void interrupts_at(Cpu& cpu, std::vector<ps_t> times) {
  sc_core::sc_spawn([&cpu, times] {
    ps_t t = 0;
    for (ps_t at : times) {
      sc_core::wait(from_ps(at - t));
      t = at;
      cpu.request_interrupt();
    }
  });
}

TEST(CpuModel, IsrPreemptsPassiveAndDpcsDrainBeforeItResumes) {
  Bench bench;
  Cpu& cpu = bench.cpu;
  Log& log = bench.log;
  int dpc_key = 0;
  cpu.connect_interrupt([&] {
    log.add("isr");
    cpu.consume(us(1));
    cpu.queue_dpc(&dpc_key, [&] {
      log.add("dpc");
      cpu.consume(us(2));
    });
    return true;
  });
  cpu.start_passive([&] {
    cpu.consume(us(10));
    log.add("passive-done");
  });
  interrupts_at(cpu, {us(3)});
  sc_core::sc_start();
  // ISR enters at 3 us and runs 0.5 (body) + 1 + 0.1 (queue DPC) = 1.6 us, to 4.6 us.
  // DPC: 2 us dispatch latency, routine entered at 6.6 us, runs 2 us, to 8.6 us.
  // Passive had 7 of its 10 us left at 3 us: done at 8.6 + 7 = 15.6 us.
  const std::vector<std::string> expected = {
      "isr@" + std::to_string(us(3.5)) + ":irql" + std::to_string(DEVICE_IRQL),
      "dpc@" + std::to_string(us(6.6)) + ":irql" + std::to_string(DISPATCH_LEVEL),
      "passive-done@" + std::to_string(us(15.6)) + ":irql0"};
  EXPECT_EQ(log.events, expected);
  EXPECT_EQ(cpu.busy_ps(), us(15.6));
  EXPECT_EQ(cpu.isr_claimed(), 1u);
  EXPECT_EQ(cpu.dpc_count(), 1u);
}

TEST(CpuModel, DispatchLevelHoldsDpcsOffUntilLowered) {
  Bench bench;
  Cpu& cpu = bench.cpu;
  Log& log = bench.log;
  int key = 0;
  cpu.connect_interrupt([&] {
    cpu.queue_dpc(&key, [&] {
      log.add("dpc");
      cpu.consume(us(1));
    });
    return true;
  });
  cpu.start_passive([&] {
    const KIRQL old = cpu.raise_irql(DISPATCH_LEVEL);
    cpu.consume(us(5));
    log.add("lowering");
    cpu.lower_irql(old);
    log.add("lowered");
  });
  interrupts_at(cpu, {us(1)});
  sc_core::sc_start();
  // ISR (DIRQL) preempts the raised passive thread at 1 us for 0.5 + 0.1 us: passive reaches
  // 5 us of work at 5.6 us. The DPC may not run before the IRQL drops; KeLowerIrql then runs it
  // at once: 2 us latency, entered at 7.6, done at 8.6, and only then does passive go on.
  const std::vector<std::string> expected = {"lowering@" + std::to_string(us(5.6)) + ":irql2",
                                             "dpc@" + std::to_string(us(7.6)) + ":irql2",
                                             "lowered@" + std::to_string(us(8.6)) + ":irql0"};
  EXPECT_EQ(log.events, expected);
}

TEST(CpuModel, IsrPreemptsARunningDpc) {
  Bench bench;
  Cpu& cpu = bench.cpu;
  Log& log = bench.log;
  int key = 0;
  cpu.start_passive([&] {
    const KIRQL old = cpu.raise_irql(DISPATCH_LEVEL);
    cpu.queue_dpc(&key, [&] {
      cpu.consume(us(5));
      log.add("dpc-done");
    });
    cpu.lower_irql(old);
    log.add("passive-on");
  });
  cpu.connect_interrupt([&] {
    log.add("isr");
    return true;
  });
  interrupts_at(cpu, {us(4)});
  sc_core::sc_start();
  // DPC queued at 0.1 us, enters at 2.1 us (latency), has 1.9 us of its 5 done when the ISR
  // arrives at 4 us; ISR body 0.5 us (routine at 4.5); DPC resumes at 4.5, ends at 4.5 + 3.1.
  const std::vector<std::string> expected = {"isr@" + std::to_string(us(4.5)) + ":irql5",
                                             "dpc-done@" + std::to_string(us(7.6)) + ":irql2",
                                             "passive-on@" + std::to_string(us(7.6)) + ":irql0"};
  EXPECT_EQ(log.events, expected);
}

TEST(CpuModel, DpcQueueIsFifoAndRejectsADpcAlreadyQueued) {
  Bench bench;
  Cpu& cpu = bench.cpu;
  Log& log = bench.log;
  int a = 0, b = 0;
  std::vector<bool> accepted;
  cpu.start_passive([&] {
    const KIRQL old = cpu.raise_irql(DISPATCH_LEVEL);
    accepted.push_back(cpu.queue_dpc(&a, [&] { log.add("a"); }));
    accepted.push_back(cpu.queue_dpc(&b, [&] { log.add("b"); }));
    accepted.push_back(cpu.queue_dpc(&a, [&] { log.add("a-again"); }));
    cpu.lower_irql(old);
  });
  sc_core::sc_start();
  EXPECT_EQ(accepted, (std::vector<bool>{true, true, false}));
  // Three queue_dpc calls cost 0.3 us; each DPC waits its 2 us dispatch latency in turn.
  const std::vector<std::string> expected = {"a@" + std::to_string(us(2.3)) + ":irql2",
                                             "b@" + std::to_string(us(4.3)) + ":irql2"};
  EXPECT_EQ(log.events, expected);
}

TEST(CpuModel, TimerDpcsShareTheQueueButAreCountedApart) {
  Bench bench;
  Cpu& cpu = bench.cpu;
  Log& log = bench.log;
  int driver = 0, timer = 0;
  std::vector<bool> accepted;
  // A kernel timer expires at 1 us, outside any CPU context: no queueing cost, same key rule.
  sc_core::sc_spawn([&] {
    sc_core::wait(from_ps(us(1)));
    accepted.push_back(cpu.timer_dpc(&timer, [&] { log.add("timer"); }));
    accepted.push_back(cpu.timer_dpc(&timer, [&] { log.add("timer-again"); }));
  });
  cpu.connect_interrupt([&] {
    accepted.push_back(cpu.queue_dpc(&driver, [&] { log.add("driver"); }));
    return true;
  });
  interrupts_at(cpu, {us(10)});
  sc_core::sc_start();
  EXPECT_EQ(accepted, (std::vector<bool>{true, false, true}));
  // Timer DPC: queued at 1 us, entered after its 2 us latency. Driver DPC: ISR at 10 us runs
  // 0.5 + 0.1 us, then 2 us latency: 12.6 us.
  const std::vector<std::string> expected = {"timer@" + std::to_string(us(3)) + ":irql2",
                                             "driver@" + std::to_string(us(12.6)) + ":irql2"};
  EXPECT_EQ(log.events, expected);
  EXPECT_EQ(cpu.dpc_count(), 1u);  // the driver's, one per interrupt it claimed
  EXPECT_EQ(cpu.timer_dpc_count(), 1u);
}

TEST(CpuModel, InterruptsDuringAnIsrAreNotLost) {
  Bench bench;
  Cpu& cpu = bench.cpu;
  Log& log = bench.log;
  cpu.connect_interrupt([&] {
    log.add("isr");
    return true;
  });
  interrupts_at(cpu, {us(1), us(1.2), us(1.3)});
  sc_core::sc_start();
  EXPECT_EQ(cpu.isr_claimed(), 3u);
  // Back to back, 0.5 us of ISR body each.
  const std::vector<std::string> expected = {"isr@" + std::to_string(us(1.5)) + ":irql5",
                                             "isr@" + std::to_string(us(2.0)) + ":irql5",
                                             "isr@" + std::to_string(us(2.5)) + ":irql5"};
  EXPECT_EQ(log.events, expected);
}

TEST(CpuModel, PassiveWaitFreesTheCpuAndPaysTheWakeUp) {
  Bench bench;
  Cpu& cpu = bench.cpu;
  Log& log = bench.log;
  sc_core::sc_event ev;
  sc_core::sc_spawn([&] {
    sc_core::wait(from_ps(us(4)));
    ev.notify();
  });
  cpu.start_passive([&] {
    cpu.passive_wait(ev);
    log.add("woken");
  });
  sc_core::sc_start();
  const std::vector<std::string> expected = {"woken@" + std::to_string(us(5)) + ":irql0"};
  EXPECT_EQ(log.events, expected);
  EXPECT_EQ(cpu.busy_ps(), us(1));  // idle while waiting: only the wake-up costs CPU time
}

}  // namespace
}  // namespace dmasim
