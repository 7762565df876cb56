// The results of a run: the DESIGN.md JSON contract and the human summary.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "sim/platform.h"

namespace dmasim {

// Builds the results object. config_json is the effective parameter set.
nlohmann::json make_results(const Platform& p, const nlohmann::json& config_json, double wall_s);
std::string summary(const nlohmann::json& results);

}  // namespace dmasim
