#include "power/energy.hpp"

#include <algorithm>
#include <cmath>

namespace trainsim::power {

EnergyBreakdown run_energy(const platform::Platform& p, const topology::Topology& t,
                           const engine::EnergyReport& per_iteration, const RunTiming& timing) {
  EnergyBreakdown e;
  const double n = static_cast<double>(timing.iterations);
  const units::Seconds run = timing.iteration * n;
  const double nodes = std::ceil(double(timing.gpus) / p.node.gpus);
  // A node's non-GPU draw rises from idle to its load figure with its GPUs' activity (the CPUs
  // feed kernels and data, fans follow heat): linear in the GPUs' busy fraction.
  const units::Watts host = p.node.host_idle_power +
                            (p.node.host_power - p.node.host_idle_power) * per_iteration.gpu_busy_fraction;
  const double switches = t.leaf_count() + t.spine_count();
  e.gpu = per_iteration.gpu * n;
  e.node = host * nodes * run;
  e.network_counted = p.network.switch_power.has_value();
  if (e.network_counted) e.network = *p.network.switch_power * switches * run;
  const units::Joules it = e.it();
  e.total = it * p.facility.pue;
  e.facility = e.total - it;
  if (run.value() > 0) e.average_it_power = it / run;
  const units::Watts gpu_peak =
      (p.gpu.idle_power + (p.gpu.max_power - p.gpu.idle_power) * timing.peak_utilization) * double(timing.gpus);
  e.peak_node_power = (p.gpu.idle_power + (p.gpu.max_power - p.gpu.idle_power) * timing.peak_utilization) *
                          double(std::min(timing.gpus, p.node.gpus)) +
                      p.node.host_power;
  e.peak_it_power = gpu_peak + p.node.host_power * nodes +
                    (e.network_counted ? *p.network.switch_power * switches : units::Watts(0));
  return e;
}

}  // namespace trainsim::power
