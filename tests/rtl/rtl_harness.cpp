#include "tests/rtl/rtl_harness.h"

#include <algorithm>
#include <cstring>
#include <sstream>

#include "Vdma_engine.h"
#include "verilated.h"
#if VM_TRACE
#include <cstdlib>

#include "verilated_vcd_c.h"
#endif

namespace rtltb {

using namespace dmasim;

#if VM_TRACE
struct Harness::Trace : VerilatedVcdC {};
#else
struct Harness::Trace {
  void dump(std::uint64_t) {}
};
#endif

namespace {

std::string hex(std::uint64_t v) {
  std::ostringstream s;
  s << "0x" << std::hex << v;
  return s.str();
}

template <typename W>
std::uint8_t wide_byte(const W& w, unsigned i) {
  return static_cast<std::uint8_t>(w[i / 4] >> (8 * (i % 4)));
}

template <typename W>
void set_wide_bytes(W& w, const std::uint8_t* b) {
  for (unsigned i = 0; i < kDataBytes / 4; ++i)
    w[i] = std::uint32_t{b[4 * i]} | std::uint32_t{b[4 * i + 1]} << 8 |
           std::uint32_t{b[4 * i + 2]} << 16 | std::uint32_t{b[4 * i + 3]} << 24;
}

std::uint8_t pattern(std::uint64_t a, std::uint64_t salt) {
  std::uint64_t x = (a + 1) * 0x9E3779B97F4A7C15ull ^ salt;
  x ^= x >> 29;
  x *= 0xBF58476D1CE4E5B9ull;
  x ^= x >> 32;
  return static_cast<std::uint8_t>(x);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// HostMemory

std::uint8_t HostMemory::get(std::uint64_t a) const {
  auto it = pages_.find(a >> 12);
  return it == pages_.end() ? 0 : it->second[a & 4095];
}

void HostMemory::set(std::uint64_t a, std::uint8_t v) {
  auto& p = pages_[a >> 12];
  if (p.empty()) p.assign(4096, 0);
  p[a & 4095] = v;
}

void HostMemory::read(std::uint64_t a, std::uint8_t* dst, std::uint64_t n) const {
  for (std::uint64_t i = 0; i < n; ++i) dst[i] = get(a + i);
}

void HostMemory::write(std::uint64_t a, const std::uint8_t* src, std::uint64_t n) {
  for (std::uint64_t i = 0; i < n; ++i) set(a + i, src[i]);
}

// ---------------------------------------------------------------------------------------------
// Harness

Harness::Harness(const Config& c)
    : cfg(c), vram(c.vram_bytes), vram_expect(c.vram_bytes), rng_(c.seed) {
  ctx_ = std::make_unique<VerilatedContext>();
  ctx_->fatalOnError(false);  // an RTL assertion becomes a test failure, not an abort
  ctx_->randReset(2);  // registers without reset start random (built with --x-initial unique)
  ctx_->randSeed(static_cast<int>(c.seed % 1000003) + 1);  // 0 would mean "random"
  top_ = std::make_unique<Vdma_engine>(ctx_.get(), "TOP");
#if VM_TRACE
  if (const char* path = std::getenv("RTL_TB_VCD")) {
    ctx_->traceEverOn(true);
    vcd_ = std::make_unique<Trace>();
    top_->trace(vcd_.get(), 99);
    vcd_->set_time_unit("1ns");
    vcd_->set_time_resolution("1ns");
    vcd_->open(path);
  }
#endif
  top_->cfg_addr64 = cfg.addr64;
  top_->cfg_vram_bytes = cfg.vram_bytes;
  fill_vram(0, cfg.vram_bytes);
  reset();
  // The platform programs the MSI capability.
  reg_write(DMA_GLOBAL + DMA_MSI_ADDR_LO, static_cast<std::uint32_t>(kMsiAddr));
  reg_write(DMA_GLOBAL + DMA_MSI_ADDR_HI, static_cast<std::uint32_t>(kMsiAddr >> 32));
  reg_write(DMA_GLOBAL + DMA_MSI_DATA, kMsiData);
}

Harness::~Harness() {
  top_->final();
#if VM_TRACE
  if (vcd_) vcd_->close();
#endif
}

bool Harness::chance() {
  if (!cfg.backpressure) return true;
  return rng_() % 100 < cfg.ready_percent;
}

void Harness::fail(const std::string& what) {
  if (violations.size() < 20) violations.push_back("cycle " + std::to_string(cycle) + ": " + what);
}

void Harness::reset(unsigned cycles) {
  rst_ = true;
  ticks(cycles);
  rst_ = false;
  for (auto& q : reads_) q.clear();
  for (auto& q : bresp_) q.clear();
  writes_.clear();
  r_beat_ = Beat{};
  b_valid_ = false;
  req_wait_ = w_wait_ = false;
  tick();
}

void Harness::force_read_beat(unsigned id, bool last) {
  forced_beat_ = true;
  forced_id_ = id;
  forced_last_ = last;
}

void Harness::drive() {
  Vdma_engine& t = *top_;
  t.rst = rst_;
  t.cfg_addr64 = cfg.addr64;
  t.cfg_vram_bytes = cfg.vram_bytes;
  t.reg_req = reg_req_;
  t.reg_we = reg_we_;
  t.reg_addr = reg_addr_;
  t.reg_wdata = reg_wdata_;
  t.bm_req_ready = chance();
  t.bm_w_ready = !w_stall && chance();

  // VRAM read data of the previous cycle's read; lanes past the length are garbage.
  std::uint8_t vd[kDataBytes];
  for (unsigned i = 0; i < kDataBytes; ++i)
    vd[i] = vram_rd_ && i < vram_rlen_ ? vram[vram_raddr_ + i] : static_cast<std::uint8_t>(rng_());
  set_wide_bytes(t.vram_rdata, vd);

  // Read data: keep an unaccepted beat, else pick a channel whose oldest burst is due.
  if (!r_beat_.valid && !rst_) {
    std::vector<unsigned> due;
    for (unsigned ch = 0; ch < kChannels; ++ch)
      if (!hold[ch] && !reads_[ch].empty() && reads_[ch].front().ready_cycle <= cycle)
        due.push_back(ch);
    if (!due.empty() && chance()) {
      const unsigned ch = due[rng_() % due.size()];
      ReadBurst& b = reads_[ch].front();
      r_beat_.valid = true;
      r_beat_.id = ch;
      r_beat_.err = b.err;
      const unsigned first = b.beat * kDataBytes;
      r_beat_.last = first + kDataBytes >= b.len;
      for (unsigned i = 0; i < kDataBytes; ++i)
        r_beat_.data[i] = first + i < b.len ? b.data[first + i] : static_cast<std::uint8_t>(rng_());
    }
  }
  if (forced_beat_) {
    r_beat_.valid = true;
    r_beat_.id = forced_id_;
    r_beat_.last = forced_last_;
    r_beat_.err = false;
  }
  t.bm_r_valid = r_beat_.valid;
  t.bm_r_id = r_beat_.id;
  t.bm_r_last = r_beat_.last;
  t.bm_r_err = r_beat_.err;
  set_wide_bytes(t.bm_r_data, r_beat_.data);

  // Write responses, per channel in order.
  if (!b_valid_ && !rst_) {
    std::vector<unsigned> due;
    for (unsigned ch = 0; ch < kChannels; ++ch)
      if (!hold[ch] && !bresp_[ch].empty() && bresp_[ch].front().ready_cycle <= cycle)
        due.push_back(ch);
    if (!due.empty() && chance()) {
      b_id_ = due[rng_() % due.size()];
      b_err_ = bresp_[b_id_].front().err;
      b_valid_ = true;
    }
  }
  t.bm_b_valid = b_valid_;
  t.bm_b_id = b_id_;
  t.bm_b_err = b_err_;
}

void Harness::sample() {
  Vdma_engine& t = *top_;
  if (rst_) {
    ack_due_ = false;
    vram_rd_ = false;
    return;
  }

  // Register port: ack exactly one cycle after each request.
  if (t.reg_ack != ack_due_) fail(std::string("reg_ack ") + (t.reg_ack ? "unexpected" : "missing"));
  if (t.reg_ack) last_rdata_ = t.reg_rdata;
  ack_due_ = reg_req_;

  // Requests.
  if (req_wait_ &&
      (!t.bm_req_valid || t.bm_req_addr != prev_req_addr_ || t.bm_req_len != prev_req_len_ ||
       t.bm_req_id != prev_req_id_ || bool(t.bm_req_write) != prev_req_write_))
    fail("bm_req changed while valid && !ready");
  if (t.bm_req_valid) {
    const std::uint64_t a = t.bm_req_addr;
    const unsigned n = t.bm_req_len, id = t.bm_req_id;
    if (n < 1 || n > 4096) fail("bm_req_len " + std::to_string(n));
    if ((a & 4095) + n > 4096) fail("burst crosses 4 KiB: " + hex(a) + " + " + std::to_string(n));
    if (id >= kChannels) fail("bm_req_id " + std::to_string(id));
    if (!cfg.addr64 && a + n > (1ull << 32)) fail("32-bit mode request at " + hex(a));
    if (t.bm_req_ready) {
      ++requests[id % kChannels];
      request_log.push_back(Request{cycle, id, a, n, bool(t.bm_req_write)});
      max_request_addr_end = std::max(max_request_addr_end, a + n);
      if (t.bm_req_write) {
        writes_.push_back(WriteBurst{id, a, n, {}});
      } else {
        ReadBurst b{id, a, n, std::vector<std::uint8_t>(n), false, cycle + cfg.read_latency};
        host.read(a, b.data.data(), n);
        for (const Range& r : read_errors) b.err |= r.overlaps(a, n);
        reads_[id % kChannels].push_back(std::move(b));
        max_reads_outstanding[id % kChannels] =
            std::max<unsigned>(max_reads_outstanding[id % kChannels],
                               static_cast<unsigned>(reads_[id % kChannels].size()));
      }
    }
  }
  req_wait_ = t.bm_req_valid && !t.bm_req_ready;
  prev_req_addr_ = t.bm_req_addr;
  prev_req_len_ = t.bm_req_len;
  prev_req_id_ = t.bm_req_id;
  prev_req_write_ = t.bm_req_write;

  // Write data: in request acceptance order, packed from the burst's first byte.
  std::uint8_t wd[kDataBytes];
  for (unsigned i = 0; i < kDataBytes; ++i) wd[i] = wide_byte(t.bm_w_data, i);
  if (w_wait_ && (!t.bm_w_valid || std::memcmp(wd, prev_w_data_, kDataBytes) != 0 ||
                  bool(t.bm_w_last) != prev_w_last_))
    fail("bm_w changed while valid && !ready");
  if (t.bm_w_valid && writes_.empty()) fail("bm_w_valid with no write request accepted");
  if (t.bm_w_valid && t.bm_w_ready && !writes_.empty()) {
    WriteBurst& w = writes_.front();
    const unsigned take =
        std::min<unsigned>(kDataBytes, w.len - static_cast<unsigned>(w.data.size()));
    w.data.insert(w.data.end(), wd, wd + take);
    const bool last = w.data.size() == w.len;
    if (bool(t.bm_w_last) != last) fail("bm_w_last wrong");
    if (!(w.addr == kMsiAddr && w.len == 4)) w_beat_cycles.push_back(cycle);
    if (last) {
      bool err = false;
      for (const Range& r : write_errors) err |= r.overlaps(w.addr, w.len);
      if (w.addr == kMsiAddr && w.len == 4) {
        std::uint32_t d = 0;
        std::memcpy(&d, w.data.data(), 4);
        msis.push_back(Msi{cycle, w.id, w.addr, d});
      } else if (!err) {
        host.write(w.addr, w.data.data(), w.len);
      }
      bresp_[w.id % kChannels].push_back(Bresp{err, cycle + cfg.write_latency});
      writes_.pop_front();
    }
  }
  w_wait_ = t.bm_w_valid && !t.bm_w_ready;
  std::memcpy(prev_w_data_, wd, kDataBytes);
  prev_w_last_ = t.bm_w_last;

  // Read data handshake.
  if (r_beat_.valid && t.bm_r_ready) {
    if (forced_beat_) {
      forced_beat_ = false;
    } else {
      ReadBurst& b = reads_[r_beat_.id].front();
      if (b.addr != kMsiAddr) r_beat_cycles.push_back(cycle);
      if (++b.beat * kDataBytes >= b.len) reads_[r_beat_.id].pop_front();
    }
    r_beat_.valid = false;
  }
  // Write response handshake.
  if (b_valid_ && t.bm_b_ready) {
    bresp_[b_id_].pop_front();
    b_valid_ = false;
  }

  // VRAM port.
  if (t.vram_we) {
    const std::uint64_t a = t.vram_waddr;
    const unsigned n = t.vram_wlen;
    if (n < 1 || n > kDataBytes || a + n > cfg.vram_bytes) {
      fail("vram write " + hex(a) + " len " + std::to_string(n));
    } else {
      for (unsigned i = 0; i < n; ++i) vram[a + i] = wide_byte(t.vram_wdata, i);
    }
  }
  vram_rd_ = t.vram_re;
  vram_raddr_ = t.vram_raddr;
  vram_rlen_ = t.vram_rlen;
  if (vram_rd_ &&
      (vram_rlen_ < 1 || vram_rlen_ > kDataBytes || vram_raddr_ + vram_rlen_ > cfg.vram_bytes)) {
    fail("vram read " + hex(vram_raddr_) + " len " + std::to_string(vram_rlen_));
    vram_rd_ = false;
  }

  bool out0 = !reads_[0].empty() || !bresp_[0].empty();
  bool out1 = !reads_[1].empty() || !bresp_[1].empty();
  for (const WriteBurst& w : writes_) (w.id == 0 ? out0 : out1) = true;
  if (out0 && out1) ++overlap_cycles;
}

void Harness::tick() {
  drive();
  top_->clk = 0;
  top_->eval();
  if (vcd_) vcd_->dump(cycle * 10);  // 10 ns per cycle
  sample();
  top_->clk = 1;
  top_->eval();
  if (vcd_) vcd_->dump(cycle * 10 + 5);
  if (ctx_->gotError()) {
    fail("RTL assertion failed (see the %Error line above)");
    ctx_->gotError(false);
    ctx_->gotFinish(false);
  }
  reg_req_ = false;
  ++cycle;
}

void Harness::reg_write(std::uint32_t offset, std::uint32_t value) {
  reg_req_ = true;
  reg_we_ = true;
  reg_addr_ = offset;
  reg_wdata_ = value;
  tick();
  tick();  // the ack
}

std::uint32_t Harness::reg_read(std::uint32_t offset) {
  reg_req_ = true;
  reg_we_ = false;
  reg_addr_ = offset;
  tick();
  tick();  // the ack, with the data
  return last_rdata_;
}

std::vector<std::uint32_t> Harness::reg_read_back_to_back(
    const std::vector<std::uint32_t>& offsets) {
  std::vector<std::uint32_t> out;
  for (std::size_t i = 0; i <= offsets.size(); ++i) {
    if (i < offsets.size()) {
      reg_req_ = true;
      reg_we_ = false;
      reg_addr_ = offsets[i];
    }
    tick();
    if (i > 0) out.push_back(last_rdata_);
  }
  return out;
}

RunResult Harness::run(unsigned ch, std::uint64_t desc_addr, const std::vector<Desc>& d,
                       Reference* ref, bool irq_en) {
  put_descriptors(desc_addr, d);
  snapshot();
  const Reference r = predict(desc_addr, static_cast<std::uint32_t>(d.size()));
  if (ref) *ref = r;
  const std::uint64_t t0 = cycle;
  start(ch, desc_addr, static_cast<std::uint32_t>(d.size()), irq_en);
  const bool idle = wait_idle(ch);
  const std::uint64_t t1 = cycle;
  if (!idle) fail("channel " + std::to_string(ch) + " did not go idle");
  RunResult res = read_result(ch);
  res.cycles = t1 - t0;
  return res;
}

void Harness::put_descriptors(std::uint64_t addr, const std::vector<Desc>& d) {
  for (std::size_t i = 0; i < d.size(); ++i) {
    DmaDescriptor raw{d[i].host, d[i].vram, d[i].length, d[i].control, d[i].reserved};
    host.write(addr + i * sizeof(raw), reinterpret_cast<const std::uint8_t*>(&raw), sizeof(raw));
  }
}

void Harness::start(unsigned ch, std::uint64_t desc_addr, std::uint32_t count, bool irq_en) {
  ch_write(ch, DMA_DESC_LO, static_cast<std::uint32_t>(desc_addr));
  ch_write(ch, DMA_DESC_HI, static_cast<std::uint32_t>(desc_addr >> 32));
  ch_write(ch, DMA_DESC_COUNT, count);
  ch_write(ch, DMA_CTRL, irq_en ? DMA_CTRL_IRQ_EN : 0);
  ch_write(ch, DMA_DOORBELL, 1);
}

unsigned Harness::dut_busy() const {
  return top_->busy;
}
unsigned Harness::dut_draining() const {
  return top_->draining;
}
bool Harness::dut_irq() const {
  return top_->irq;
}

bool Harness::wait_idle(unsigned ch, std::uint64_t max_cycles) {
  for (std::uint64_t i = 0; i < max_cycles; ++i) {
    if (!((top_->busy >> ch) & 1)) return true;
    tick();
  }
  return false;
}

bool Harness::wait_quiet(unsigned ch, std::uint64_t max_cycles) {
  for (std::uint64_t i = 0; i < max_cycles; ++i) {
    bool out = ((top_->busy | top_->draining) >> ch) & 1;
    out |= !reads_[ch].empty() || !bresp_[ch].empty();
    for (const WriteBurst& w : writes_) out |= w.id == ch;
    if (!out) return true;
    tick();
  }
  return false;
}

RunResult Harness::read_result(unsigned ch) {
  RunResult r;
  r.status = ch_read(ch, DMA_STATUS);
  r.error = ch_read(ch, DMA_ERROR);
  r.int_status = ch_read(ch, DMA_INT_STATUS);
  r.bytes = ch_read(ch, DMA_BYTES_LO) | std::uint64_t{ch_read(ch, DMA_BYTES_HI)} << 32;
  return r;
}

void Harness::snapshot() {
  host_expect = host;
  vram_expect = vram;
}

Reference Harness::predict(std::uint64_t desc_addr, std::uint32_t count) {
  Reference r;
  if (count == 0 || count > DMA_MAX_DESCRIPTORS) {
    r.error = DMA_ERR_BAD_DESC;
    return r;
  }
  const std::uint64_t array_bytes = std::uint64_t{count} * sizeof(DmaDescriptor);
  if (!cfg.addr64 && ((desc_addr >> 32) != 0 || desc_addr + array_bytes > (1ull << 32))) {
    r.error = DMA_ERR_ADDRESS;
    return r;
  }
  for (const Range& e : read_errors)
    if (e.overlaps(desc_addr, array_bytes)) {
      r.error = DMA_ERR_DESC_FETCH;
      return r;
    }
  std::vector<DmaDescriptor> desc(count);
  host_expect.read(desc_addr, reinterpret_cast<std::uint8_t*>(desc.data()), array_bytes);
  for (std::size_t k = 0; k < desc.size(); ++k) {
    const DmaDescriptor& d = desc[k];
    if (d.length == 0 || d.length > DMA_DESC_MAX_LENGTH || d.reserved != 0 ||
        (d.control & ~DMA_DESC_CONTROL_MASK)) {
      r.error = DMA_ERR_BAD_DESC;
      return r;
    }
    if (!(d.vram_addr <= cfg.vram_bytes && d.length <= cfg.vram_bytes - d.vram_addr)) {
      r.error = DMA_ERR_VRAM_RANGE;
      return r;
    }
    if (!cfg.addr64 && d.host_addr + d.length > (1ull << 32)) {
      r.error = DMA_ERR_ADDRESS;
      return r;
    }
    const bool from_device = d.control & DMA_DESC_FROM_DEVICE;
    for (std::uint32_t off = 0; off < d.length;) {
      const std::uint64_t h = d.host_addr + off;
      const auto n =
          static_cast<std::uint32_t>(std::min<std::uint64_t>(d.length - off, 4096 - (h & 4095)));
      if (from_device) {
        for (const Range& e : write_errors)
          if (e.overlaps(h, n)) r.error = DMA_ERR_HOST_WRITE;
        if (r.error) {
          // Posted writes issued before the error came back may or may not have landed.
          r.host_dont_care.push_back(Range{h + n, d.length - off - n});
          for (std::size_t j = k + 1; j < desc.size(); ++j)
            if (desc[j].control & DMA_DESC_FROM_DEVICE)
              r.host_dont_care.push_back(Range{desc[j].host_addr, desc[j].length});
          return r;
        }
        host_expect.write(h, &vram_expect[d.vram_addr + off], n);
      } else {
        for (const Range& e : read_errors)
          if (e.overlaps(h, n)) r.error = DMA_ERR_HOST_READ;
        if (r.error) return r;
        std::vector<std::uint8_t> tmp(n);
        host_expect.read(h, tmp.data(), n);
        std::memcpy(&vram_expect[d.vram_addr + off], tmp.data(), n);
      }
      r.bytes += n;
      off += n;
    }
  }
  return r;
}

::testing::AssertionResult Harness::memories_match(const std::vector<Range>& dont_care) const {
  for (std::uint64_t a = 0; a < vram.size(); ++a)
    if (vram[a] != vram_expect[a])
      return ::testing::AssertionFailure() << "VRAM byte " << hex(a) << " is " << int(vram[a])
                                           << ", expected " << int(vram_expect[a]);
  auto ignored = [&](std::uint64_t a) {
    for (const Range& r : dont_care)
      if (r.overlaps(a, 1)) return true;
    return false;
  };
  auto check = [&](const HostMemory& m) -> ::testing::AssertionResult {
    for (const auto& [page, bytes] : m.pages()) {
      for (std::uint64_t i = 0; i < 4096; ++i) {
        const std::uint64_t a = page * 4096 + i;
        if (host.get(a) != host_expect.get(a) && !ignored(a))
          return ::testing::AssertionFailure()
                 << "host byte " << hex(a) << " is " << int(host.get(a)) << ", expected "
                 << int(host_expect.get(a));
      }
      if (!host.pages().count(page) && !ignored(page * 4096))
        return ::testing::AssertionFailure() << "host page " << hex(page * 4096) << " missing";
      if (!host_expect.pages().count(page) && !ignored(page * 4096))
        return ::testing::AssertionFailure()
               << "host page " << hex(page * 4096) << " written unexpectedly";
    }
    return ::testing::AssertionSuccess();
  };
  auto r = check(host);
  if (!r) return r;
  return check(host_expect);
}

::testing::AssertionResult Harness::clean() const {
  if (violations.empty()) return ::testing::AssertionSuccess();
  auto f = ::testing::AssertionFailure();
  for (const std::string& v : violations) f << v << "\n";
  return f;
}

void Harness::fill_host(std::uint64_t addr, std::uint64_t len) {
  for (std::uint64_t i = 0; i < len; ++i) host.set(addr + i, pattern(addr + i, cfg.seed));
}

void Harness::fill_vram(std::uint64_t addr, std::uint64_t len) {
  for (std::uint64_t i = 0; i < len; ++i) vram[addr + i] = pattern(addr + i, cfg.seed ^ 0x5A5A);
}

}  // namespace rtltb
