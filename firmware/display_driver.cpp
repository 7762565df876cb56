#include "firmware/display_driver.h"

#include <algorithm>
#include <cstring>
#include <sstream>

#include "firmware/miniport/dmasim_ioctl.h"
#include "models/page.h"
#include "models/sim_time.h"

namespace dmasim {

namespace {

std::uint64_t mix(std::uint64_t x) {  // splitmix64 finalizer
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// The pattern's 64-bit word number w: one splitmix64 round of the seeded counter.
std::uint64_t word_of(std::uint64_t seed, std::uint64_t w) {
  return mix(seed + w * 0xD1B54A32D192ED03ULL);
}

}  // namespace

void fill_pattern(std::uint8_t* dst, std::uint64_t n, std::uint64_t seed, std::uint64_t position) {
  std::uint64_t i = 0;
  // Head up to a word boundary of the position, then whole words, then the tail.
  for (; i < n && (position + i) % 8 != 0; ++i)
    dst[i] =
        static_cast<std::uint8_t>(word_of(seed, (position + i) / 8) >> (8 * ((position + i) % 8)));
  for (std::uint64_t w = (position + i) / 8; i + 8 <= n; i += 8, ++w) {
    const std::uint64_t word = word_of(seed, w);
    std::memcpy(dst + i, &word, 8);  // little-endian: byte k of the word = position 8w + k
  }
  for (; i < n; ++i)
    dst[i] =
        static_cast<std::uint8_t>(word_of(seed, (position + i) / 8) >> (8 * ((position + i) % 8)));
}

DisplayDriver::DisplayDriver(Cpu& cpu, VideoPortDevice& device, AddressSpace& space,
                             SparseMemory& host, SparseMemory& vram, std::uint64_t seed,
                             std::vector<RequestSpec> requests)
    : cpu_(cpu),
      device_(device),
      space_(space),
      host_(host),
      vram_(vram),
      seed_(seed),
      requests_(std::move(requests)),
      results_(requests_.size()) {}

void DisplayDriver::run_channel(unsigned channel) {
  for (std::size_t i = 0; i < requests_.size(); ++i)
    if (requests_[i].channel == channel) transfer(i);
}

void DisplayDriver::fill_host(std::uint64_t va, std::uint64_t len, std::uint64_t seed,
                              std::uint64_t position) {
  std::uint64_t pos = 0;
  while (pos < len) {
    const std::uint64_t n = std::min(len - pos, PAGE_SIZE - BYTE_OFFSET(va + pos));
    fill_pattern(host_.page_ptr(space_.translate(va + pos)), n, seed, position + pos);
    pos += n;
  }
}

bool DisplayDriver::compare(std::uint64_t va, std::uint64_t vram_addr, std::uint64_t len,
                            std::uint64_t seed, std::string* where) {
  // The scoreboard: both sides against the reference pattern regenerated from the request's
  // seed, so a transfer that corrupts its source is caught as well as one that misses bytes.
  std::vector<std::uint8_t> expect(PAGE_SIZE), dev(PAGE_SIZE);
  std::uint64_t pos = 0;
  while (pos < len) {
    const std::uint64_t n = std::min(len - pos, PAGE_SIZE - BYTE_OFFSET(va + pos));
    fill_pattern(expect.data(), n, seed, pos);
    const std::uint8_t* h = host_.page_ptr(space_.translate(va + pos));
    vram_.read(vram_addr + pos, dev.data(), n);
    for (const auto& [side, got] :
         {std::pair<const char*, const std::uint8_t*>{"VRAM", dev.data()},
          std::pair<const char*, const std::uint8_t*>{"host buffer", h}}) {
      if (std::memcmp(got, expect.data(), n) == 0) continue;
      const auto bad = std::mismatch(expect.data(), expect.data() + n, got);
      const std::uint64_t at = pos + static_cast<std::uint64_t>(bad.first - expect.data());
      std::ostringstream s;
      s << side << " byte " << at << " of " << len << ": expected 0x" << std::hex
        << unsigned(*bad.first) << ", got 0x" << unsigned(*bad.second) << " (host PA 0x"
        << space_.translate(va + at) << ", VRAM 0x" << vram_addr + at << std::dec << ")";
      *where = s.str();
      return false;
    }
    pos += n;
  }
  return true;
}

void DisplayDriver::transfer(std::size_t index) {
  const RequestSpec& spec = requests_[index];
  RequestResult& r = results_[index];
  r.spec = spec;
  const std::uint64_t data_seed = mix(seed_ ^ mix(2 * index + 1));
  const std::uint64_t background_seed = mix(seed_ ^ mix(2 * index + 2));
  const std::uint64_t span = ADDRESS_AND_SIZE_TO_SPAN_PAGES(spec.offset, spec.size);
  // Every request has its own data seed, so bytes an earlier request left behind never pass for
  // this one's; only the bytes beside the destination get a background pattern (guards).
  const std::uint64_t va = space_.allocate(spec.size, spec.offset);
  const std::uint64_t page_va = PAGE_ALIGN(va);
  // Each channel has its own half of VRAM.
  const std::uint64_t vram = kVramBase + spec.channel * (vram_.size() / 2);
  const std::uint64_t g = kGuardBytes;
  std::vector<std::uint8_t> guard(g);
  fill_pattern(guard.data(), g, background_seed, ~0ULL - g);
  if (spec.to_device) {
    fill_host(va, spec.size, data_seed);
  } else {
    const std::uint64_t end = va + spec.size, page_end = page_va + span * PAGE_SIZE;
    // Guards: the first page's bytes before the buffer and the last page's after it.
    fill_host(page_va, va - page_va, background_seed, 0);
    fill_host(end, page_end - end, background_seed, end - page_va);
    std::vector<std::uint8_t> data(PAGE_SIZE);
    for (std::uint64_t pos = 0; pos < spec.size; pos += PAGE_SIZE) {
      const std::uint64_t n = std::min<std::uint64_t>(PAGE_SIZE, spec.size - pos);
      fill_pattern(data.data(), n, data_seed, pos);
      vram_.write(vram + pos, data.data(), n);
    }
  }
  vram_.write(vram - g, guard.data(), g);
  vram_.write(vram + spec.size, guard.data(), g);

  const VideoPortStats before = device_.adapter_stats(spec.channel);
  const std::uint64_t isr0 = cpu_.isr_claimed(device_.res().interrupt_vector);
  const std::uint64_t dpc0 = cpu_.dpc_count();
  r.start_ps = now_ps();
  DMASIM_TRANSFER req{};
  req.Buffer = reinterpret_cast<PVOID>(va);
  req.Length = static_cast<ULONG>(spec.size);
  req.ToDevice = spec.to_device ? TRUE : FALSE;
  req.VramAddress = vram;
  req.Channel = spec.channel;
  r.status = device_.ioctl(IOCTL_VIDEO_DMASIM_TRANSFER, &req, sizeof(req), nullptr, 0);
  r.end_ps = now_ps();
  const VideoPortStats after = device_.adapter_stats(spec.channel);
  r.chunks = after.complete_dma - before.complete_dma;
  r.sg_elements = after.sg_elements - before.sg_elements;
  r.interrupts = cpu_.isr_claimed(device_.res().interrupt_vector) - isr0;
  r.dpcs = cpu_.dpc_count() - dpc0;

  // Check: destination equals source, and nothing beside the destination changed.
  std::string where;
  r.data_ok = r.status == NO_ERROR && compare(va, vram, spec.size, data_seed, &where);
  if (r.status != NO_ERROR) where = "request failed with VP_STATUS " + std::to_string(r.status);
  std::vector<std::uint8_t> seen(g);
  for (std::uint64_t at : {vram - g, vram + spec.size}) {
    vram_.read(at, seen.data(), g);
    if (r.data_ok && seen != guard) {
      r.data_ok = false;
      where = "VRAM guard bytes at 0x" + std::to_string(at) + " were overwritten";
    }
  }
  if (r.data_ok && !spec.to_device) {
    std::vector<std::uint8_t> expect(PAGE_SIZE);
    const std::uint64_t head = BYTE_OFFSET(va), tail_start = va + spec.size;
    const std::uint64_t tail = page_va + span * PAGE_SIZE - tail_start;
    for (auto [start, n] : {std::pair{page_va, head}, std::pair{tail_start, tail}}) {
      if (n == 0) continue;
      fill_pattern(expect.data(), n, background_seed, start - page_va);
      if (!std::equal(expect.begin(), expect.begin() + n,
                      host_.page_ptr(space_.translate(start)))) {
        r.data_ok = false;
        where = "host bytes beside the buffer (VA 0x" + std::to_string(start) + ") changed";
      }
    }
  }
  r.mismatch = where;
  r.done = true;
  space_.release(va);
}

}  // namespace dmasim
