// reliability/reliability: how failures stretch a training run (pure: no SimGrid).
//
// Owns: Young's and Daly's optimum checkpoint intervals and Daly's expected wall time of a run
// that checkpoints every `interval` of compute, loses the work since the last checkpoint at each
// interruption and restarts, under exponentially distributed interruptions (J. T. Daly, "A higher
// order estimate of the optimum checkpoint interval for restart dumps", Future Generation Computer
// Systems 22(3), 2006; J. W. Young, "A first order approximation to the optimum checkpoint
// interval", CACM 17(9), 1974), and the goodput that follows. docs/reliability-model.md.
// Depends on: units/.
#pragma once

#include <optional>

#include "units/quantity.hpp"

namespace trainsim::reliability {

struct Inputs {
  units::Seconds failure_free{0};      // T_s: the run without failures or checkpoints
  units::Seconds job_mtbf{0};          // M: mean time between interruptions of the whole job
  units::Seconds checkpoint_write{0};  // delta: the job stalls while its checkpoint is written
  units::Seconds restart{0};           // R: from an interruption to training again, load included
  std::optional<units::Seconds> interval;  // compute between checkpoints; absent: Daly's optimum
};

struct Outcome {
  units::Seconds interval{0};   // the interval used
  bool optimal = false;         // Daly's optimum (no interval was given)
  units::Seconds expected{0};   // T_w: expected wall time with checkpoints, failures and restarts
  double expected_failures = 0; // T_w / M
  double goodput = 0;           // T_s / T_w: the share of wall time that advances training
  // Where the extra wall time T_w - T_s goes, in expectation: writing the checkpoints of the
  // T_s / tau completed segments, restarting after each of the T_w / M interruptions, and the
  // work lost to them (the rest, redone at training pace).
  units::Seconds checkpointing{0}, restarting{0}, lost_work{0};
};

// Young 1974: sqrt(2 delta M), the first-order optimum for delta << M.
units::Seconds young_interval(units::Seconds checkpoint_write, units::Seconds job_mtbf);
// Daly 2006, eq. 37: sqrt(2 delta M) [1 + sqrt(delta/2M)/3 + (delta/2M)/9] - delta for delta < 2M,
// else M.
units::Seconds daly_interval(units::Seconds checkpoint_write, units::Seconds job_mtbf);
// Daly 2006, eq. 20: T_w = M e^(R/M) (e^((tau + delta)/M) - 1) T_s / tau.
units::Seconds daly_expected_time(units::Seconds failure_free, units::Seconds interval, units::Seconds checkpoint_write,
                                  units::Seconds restart, units::Seconds job_mtbf);
// All of the above for one run. Requires positive job_mtbf and interval (when given).
Outcome expected_run(const Inputs& in);

}  // namespace trainsim::reliability
