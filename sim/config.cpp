#include "sim/config.h"

#include <vector>

#include "firmware/miniport/injections.h"

namespace dmasim {

void register_params(SimConfig& c, ParamSet& p) {
  constexpr std::uint64_t kMaxSize = 0xFFFF'FFFFULL;  // VideoPortLockBuffer's Length is a ULONG
  p.add_uint("size", &c.size, 1, kMaxSize, "bytes per request", true);
  p.add_uint("offset", &c.offset, 0, 4095, "byte offset of the host buffer in its first page");
  p.add_uint("requests", &c.requests, 1, 1000000, "requests the display driver issues");
  p.add_enum("direction", &c.direction, {"to-device", "from-device"},
             "to-device: host buffer -> VRAM; from-device: VRAM -> host buffer");
  p.add_uint("map-registers", &c.map_registers, 1, 65536,
             "platform limit on map registers per adapter (pages per StartDma)");
  p.add_uint("channels", &c.channels, 1, 2, "DMA channels (adapter objects) in use");
  p.add_enum("engine", &c.engine, {"tlm", "rtl"}, "DMA engine backend");
  // Neither may be 0: the RTL bridge divides by the clock period, and steps a quantum at a time.
  p.add_time_ns("rtl-clock", &c.rtl_clock_ps, 1000,
                "engine clock period (the RTL's; the TLM engine's fixed latencies)", 1);
  p.add_time_ns("rtl-quantum", &c.rtl_quantum_ps, 1e6,
                "how far the RTL model may run ahead of SystemC time", 1);
  p.add_flag("rtl-waves", &c.rtl_waves,
             "with --vcd and --engine rtl, also write the RTL's internal waves (PATH.rtl.vcd)");
  p.add_time_ns("waves-from", &c.waves_from_ps, 1e12,
                "waves (--vcd, --rtl-waves) from this simulated time; 0 = from the start");
  p.add_time_ns("waves-to", &c.waves_to_ps, 1e12,
                "waves up to this simulated time (>= --waves-from); 0 = to the end");
  p.add_enum("iommu", &c.iommu, {"on", "off"}, "IOMMU between link and host memory");
  p.add_flag("dma32", &c.dma32, "the engine is a 32-bit bus master (no 64-bit addresses)");
  p.add_flag("buffer-above-4g", &c.buffer_above_4g,
             "place display-driver buffers in RAM above 4 GiB only");
  p.add_time_ns("bounce-copy", &c.bounce_copy_ps_per_kib, 1e6,
                "CPU time to copy 1 KiB to or from a bounce page");
  // Checked against the loadable miniports when the platform is built (firmware/miniport/).
  p.add_string("miniport", &c.miniport, "miniport driver to load (see README)");
  p.add_uint("seed", &c.seed, 0, ~0ULL, "seed of frame allocation and data patterns");
  p.add_flag("random", &c.random,
             "randomized regression: --requests requests with sizes 1..--size (log-uniform), "
             "offsets, directions and channels drawn from --seed");
  // --random draws each request's offset and direction: the fixed ones are not used.
  p.unused_when("offset", [&c] { return c.random; });
  p.unused_when("direction", [&c] { return c.random; });
  p.add_string("inject", &c.inject, "deliberate bug to switch on: driver:NAME (--list-injections)");
  p.add_uint("host-memory", &c.host_memory_bytes, 8ULL << 30, 1ULL << 46,
             "host physical address space", true);
  p.add_uint("vram", &c.vram_bytes, 1ULL << 20, 1ULL << 40, "device VRAM size", true);
  p.add_time_ns("quantum", &c.quantum_ps, 1e6, "TLM engine's temporal-decoupling quantum");
  p.add_uint("vram-ps-per-byte", &c.vram_ps_per_byte, 0, 100000,
             "TLM engine: ps per byte to read VRAM into its burst buffer");
  // Link.
  p.add_uint("link-gen", &c.link.gen, 1, 5, "PCIe generation");
  p.add_uint("lanes", &c.link.lanes, 1, 32, "PCIe lanes");
  p.add_uint("mps", &c.link.mps, 128, 4096, "Max_Payload_Size, a power of two", true);
  p.add_uint("mrrs", &c.link.mrrs, 128, 4096, "Max_Read_Request_Size, a power of two", true);
  p.add_uint("rcb", &c.link.rcb, 64, 128, "Read Completion Boundary, a power of two <= --mps",
             true);
  p.add_uint("req-tlp-bytes", &c.link.req_tlp_bytes, 0, 64, "wire overhead per request TLP");
  p.add_uint("cpl-tlp-bytes", &c.link.cpl_tlp_bytes, 0, 64, "wire overhead per completion TLP");
  p.add_time_ns("read-rtt", &c.link.read_rtt_ps, 1e6, "read round trip excl. serialization");
  p.add_uint("tags", &c.link.tags, 1, 1024, "outstanding read requests per requester");
  p.add_uint("dllp-overhead-ppm", &c.link.dllp_overhead_ppm, 0, 500000,
             "share of link bandwidth taken by DLLPs, parts per million");
  // IOMMU (defaults and their sources: models/iommu_params.h).
  p.add_uint("iotlb-entries", &c.iommu_params.iotlb_entries, 1, 65536, "IOTLB entries");
  p.add_uint("iotlb-ways", &c.iommu_params.iotlb_ways, 1, 65536,
             "IOTLB associativity (must divide --iotlb-entries)");
  p.add_enum("iotlb-replacement", &c.iommu_params.replacement, {"lru", "fifo", "random"},
             "IOTLB replacement policy");
  p.add_time_ns("iotlb-hit", &c.iommu_params.hit_ps, 1e6, "IOTLB lookup");
  p.add_time_ns("iommu-walk-read", &c.iommu_params.walk_read_ps, 1e6,
                "one page-table read of a walk (4 per walk)");
  p.add_time_ns("iommu-map-page", &c.iommu_costs.map_page_ps, 1e6, "CPU: map one page");
  p.add_time_ns("iommu-unmap-page", &c.iommu_costs.unmap_page_ps, 1e6, "CPU: unmap one page");
  p.add_time_ns("iommu-invalidate", &c.iommu_costs.invalidate_ps, 1e6,
                "CPU: wait for an IOTLB invalidation, once per CompleteDma");
  // Host CPU costs (defaults and their sources: firmware/kernel/cpu_costs.h).
  CpuCosts& k = c.cpu;
  p.add_time_ns("msi-to-isr", &k.msi_to_isr_ps, 1e6, "MSI arrival to ISR entry");
  p.add_time_ns("isr-body", &k.isr_body_ps, 1e6, "ISR work besides MMIO");
  p.add_time_ns("dpc-latency", &k.dpc_latency_ps, 1e6, "DPC queued to DPC entry");
  p.add_time_ns("queue-dpc", &k.queue_dpc_ps, 1e6, "VideoPortQueueDpc");
  p.add_time_ns("start-dma", &k.start_dma_ps, 1e6, "VideoPortStartDma fixed part");
  p.add_time_ns("start-dma-page", &k.start_dma_page_ps, 1e6, "VideoPortStartDma per page");
  p.add_time_ns("complete-dma", &k.complete_dma_ps, 1e6, "VideoPortCompleteDma fixed part");
  p.add_time_ns("complete-dma-page", &k.complete_dma_page_ps, 1e6, "VideoPortCompleteDma per page");
  p.add_time_ns("lock-buffer", &k.lock_buffer_ps, 1e6, "VideoPortLockBuffer fixed part");
  p.add_time_ns("lock-buffer-page", &k.lock_buffer_page_ps, 1e6, "VideoPortLockBuffer per page");
  p.add_time_ns("unlock-buffer", &k.unlock_buffer_ps, 1e6, "VideoPortUnlockBuffer fixed part");
  p.add_time_ns("unlock-buffer-page", &k.unlock_buffer_page_ps, 1e6,
                "VideoPortUnlockBuffer per page");
  p.add_time_ns("descriptor-write", &k.descriptor_write_ps, 1e6, "miniport writes a descriptor");
  p.add_time_ns("mmio-write", &k.mmio_write_ps, 1e6, "CPU side of a posted MMIO write");
  p.add_time_ns("thread-wake", &k.thread_wake_ps, 1e6, "event set -> waiting thread runs");
  // Outputs.
  p.add_string("vcd", &c.vcd, "write a VCD waveform to this path");
  p.add_string("json", &c.json, "write the results JSON to this path ('-' = stdout)");
  p.add_uint("per-request-limit", &c.per_request_limit, 0, 1000000,
             "per_request entries kept in the results JSON (the rest are counted in "
             "per_request_omitted)");
}

namespace {

const char* kUsage =
    "usage: dmasim [options]\n"
    "       dmasim sweep --map-registers LIST [--series P=V1,V2] [--jobs N] [--csv F]\n"
    "                    [--plot F.png|.svg] [--emit-jobs F] [--out-dir D] [options]\n"
    "       dmasim merge RESULT.json... [--csv F] [--plot F.png|.svg]\n"
    "Options (also accepted as keys of a JSON object in --config FILE; the command line wins):\n"
    "  --config FILE   read parameters from a JSON file\n"
    "  --quiet         no human summary on stdout\n"
    "  --dry-run       check the options, the outputs and the platform they build; simulate\n"
    "                  nothing, write nothing (exit 0 or 2)\n"
    "  --version       print the version\n"
    "  --list-injections  the bugs --inject can switch on, and the check that catches each\n"
    "  --help          this text\n";

std::string ps_as_ns(std::uint64_t ps) {
  std::string s = std::to_string(ps / 1000);
  if (ps % 1000) s += "." + std::to_string(1000 + ps % 1000).substr(1);
  return s;
}

bool is_pow2(std::uint64_t v) {
  return v != 0 && (v & (v - 1)) == 0;
}

// The link's rules (models/link_timing.cpp checks them too, without the option names).
void check_link(const LinkParams& l) {
  if (!is_pow2(l.mps))
    throw UsageError("--mps " + std::to_string(l.mps) + ": must be a power of two (128..4096)");
  if (!is_pow2(l.mrrs))
    throw UsageError("--mrrs " + std::to_string(l.mrrs) + ": must be a power of two (128..4096)");
  if (!is_pow2(l.rcb) || l.rcb > l.mps)
    throw UsageError("--rcb " + std::to_string(l.rcb) + ": must be a power of two and <= --mps (" +
                     std::to_string(l.mps) + ")");
}

void check_combinations(SimConfig& c) {
  check_link(c.link);
  if (c.waves_to_ps != 0 && c.waves_from_ps > c.waves_to_ps)
    throw UsageError("--waves-from: " + ps_as_ns(c.waves_from_ps) + " ns is after --waves-to " +
                     ps_as_ns(c.waves_to_ps) + " ns");
  if (c.iommu_params.iotlb_entries % c.iommu_params.iotlb_ways != 0)
    throw UsageError("--iotlb-ways: " + std::to_string(c.iommu_params.iotlb_ways) +
                     " does not divide --iotlb-entries " +
                     std::to_string(c.iommu_params.iotlb_entries));
  if (!c.inject.empty()) {
    if (c.inject.rfind("hw:", 0) == 0) {
      std::string name = c.inject.substr(3);
      const auto at = name.find('@');
      if (at != std::string::npos) {
        // A run count, not a size: plain decimal (the K/M/G suffixes are for bytes only).
        const std::string k = name.substr(at + 1);
        std::uint64_t run = 0;
        if (k.rfind("chunk=", 0) != 0 ||
            !ParamSet::parse_number(k.substr(6), ParamSet::NumberSyntax::kCount, &run) || run == 0)
          throw UsageError("--inject: invalid value '" + clipped(c.inject) +
                           "' (expected hw:NAME[@chunk=K], K a decimal count >= 1)");
        c.hw_fault_run = run;
        name.resize(at);
      }
      if (!find_hw_injection(name))
        throw UsageError("--inject: invalid value '" + clipped(c.inject) +
                         "' (expected hw:NAME[@chunk=K], see --list-injections)");
      if (name == "iommu-fault" && c.iommu != "on")
        throw UsageError("--inject: 'hw:iommu-fault' needs --iommu on");
      c.hw_fault = name;
      return;
    }
    if (c.inject.rfind("driver:", 0) != 0 || !find_driver_injection(c.inject.substr(7)))
      throw UsageError("--inject: invalid value '" + clipped(c.inject) +
                       "' (expected driver:NAME, see --list-injections)");
  }
}

}  // namespace

std::string injections_text() {
  std::string out = "driver injections (--inject driver:NAME), each caught by the DMA verifier:\n";
  for (const Injection& i : driver_injections())
    out += "  driver:" + std::string(i.name) + "  [" + i.expect + "]  " + i.what + "\n";
  out += "hardware injections (--inject hw:NAME[@chunk=K], K = the engine's K-th run):\n";
  for (const Injection& i : hw_injections())
    out += "  hw:" + std::string(i.name) + "  [" + i.expect + "]  " + i.what + "\n";
  return out;
}

CliAction parse_cli(int argc, const char* const* argv, int first, SimConfig& cfg,
                    std::string* help) {
  ParamSet params;
  register_params(cfg, params);
  std::vector<std::pair<std::string, std::string>> sets;  // applied after --config
  for (int i = first; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      *help = std::string(kUsage) + params.help();
      return CliAction::kHelp;
    }
    if (arg == "--list-injections") return CliAction::kListInjections;
    if (arg == "--quiet") {
      cfg.quiet = true;
      continue;
    }
    if (arg == "--dry-run") {
      cfg.dry_run = true;
      continue;
    }
    if (arg.rfind("--", 0) != 0 || arg.size() < 3) {
      // Right after a flag, a word is a value the flag does not take: name the flag.
      const std::string prev = i > first ? std::string(argv[i - 1]) : "";
      if (prev.rfind("--", 0) == 0 && prev.find('=') == std::string::npos &&
          (prev == "--quiet" || params.is_flag(prev.substr(2))))
        throw UsageError(clipped(prev) + ": takes no value ('" + clipped(arg) + "' given; use " +
                         clipped(prev) + "=on|off)");
      throw UsageError("unexpected argument '" + clipped(arg) +
                       "' (options start with --; see --help)");
    }
    std::string name = arg.substr(2), value;
    const auto eq = name.find('=');
    const bool inline_value = eq != std::string::npos;
    if (inline_value) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (name != "config" && !params.has(name))
      throw UsageError("--" + clipped(name) + ": unknown option (see --help)");
    if (!inline_value && params.is_flag(name)) {
      value = "on";  // a flag needs no value; --flag=off turns it off
    } else if (!inline_value) {
      // An option word is never a value: "--vcd --quiet" lacks the path, it does not name one.
      if (i + 1 >= argc || std::string(argv[i + 1]).rfind("--", 0) == 0)
        throw UsageError("--" + name + ": missing value");
      value = argv[++i];
    }
    if (name == "config") {
      if (value.empty()) throw UsageError("--config: empty value (expected a path)");
      cfg.config_file = value;
    } else {
      sets.emplace_back(name, value);
    }
  }
  if (!cfg.config_file.empty()) params.load_file(cfg.config_file);
  for (const auto& [name, value] : sets) params.set(name, value, "--" + name);
  check_combinations(cfg);
  return CliAction::kRun;
}

}  // namespace dmasim
