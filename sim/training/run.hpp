// training/run: simulate a scenario and derive the run's figures.
//
// Owns: building the topology and the training job, running the engine, and the extrapolation
// from the simulated steady-state iteration to the whole run (tokens/s, MFU, time-to-train).
// Depends on: scenario/, topology/, engine/, training/costs.hpp, results/.
#pragma once

#include <functional>

#include "results/run_result.hpp"
#include "scenario/scenario.hpp"

namespace trainsim::training {

struct RunOptions {
  int simulated_iterations = 2;              // the last one is reported (the first warms nothing
                                             // up today, but keeps the method honest if it does)
  std::function<void(double)> progress;      // fraction of the simulation done, for a progress bar
};

// One SimGrid simulation: call once per process.
results::RunResult run_scenario(const scenario::Scenario& s, const RunOptions& options = {});

}  // namespace trainsim::training
