#include "models/dma_engine.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "models/bus_master.h"
#include "models/sim_time.h"
#include "models/tlm_ext.h"

namespace dmasim {

namespace {

// Entries of the write-order queue that both channels' write requests and MSIs share: WQ_DEPTH
// in rtl/dma_engine.sv line 72 (rtl/dma_req_arb.sv counts the request in its output register).
constexpr unsigned kWriteOrderDepth = 8;
// Write bursts a channel may have awaiting their response: MAX_WRITES = MAX_READS = 32 in
// rtl/dma_engine.sv lines 16 and 71 (the depth of dma_channel's write queue u_bq).
constexpr std::size_t kMaxWrites = 32;
constexpr std::uint64_t kNever = ~std::uint64_t{0};
// Latest reads whose hold on the request channel a write request looks at.
constexpr std::size_t kReadsKept = 16;
// Data-path width: DATA_BYTES in rtl/dma_engine.sv line 11.
constexpr unsigned kBeatBytes = 32;
// Fixed latencies of the RTL, in clock cycles, each up to the request the arbiter's output
// register (rtl/dma_req_arb.sv line 112) offers on the bus:
// doorbell write -> dma_csr pending (rtl/dma_csr.sv line 101) -> S_START -> S_FETCH
// (rtl/dma_channel.sv lines 254-287) -> descriptor fetch request;
constexpr unsigned kStartCycles = 4;
// last descriptor beat in -> S_FETCH_WAIT -> S_DESC_RD -> S_DESC_CHK -> S_ISSUE (lines 290-310)
// -> first data request;
constexpr unsigned kDescCycles = 5;
// last read beat or write response -> S_DRAIN -> S_DONE -> S_MSI_REQ (lines 324-329) -> MSI;
constexpr unsigned kMsiCycles = 4;
// write request accepted -> write-order queue -> burst loaded -> VRAM read stages A and B ->
// output queue -> first beat on bm_w (rtl/dma_wr_mover.sv lines 98-147).
constexpr unsigned kWriteDataCycles = 4;

}  // namespace

DmaEngine::DmaEngine(sc_core::sc_module_name name, unsigned channels, std::uint64_t bar0_base,
                     std::uint64_t vram_bytes, std::uint64_t quantum_ps, bool addr64,
                     std::uint64_t vram_ps_per_byte, std::uint64_t clock_ps)
    : sc_module(name),
      bar0("bar0"),
      master("master"),
      bar0_base_(bar0_base),
      addr64_(addr64),
      vram_ps_per_byte_(vram_ps_per_byte),
      clock_ps_(clock_ps),
      quantum_ps_(quantum_ps),
      vram_(vram_bytes),
      ch_(channels),
      write_order_(kWriteOrderDepth, vram_ps_per_byte_, kWriteDataCycles * clock_ps,
                   clock_ps ? kBeatBytes : 0),
      posted_buf_(4096) {
  bar0.register_b_transport(this, &DmaEngine::mmio);
  for (unsigned i = 0; i < channels; ++i)
    sc_core::sc_spawn([this, i] { channel_thread(i); }, ("channel" + std::to_string(i)).c_str());
  sc_core::sc_spawn([this] { write_thread(); }, "writes");
}

std::uint64_t DmaEngine::after_cycles(std::uint64_t t, unsigned n) const {
  if (!clock_ps_) return t;
  return (t + clock_ps_ - 1) / clock_ps_ * clock_ps_ + n * clock_ps_;
}

void DmaEngine::mmio(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  const std::uint64_t addr = gp.get_address();
  if (gp.get_data_length() != 4 || addr % 4 || addr < bar0_base_ ||
      addr - bar0_base_ >= DMA_BAR0_SIZE) {
    gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  const auto offset = static_cast<std::uint32_t>(addr - bar0_base_);
  std::uint32_t value = 0;
  if (gp.is_read()) {
    value = reg_read(offset);
    std::memcpy(gp.get_data_ptr(), &value, 4);
  } else {
    std::memcpy(&value, gp.get_data_ptr(), 4);
    reg_write(offset, value, delay);
  }
  gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

std::uint32_t DmaEngine::reg_read(std::uint32_t offset) const {
  if (offset >= DMA_GLOBAL) {
    switch (offset - DMA_GLOBAL) {
      case DMA_ID:
        return DMA_ID_VALUE;
      case DMA_CHANNELS:
        return channels();
      case DMA_MSI_ADDR_LO:
        return msi_addr_lo_;
      case DMA_MSI_ADDR_HI:
        return msi_addr_hi_;
      case DMA_MSI_DATA:
        return msi_data_;
      case DMA_CAPS:
        return (addr64_ ? DMA_CAPS_ADDR64 : 0) | DMA_CAPS_ABORT;
      default:
        return 0;
    }
  }
  const unsigned n = offset / DMA_CH_STRIDE;
  if (n >= channels()) return 0;
  const Channel& c = ch_[n];
  switch (offset % DMA_CH_STRIDE) {
    case DMA_CTRL:
      return c.ctrl;
    case DMA_STATUS:
      return c.status | (c.start_pending ? DMA_STATUS_BUSY : 0) |
             (c.draining ? DMA_STATUS_PENDING : 0);
    case DMA_DESC_LO:
      return c.desc_lo;
    case DMA_DESC_HI:
      return c.desc_hi;
    case DMA_DESC_COUNT:
      return c.desc_count;
    case DMA_INT_STATUS:
      return c.int_status;
    case DMA_ERROR:
      return c.error;
    case DMA_BYTES_LO:
      return static_cast<std::uint32_t>(c.bytes);
    case DMA_BYTES_HI:
      return static_cast<std::uint32_t>(c.bytes >> 32);
    default:
      return 0;
  }
}

void DmaEngine::reg_write(std::uint32_t offset, std::uint32_t value,
                          const sc_core::sc_time& delay) {
  if (offset >= DMA_GLOBAL) {
    switch (offset - DMA_GLOBAL) {
      case DMA_MSI_ADDR_LO:
        msi_addr_lo_ = value;
        break;
      case DMA_MSI_ADDR_HI:
        msi_addr_hi_ = value;
        break;
      case DMA_MSI_DATA:
        msi_data_ = value;
        break;
      default:
        break;
    }
    return;
  }
  const unsigned n = offset / DMA_CH_STRIDE;
  if (n >= channels()) return;
  Channel& c = ch_[n];
  switch (offset % DMA_CH_STRIDE) {
    case DMA_CTRL:
      c.ctrl = value & DMA_CTRL_IRQ_EN;
      if ((value & DMA_CTRL_RESET) && !(c.status & DMA_STATUS_BUSY)) {
        c.status = 0;
        c.int_status = 0;
        c.error = 0;
      }
      // Abort: the channel is idle at once, so the RESET and doorbell that follow are taken;
      // the channel's process drops what it was doing when it sees the flag.
      if (value & DMA_CTRL_ABORT) {
        if (c.status & DMA_STATUS_BUSY) {
          c.status = 0;
          c.abort = true;
          c.draining = true;
          c.aborted.notify(delay);
        }
        c.start_pending = false;
      }
      break;
    case DMA_DESC_LO:
      c.desc_lo = value;
      break;
    case DMA_DESC_HI:
      c.desc_hi = value;
      break;
    case DMA_DESC_COUNT:
      c.desc_count = value;
      break;
    case DMA_DOORBELL:
      // Sync before side effect: the run starts when the write reaches the device.
      if (!(c.status & DMA_STATUS_BUSY) && !c.start_pending) {
        c.start_pending = true;
        c.start_ps = now_ps() + to_ps(delay);
        c.doorbell.notify(delay);
      }
      break;
    case DMA_INT_STATUS:
      c.int_status &= ~value;
      break;
    default:
      break;
  }
}

bool DmaEngine::fault_due(bool write, std::uint64_t run, bool first) {
  bool due = false;
  switch (fault_) {
    case HwFault::kReadError:
      due = !write && first && run == fault_run_;
      break;
    case HwFault::kWriteError:
      due = write && first && run == fault_run_;
      break;
    case HwFault::kPersistentReadError:
      due = !write && run >= fault_run_;
      break;
    default:
      break;
  }
  if (due) ++faults_injected_;
  return due;
}

bool DmaEngine::fault_due(HwFault kind, std::uint64_t run) {
  const bool due = fault_ == kind && run == fault_run_;
  if (due) ++faults_injected_;
  return due;
}

std::uint32_t DmaEngine::run(unsigned ch, std::uint64_t this_run, std::uint64_t& t_end) {
  Channel& c = ch_[ch];
  bool first_read = true, first_write = true, first_burst = true;
  std::uint64_t t_issue = after_cycles(now_ps(), kStartCycles), t_data = t_issue;
  t_end = t_issue;
  if (c.desc_count == 0 || c.desc_count > DMA_MAX_DESCRIPTORS) return DMA_ERR_BAD_DESC;
  std::vector<DmaDescriptor> desc(c.desc_count);
  const std::uint64_t desc_addr = (std::uint64_t{c.desc_hi} << 32) | c.desc_lo;
  if (!addr64_ && c.desc_hi != 0) return DMA_ERR_ADDRESS;
  const auto desc_bytes = static_cast<std::uint32_t>(desc.size() * sizeof(DmaDescriptor));
  book_writes(t_issue);  // writes that start before this read go on the link first
  const BusTiming fetch = device_transaction(
      master, false, desc_addr, reinterpret_cast<std::uint8_t*>(desc.data()), desc_bytes, t_issue);
  t_data = t_end = fetch.done_ps;
  read_issued(t_issue, fetch.issue_done_ps);
  if (!fetch.ok) return DMA_ERR_DESC_FETCH;
  if (fault_due(HwFault::kBadDescriptor, this_run)) desc[0].host_addr = kBadDescriptorAddress;
  t_issue = after_cycles(t_data, kDescCycles);  // data movement needs the descriptors first
  if (c.scratch.size() < 4096) c.scratch.resize(4096);
  // Like every later request: no booking on the link more than a quantum ahead.
  if (t_issue > now_ps() + quantum_ps_) sc_core::wait(from_ps(t_issue - now_ps()));
  for (const DmaDescriptor& d : desc) {
    if (c.abort) return DMA_ERR_NONE;
    if (d.length == 0 || d.length > DMA_DESC_MAX_LENGTH || d.reserved != 0 ||
        (d.control & ~DMA_DESC_CONTROL_MASK))
      return DMA_ERR_BAD_DESC;
    if (!vram_.contains(d.vram_addr, d.length)) return DMA_ERR_VRAM_RANGE;
    if (!addr64_ && d.host_addr + d.length > (1ULL << 32)) return DMA_ERR_ADDRESS;
    const bool from_device = d.control & DMA_DESC_FROM_DEVICE;
    // Reads wait for the responses of the run's writes before them (rtl/dma_channel.sv
    // S_DESC_CHK: a change of direction drains).
    if (!from_device) {
      t_issue = std::max(t_issue, drain_writes(ch));
      if (c.write_failed) return DMA_ERR_HOST_WRITE;
    }
    // One bus transaction per burst; a burst never crosses a 4 KiB host address boundary.
    for (std::uint32_t off = 0; off < d.length;) {
      if (c.abort) return DMA_ERR_NONE;  // DMA_CTRL_ABORT: nothing more is requested
      if (!std::exchange(first_burst, false) && fault_due(HwFault::kEngineHang, this_run))
        return hang(c);
      const std::uint64_t host = d.host_addr + off;
      const auto n =
          static_cast<std::uint32_t>(std::min<std::uint64_t>(d.length - off, 4096 - (host & 4095)));
      BusTiming b{};
      if (from_device) {
        if (fault_due(true, this_run, std::exchange(first_write, false))) return DMA_ERR_HOST_WRITE;
        if (c.write_failed) return DMA_ERR_HOST_WRITE;  // no new requests after an error
        c.read_next_ps = kNever;
        // The next request may follow once this one is accepted; book_writes() puts the burst
        // on the link and counts its bytes.
        t_issue = queue_write({ch, false, host, d.vram_addr + off, n, 0, 0}, t_issue);
        off += n;
        continue;
      } else {
        if (fault_due(false, this_run, std::exchange(first_read, false))) return DMA_ERR_HOST_READ;
        book_writes(t_issue);  // writes that start before this read go on the link first
        b = device_transaction(master, false, host, c.scratch.data(), n, t_issue);
        if (!b.ok) return DMA_ERR_HOST_READ;
        vram_.write(d.vram_addr + off, c.scratch.data(), n);
      }
      read_issued(t_issue, b.issue_done_ps);
      t_issue = b.issue_done_ps;
      c.read_next_ps = t_issue;  // when this channel's next read (if any) will be waiting
      t_data = std::max(t_data, b.done_ps);
      t_end = std::max(t_issue, t_data);
      c.bytes += n;
      c.total_bytes += n;
      traced_bytes += n;
      off += n;
      // Bound the temporal decoupling so that a second channel interleaves on the link.
      if (t_issue > now_ps() + quantum_ps_) sc_core::wait(from_ps(t_issue - now_ps()));
      if (c.abort) return DMA_ERR_NONE;
    }
  }
  if (fault_due(HwFault::kEngineHang, this_run))
    return hang(c);  // a run of one burst hangs at its end
  return DMA_ERR_NONE;
}

std::uint32_t DmaEngine::hang(Channel& c) {
  c.read_next_ps = kNever;  // a hung channel requests nothing: the other one's writes go on
  read_issued_.notify();
  while (!c.abort) sc_core::wait(c.aborted);  // until the driver aborts the channel
  return DMA_ERR_NONE;
}

void DmaEngine::channel_thread(unsigned n) {
  Channel& c = ch_[n];
  for (;;) {
    while (!c.start_pending) sc_core::wait(c.doorbell);
    if (c.start_ps > now_ps()) sc_core::wait(from_ps(c.start_ps - now_ps()));
    if (!c.start_pending) continue;  // aborted before it started
    c.start_pending = false;
    ++c.runs;
    c.status = DMA_STATUS_BUSY;
    c.bytes = 0;
    traced_busy[n] = true;
    const std::uint64_t this_run = ++all_runs_;
    if (fault_due(HwFault::kSpuriousInterrupt, this_run)) post_msi(n);  // no status behind it
    std::uint64_t t_end = 0;
    std::uint32_t err = run(n, this_run, t_end);
    c.read_next_ps = kNever;
    read_issued_.notify();
    // The run ends when the responses of all its writes are back (rtl/dma_channel.sv S_DRAIN);
    // an aborted one too: its accepted posted writes still go out.
    t_end = after_cycles(std::max(t_end, drain_writes(n)), kMsiCycles);
    if (!err && c.write_failed) err = DMA_ERR_HOST_WRITE;
    c.write_failed = false;
    if (t_end > now_ps()) sc_core::wait(from_ps(t_end - now_ps()));
    if (c.abort) {  // DMA_CTRL_ABORT: no status, no interrupt; its last write is done now
      c.abort = false;
      c.draining = false;
      traced_busy[n] = false;
      continue;
    }
    c.error = err;
    c.status = err ? DMA_STATUS_ERROR : DMA_STATUS_DONE;
    c.int_status |= err ? DMA_INT_ERROR : DMA_INT_DONE;
    traced_busy[n] = false;
    if ((c.ctrl & DMA_CTRL_IRQ_EN) && !fault_due(HwFault::kLostInterrupt, this_run)) send_msi(n);
  }
}

void DmaEngine::trace(sc_core::sc_trace_file* tf) {
  sc_core::sc_trace(tf, traced_busy[0], "engine_busy_ch0");
  sc_core::sc_trace(tf, traced_busy[1], "engine_busy_ch1");
  sc_core::sc_trace(tf, traced_bytes, "bytes_moved");
}

// The MSI is a posted write like the data: behind every write accepted before it, also the other
// channel's. The channel takes its next run once the MSI is done (rtl/dma_channel.sv S_MSI_WAIT).
void DmaEngine::send_msi(unsigned n) {
  post_msi(n);
  const std::uint64_t done = drain_writes(n);
  if (done > now_ps()) sc_core::wait(from_ps(done - now_ps()));
}

void DmaEngine::post_msi(unsigned n) {
  const std::uint64_t addr = (std::uint64_t{msi_addr_hi_} << 32) | msi_addr_lo_;
  queue_write({n, true, addr, 0, 4, msi_data_, 0}, now_ps());
}

std::uint64_t DmaEngine::queue_write(const PostedWrite& w, std::uint64_t t) {
  Channel& c = ch_[w.ch];
  for (;;) {
    if (c.abort && !w.msi) return t;  // DMA_CTRL_ABORT: not requested (the caller stops)
    // A write request needs room in the write-order queue, and a free moment of the request
    // channel, at most one write per gap between reads.
    std::uint64_t at = std::max({t, write_order_.room(), last_write_grant_ps_ + 1});
    // At most kMaxWrites of the channel's writes between acceptance and response.
    const std::size_t mine = c.write_done.size() + c.writes_queued;
    if (mine >= kMaxWrites) {
      if (c.writes_queued >= kMaxWrites) {
        sc_core::wait(c.written | c.aborted);
        continue;
      }
      at = std::max(at, c.write_done[mine - kMaxWrites]);
    }
    at = request_channel_free(at);
    // A read of another channel that waits since before then goes first (round robin).
    bool read_first = false;
    for (unsigned i = 0; i < channels(); ++i)
      if (i != w.ch && ch_[i].read_next_ps < at) read_first = true;
    if (read_first) {
      sc_core::wait(read_issued_ | c.aborted);
      continue;
    }
    // Accept no further ahead than a quantum, so that what the other channel requests meanwhile
    // queues in time order.
    if (at > now_ps() + quantum_ps_) {
      sc_core::wait(from_ps(at - now_ps()));
      continue;
    }
    const WriteOrderQueue::Accepted a = write_order_.accept(at, w.len);
    last_write_grant_ps_ = a.accepted;
    posted_.push_back(w);
    posted_.back().buffered_ps = a.buffered;
    ++c.writes_queued;
    while (c.write_done.size() + c.writes_queued > kMaxWrites) c.write_done.pop_front();
    posted_queued_.notify();
    return a.accepted;
  }
}

std::uint64_t DmaEngine::request_channel_free(std::uint64_t t) const {
  // Reads are out of order here only by the temporal decoupling; a few passes settle it.
  for (bool moved = true; moved;) {
    moved = false;
    for (const auto& [request, out] : reads_out_)
      if (request < t && t < out) {
        t = out;
        moved = true;
      }
  }
  return t;
}

void DmaEngine::read_issued(std::uint64_t request_ps, std::uint64_t out_ps) {
  reads_out_.emplace_back(request_ps, out_ps);
  if (reads_out_.size() > kReadsKept) reads_out_.pop_front();
  read_issued_.notify();
}

std::uint64_t DmaEngine::drain_writes(unsigned n) {
  Channel& c = ch_[n];
  while (c.writes_queued) sc_core::wait(c.written);
  return c.write_done.empty() ? 0 : c.write_done.back();
}

void DmaEngine::book_writes(std::uint64_t t) {
  while (!posted_.empty()) {
    const PostedWrite& w = posted_.front();
    // In order: after the previous write is done on the link and once its data is all in
    // (rtl/dma_engine_rtl.cpp, send_writes()).
    const std::uint64_t start = std::max(w.buffered_ps, posted_done_ps_);
    if (start > t) return;
    Channel& c = ch_[w.ch];
    if (w.msi || !c.write_failed) {
      std::uint8_t* data = posted_buf_.data();
      if (w.msi)
        std::memcpy(data, &w.msi_data, 4);
      else
        vram_.read(w.vram, data, w.len);
      const BusTiming b = device_transaction(master, true, w.host, data, w.len, start);
      posted_done_ps_ = b.done_ps;
      c.write_done.push_back(b.done_ps);
      if (!w.msi && !b.ok) c.write_failed = true;
      if (!w.msi && b.ok && !c.write_failed) {
        c.bytes += w.len;
        c.total_bytes += w.len;
        traced_bytes += w.len;
      }
    }
    posted_.pop_front();
    --c.writes_queued;
    c.written.notify();
  }
}

void DmaEngine::write_thread() {
  for (;;) {
    while (posted_.empty()) sc_core::wait(posted_queued_);
    // Each write is booked on the link when its start time comes, or earlier by a read that is
    // booked for a later time (book_writes()), so the link sees both in time order.
    const std::uint64_t start = std::max(posted_.front().buffered_ps, posted_done_ps_);
    if (start > now_ps()) {
      sc_core::wait(from_ps(start - now_ps()));
      continue;
    }
    book_writes(now_ps());
  }
}

}  // namespace dmasim
