// Tests for power/energy: node, network and facility energy around the simulated GPU energy.
#include <doctest/doctest.h>

#include <filesystem>

#include "approx.hpp"
#include "platform/load.hpp"
#include "power/energy.hpp"

using namespace trainsim;
using trainsim::test::rel;

TEST_CASE("run energy: GPUs from the simulation, nodes follow GPU activity, switches run flat, x PUE") {
  auto p = platform::load_platform(std::filesystem::path(TRAINSIM_SOURCE_DIR) / "platforms/dgx-a100-1024.yaml");
  topology::Topology t(p);
  engine::EnergyReport iteration;
  iteration.gpu = units::Joules(1e7);
  iteration.gpu_busy_fraction = 0.5;
  power::RunTiming timing{units::Seconds(20), 1000, 1024, 0.9};
  auto e = power::run_energy(p, t, iteration, timing);
  const double run = 20.0 * 1000;
  CHECK(e.gpu.value() == rel(1e10));
  // 128 nodes x (1,500 W idle + (3,300 - 1,500) W x 0.5) over the run.
  CHECK(e.node.value() == rel(128 * (1500 + 1800 * 0.5) * run));
  // (64 leaves + 16 spines) x 250 W.
  CHECK(e.network.value() == rel(80 * 250.0 * run));
  CHECK(e.total.value() == rel(e.it().value() * 1.1));
  CHECK(e.facility.value() == rel(e.it().value() * 0.1));
  CHECK(e.average_it_power.value() == rel(e.it().value() / run));
  // Peak: 1,024 x (68 + (400 - 68) x 0.9) W + 128 x 3,300 W + 80 x 250 W.
  CHECK(e.peak_it_power.value() == rel(1024 * (68 + 332 * 0.9) + 128 * 3300.0 + 80 * 250.0));
}

TEST_CASE("a stalled job draws its GPUs' and hosts' idle power and every switch") {
  auto p = platform::load_platform(std::filesystem::path(TRAINSIM_SOURCE_DIR) / "platforms/dgx-a100-1024.yaml");
  topology::Topology t(p);
  const double switches = t.leaf_count() + t.spine_count();
  // 1,024 GPUs in 128 nodes: GPUs at idle, hosts at host_idle_power, switches at switch_power
  const double expected = 1024 * p.gpu.idle_power.value() + 128 * p.node.host_idle_power.value() +
                          switches * p.network.switch_power->value();
  CHECK(power::idle_it_power(p, t, 1024).value() == test::rel(expected));
  CHECK(power::idle_it_power(p, t, 8).value() < power::idle_it_power(p, t, 1024).value());
}

TEST_CASE("a described storage system draws its power all run long, counted in IT energy and peak") {
  auto p = platform::load_platform(std::filesystem::path(TRAINSIM_SOURCE_DIR) / "platforms/dgx-a100-1024.yaml");
  topology::Topology t(p);
  engine::EnergyReport iteration;
  iteration.gpu = units::Joules(1e7);
  iteration.gpu_busy_fraction = 0.5;
  power::RunTiming timing{units::Seconds(20), 1000, 1024, 0.9};
  const auto without = power::run_energy(p, t, iteration, timing);
  CHECK(!without.storage_counted);
  p.storage = platform::StorageSpec{units::Watts(30e3)};
  const auto with = power::run_energy(p, t, iteration, timing);
  CHECK(with.storage_counted);
  CHECK(with.storage.value() == rel(30e3 * 20.0 * 1000));  // 30 kW over the run
  CHECK(with.total.value() == rel((without.it().value() + with.storage.value()) * 1.1));
  CHECK(with.peak_it_power.value() == rel(without.peak_it_power.value() + 30e3));
  CHECK(power::idle_it_power(p, t, 1024).value() ==
        rel(power::idle_it_power(platform::load_platform(std::filesystem::path(TRAINSIM_SOURCE_DIR) /
                                                         "platforms/dgx-a100-1024.yaml"),
                                 t, 1024).value() + 30e3));
}
