// training/run: simulate a scenario and derive the run's figures.
//
// Owns: building the topology and the training job, running the engine, and the extrapolation
// from the simulated steady-state iteration to the whole run (tokens/s, MFU, time-to-train).
// Depends on: scenario/, topology/, engine/, training/costs.hpp, results/.
#pragma once

#include <functional>
#include <vector>

#include "engine/records.hpp"

#include "results/run_result.hpp"
#include "scenario/scenario.hpp"

namespace trainsim::training {

// What a trace needs beyond the summary: the engine's records and the power of each node.
struct TraceData {
  std::vector<engine::Event> events;
  engine::Samples samples;
  std::vector<int> node_of_rank;   // node of each GPU index
  int nodes = 0;                   // nodes in use (columns of node_watts)
  std::vector<float> node_watts;   // time x nodes: GPUs plus the node's non-GPU power
};

struct RunOptions {
  int simulated_iterations = 2;              // the last one is reported (the first warms nothing
                                             // up today, but keeps the method honest if it does)
  std::function<void(double)> progress;      // fraction of the simulation done, for a progress bar
  double sample_interval_s = 0.1;            // power and link samples, when a trace is asked for
};

// One SimGrid simulation: call once per process.
// With `trace`, the engine records every event and samples power and links into it.
results::RunResult run_scenario(const scenario::Scenario& s, const RunOptions& options = {}, TraceData* trace = nullptr);

}  // namespace trainsim::training
