// results/run_result: the figures of one simulated training run, and how they are shown.
//
// Owns: RunResult (what `trainsim run` reports: iteration time and its breakdown, throughput, MFU,
// memory, time-to-train) and its two renderings, a terminal summary and the summary JSON whose
// keys are a contract (docs/summary-format.md). Depends on: units/, workload/memory.hpp,
// engine/train.hpp (the breakdown type), power/, cost/, reliability/.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "cost/cost.hpp"
#include "engine/train.hpp"
#include "power/energy.hpp"
#include "reliability/reliability.hpp"
#include "units/quantity.hpp"
#include "workload/memory.hpp"

namespace trainsim::results {

inline constexpr int kSummarySchemaVersion = 1;

// The run with interruptions, checkpoints and restarts (when the platform describes its
// reliability; docs/reliability-model.md).
struct RunReliability {
  units::Seconds job_mtbf{0};          // the platform's per-GPU MTBF / GPUs
  units::Bytes checkpoint{0};          // weights and optimizer state of the whole model
  units::Seconds checkpoint_write{0};  // checkpoint / write bandwidth: the job stalls this long
  units::Seconds restart{0};           // restart time + checkpoint / read bandwidth
  reliability::Outcome outcome;        // interval, expected time to train, failures, goodput
  // The run's energy and cost with the extra wall time: lost work redone at the run's average IT
  // power, checkpoint stalls and restarts at its idle IT power; hardware amortised over T_w.
  units::Joules expected_energy{0};
  std::optional<cost::RunCost> expected_cost;
};

struct RunResult {
  std::string scenario;
  std::string platform;
  std::string gpu;
  int gpus = 0;
  long long iterations = 0;        // of the whole training run (extrapolated)
  int simulated_iterations = 0;    // simulated in detail; the last one is reported
  double tokens_per_iteration = 0;
  engine::IterationBreakdown breakdown;  // breakdown.iteration is the iteration time
  double tokens_per_s = 0;
  units::FlopRate model_flops_per_gpu{0};     // model FLOP (no recomputation) / time / GPU
  units::FlopRate hardware_flops_per_gpu{0};  // counting recomputation, as Megatron-LM reports
  double mfu = 0;                             // model FLOP utilisation of the dense peak
  units::Seconds time_to_train{0};            // iterations x iteration time (no failures)
  std::optional<RunReliability> reliability;  // with failures, when the platform describes them
  workload::MemoryBreakdown memory;
  power::EnergyBreakdown energy;              // of the whole run
  std::optional<cost::RunCost> cost;          // absent when the platform describes no costs
  units::Mass carbon{0};                      // facility energy x grid carbon intensity
  units::Seconds wall_time{0};                // of the simulation
  std::vector<std::string> assumptions;
  // Platform and catalog values given as estimates ("gpu.gemm_efficiency"), which the figures
  // above rest on (platform::Platform::estimated_inputs).
  std::vector<std::string> estimated_inputs;
};

void write_summary_text(const RunResult& r, std::ostream& out);
void write_summary_json(const RunResult& r, std::ostream& out);

}  // namespace trainsim::results
