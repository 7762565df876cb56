// The Verilated RTL DMA engine (rtl/dma_engine.sv) behind the same TLM sockets as the TLM engine.
//
// The model is clocked in a plain C++ loop inside one SystemC thread, a batch of cycles at a
// time (up to one quantum ahead, then the thread waits for SystemC time to catch up), never
// through sc_signal ports. Cycle c is simulated time c x clock period. An idle engine is not
// clocked: its cycle count jumps to the next register access. Each bus-master request becomes a
// TLM transaction at the time of its cycle: a read's data beats are handed back so the last one
// arrives at the link's data-done time, and the next request is accepted once the link has
// issued the previous one; a write goes out when its last beat is in, and its response returns
// at the link's done time. A register write is taken when the model reaches its arrival cycle; a
// register read first brings the model up to its arrival time.
// VRAM is the bridge's sparse memory, read and written by the RTL's VRAM port.
//
// Faults (--inject hw:NAME@chunk=K) are the bridge's, on the bus. engine-hang is a hung
// completion path: run K's first data burst completes; every later request of the run is taken
// off the request channel (which the other channel shares) but goes nowhere: not on the link,
// its write data taken and dropped, its read beats and write responses withheld. A run whose
// first data burst is its only one has that burst's completion (its last read beat, or its write
// response) withheld instead. The channel, waiting for completions, stays BUSY and requests
// nothing once its queues are full, like the TLM engine's hung run. When the host writes
// DMA_CTRL_ABORT for the channel, the withheld completions are released at once (beats of the
// bursts that went nowhere carry an error and no data): the RTL drops them as orphans of the
// aborted run (rtl/README.md), and a following run is served normally. While a hung channel is
// the only busy one and the model has shown no bus or VRAM activity for kQuietCycles, the engine
// counts as idle: its cycles are skipped until the next register access.
//
// Waits are skipped too (skip_waits): when a cycle in which the model exchanges nothing with the
// bus or VRAM leaves its whole state (every register, memory and signal of the Verilated model)
// exactly as the cycle before, with inputs that stay the same, every further cycle would do the
// same, so the bridge jumps to the next cycle at which an input changes (a read beat or write
// response comes due, the link takes the next request, a write goes on the link, a register write
// arrives, the batch ends) and clocks the model from there. Those cycles count in cycles() as if
// clocked (every figure stays the same); evals() counts the cycles evaluated.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <systemc>
#include <tlm>
#include <vector>

#include "models/dma_device.h"
#include "models/hw_fault.h"
#include "models/sparse_memory.h"

class Vdma_engine;
class VerilatedVcdC;

namespace dmasim {

class CheckedVcdFile;

struct RtlEngineParams {
  std::uint64_t bar0_base = 0;
  std::uint64_t vram_bytes = 0;
  std::uint64_t quantum_ps = 100000;  // how far the model may run ahead of SystemC time
  bool addr64 = true;
  std::uint64_t clock_ps = 4000;  // 250 MHz: 32 B/cycle = 8 GB/s, above a Gen3 x8 link [EST]
  // RTL waves (Verilator tracing), opened once at exactly this path; empty = none.
  std::string vcd;
  std::uint64_t waves_from_ps = 0, waves_to_ps = 0;  // dumped only inside (0: start / end)
  // --inject hw:NAME@chunk=K, done by the bridge on the bus: read-error, write-error,
  // persistent-read-error, lost-interrupt, spurious-interrupt, engine-hang (header above),
  // bad-descriptor (as the TLM engine's inject_fault describes them; iommu-fault is the IOMMU
  // mapper's). Empty = none.
  std::string fault;
  std::uint64_t fault_run = 1;
  bool skip_waits = true;  // skip the cycles in which the model only waits (header above)
};

class DmaEngineRtl : public sc_core::sc_module, public DmaDevice {
 public:
  static constexpr unsigned kDataBytes = 32;  // the RTL's DATA_BYTES (set when verilating)
  static constexpr unsigned kChannels = 2;

  tlm_utils::simple_target_socket<DmaEngineRtl> bar0;
  tlm_utils::simple_initiator_socket<DmaEngineRtl> master;

  SC_HAS_PROCESS(DmaEngineRtl);
  DmaEngineRtl(sc_core::sc_module_name name, const RtlEngineParams& params);
  ~DmaEngineRtl() override;

  tlm::tlm_target_socket<>& bar0_socket() override { return bar0; }
  tlm::tlm_initiator_socket<>& master_socket() override { return master; }
  SparseMemory& vram() override { return vram_; }
  void set_msi(std::uint64_t addr, std::uint32_t data) override;
  std::uint64_t bytes_moved(unsigned ch) const override { return bytes_[ch]; }
  void trace(sc_core::sc_trace_file* tf) override;
  // Flushes and closes the RTL's waves (idempotent; the destructor calls it too). Throws
  // std::runtime_error naming the path and the errno text if a write or the close failed.
  void close_waves() override;

  // Cycles the model was clocked for, the skipped waits included (not the idle stretches).
  std::uint64_t cycles() const override { return clocked_; }
  std::uint64_t evals() const override { return evals_; }  // of them, evaluated
  std::uint64_t faults_injected() const override { return faults_injected_; }
  std::uint64_t runs() const override { return all_runs_; }

 private:
  struct Beat {
    std::uint64_t avail;  // cycle from which it may be presented
    std::array<std::uint8_t, kDataBytes> data;
    bool last, err;
  };
  // engine-hang: what happens to a request of the hung run.
  enum class Hang {
    kNone,            // served normally
    kHoldCompletion,  // on the link, its completion (last read beat, write response) withheld
    kSwallow,         // goes nowhere, its completion withheld
  };
  struct Response {
    std::uint64_t avail;
    bool err;
  };
  struct WriteBurst {
    unsigned id;
    std::uint64_t addr;
    std::uint32_t len;
    std::vector<std::uint8_t> data;
    std::uint64_t in_cycle = 0;  // all its data is in (store and forward)
    Hang hang = Hang::kNone;
  };

  void thread();
  void mmio(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  std::uint32_t reg_access(bool write, std::uint32_t offset, std::uint32_t value);
  void step();  // one clock cycle
  static constexpr std::uint64_t kQuietCycles = 64;
  // Runs the model up to `cycle`, taking each posted register write at its arrival cycle. An
  // idle engine jumps to the next such arrival; with skip_idle it jumps to `cycle` too, else it
  // stops there (SystemC time may yet bring a register write that arrives sooner).
  void run_until(std::uint64_t cycle, bool skip_idle);
  bool idle() const { return idle_after(quiet_); }
  bool idle_after(std::uint64_t quiet) const;  // idle() once quiet_ has reached `quiet`
  // Waits: the first cycle after `after`, at most `limit`, whose step may see other inputs than
  // the step of cycle `after` (or do something else around the model: a write onto the link).
  std::uint64_t next_input_change(std::uint64_t after, std::uint64_t limit) const;
  // Skips the cycles up to the next input change (at most `limit`) if the model is settled,
  // probing first whether it is where that may pay; false if it neither skipped nor stepped.
  bool skip_wait(std::uint64_t limit);
  void probe_settled();  // steps once or twice; sets settled_ if the model proves to be
  static constexpr std::uint64_t kNoLimit = ~std::uint64_t{0};
  static constexpr std::uint64_t kMinWait = 64;  // input changes this far off, at least, to probe
  static constexpr std::uint64_t kMinBackoff = 16, kMaxBackoff = 4096;
  std::uint64_t probe_at_ = 0, backoff_ = kMinBackoff;  // after a failed probe: when to retry
  std::vector<unsigned char> snapshot_;                 // the model's state, for the probe
  // The last step: it exchanged something with the bus or VRAM / had activity (see quiet_).
  bool moved_ = false, active_ = false;
  // The model is at a fixed point under its current inputs: no step since the probe showed it.
  bool settled_ = false;
  std::uint64_t last_step_ = 0;  // the cycle last stepped
  std::uint64_t time_of(std::uint64_t cycle) const { return cycle * params_.clock_ps; }
  std::uint64_t cycle_at(std::uint64_t ps) const {
    return (ps + params_.clock_ps - 1) / params_.clock_ps;
  }
  void drive_inputs();
  void dump_waves(std::uint64_t ps);  // inside the waves' window only
  void count_ended_runs();  // reads DMA_BYTES of channels whose run ended; not inside step()

  RtlEngineParams params_;
  SparseMemory vram_;
  std::unique_ptr<Vdma_engine> m_;
  std::unique_ptr<CheckedVcdFile> vcd_file_;  // outlives vcd_, which writes through it
  std::unique_ptr<VerilatedVcdC> vcd_;
  std::uint64_t cycle_ = 0, clocked_ = 0, evals_ = 0;
  std::uint64_t next_req_cycle_ = 0;
  std::deque<Beat> reads_[kChannels];
  std::deque<Response> writes_done_[kChannels];
  std::deque<WriteBurst> write_bursts_;  // accepted, waiting for (more) data
  // Complete bursts not yet on the link: each goes when the link could start it (all its data
  // in: store and forward; the previous write done), so the link never holds bookings ahead of
  // model time that would hold up the other channel's reads.
  std::deque<WriteBurst> to_link_;
  std::uint64_t write_free_ps_ = 0;
  void send_writes();
  std::array<std::uint8_t, kDataBytes> vram_rdata_{};
  unsigned busy_prev_ = 0;
  unsigned runs_ended_ = 0;  // channels whose busy fell, bytes not yet counted
  std::uint64_t bytes_[kChannels] = {0, 0};
  sc_core::sc_event activity_;
  // Posted register writes on their way: each is taken when the model reaches its arrival
  // cycle, not by running the model ahead to it (which would book the link ahead of SystemC
  // time, in front of traffic the rest of the platform books meanwhile).
  struct PendingWrite {
    std::uint64_t cycle;
    std::uint32_t offset, value;
  };
  std::deque<PendingWrite> pending_writes_;
  // Fault injection: which run each channel is on (all channels' runs counted from 1, as the
  // doorbells are taken), where its descriptors are, and which of its accesses came first.
  struct RunState {
    std::uint64_t run = 0;
    std::uint64_t desc_addr = 0, desc_bytes = 0;
    bool first_read = true, first_write = true;
    bool faulted = false;        // counted once per run, however many pipelined accesses it hits
    unsigned data_requests = 0;  // engine-hang: host data bursts requested so far
    bool single_burst = false;   // engine-hang: the run has one host data burst
  };
  RunState run_[kChannels];
  std::uint32_t desc_lo_[kChannels] = {0, 0}, desc_hi_[kChannels] = {0, 0};
  std::uint32_t desc_count_[kChannels] = {0, 0};
  std::uint64_t all_runs_ = 0, faults_injected_ = 0;
  std::uint64_t msi_addr_ = 0;
  std::uint32_t msi_data_ = 0;
  HwFault fault_;  // params_.fault, parsed
  bool fault_due(HwFault kind, unsigned ch);
  void watch_register_write(std::uint32_t offset, std::uint32_t value);
  // A read's data arrived: a descriptor fetch of a bad-descriptor run gets its first address
  // replaced. Returns false when the read must fail instead.
  bool inject_on_read(unsigned ch, std::uint64_t addr, std::uint8_t* data, std::uint32_t len);
  bool inject_on_write(unsigned ch, bool msi, bool* drop);  // false: the write must fail
  // engine-hang: a request of channel ch was accepted; what becomes of it.
  Hang hang_on_request(unsigned ch, bool write, std::uint64_t addr, std::uint32_t len);
  void release_hang(unsigned ch);          // DMA_CTRL_ABORT: the withheld completions go to the RTL
  bool hung_[kChannels] = {false, false};  // completions withheld until DMA_CTRL_ABORT
  std::deque<Beat> held_reads_[kChannels];
  std::deque<Response> held_writes_[kChannels];
  std::uint64_t quiet_ = 0;  // cycles without bus or VRAM activity
  // Traced for waveforms, like the TLM engine's.
  bool traced_busy_[kChannels] = {false, false};
  std::uint64_t traced_bytes_ = 0;
};

}  // namespace dmasim
