// scenario/feasibility: whole-scenario checks that need the model, the plan and the platform
// together (degrees, memory, precision and kernel availability); reported at the scenario's keys.
#pragma once

#include "config/reader.hpp"
#include "scenario/scenario.hpp"

namespace trainsim::scenario {

// Reports every problem through `root` and, when there is none, fills s.memory_per_gpu.
void check_feasibility(Scenario& s, config::Reader& root);

}  // namespace trainsim::scenario
