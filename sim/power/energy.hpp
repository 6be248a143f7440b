// power/energy: the energy of a whole training run, by component.
//
// Owns: extrapolating one simulated iteration's energy to the run, and the parts the engine does
// not simulate: each node's non-GPU power (CPUs, memory, NICs, NVSwitches, fans), following how
// busy its GPUs are; network switches; the facility overhead (PUE). Depends on: platform/,
// topology/ (switch count), engine/train.hpp (the simulated GPU energy), units/.
#pragma once

#include "engine/train.hpp"
#include "platform/platform.hpp"
#include "topology/topology.hpp"

namespace trainsim::power {

struct EnergyBreakdown {
  units::Joules gpu{0};       // the GPUs (SimGrid host energy plugin, extrapolated)
  units::Joules node{0};      // non-GPU parts of the nodes in use
  units::Joules network{0};   // every leaf and spine switch of the fabric
  units::Joules storage{0};   // the storage system, when the platform describes it
  units::Joules facility{0};  // cooling and power distribution: (PUE - 1) x IT
  units::Joules total{0};     // IT x PUE
  units::Joules it() const { return gpu + node + network + storage; }
  units::Watts average_it_power{0};
  units::Watts peak_it_power{0};  // every GPU at its busiest pass at once, nodes and switches at load
  units::Watts peak_node_power{0};  // one node: its GPUs at their busiest pass, its host at load
  bool network_counted = false;   // false when the platform gives no switch_power
  bool storage_counted = false;   // false when the platform describes no storage
};

struct RunTiming {
  units::Seconds iteration{0};
  long long iterations = 0;
  int gpus = 0;                  // GPUs the job uses
  double peak_utilization = 1;   // highest compute utilization of any pass
};

// A GPU's power in a running job at utilization u (0..1): wait + (max - wait) u, the power states
// the engine gives SimGrid's host energy plugin (u = 0: waiting inside the job, wait_power).
units::Watts gpu_power(const platform::GpuSpec& gpu, double utilization);
// A node's non-GPU draw (CPUs feed kernels and data, fans follow heat), rising from idle to its load
// figure linearly with the fraction of time its GPUs are busy.
units::Watts host_power(const platform::NodeSpec& node, double busy_fraction);

// The IT power of a job's GPUs, nodes and the fabric while nothing computes (GPUs at rest, hosts at
// idle, every switch on): what a stopped job's allocation draws while it restarts.
units::Watts idle_it_power(const platform::Platform& p, const topology::Topology& t, int gpus);
// The same with the GPUs waiting inside the job (wait_power): a job that stalls while it writes a
// checkpoint keeps its processes and contexts.
units::Watts waiting_it_power(const platform::Platform& p, const topology::Topology& t, int gpus);

EnergyBreakdown run_energy(const platform::Platform& p, const topology::Topology& t,
                           const engine::EnergyReport& per_iteration, const RunTiming& timing);

}  // namespace trainsim::power
