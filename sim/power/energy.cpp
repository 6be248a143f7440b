#include "power/energy.hpp"

#include <algorithm>
#include <cmath>

namespace trainsim::power {

units::Watts gpu_power(const platform::GpuSpec& gpu, double utilization) {
  return gpu.wait_power + (gpu.max_power - gpu.wait_power) * utilization;
}

units::Watts host_power(const platform::NodeSpec& node, double busy_fraction) {
  return node.host_idle_power + (node.host_power - node.host_idle_power) * busy_fraction;
}

namespace {

double nodes_in_use(const platform::Platform& p, int gpus) {
  return std::ceil(double(gpus) / p.node.gpus);
}

// The IT draw of a job's GPUs and nodes at the given per-GPU and per-host power, plus every switch
// of the fabric and the storage system (both always on) when the platform gives their power.
units::Watts it_power(const platform::Platform& p, const topology::Topology& t, int gpus,
                      units::Watts per_gpu, units::Watts per_host) {
  const double switches = t.inventory().switches();
  return per_gpu * double(gpus) + per_host * nodes_in_use(p, gpus) +
         (p.network.switch_power ? *p.network.switch_power * switches : units::Watts(0)) +
         (p.storage ? p.storage->power : units::Watts(0));
}

}  // namespace

units::Watts idle_it_power(const platform::Platform& p, const topology::Topology& t, int gpus) {
  return it_power(p, t, gpus, p.gpu.idle_power, p.node.host_idle_power);
}

units::Watts waiting_it_power(const platform::Platform& p, const topology::Topology& t, int gpus) {
  return it_power(p, t, gpus, p.gpu.wait_power, p.node.host_idle_power);
}

EnergyBreakdown run_energy(const platform::Platform& p, const topology::Topology& t,
                           const engine::EnergyReport& per_iteration, const RunTiming& timing) {
  EnergyBreakdown e;
  const double n = static_cast<double>(timing.iterations);
  const units::Seconds run = timing.iteration * n;
  const double nodes = nodes_in_use(p, timing.gpus);
  const units::Watts host = host_power(p.node, per_iteration.gpu_busy_fraction);
  const double switches = t.inventory().switches();
  e.gpu = per_iteration.gpu * n;
  e.node = host * nodes * run;
  e.network_counted = p.network.switch_power.has_value();
  if (e.network_counted) e.network = *p.network.switch_power * switches * run;
  e.storage_counted = p.storage.has_value();
  if (e.storage_counted) e.storage = p.storage->power * run;
  const units::Joules it = e.it();
  e.total = it * p.facility.pue;
  e.facility = e.total - it;
  if (run.value() > 0) e.average_it_power = it / run;
  const units::Watts busiest_gpu = gpu_power(p.gpu, timing.peak_utilization);
  e.peak_node_power = busiest_gpu * double(std::min(timing.gpus, p.node.gpus)) + p.node.host_power;
  e.peak_it_power = it_power(p, t, timing.gpus, busiest_gpu, p.node.host_power);
  return e;
}

}  // namespace trainsim::power
