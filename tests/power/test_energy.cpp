// Tests for power/energy: node, network and facility energy around the simulated GPU energy.
#include <doctest/doctest.h>

#include <filesystem>

#include "approx.hpp"
#include "platform/load.hpp"
#include "power/energy.hpp"

using namespace trainsim;
using trainsim::test::rel;

namespace {
platform::Platform dgx_a100() {
  return platform::load_platform(std::filesystem::path(TRAINSIM_SOURCE_DIR) / "platforms/dgx-a100-1024.yaml");
}

// One simulated iteration of 10 MJ of GPU energy with the GPUs busy half the time, extrapolated
// to 1,000 iterations of 20 s on 1,024 GPUs whose busiest pass runs at utilization 0.9.
power::EnergyBreakdown a1024_run(const platform::Platform& p, const topology::Topology& t) {
  engine::EnergyReport iteration;
  iteration.gpu = units::Joules(1e7);
  iteration.gpu_busy_fraction = 0.5;
  return power::run_energy(p, t, iteration, power::RunTiming{units::Seconds(20), 1000, 1024, 0.9});
}
}  // namespace

TEST_CASE("run energy: GPUs from the simulation, nodes follow GPU activity, switches run flat, x PUE") {
  auto p = dgx_a100();
  topology::Topology t(p);
  auto e = a1024_run(p, t);
  const double run = 20.0 * 1000;
  CHECK(e.gpu.value() == rel(1e10));
  // 128 nodes x (1,500 W idle + (3,300 - 1,500) W x 0.5) over the run.
  CHECK(e.node.value() == rel(128 * (1500 + 1800 * 0.5) * run));
  // 142 switches x 250 W: 64 rail leaves of 16 NIC ports and 16 uplinks, too many for one tier of
  // 40-port spines, so 1,024 uplinks / 20 = 52 middle and 1,024 / 40 = 26 top switches
  // (topology/inventory).
  CHECK(t.inventory().switches() == 142);
  CHECK(e.network.value() == rel(142 * 250.0 * run));
  CHECK(e.total.value() == rel(e.it().value() * 1.1));
  CHECK(e.facility.value() == rel(e.it().value() * 0.1));
  CHECK(e.average_it_power.value() == rel(e.it().value() / run));
  // Peak: 1,024 x (70 + (400 - 70) x 0.9) W (a GPU in the job: wait + (max - wait) u) + 128 x 3,300 W
  // + 142 x 250 W.
  CHECK(e.peak_it_power.value() == rel(1024 * (70 + 330 * 0.9) + 128 * 3300.0 + 142 * 250.0));
}

TEST_CASE("a restarting job draws its GPUs' and hosts' idle power and every switch, a checkpointing one its GPUs' wait power") {
  auto p = dgx_a100();
  topology::Topology t(p);
  const double switches = t.inventory().switches();
  // 1,024 GPUs in 128 nodes: GPUs at idle, hosts at host_idle_power, switches at switch_power
  const double expected = 1024 * p.gpu.idle_power.value() + 128 * p.node.host_idle_power.value() +
                          switches * p.network.switch_power->value();
  CHECK(power::idle_it_power(p, t, 1024).value() == test::rel(expected));
  CHECK(power::idle_it_power(p, t, 8).value() < power::idle_it_power(p, t, 1024).value());
  // Writing a checkpoint, the job keeps its processes: GPUs at wait_power (A100: 70 W against 68 W).
  CHECK(power::waiting_it_power(p, t, 1024).value() ==
        test::rel(expected + 1024 * (p.gpu.wait_power - p.gpu.idle_power).value()));
}

TEST_CASE("a described storage system draws its power all run long, counted in IT energy and peak") {
  auto p = dgx_a100();
  topology::Topology t(p);
  const auto without = a1024_run(p, t);
  CHECK(!without.storage_counted);
  const double idle_without = power::idle_it_power(p, t, 1024).value();
  p.storage = platform::StorageSpec{units::Watts(30e3)};
  const auto with = a1024_run(p, t);
  CHECK(with.storage_counted);
  CHECK(with.storage.value() == rel(30e3 * 20.0 * 1000));  // 30 kW over the run
  CHECK(with.total.value() == rel((without.it().value() + with.storage.value()) * 1.1));
  CHECK(with.peak_it_power.value() == rel(without.peak_it_power.value() + 30e3));
  CHECK(power::idle_it_power(p, t, 1024).value() == rel(idle_without + 30e3));
}
