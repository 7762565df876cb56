// RTL-level test bench of rtl/dma_engine.sv: the Verilated model (--cc) clocked in a plain C++
// loop, with behavioural host memory and VRAM, a bus-master responder (configurable latency,
// seeded random back-pressure on every ready/valid the bench drives, read-data and write-response
// errors injectable per address range), a protocol checker of the rtl/README.md contract that
// runs every cycle, and a reference model of one run (the TLM engine's run() in
// models/dma_engine.cpp) that predicts status, error code, BYTES and every memory byte.
// Waves: configure with -DDMASIM_RTL_TB_TRACE=ON, run one test with RTL_TB_VCD=out.vcd and open
// it with rtl/dma_engine.gtkw.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "models/dma_regs.h"

class VerilatedContext;
class Vdma_engine;

namespace rtltb {

constexpr unsigned kDataBytes = 32;  // dma_engine DATA_BYTES (default)
constexpr unsigned kChannels = 2;    // dma_engine CHANNELS (default)
constexpr unsigned kMaxReads = 32;   // dma_engine MAX_READS (default)
constexpr std::uint64_t kMsiAddr = 0xFEE0'0000;
constexpr std::uint32_t kMsiData = 0x4041;

struct Config {
  std::uint64_t seed = 1;
  bool backpressure = false;    // random gaps on bm_req_ready, bm_w_ready, bm_r_valid, bm_b_valid
  unsigned ready_percent = 60;  // chance of ready/valid per cycle when back-pressure is on
  unsigned read_latency = 20;   // cycles from read request acceptance to its first beat
  unsigned write_latency = 6;   // cycles from a write's last beat to its response
  bool addr64 = true;
  std::uint64_t vram_bytes = 256 * 1024;
};

struct Desc {
  std::uint64_t host = 0;
  std::uint64_t vram = 0;
  std::uint32_t length = 0;
  std::uint32_t control = 0;  // DMA_DESC_FROM_DEVICE
  std::uint64_t reserved = 0;
};

struct Range {
  std::uint64_t addr, len;
  bool overlaps(std::uint64_t a, std::uint64_t n) const { return a < addr + len && addr < a + n; }
};

struct Request {
  std::uint64_t cycle;
  unsigned id;
  std::uint64_t addr;
  unsigned len;
  bool write;
};

struct Msi {
  std::uint64_t cycle;
  unsigned id;
  std::uint64_t addr;
  std::uint32_t data;
};

// Registers of one channel after a run.
struct RunResult {
  std::uint32_t status = 0, error = 0, int_status = 0;
  std::uint64_t bytes = 0;
  std::uint64_t cycles = 0;  // doorbell to busy low
};

// What the TLM engine would do with a run (models/dma_engine.cpp run()).
struct Reference {
  std::uint32_t error = dmasim::DMA_ERR_NONE;
  std::uint64_t bytes = 0;
  std::vector<Range> host_dont_care;  // posted host writes after a write error
};

// Sparse byte-addressed host memory, 4 KiB pages.
class HostMemory {
 public:
  std::uint8_t get(std::uint64_t a) const;
  void set(std::uint64_t a, std::uint8_t v);
  void read(std::uint64_t a, std::uint8_t* dst, std::uint64_t n) const;
  void write(std::uint64_t a, const std::uint8_t* src, std::uint64_t n);
  const std::map<std::uint64_t, std::vector<std::uint8_t>>& pages() const { return pages_; }

 private:
  std::map<std::uint64_t, std::vector<std::uint8_t>> pages_;
};

class Harness {
 public:
  explicit Harness(const Config& cfg = Config());
  ~Harness();

  // One clock cycle: drive inputs, evaluate, check the protocol, model the responder, edge.
  void tick();
  void ticks(unsigned n) {
    for (unsigned i = 0; i < n; ++i) tick();
  }
  void reset(unsigned cycles = 4);  // rst high for `cycles`, responder state dropped

  // Register port: one access, ack checked to come exactly one cycle after the request.
  void reg_write(std::uint32_t offset, std::uint32_t value);
  std::uint32_t reg_read(std::uint32_t offset);
  // Reads on consecutive cycles (the next request in the cycle of the previous ack).
  std::vector<std::uint32_t> reg_read_back_to_back(const std::vector<std::uint32_t>& offsets);
  std::uint32_t ch_read(unsigned ch, std::uint32_t reg) {
    return reg_read(ch * dmasim::DMA_CH_STRIDE + reg);
  }
  void ch_write(unsigned ch, std::uint32_t reg, std::uint32_t v) {
    reg_write(ch * dmasim::DMA_CH_STRIDE + reg, v);
  }

  // Descriptors into host memory, little-endian, 32 bytes each.
  void put_descriptors(std::uint64_t addr, const std::vector<Desc>& d);
  // Program DESC_LO/HI/COUNT and CTRL, ring the doorbell (no waiting).
  void start(unsigned ch, std::uint64_t desc_addr, std::uint32_t count, bool irq_en = true);
  // Run until busy[ch] is low; false on timeout.
  bool wait_idle(unsigned ch, std::uint64_t max_cycles = 2'000'000);
  // Run until the channel has nothing outstanding: busy and draining low, no read beat or write
  // response of it due from the responder, no write of it awaiting data; false on timeout.
  bool wait_quiet(unsigned ch, std::uint64_t max_cycles = 2'000'000);
  RunResult read_result(unsigned ch);

  // Reference run on the current memories, applied to the expected images (call before start()).
  Reference predict(std::uint64_t desc_addr, std::uint32_t count);
  // Snapshot both memories as the expected images (then predict() updates them).
  void snapshot();
  // Memories against the expected images: every VRAM byte, every host byte of every page either
  // side has (so guard bytes around every destination are covered), minus the don't-care ranges.
  ::testing::AssertionResult memories_match(const std::vector<Range>& host_dont_care = {}) const;
  // Protocol violations and RTL assertion failures so far.
  ::testing::AssertionResult clean() const;

  // Whole run on one channel: descriptors into host memory at desc_addr, snapshot, reference,
  // program, doorbell, wait for busy low. *ref receives the reference's prediction.
  RunResult run(unsigned ch, std::uint64_t desc_addr, const std::vector<Desc>& d, Reference* ref,
                bool irq_en = true);

  // Fill with deterministic pseudo-random bytes.
  void fill_host(std::uint64_t addr, std::uint64_t len);
  void fill_vram(std::uint64_t addr, std::uint64_t len);

  Config cfg;
  HostMemory host, host_expect;
  std::vector<std::uint8_t> vram, vram_expect;
  std::vector<Range> read_errors, write_errors;  // injected bus errors
  std::vector<Msi> msis;
  std::vector<Request> request_log;  // every accepted bus-master request
  std::vector<std::string> violations;
  std::uint64_t cycle = 0;
  // A hung completion path: the channel's read beats and write responses are withheld (queued
  // as usual, delivered once cleared). w_stall: bm_w_ready held low (write data path stalled).
  bool hold[kChannels] = {false, false};
  bool w_stall = false;
  // Statistics of the bus traffic.
  unsigned max_reads_outstanding[kChannels] = {0, 0};
  std::uint64_t requests[kChannels] = {0, 0};
  std::uint64_t overlap_cycles = 0;                         // both channels with bursts outstanding
  std::vector<std::uint64_t> r_beat_cycles, w_beat_cycles;  // data beats of host data bursts
  std::uint64_t max_request_addr_end = 0;

  Vdma_engine& dut() { return *top_; }
  unsigned dut_busy() const;
  unsigned dut_draining() const;
  bool dut_irq() const;
  VerilatedContext& context() { return *ctx_; }
  // Inject a raw read beat on the next cycle (for assertion self-tests).
  void force_read_beat(unsigned id, bool last);

 private:
  struct ReadBurst {
    unsigned id;
    std::uint64_t addr;
    unsigned len;
    std::vector<std::uint8_t> data;
    bool err;
    std::uint64_t ready_cycle;
    unsigned beat = 0;
  };
  struct WriteBurst {
    unsigned id;
    std::uint64_t addr;
    unsigned len;
    std::vector<std::uint8_t> data;
  };
  struct Bresp {
    bool err;
    std::uint64_t ready_cycle;
  };
  struct Beat {
    bool valid = false;
    unsigned id = 0;
    bool last = false, err = false;
    std::uint8_t data[kDataBytes] = {};
  };

  bool chance();
  void drive();
  void sample();
  void fail(const std::string& what);

  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<Vdma_engine> top_;
  struct Trace;  // the VCD writer (RTL_TB_VCD=file, built with DMASIM_RTL_TB_TRACE)
  std::unique_ptr<Trace> vcd_;
  std::mt19937_64 rng_;
  std::deque<ReadBurst> reads_[kChannels];
  std::deque<WriteBurst> writes_;  // accepted, awaiting data (global order)
  std::deque<Bresp> bresp_[kChannels];
  Beat r_beat_;
  bool b_valid_ = false;
  unsigned b_id_ = 0;
  bool b_err_ = false;
  // Previous cycle, for the stability and ack checks.
  bool req_wait_ = false, w_wait_ = false;
  std::uint64_t prev_req_addr_ = 0;
  unsigned prev_req_len_ = 0, prev_req_id_ = 0;
  bool prev_req_write_ = false;
  std::uint8_t prev_w_data_[kDataBytes] = {};
  bool prev_w_last_ = false;
  bool ack_due_ = false;
  std::uint32_t last_rdata_ = 0;
  // Register access driven this cycle.
  bool reg_req_ = false, reg_we_ = false;
  std::uint32_t reg_addr_ = 0, reg_wdata_ = 0;
  // VRAM read of the previous cycle.
  bool vram_rd_ = false;
  std::uint64_t vram_raddr_ = 0;
  unsigned vram_rlen_ = 0;
  bool forced_beat_ = false;
  unsigned forced_id_ = 0;
  bool forced_last_ = false;
  bool rst_ = false;
};

}  // namespace rtltb
