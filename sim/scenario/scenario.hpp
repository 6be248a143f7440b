// scenario/scenario: one "what if" — a platform, a model, a parallel plan and a training run —
// loaded from a scenario YAML file with --set overrides, validated as a whole.
//
// Owns: the scenario schema (docs/scenario-format.md), model presets (scenarios/catalog), the
// feasibility checks that need both model and platform (plan divides the GPUs, memory fits in
// HBM, with the breakdown). Depends on: config/, platform/, workload/.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "platform/platform.hpp"
#include "workload/memory.hpp"
#include "workload/model.hpp"
#include "workload/plan.hpp"

namespace trainsim::scenario {

struct TrainingRun {
  std::optional<double> tokens;         // tokens to train on, or
  std::optional<long long> iterations;  // a number of iterations
  std::uint64_t seed = 1;
  // Compute time between checkpoints, when the platform describes its reliability; absent: Daly's
  // optimum (docs/reliability-model.md).
  std::optional<units::Seconds> checkpoint_interval;
};

// A published figure the scenario reproduces (scenarios/validation/): what, where from, how much.
struct PublishedFigure {
  std::string source;  // "Narayanan et al. 2021, Table 1"
  std::string metric;  // hardware_tflops_per_gpu | model_tflops_per_gpu | iteration_time_s |
                       // time_to_train_days | tokens_per_s | energy_mwh | carbon_t |
                       // peak_node_power_kw
  double value = 0;
  // The validation test's bound on |error| for this figure when it is not the project's target
  // (15% for throughput and time, 20% for energy): a known miss, with the reason beside it.
  std::optional<double> bound;
  std::string bound_reason;
};

// One axis of a what-if sweep (`sweep:` in the scenario): a dotted --set path and the values it
// takes, in order.
struct SweepAxis {
  std::string path;
  std::vector<std::string> values;
};

struct Scenario {
  std::string name;
  std::filesystem::path file;
  platform::Platform platform;
  workload::TransformerModel model;
  workload::ParallelPlan plan;
  workload::Implementation implementation;
  workload::MemoryBreakdown memory_per_gpu;
  TrainingRun training;
  std::vector<std::string> assumptions;  // what the scenario assumed where sources are silent
  std::vector<PublishedFigure> published;
  std::vector<SweepAxis> sweep;          // `trainsim sweep` runs every combination; `run` ignores it
  std::string scenario_yaml;             // scenario text after --set overrides
  std::string platform_yaml;             // the platform file's text

  long long iterations() const;  // from tokens (rounded up) or given directly
};

// A --set override: a dotted path into the scenario ("parallel.tensor", "platform.gpu.max_power")
// and its value as written ("4", "400 GB/s").
using Override = std::pair<std::string, std::string>;

// Loads and validates a scenario. Throws config::ConfigError listing every problem: YAML errors
// with file:line:col, infeasible plans with their reason, memory over HBM with the breakdown.
Scenario load_scenario(const std::filesystem::path& file, const std::vector<Override>& overrides = {});

// Parses "path=value" as given on the command line.
std::optional<Override> parse_override(const std::string& text);

}  // namespace trainsim::scenario
