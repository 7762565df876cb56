#include "rtl/dma_engine_rtl.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <stdexcept>
#include <string>
#include <utility>

#include "models/bus_master.h"
#include "models/dma_regs.h"
#include "models/sim_time.h"

// Verilated headers after <systemc>: they must see sc_time_stamp as the one from sc_core.
using sc_core::sc_time_stamp;
#include "Vdma_engine.h"
#include "Vdma_engine___024root.h"
#include "verilated.h"
#include "verilated_vcd_c.h"

// After them: it includes verilated_vcd_c.h.
#include "rtl/checked_vcd_file.h"

namespace dmasim {

namespace {

// Lanes of a wide port <-> bytes (lane 0 = bits 7:0 of word 0).
template <class Wide>
void get_lanes(const Wide& w, std::uint8_t* out, unsigned n) {
  for (unsigned i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>(w[i / 4] >> (8 * (i % 4)));
}
template <class Wide>
void set_lanes(Wide& w, const std::uint8_t* in, unsigned n) {
  for (unsigned i = 0; i < n / 4; ++i) w[i] = 0;
  for (unsigned i = 0; i < n; ++i) w[i / 4] |= std::uint32_t{in[i]} << (8 * (i % 4));
}

}  // namespace

DmaEngineRtl::DmaEngineRtl(sc_core::sc_module_name name, const RtlEngineParams& params)
    : sc_module(name),
      bar0("bar0"),
      master("master"),
      params_(params),
      vram_(params.vram_bytes),
      fault_(hw_fault_from_name(params.fault)) {
  bar0.register_b_transport(this, &DmaEngineRtl::mmio);
  if (!params_.vcd.empty()) Verilated::traceEverOn(true);
  m_ = std::make_unique<Vdma_engine>();
  m_->cfg_addr64 = params_.addr64;
  m_->cfg_vram_bytes = params_.vram_bytes;
  snapshot_.resize(sizeof *m_->rootp);
  if (!params_.vcd.empty()) {
    vcd_file_ = std::make_unique<CheckedVcdFile>();
    vcd_ = std::make_unique<VerilatedVcdC>(vcd_file_.get());
    m_->trace(vcd_.get(), 99);
    vcd_->set_time_unit("1ps");
    vcd_->set_time_resolution("1ps");
    vcd_->open(params_.vcd.c_str());
    if (!vcd_->isOpen())
      throw std::invalid_argument("--rtl-waves: cannot write '" + params_.vcd +
                                  "': " + std::strerror(vcd_file_->error()));
  }
  // Reset for a few cycles at time 0.
  m_->rst = 1;
  for (int i = 0; i < 4; ++i) step();
  m_->rst = 0;
  step();
  SC_THREAD(thread);
}

DmaEngineRtl::~DmaEngineRtl() {
  m_->final();
  try {
    close_waves();
  } catch (const std::runtime_error& e) {
    std::cerr << "dmasim: " << e.what() << "\n";  // nobody asked before: not silently
  }
}

void DmaEngineRtl::close_waves() {
  if (!vcd_) return;
  vcd_->close();  // flushes Verilator's buffer through vcd_file_, then closes it
  vcd_.reset();
  const int error = vcd_file_->error();
  vcd_file_.reset();
  if (error)
    throw std::runtime_error("--rtl-waves: cannot write '" + params_.vcd +
                             "': " + std::strerror(error));
}

void DmaEngineRtl::set_msi(std::uint64_t addr, std::uint32_t data) {
  msi_addr_ = addr;
  msi_data_ = data;
  reg_access(true, DMA_GLOBAL + DMA_MSI_ADDR_LO, static_cast<std::uint32_t>(addr));
  reg_access(true, DMA_GLOBAL + DMA_MSI_ADDR_HI, static_cast<std::uint32_t>(addr >> 32));
  reg_access(true, DMA_GLOBAL + DMA_MSI_DATA, data);
}

void DmaEngineRtl::trace(sc_core::sc_trace_file* tf) {
  sc_core::sc_trace(tf, traced_busy_[0], "engine_busy_ch0");
  sc_core::sc_trace(tf, traced_busy_[1], "engine_busy_ch1");
  sc_core::sc_trace(tf, traced_bytes_, "bytes_moved");
}

bool DmaEngineRtl::idle_after(std::uint64_t quiet) const {
  if (!write_bursts_.empty() || !to_link_.empty() || m_->draining != 0) return false;
  unsigned hung = 0;
  for (unsigned ch = 0; ch < kChannels; ++ch) {
    if (!reads_[ch].empty() || !writes_done_[ch].empty()) return false;
    if (hung_[ch]) hung |= 1u << ch;
  }
  if ((m_->busy & ~hung) != 0) return false;
  // Only hung channels busy: nothing moves until DMA_CTRL_ABORT once the model has settled.
  return m_->busy == 0 || quiet >= kQuietCycles;
}

std::uint64_t DmaEngineRtl::next_input_change(std::uint64_t after, std::uint64_t limit) const {
  std::uint64_t c = limit;
  const auto change_at = [&](std::uint64_t cycle) {
    if (cycle > after) c = std::min(c, cycle);
  };
  if (!pending_writes_.empty()) change_at(pending_writes_.front().cycle);
  change_at(next_req_cycle_);  // bm_req_ready rises
  for (unsigned ch = 0; ch < kChannels; ++ch) {
    if (!reads_[ch].empty()) change_at(reads_[ch].front().avail);
    if (!writes_done_[ch].empty()) change_at(writes_done_[ch].front().avail);
  }
  if (!to_link_.empty()) {
    // send_writes() at the end of step c (cycle_ = c + 1) starts it once its start has come.
    const WriteBurst& wb = to_link_.front();
    if (wb.hang == Hang::kSwallow) return after;
    change_at(cycle_at(std::max(time_of(wb.in_cycle), write_free_ps_)) - 1);
  }
  return c;
}

void DmaEngineRtl::probe_settled() {
  const auto back_off = [this] {
    probe_at_ = cycle_ + backoff_;
    backoff_ = std::min(2 * backoff_, kMaxBackoff);
  };
  // Two steps with the same inputs: the first lets what the last input change set going run its
  // course, the second must exchange nothing and leave the model's state as the first did.
  step();
  if (moved_ || idle()) return back_off();
  const auto* state = reinterpret_cast<const unsigned char*>(m_->rootp);
  std::memcpy(snapshot_.data(), state, snapshot_.size());
  const auto vram_rdata = vram_rdata_;
  step();
  if (moved_ || vram_rdata != vram_rdata_ ||
      std::memcmp(snapshot_.data(), state, snapshot_.size()) != 0)
    return back_off();
  settled_ = true;
  backoff_ = kMinBackoff;
}

bool DmaEngineRtl::skip_wait(std::uint64_t limit) {
  if (!params_.skip_waits) return false;
  const bool probe = !settled_;
  if (probe) {
    // Probe only where a wait could pay for the state copy: no input change for a while, and
    // none between the two steps of the probe.
    if (cycle_ < probe_at_ || next_input_change(cycle_, kNoLimit) < cycle_ + kMinWait ||
        next_input_change(cycle_, limit) < cycle_ + 2)
      return false;
    probe_settled();
    if (!settled_) return true;
  }
  // Settled: each step up to the next input change would do what the last one did. Quiet
  // cycles count up as they would have; where they would make the engine idle, stop there.
  std::uint64_t until = next_input_change(last_step_, limit);
  if (!active_ && quiet_ < kQuietCycles && idle_after(kQuietCycles))
    until = std::min(until, cycle_ + (kQuietCycles - quiet_));
  if (until <= cycle_) return probe;  // an input changes now: step
  const std::uint64_t n = until - cycle_;
  if (!active_) quiet_ += n;
  cycle_ += n;
  clocked_ += n;
  return true;
}

void DmaEngineRtl::run_until(std::uint64_t cycle, bool skip_idle) {
  for (;;) {
    while (!pending_writes_.empty() && pending_writes_.front().cycle <= cycle_) {
      const PendingWrite w = pending_writes_.front();
      pending_writes_.pop_front();
      if (fault_ != HwFault::kNone) watch_register_write(w.offset, w.value);
      reg_access(true, w.offset, w.value);
    }
    if (cycle_ >= cycle) return;
    if (!idle()) {
      if (!skip_wait(cycle)) step();
      continue;
    }
    // Nothing happens in an idle engine: skip the cycles.
    if (!pending_writes_.empty() && pending_writes_.front().cycle <= cycle) {
      cycle_ = pending_writes_.front().cycle;
      continue;
    }
    if (skip_idle) cycle_ = cycle;
    return;
  }
}

void DmaEngineRtl::drive_inputs() {
  m_->bm_req_ready = cycle_ >= next_req_cycle_;
  m_->bm_w_ready = !write_bursts_.empty();
  // Read data: the oldest available beat of any channel.
  int pick = -1;
  for (unsigned ch = 0; ch < kChannels; ++ch) {
    if (reads_[ch].empty() || reads_[ch].front().avail > cycle_) continue;
    if (pick < 0 || reads_[ch].front().avail < reads_[pick].front().avail)
      pick = static_cast<int>(ch);
  }
  m_->bm_r_valid = pick >= 0;
  if (pick >= 0) {
    const Beat& b = reads_[pick].front();
    m_->bm_r_id = static_cast<unsigned>(pick);
    set_lanes(m_->bm_r_data, b.data.data(), kDataBytes);
    m_->bm_r_last = b.last;
    m_->bm_r_err = b.err;
  }
  int bpick = -1;
  for (unsigned ch = 0; ch < kChannels; ++ch) {
    if (writes_done_[ch].empty() || writes_done_[ch].front().avail > cycle_) continue;
    if (bpick < 0 || writes_done_[ch].front().avail < writes_done_[bpick].front().avail)
      bpick = static_cast<int>(ch);
  }
  m_->bm_b_valid = bpick >= 0;
  if (bpick >= 0) {
    m_->bm_b_id = static_cast<unsigned>(bpick);
    m_->bm_b_err = writes_done_[bpick].front().err;
  }
  set_lanes(m_->vram_rdata, vram_rdata_.data(), kDataBytes);
}

void DmaEngineRtl::step() {
  settled_ = false;
  drive_inputs();
  m_->clk = 0;
  m_->eval();
  dump_waves(time_of(cycle_));  // low half of the cycle
  // Handshakes that the coming edge completes, and the VRAM port's requests.
  const bool req = m_->bm_req_valid && m_->bm_req_ready;
  const bool w = m_->bm_w_valid && m_->bm_w_ready;
  const bool r = m_->bm_r_valid && m_->bm_r_ready;
  const bool b = m_->bm_b_valid && m_->bm_b_ready;
  const unsigned r_id = m_->bm_r_id, b_id = m_->bm_b_id;
  const bool req_write = m_->bm_req_write;
  const unsigned req_id = m_->bm_req_id;
  const std::uint64_t req_addr = m_->bm_req_addr;
  const std::uint32_t req_len = m_->bm_req_len;
  std::array<std::uint8_t, kDataBytes> wbeat{};
  if (w) get_lanes(m_->bm_w_data, wbeat.data(), kDataBytes);
  const bool w_last = m_->bm_w_last;
  const bool activity =
      m_->bm_req_valid || m_->bm_w_valid || r || b || m_->vram_we || m_->vram_re || m_->reg_req;
  quiet_ = activity ? 0 : quiet_ + 1;
  active_ = activity;
  moved_ = req || w || r || b || m_->vram_we;
  if (m_->vram_we) {
    std::array<std::uint8_t, kDataBytes> d{};
    get_lanes(m_->vram_wdata, d.data(), kDataBytes);
    const std::uint64_t a = m_->vram_waddr;
    const unsigned n = std::min<unsigned>(m_->vram_wlen, kDataBytes);
    if (vram_.contains(a, n)) vram_.write(a, d.data(), n);
  }
  if (m_->vram_re) {
    const std::uint64_t a = m_->vram_raddr;
    const unsigned n = std::min<unsigned>(m_->vram_rlen, kDataBytes);
    vram_rdata_.fill(0);
    if (vram_.contains(a, n)) vram_.read(a, vram_rdata_.data(), n);
  }
  // The edge.
  m_->clk = 1;
  m_->eval();
  dump_waves(time_of(cycle_) + params_.clock_ps / 2);  // high half
  const std::uint64_t c = cycle_++;
  last_step_ = c;
  ++clocked_;
  ++evals_;
  if (r) reads_[r_id].pop_front();
  if (b) writes_done_[b_id].pop_front();
  if (req) {
    const Hang hang = fault_ == HwFault::kEngineHang
                          ? hang_on_request(req_id, req_write, req_addr, req_len)
                          : Hang::kNone;
    const unsigned beats = (req_len + kDataBytes - 1) / kDataBytes;
    if (req_write) {
      write_bursts_.push_back({req_id, req_addr, req_len, {}, 0, hang});
    } else if (hang == Hang::kSwallow) {
      // Nowhere: no link transaction; its beats (no data, an error) wait for DMA_CTRL_ABORT.
      for (unsigned k = 0; k < beats; ++k)
        held_reads_[req_id].push_back({0, {}, k + 1 == beats, true});
    } else {
      // The read goes on the link now; its beats come back so the last one lands at data-done.
      std::vector<std::uint8_t> data(req_len);
      const BusTiming b =
          device_transaction(master, false, req_addr, data.data(), req_len, time_of(c));
      const bool ok = b.ok && inject_on_read(req_id, req_addr, data.data(), req_len);
      const std::uint64_t done = b.done_ps;
      next_req_cycle_ = std::max(next_req_cycle_, cycle_at(b.issue_done_ps));
      const std::uint64_t last = std::max(c + beats, cycle_at(done));
      for (unsigned k = 0; k < beats; ++k) {
        Beat beat{last - (beats - 1 - k), {}, k + 1 == beats, !ok};
        const unsigned n = std::min<unsigned>(kDataBytes, req_len - k * kDataBytes);
        std::memcpy(beat.data.data(), data.data() + k * kDataBytes, n);
        const bool hold = hang == Hang::kHoldCompletion && k + 1 == beats;
        (hold ? held_reads_ : reads_)[req_id].push_back(beat);
      }
    }
  }
  if (w) {
    WriteBurst& wb = write_bursts_.front();
    const std::size_t n = std::min<std::size_t>(kDataBytes, wb.len - wb.data.size());
    wb.data.insert(wb.data.end(), wbeat.begin(), wbeat.begin() + n);
    // Store and forward: the burst goes on the link once all its data is in, from the cycle
    // of its last beat. (Starting it at its first TLP's data would need the link booked in
    // the past once the rest is in: that start then fell on whatever SystemC time the batch
    // began at, so the timing followed --rtl-quantum.)
    if (w_last || wb.data.size() >= wb.len) {
      wb.in_cycle = c;
      to_link_.push_back(std::move(wb));
      write_bursts_.pop_front();
    }
  }
  const std::size_t queued = to_link_.size();
  send_writes();
  if (to_link_.size() != queued) moved_ = true;
  // A run ended: its byte count is read from the engine's own register between cycles.
  const unsigned busy = m_->busy;
  for (unsigned ch = 0; ch < kChannels; ++ch) traced_busy_[ch] = (busy >> ch) & 1;
  runs_ended_ |= busy_prev_ & ~busy;
  busy_prev_ = busy;
}

void DmaEngineRtl::dump_waves(std::uint64_t ps) {
  // Outside the window nothing is written; the first dump inside it writes every value.
  if (vcd_ && ps >= params_.waves_from_ps &&
      (params_.waves_to_ps == 0 || ps <= params_.waves_to_ps))
    vcd_->dump(ps);
}

void DmaEngineRtl::send_writes() {
  while (!to_link_.empty()) {
    WriteBurst& wb = to_link_.front();
    if (wb.hang == Hang::kSwallow) {  // engine-hang: its data goes nowhere
      (hung_[wb.id] ? held_writes_ : writes_done_)[wb.id].push_back({cycle_ + 1, true});
      to_link_.pop_front();
      continue;
    }
    const std::uint64_t start = std::max(time_of(wb.in_cycle), write_free_ps_);
    if (start > time_of(cycle_)) return;
    const bool msi = wb.len == 4 && wb.addr == msi_addr_;
    bool drop = false;
    if (!inject_on_write(wb.id, msi, &drop) || drop) {
      // Injected: the write is lost on the way (an MSI), or answered with an error at once.
      writes_done_[wb.id].push_back({cycle_ + 1, !drop});
      to_link_.pop_front();
      continue;
    }
    const BusTiming b = device_transaction(master, true, wb.addr, wb.data.data(), wb.len, start);
    write_free_ps_ = b.done_ps;
    const bool hold = wb.hang == Hang::kHoldCompletion && hung_[wb.id];
    (hold ? held_writes_ : writes_done_)[wb.id].push_back(
        {std::max(cycle_, cycle_at(b.done_ps)), !b.ok});
    to_link_.pop_front();
  }
}

void DmaEngineRtl::count_ended_runs() {
  while (runs_ended_) {
    const unsigned ch = static_cast<unsigned>(__builtin_ctz(runs_ended_));
    runs_ended_ &= runs_ended_ - 1;
    const std::uint64_t lo = reg_access(false, ch * DMA_CH_STRIDE + DMA_BYTES_LO, 0);
    const std::uint64_t hi = reg_access(false, ch * DMA_CH_STRIDE + DMA_BYTES_HI, 0);
    bytes_[ch] += (hi << 32) | lo;
    traced_bytes_ = bytes_[0] + bytes_[1];
  }
}

std::uint32_t DmaEngineRtl::reg_access(bool write, std::uint32_t offset, std::uint32_t value) {
  m_->reg_req = 1;
  m_->reg_we = write;
  m_->reg_addr = offset;
  m_->reg_wdata = value;
  step();
  m_->reg_req = 0;
  m_->reg_we = 0;
  m_->clk = 0;
  m_->eval();
  if (!m_->reg_ack) throw std::logic_error("dma_engine RTL: no reg_ack the cycle after reg_req");
  return m_->reg_rdata;
}

void DmaEngineRtl::mmio(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  const std::uint64_t addr = gp.get_address();
  if (gp.get_data_length() != 4 || addr % 4 || addr < params_.bar0_base ||
      addr - params_.bar0_base >= DMA_BAR0_SIZE) {
    gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  const auto offset = static_cast<std::uint32_t>(addr - params_.bar0_base);
  const std::uint64_t arrival = cycle_at(now_ps() + to_ps(delay));
  if (gp.is_write()) {  // posted: taken when the model gets to its arrival
    std::uint32_t value = 0;
    std::memcpy(&value, gp.get_data_ptr(), 4);
    pending_writes_.push_back({arrival, offset, value});
  } else {  // the CPU waits for the value: bring the model to the read's arrival first
    run_until(arrival, true);
    count_ended_runs();
    const std::uint32_t value = reg_access(false, offset, 0);
    std::memcpy(gp.get_data_ptr(), &value, 4);
  }
  gp.set_response_status(tlm::TLM_OK_RESPONSE);
  activity_.notify();
}

bool DmaEngineRtl::fault_due(HwFault kind, unsigned ch) {
  bool due = false;
  RunState& r = run_[ch];
  if (fault_ == HwFault::kPersistentReadError) {
    due = kind == HwFault::kReadError && r.run >= params_.fault_run;
  } else {
    due = fault_ == kind && r.run == params_.fault_run;
  }
  if (due && !std::exchange(r.faulted, true)) ++faults_injected_;
  return due;
}

void DmaEngineRtl::watch_register_write(std::uint32_t offset, std::uint32_t value) {
  const unsigned ch = offset / DMA_CH_STRIDE;
  if (offset >= DMA_GLOBAL || ch >= kChannels) return;
  switch (offset % DMA_CH_STRIDE) {
    case DMA_CTRL:
      if (value & DMA_CTRL_ABORT) release_hang(ch);
      break;
    case DMA_DESC_LO:
      desc_lo_[ch] = value;
      break;
    case DMA_DESC_HI:
      desc_hi_[ch] = value;
      break;
    case DMA_DESC_COUNT:
      desc_count_[ch] = value;
      break;
    case DMA_DOORBELL:
      if ((m_->busy >> ch) & 1) break;  // ignored by a busy channel: no new run
      run_[ch] = RunState{++all_runs_, (std::uint64_t{desc_hi_[ch]} << 32) | desc_lo_[ch],
                          std::uint64_t{desc_count_[ch]} * sizeof(DmaDescriptor)};
      if (fault_due(HwFault::kSpuriousInterrupt, ch)) {
        std::uint32_t data = msi_data_;  // an MSI with no status behind it, as the run starts
        device_transaction(master, true, msi_addr_, reinterpret_cast<std::uint8_t*>(&data), 4,
                           time_of(cycle_));
      }
      break;
    default:
      break;
  }
}

bool DmaEngineRtl::inject_on_read(unsigned ch, std::uint64_t addr, std::uint8_t* data,
                                  std::uint32_t len) {
  if (fault_ == HwFault::kNone || ch >= kChannels) return true;
  RunState& r = run_[ch];
  if (addr >= r.desc_addr && addr < r.desc_addr + r.desc_bytes) {  // the descriptor fetch
    if (addr == r.desc_addr && len >= sizeof(DmaDescriptor) && fault_ == HwFault::kEngineHang) {
      DmaDescriptor d{};
      std::memcpy(&d, data, sizeof d);
      r.single_burst = r.desc_bytes == sizeof d && (d.host_addr & 4095) + d.length <= 4096;
    }
    if (addr == r.desc_addr && len >= 8 && fault_due(HwFault::kBadDescriptor, ch))
      std::memcpy(data, &kBadDescriptorAddress, 8);  // descriptor 0's host_addr
    return true;
  }
  const bool first = std::exchange(r.first_read, false);
  if (fault_ == HwFault::kReadError && !first) return true;
  return !fault_due(HwFault::kReadError, ch);
}

bool DmaEngineRtl::inject_on_write(unsigned ch, bool msi, bool* drop) {
  if (fault_ == HwFault::kNone || ch >= kChannels) return true;
  RunState& r = run_[ch];
  if (msi) {
    *drop = fault_due(HwFault::kLostInterrupt, ch);
    return true;
  }
  return !(std::exchange(r.first_write, false) && fault_due(HwFault::kWriteError, ch));
}

DmaEngineRtl::Hang DmaEngineRtl::hang_on_request(unsigned ch, bool write, std::uint64_t addr,
                                                 std::uint32_t len) {
  if (ch >= kChannels) return Hang::kNone;
  if (hung_[ch]) return Hang::kSwallow;
  RunState& r = run_[ch];
  const bool data = write ? !(len == 4 && addr == msi_addr_)
                          : !(addr >= r.desc_addr && addr < r.desc_addr + r.desc_bytes);
  if (!data || r.run != params_.fault_run) return Hang::kNone;
  ++r.data_requests;
  // The run stops after its first burst: from its second request on, or at the end of its only one.
  Hang h = Hang::kNone;
  if (r.data_requests == 1 && r.single_burst) h = Hang::kHoldCompletion;
  if (r.data_requests == 2) h = Hang::kSwallow;
  if (h != Hang::kNone && fault_due(HwFault::kEngineHang, ch)) {
    hung_[ch] = true;
    return h;
  }
  return Hang::kNone;
}

void DmaEngineRtl::release_hang(unsigned ch) {
  if (ch >= kChannels || !std::exchange(hung_[ch], false)) return;
  for (Beat& b : held_reads_[ch]) {
    b.avail = std::max(b.avail, cycle_ + 1);  // after the edge that takes the ABORT
    reads_[ch].push_back(b);
  }
  for (Response& w : held_writes_[ch]) {
    w.avail = std::max(w.avail, cycle_ + 1);
    writes_done_[ch].push_back(w);
  }
  held_reads_[ch].clear();
  held_writes_[ch].clear();
}

void DmaEngineRtl::thread() {
  for (;;) {
    if (idle() && pending_writes_.empty()) {
      sc_core::wait(activity_);
      continue;
    }
    // A batch: up to one quantum of cycles, then let SystemC time catch up with the model.
    const std::uint64_t target = cycle_at(now_ps() + params_.quantum_ps);
    run_until(target, false);
    count_ended_runs();
    // Idle with a register write on its way: wait for it quantum by quantum.
    const std::uint64_t t = !idle()                   ? time_of(cycle_)
                            : pending_writes_.empty() ? now_ps()
                                                      : time_of(target);
    sc_core::wait(t > now_ps() ? from_ps(t - now_ps()) : sc_core::SC_ZERO_TIME);
  }
}

}  // namespace dmasim
