// Bus-master DMA engine (TLM, loosely timed with temporal decoupling).
//
// Models: the register file of models/dma_regs.h per channel; on a doorbell the channel fetches
// its descriptor array from host memory over the link, then for each descriptor moves the data
// between host memory (one bus transaction per burst, bursts split at 4 KiB host addresses; the
// link splits them into TLPs and charges their time) and device VRAM; reads are pipelined, so the
// next descriptor's read issues as soon as the previous one's requests have left; finally it
// updates status, sets the interrupt status and sends an MSI. Errors stop the run with a code in
// DMA_ERROR. Requests and posted writes follow the RTL (rtl/dma_req_arb.sv, dma_wr_mover.sv):
// both channels share one request channel, which a read holds until its request TLPs are out on
// the link, and which alternates between a waiting read and write; every posted write -- the
// from-device bursts of both channels and the MSIs -- enters one in-order write-order queue
// (models/write_order.h), one mover reads its data from VRAM into the burst buffer at
// vram_ps_per_byte (store and forward), and the writes go on the link in acceptance order, each
// after the previous one. So an MSI waits for the writes of the other channel accepted before it,
// reads pass queued writes, and a channel has at most 32 writes awaiting their response. Every
// booking on the link is made at most a quantum ahead, writes and reads in time order. With a
// clock period given, the RTL's fixed latencies are kept too: on the clock edge, a few cycles
// from the doorbell to the first request, from the descriptors to the first data request, from
// the last response to the MSI request, and from a write request to its data; data moves in
// whole beats. Does not model: VRAM write bandwidth, descriptor prefetch across runs, status
// write-back, the RTL's cycles between descriptors (hidden behind the link), the rounding of
// each later request to a clock edge.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <cstdint>
#include <deque>
#include <string>
#include <systemc>
#include <tlm>
#include <utility>
#include <vector>

#include "models/dma_device.h"
#include "models/dma_regs.h"
#include "models/hw_fault.h"
#include "models/sparse_memory.h"
#include "models/write_order.h"

namespace dmasim {

class DmaEngine : public sc_core::sc_module, public DmaDevice {
 public:
  tlm_utils::simple_target_socket<DmaEngine> bar0;       // MMIO register file
  tlm_utils::simple_initiator_socket<DmaEngine> master;  // bus master, towards the link

  DmaEngine(sc_core::sc_module_name name, unsigned channels, std::uint64_t bar0_base,
            std::uint64_t vram_bytes, std::uint64_t quantum_ps, bool addr64 = true,
            std::uint64_t vram_ps_per_byte = 0, std::uint64_t clock_ps = 0);

  tlm::tlm_target_socket<>& bar0_socket() override { return bar0; }
  tlm::tlm_initiator_socket<>& master_socket() override { return master; }
  SparseMemory& vram() override { return vram_; }
  // Hardware fault injection on the engine's run-th run (counting all channels from 1):
  // "read-error" / "write-error" fail its first host read / write; "persistent-read-error" fails
  // every host read from that run on (a fault that retries cannot get past); "lost-interrupt"
  // drops its completion MSI; "spurious-interrupt" sends an MSI with no status bit set when it
  // starts; "engine-hang" stops it after its first burst, busy until DMA_CTRL_ABORT;
  // "bad-descriptor" replaces its first descriptor's host address with kBadDescriptorAddress as
  // the descriptors arrive.
  void inject_fault(const std::string& kind, std::uint64_t run) {
    fault_ = hw_fault_from_name(kind);
    fault_run_ = run;
  }
  std::uint64_t faults_injected() const override { return faults_injected_; }
  std::uint64_t runs() const override { return all_runs_; }
  void trace(sc_core::sc_trace_file* tf) override;
  // The MSI capability, as the OS programs it in config space at enumeration.
  void set_msi(std::uint64_t addr, std::uint32_t data) override {
    msi_addr_lo_ = static_cast<std::uint32_t>(addr);
    msi_addr_hi_ = static_cast<std::uint32_t>(addr >> 32);
    msi_data_ = data;
  }
  unsigned channels() const { return static_cast<unsigned>(ch_.size()); }
  std::uint64_t bytes_moved(unsigned ch) const override { return ch_[ch].total_bytes; }
  std::uint64_t runs(unsigned ch) const { return ch_[ch].runs; }  // doorbells that started one

  // Traced for waveforms.
  bool traced_busy[2] = {false, false};
  std::uint64_t traced_bytes = 0;

 private:
  struct Channel {
    std::uint32_t ctrl = 0, status = 0, desc_lo = 0, desc_hi = 0, desc_count = 0;
    std::uint32_t int_status = 0, error = 0;
    std::uint64_t bytes = 0;  // last run
    bool start_pending = false;
    std::uint64_t start_ps = 0;  // when the pending doorbell reached the engine
    bool abort = false;          // DMA_CTRL_ABORT: the run in progress must stop, silently
    bool draining = false;       // DMA_STATUS_PENDING: the aborted run's writes still go out
    sc_core::sc_event doorbell, aborted;
    std::uint64_t runs = 0, total_bytes = 0;
    std::vector<std::uint8_t> scratch;  // staging buffer of one descriptor's data
    // Posted writes (data and MSI) of this channel in the engine's write path.
    unsigned writes_queued = 0;            // accepted, not yet on the link
    std::deque<std::uint64_t> write_done;  // link-done times of the latest ones on the link
    bool write_failed = false;             // a data write of this run failed; later ones dropped
    sc_core::sc_event written;             // one of its writes went on the link (or was dropped)
    std::uint64_t read_next_ps = ~std::uint64_t{0};  // its next read request waits from then
  };
  // A write request in the write path: a data burst (its data still in VRAM) or an MSI.
  struct PostedWrite {
    unsigned ch;
    bool msi;
    std::uint64_t host, vram;  // vram: where the data burst's data is
    std::uint32_t len, msi_data;
    std::uint64_t buffered_ps;  // its data is all in the burst buffer
  };

  void mmio(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  std::uint32_t reg_read(std::uint32_t offset) const;
  void reg_write(std::uint32_t offset, std::uint32_t value, const sc_core::sc_time& delay);
  void channel_thread(unsigned ch);
  // One run; returns DMA_ERR_*. t_end receives the absolute time its last byte is done.
  std::uint32_t run(unsigned ch, std::uint64_t this_run, std::uint64_t& t_end);
  void send_msi(unsigned ch);
  void post_msi(unsigned ch);      // queues the MSI write, does not wait for it
  std::uint32_t hang(Channel& c);  // --inject hw:engine-hang: busy until DMA_CTRL_ABORT
  // Waits until the write path accepts w, requested at t (no earlier), and queues it; returns
  // the acceptance time.
  std::uint64_t queue_write(const PostedWrite& w, std::uint64_t t);
  // Waits until every queued write of channel ch is on the link; returns when the last one of
  // the channel is done (0 if it never wrote).
  std::uint64_t drain_writes(unsigned ch);
  void write_thread();  // puts queued writes on the link, in order, just in time
  void read_issued(std::uint64_t request_ps, std::uint64_t out_ps);
  // The earliest time from t on when no read holds the request channel.
  std::uint64_t request_channel_free(std::uint64_t t) const;
  void book_writes(std::uint64_t t);  // puts queued writes that can start by t on the link

  std::uint64_t bar0_base_;
  bool addr64_;  // false: a 32-bit bus master, host addresses must be below 4 GiB
  HwFault fault_ = HwFault::kNone;
  std::uint64_t fault_run_ = 0, all_runs_ = 0, faults_injected_ = 0;
  bool fault_due(bool write, std::uint64_t run, bool first);
  bool fault_due(HwFault kind, std::uint64_t run);
  std::uint64_t vram_ps_per_byte_;
  std::uint64_t clock_ps_;  // 0: no fixed latencies
  // The clock edge at or after t, plus n cycles (t itself without a clock).
  std::uint64_t after_cycles(std::uint64_t t, unsigned n) const;
  std::uint64_t quantum_ps_;
  SparseMemory vram_;
  std::vector<Channel> ch_;
  std::uint32_t msi_addr_lo_ = 0, msi_addr_hi_ = 0, msi_data_ = 0;
  WriteOrderQueue write_order_;
  std::deque<PostedWrite> posted_;  // accepted, not yet on the link, in acceptance order
  sc_core::sc_event posted_queued_;
  std::uint64_t posted_done_ps_ = 0;
  // The request channel both channels share (rtl/dma_req_arb.sv): a read holds it from its
  // request until its request TLPs are out on the link (bm_req_ready, rtl/dma_engine_rtl.cpp).
  std::deque<std::pair<std::uint64_t, std::uint64_t>> reads_out_;  // latest reads: [request, out)
  std::uint64_t last_write_grant_ps_ = 0;
  sc_core::sc_event read_issued_;  // a read went out, or a channel stopped reading
  std::vector<std::uint8_t> posted_buf_;
};

}  // namespace dmasim
