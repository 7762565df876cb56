#include "sim/results.h"

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <sstream>

#include "models/page.h"
#include "models/sim_time.h"
#include "sim/version.h"

namespace dmasim {

nlohmann::json make_results(const Platform& p, const nlohmann::json& config_json, double wall_s) {
  const RunOutcome& o = p.outcome();
  const auto& results = p.display_driver().results();
  std::uint64_t bytes = 0, expected_chunks = 0, done = 0;
  std::string error;
  bool data_ok = o.finished;
  bool mismatch = false;  // a completed request's data was wrong
  // Stopped by a signal: what completed was checked; the rest was not, which is no failure.
  const char* unchecked = o.interrupted_by ? "incomplete" : "fail";
  struct PerChannel {
    std::uint64_t requests = 0, bytes = 0, chunks = 0, first = ~0ULL, last = 0;
    bool to_device = false, from_device = false, ok = true;
  };
  std::vector<PerChannel> channels(p.channels());
  // Kept up to --per-request-limit entries, so memory and the file stay bounded however many
  // requests run; the totals below count them all.
  nlohmann::json per_request = nlohmann::json::array();
  const std::uint64_t per_request_limit = p.config().per_request_limit;
  std::uint64_t per_request_omitted = 0;
  for (std::size_t i = 0; i < results.size(); ++i) {
    const RequestResult& r = results[i];
    if (!r.done) continue;
    ++done;
    PerChannel& c = channels.at(r.spec.channel);
    ++c.requests;
    c.chunks += r.chunks;
    c.first = std::min(c.first, r.start_ps);
    c.last = std::max(c.last, r.end_ps);
    (r.spec.to_device ? c.to_device : c.from_device) = true;
    if (r.data_ok) {
      bytes += r.spec.size;
      c.bytes += r.spec.size;
    }
    const std::uint64_t granted =
        p.video_port().adapter_stats(r.spec.channel).map_registers_granted;
    if (granted)  // failed requests too: the rule says how many chunks each one takes
      expected_chunks += chunks_for_request(r.spec.offset, r.spec.size, granted);
    if (per_request.size() >= per_request_limit) {
      ++per_request_omitted;
    } else {
      per_request.push_back({{"channel", r.spec.channel},
                             {"size", r.spec.size},
                             {"offset", r.spec.offset},
                             {"direction", r.spec.to_device ? "to-device" : "from-device"},
                             {"status", r.status},
                             {"chunks", r.chunks},
                             {"sg_elements", r.sg_elements},
                             {"interrupts", r.interrupts},
                             {"dpcs", r.dpcs},
                             {"sim_time_ns", (r.end_ps - r.start_ps) / 1000.0},
                             {"data_check", r.data_ok ? "pass" : "fail"}});
    }
    if (!r.data_ok) {
      data_ok = false;
      mismatch = true;
      c.ok = false;
      if (error.empty()) error = "request " + std::to_string(i) + ": " + r.mismatch;
    }
  }
  if (!o.started) {
    error =
        "the miniport did not start the adapter (VP_STATUS " + std::to_string(o.start_status) + ")";
  } else if (!o.finished && error.empty()) {
    char at[32];
    std::snprintf(at, sizeof at, "%.3f", now_ps() / 1000.0);
    error = "simulation stalled at " + std::string(at) + " ns with " +
            std::to_string(results.size() - done) + " of " + std::to_string(results.size()) +
            " requests not completed";
  }
  const auto& violations = p.video_port().verifier().violations();
  nlohmann::json dv = nlohmann::json::array();
  for (const DvViolation& v : violations)
    dv.push_back({{"code", dv_name(v.code)},
                  {"number", static_cast<unsigned>(v.code)},
                  {"message", v.message},
                  {"time_ns", v.time_ps / 1000.0}});
  if (!violations.empty())
    error = std::string(dv_name(violations.front().code)) + ": " + violations.front().message +
            (violations.size() > 1
                 ? " (and " + std::to_string(violations.size() - 1) + " more violation(s))"
                 : "") +
            (error.empty() ? "" : "; " + error);
  // An injection that never took effect is no pass: the check it stands for did not happen.
  const SimConfig& cfg = p.config();
  std::string never;
  if (!cfg.hw_fault.empty() && p.faults_injected() == 0) {
    never = "--inject " + cfg.inject + " never fired: " +
            (cfg.hw_fault == "iommu-fault"
                 ? "the miniport called VideoPortStartDma " +
                       std::to_string(p.video_port().stats().start_dma) + " time(s)"
                 : "the engine made " + std::to_string(p.engine().runs()) + " run(s)" +
                       (p.engine().runs() >= cfg.hw_fault_run
                            ? ", and run " + std::to_string(cfg.hw_fault_run) +
                                  " had nothing this fault applies to"
                            : ""));
  } else if (cfg.inject.rfind("driver:", 0) == 0 && violations.empty()) {
    never = "--inject " + cfg.inject +
            " never showed: the DMA verifier reported no violation (the bug needs a request "
            "of more than one chunk, or it went uncaught)";
  }
  if (!never.empty()) error = error.empty() ? never : error + "; " + never;
  nlohmann::json per_channel = nlohmann::json::array();
  for (std::size_t i = 0; i < channels.size(); ++i) {
    const PerChannel& c = channels[i];
    const double ns = c.last > c.first ? (c.last - c.first) / 1000.0 : 0.0;
    per_channel.push_back({{"channel", i},
                           {"direction", c.to_device && c.from_device ? "mixed"
                                         : c.to_device                ? "to-device"
                                                                      : "from-device"},
                           {"requests", c.requests},
                           {"bytes", c.bytes},
                           {"chunks", c.chunks},
                           {"sim_time_ns", ns},
                           {"throughput_GBps", ns > 0 ? c.bytes / ns : 0.0},
                           {"data_check", c.ok && c.requests > 0 ? "pass"
                                          : c.ok                 ? unchecked
                                                                 : "fail"}});
  }
  // First request to last completion; a run that stalled counts up to where it stopped.
  const std::uint64_t end_ps = o.finished ? o.last_done_ps : now_ps();
  const double sim_ns =
      o.started && end_ps > o.first_request_ps ? (end_ps - o.first_request_ps) / 1000.0 : 0.0;
  const Cpu& cpu = p.cpu();
  const LinkOccupancy& link = p.link().occupancy();
  if (o.interrupted_by) {
    char at[32];
    std::snprintf(at, sizeof at, "%.3f", now_ps() / 1000.0);
    error = std::string("interrupted by ") + (o.interrupted_by == SIGTERM ? "SIGTERM" : "SIGINT") +
            " at " + at + " ns simulated, with " + std::to_string(done) + " of " +
            std::to_string(results.size()) + " requests completed" +
            (error.empty() || !o.finished ? "" : "; " + error);
  }
  if (!error.empty() && p.config().random)
    error += " [reproduce: dmasim --random --seed " + std::to_string(p.config().seed) +
             " with the same options]";
  nlohmann::json j;
  j["version"] = dmasim_version();
  j["config"] = config_json;
  j["config_file"] = p.config().config_file.empty() ? nlohmann::json(nullptr)
                                                    : nlohmann::json(p.config().config_file);
  j["status"] = o.interrupted_by ? "interrupted" : error.empty() ? "ok" : "error";
  j["error"] = error.empty() ? nlohmann::json(nullptr) : nlohmann::json(error);
  j["bytes"] = bytes;
  j["requests"] = done;
  j["chunks"] = p.video_port().stats().complete_dma;
  j["expected_chunks"] = expected_chunks;
  j["interrupts"] = cpu.isr_claimed(kDeviceVector);
  j["dpcs"] = cpu.dpc_count();
  j["timer_dpcs"] = cpu.timer_dpc_count();
  j["sim_time_ns"] = sim_ns;
  j["throughput_GBps"] = sim_ns > 0 ? bytes / sim_ns : 0.0;
  j["data_check"] = data_ok && done == results.size() ? "pass" : mismatch ? "fail" : unchecked;
  const Iommu* mmu = p.iommu();
  j["iommu"] = {{"enabled", mmu != nullptr},
                {"iotlb_hits", mmu ? mmu->iotlb().hits() : 0},
                {"iotlb_misses", mmu ? mmu->iotlb().misses() : 0},
                {"page_walks", mmu ? mmu->walks() : 0},
                {"faults", mmu ? mmu->faults().size() : 0},
                {"fault_interrupts", p.iommu_fault_interrupts()},
                {"invalidations", mmu ? mmu->invalidations() : 0}};
  j["map_registers_granted"] = p.video_port().stats().map_registers_granted;
  j["sg_elements"] = p.video_port().stats().sg_elements;
  j["msi_messages"] = p.interrupts().messages();
  j["isr_calls"] = cpu.isr_count();
  // An injected spurious MSI, or with two channels an MSI whose completion an earlier ISR took.
  j["unclaimed_interrupts"] = cpu.isr_count(kDeviceVector) - cpu.isr_claimed(kDeviceVector);
  j["cpu"] = {{"busy_ns", cpu.busy_ps() / 1000.0},
              {"utilization", sim_ns > 0 ? cpu.busy_ps() / 1000.0 / sim_ns : 0.0}};
  auto dir = [&](LinkOccupancy::Dir d) {
    return nlohmann::json{{"tlps", link.tlps(d)},
                          {"payload_bytes", link.payload_bytes(d)},
                          {"busy_ns", link.busy_ps(d) / 1000.0},
                          {"utilization", sim_ns > 0 ? link.busy_ps(d) / 1000.0 / sim_ns : 0.0}};
  };
  j["link"] = {{"upstream", dir(LinkOccupancy::kUpstream)},
               {"downstream", dir(LinkOccupancy::kDownstream)},
               {"effective_write_GBps", effective_write_GBps(link.params())},
               {"effective_read_GBps", effective_read_GBps(link.params())}};
  j["bounce_bytes"] = p.bounce_bytes();
  std::uint64_t failed = 0;
  for (const RequestResult& r : results)
    if (r.done && r.status != NO_ERROR) ++failed;
  j["faults"] = {{"injected", p.faults_injected()},
                 {"errors_logged", p.video_port().stats().errors_logged},
                 {"timeouts_logged", p.video_port().stats().timeouts_logged},
                 {"failed_requests", failed}};
  j["kernel"] = {{"delta_cycles", sc_core::sc_delta_count()}};
  j["engine"] = {{"backend", p.config().engine},
                 {"rtl_cycles", p.engine().cycles()},
                 {"rtl_evals", p.engine().evals()}};
  j["verifier"] = {{"violations", violations.size()}, {"list", dv}};
  j["channels"] = per_channel;
  j["per_request"] = per_request;
  j["per_request_omitted"] = per_request_omitted;
  j["wall_s"] = wall_s;
  return j;
}

std::string summary(const nlohmann::json& j) {
  std::ostringstream s;
  const auto& c = j["config"];
  char line[256];
  // With --random, direction and offset are drawn per request (the config holds null).
  auto text = [&](const char* k) {
    return c[k].is_string() ? c[k].get<std::string>() : std::string("random");
  };
  auto number = [&](const char* k) {
    return c[k].is_number() ? std::to_string(c[k].get<std::uint64_t>()) : std::string("random");
  };
  std::snprintf(line, sizeof line,
                "dmasim: %s, %s request(s) of %s B at offset %s, %s map registers\n",
                text("direction").c_str(), number("requests").c_str(), number("size").c_str(),
                number("offset").c_str(), number("map_registers").c_str());
  s << line;
  std::snprintf(line, sizeof line,
                "  status %s, data_check %s\n  chunks %llu (expected %llu), interrupts %llu, "
                "DPCs %llu\n  simulated %.3f us, throughput %.3f GB/s, wall %.3f s\n",
                j["status"].get<std::string>().c_str(), j["data_check"].get<std::string>().c_str(),
                static_cast<unsigned long long>(j["chunks"].get<std::uint64_t>()),
                static_cast<unsigned long long>(j["expected_chunks"].get<std::uint64_t>()),
                static_cast<unsigned long long>(j["interrupts"].get<std::uint64_t>()),
                static_cast<unsigned long long>(j["dpcs"].get<std::uint64_t>()),
                j["sim_time_ns"].get<double>() / 1000.0, j["throughput_GBps"].get<double>(),
                j["wall_s"].get<double>());
  s << line;
  if (!j["error"].is_null()) s << "  error: " << j["error"].get<std::string>() << "\n";
  return s.str();
}

}  // namespace dmasim
