// Everything a run is configured by, with the CLI/config-file front end (DESIGN.md contract).
#pragma once

#include <cstdint>
#include <string>

#include "firmware/kernel/cpu_costs.h"
#include "models/iommu_params.h"
#include "models/link_timing.h"
#include "sim/params.h"

namespace dmasim {

struct SimConfig {
  // Workload (the display driver's requests).
  std::uint64_t size = 1 << 20;
  std::uint64_t offset = 0;
  std::uint64_t requests = 1;
  std::string direction = "to-device";
  // Platform.
  std::uint64_t map_registers = 16;
  std::uint64_t channels = 1;
  std::string engine = "tlm";
  std::uint64_t rtl_clock_ps = 4000;  // RTL engine clock: 250 MHz [EST], 32 B/cycle = 8 GB/s
  bool rtl_waves = false;             // with --vcd and --engine rtl: also the RTL's own waves
  // --waves-from/--waves-to: the waves' window in simulated time (0: from the start / to the end).
  std::uint64_t waves_from_ps = 0, waves_to_ps = 0;
  // How far the RTL may run ahead of SystemC time: a register access that arrives earlier
  // takes effect late by up to this much, so it is small (100 ns = 25 cycles) [EST].
  std::uint64_t rtl_quantum_ps = 100000;
  std::string iommu = "off";
  bool dma32 = false;            // the engine drives 32-bit host addresses only
  bool buffer_above_4g = false;  // display-driver buffers only in RAM above 4 GiB
  // HAL bounce copy, per KiB: memcpy ~11 GB/s measured on this machine kind (TOOLCHAIN.md),
  // 1 KiB / 11 GB/s = 93 ns.
  std::uint64_t bounce_copy_ps_per_kib = 93000;
  std::string miniport = "dmasim";
  std::uint64_t seed = 1;
  bool random = false;  // draw each request's size, offset, direction and channel from seed
  std::string inject;
  // Parsed from --inject hw:NAME[@chunk=K].
  std::string hw_fault;
  std::uint64_t hw_fault_run =
      1;  // "driver:NAME" (see firmware/miniport/injections.h), empty = none
  std::uint64_t host_memory_bytes = 64ULL << 30;  // physical address space
  std::uint64_t vram_bytes = 16ULL << 30;
  // TLM engine's temporal-decoupling quantum: how far a channel books the link ahead. Kept as
  // fine as the RTL's so two channels interleave on the link alike (100 ns) [EST].
  std::uint64_t quantum_ps = 100000;
  // The engine fills its burst buffer from VRAM at DATA_BYTES per RTL clock: 32 B / 4 ns.
  std::uint64_t vram_ps_per_byte = 125;
  LinkParams link;
  IommuParams iommu_params;
  IommuCosts iommu_costs;
  CpuCosts cpu;
  // Outputs.
  std::string config_file;
  std::string vcd;
  std::string json;
  std::uint64_t per_request_limit = 10000;  // per_request entries kept in the results JSON
  bool quiet = false;
  bool dry_run = false;  // --dry-run: build the platform, check, run nothing
  // Where the RTL bridge writes its own waves (empty: none); set by main from --vcd.
  std::string rtl_vcd_file;

  bool to_device() const { return direction == "to-device"; }
};

// Registers every parameter of cfg (pointers into cfg) in a ParamSet.
void register_params(SimConfig& cfg, ParamSet& params);

enum class CliAction { kRun, kHelp, kListInjections };
std::string injections_text();  // what --list-injections prints
// Parses argv[first..] into cfg: --config FILE is applied first, command-line values override it.
// Throws UsageError, one line naming the option, on a bad value or combination; what needs the
// built platform (--miniport, --vram against --size, link rules) is checked when it is built.
CliAction parse_cli(int argc, const char* const* argv, int first, SimConfig& cfg,
                    std::string* help);

}  // namespace dmasim
