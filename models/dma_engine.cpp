#include "models/dma_engine.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "models/bus_master.h"
#include "models/sim_time.h"
#include "models/tlm_ext.h"

namespace dmasim {

DmaEngine::DmaEngine(sc_core::sc_module_name name, unsigned channels, std::uint64_t bar0_base,
                     std::uint64_t vram_bytes, std::uint64_t quantum_ps, bool addr64,
                     std::uint64_t vram_ps_per_byte)
    : sc_module(name),
      bar0("bar0"),
      master("master"),
      bar0_base_(bar0_base),
      addr64_(addr64),
      vram_ps_per_byte_(vram_ps_per_byte),
      quantum_ps_(quantum_ps),
      vram_(vram_bytes),
      ch_(channels) {
  bar0.register_b_transport(this, &DmaEngine::mmio);
  for (unsigned i = 0; i < channels; ++i)
    sc_core::sc_spawn([this, i] { channel_thread(i); }, ("channel" + std::to_string(i)).c_str());
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
      return c.status | (c.start_pending ? DMA_STATUS_BUSY : 0);
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
  if (fault_ == "read-error") due = !write && first && run == fault_run_;
  if (fault_ == "write-error") due = write && first && run == fault_run_;
  if (fault_ == "persistent-read-error") due = !write && run >= fault_run_;
  if (due) ++faults_injected_;
  return due;
}

bool DmaEngine::fault_due(const char* kind, std::uint64_t run) {
  const bool due = fault_ == kind && run == fault_run_;
  if (due) ++faults_injected_;
  return due;
}

std::uint32_t DmaEngine::run(unsigned ch, std::uint64_t& t_end) {
  Channel& c = ch_[ch];
  const std::uint64_t this_run = ++all_runs_;
  bool first_read = true, first_write = true;
  std::uint64_t t_issue = now_ps(), t_data = t_issue;
  t_end = t_issue;
  if (c.desc_count == 0 || c.desc_count > DMA_MAX_DESCRIPTORS) return DMA_ERR_BAD_DESC;
  std::vector<DmaDescriptor> desc(c.desc_count);
  const std::uint64_t desc_addr = (std::uint64_t{c.desc_hi} << 32) | c.desc_lo;
  if (!addr64_ && c.desc_hi != 0) return DMA_ERR_ADDRESS;
  const auto desc_bytes = static_cast<std::uint32_t>(desc.size() * sizeof(DmaDescriptor));
  const BusTiming fetch = device_transaction(
      master, false, desc_addr, reinterpret_cast<std::uint8_t*>(desc.data()), desc_bytes, t_issue);
  t_data = t_end = fetch.done_ps;
  if (!fetch.ok) return DMA_ERR_DESC_FETCH;
  if (fault_due("bad-descriptor", this_run)) desc[0].host_addr = kBadDescriptorAddress;
  t_issue = t_data;  // data movement needs the descriptors first
  if (c.scratch.size() < 4096) c.scratch.resize(4096);
  std::uint64_t buffered = t_issue;  // when the VRAM reads into the burst buffer are done
  for (const DmaDescriptor& d : desc) {
    if (d.length == 0 || d.length > DMA_DESC_MAX_LENGTH || d.reserved != 0 ||
        (d.control & ~DMA_DESC_CONTROL_MASK))
      return DMA_ERR_BAD_DESC;
    if (!vram_.contains(d.vram_addr, d.length)) return DMA_ERR_VRAM_RANGE;
    if (!addr64_ && d.host_addr + d.length > (1ULL << 32)) return DMA_ERR_ADDRESS;
    const bool from_device = d.control & DMA_DESC_FROM_DEVICE;
    // One bus transaction per burst; a burst never crosses a 4 KiB host address boundary.
    for (std::uint32_t off = 0; off < d.length;) {
      const std::uint64_t host = d.host_addr + off;
      const auto n =
          static_cast<std::uint32_t>(std::min<std::uint64_t>(d.length - off, 4096 - (host & 4095)));
      BusTiming b{};
      if (from_device) {
        vram_.read(d.vram_addr + off, c.scratch.data(), n);
        buffered += n * vram_ps_per_byte_;  // VRAM reads stream on, whatever the link does
        t_issue = std::max(t_issue, buffered);
        if (fault_due(true, this_run, std::exchange(first_write, false))) return DMA_ERR_HOST_WRITE;
        b = device_transaction(master, true, host, c.scratch.data(), n, t_issue);
        if (!b.ok) return DMA_ERR_HOST_WRITE;
      } else {
        if (fault_due(false, this_run, std::exchange(first_read, false))) return DMA_ERR_HOST_READ;
        b = device_transaction(master, false, host, c.scratch.data(), n, t_issue);
        if (!b.ok) return DMA_ERR_HOST_READ;
        vram_.write(d.vram_addr + off, c.scratch.data(), n);
      }
      t_issue = b.issue_done_ps;
      t_data = std::max(t_data, b.done_ps);
      t_end = std::max(t_issue, t_data);
      c.bytes += n;
      c.total_bytes += n;
      traced_bytes += n;
      off += n;
      if (fault_due("engine-hang", this_run)) {
        while (!c.abort) sc_core::wait(c.aborted);  // until the driver aborts the channel
        return DMA_ERR_NONE;
      }
      // Bound the temporal decoupling so that a second channel interleaves on the link.
      if (t_issue > now_ps() + quantum_ps_) sc_core::wait(from_ps(t_issue - now_ps()));
      if (c.abort) return DMA_ERR_NONE;
    }
  }
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
    const std::uint64_t this_run = all_runs_ + 1;  // run() counts it
    if (fault_due("spurious-interrupt", this_run)) send_msi();
    std::uint64_t t_end = 0;
    const std::uint32_t err = run(n, t_end);
    if (t_end > now_ps() && !c.abort) sc_core::wait(from_ps(t_end - now_ps()));
    if (c.abort) {  // DMA_CTRL_ABORT: no status, no interrupt
      c.abort = false;
      traced_busy[n] = false;
      continue;
    }
    c.error = err;
    c.status = err ? DMA_STATUS_ERROR : DMA_STATUS_DONE;
    c.int_status |= err ? DMA_INT_ERROR : DMA_INT_DONE;
    traced_busy[n] = false;
    if ((c.ctrl & DMA_CTRL_IRQ_EN) && !fault_due("lost-interrupt", this_run)) send_msi();
  }
}

void DmaEngine::trace(sc_core::sc_trace_file* tf) {
  sc_core::sc_trace(tf, traced_busy[0], "engine_busy_ch0");
  sc_core::sc_trace(tf, traced_busy[1], "engine_busy_ch1");
  sc_core::sc_trace(tf, traced_bytes, "bytes_moved");
}

void DmaEngine::send_msi() {
  std::uint32_t data = msi_data_;
  device_transaction(master, true, (std::uint64_t{msi_addr_hi_} << 32) | msi_addr_lo_,
                     reinterpret_cast<std::uint8_t*>(&data), 4, now_ps());
}

}  // namespace dmasim
