// Tests for topology/inventory: the physical switches and cables of a folded Clos, against the
// component counts NVIDIA publishes for its DGX SuperPOD reference architectures.
#include <doctest/doctest.h>

#include "topology/inventory.hpp"

using namespace trainsim;
using topology::fabric_inventory;

namespace {
// A rail-optimised SuperPOD: 8 GPUs and 8 NICs per node, one leaf per rail per scalable unit.
platform::Platform superpod(int nodes, int nodes_per_leaf, int switch_ports) {
  platform::Platform p;
  p.node.gpus = 8;
  p.node.nics = 8;
  p.network.topology = platform::NetworkTopology::rail_optimized;
  p.network.nodes = nodes;
  p.network.nodes_per_leaf = nodes_per_leaf;
  p.network.spines = 8;  // the simulated (logical) spines: not what is counted with a radix
  p.network.oversubscription = 1.0;
  p.network.switch_ports = switch_ports;
  return p;
}

struct Row {
  int scalable_units, leaves, spines, cores;
};
}  // namespace

TEST_CASE("switch counts of NVIDIA's DGX B200 SuperPOD (64-port NDR switches), 2 to 64 scalable units") {
  // NVIDIA DGX SuperPOD reference architecture, DGX B200 systems, "Larger DGX SuperPOD component
  // counts": 32 nodes per scalable unit, QM9700 (64 ports); node-leaf, leaf-spine and spine-core
  // cables each equal the GPU count.
  const Row rows[] = {{2, 16, 8, 0}, {4, 32, 16, 0}, {8, 64, 32, 0}, {16, 128, 128, 64}, {32, 256, 256, 128}, {64, 512, 512, 256}};
  for (const Row& r : rows) {
    CAPTURE(r.scalable_units);
    const int nodes = 32 * r.scalable_units;
    const auto inv = fabric_inventory(superpod(nodes, 32, 64));
    CHECK(inv.from_radix);
    REQUIRE(inv.tiers.size() == (r.cores ? 3u : 2u));
    CHECK(inv.tiers[0].switches == r.leaves);
    CHECK(inv.tiers[1].switches == r.spines);
    if (r.cores) CHECK(inv.tiers[2].switches == r.cores);
    for (const auto& t : inv.tiers) CHECK(t.cables_below == 8LL * nodes);
    CHECK(inv.switches() == r.leaves + r.spines + r.cores);
  }
}

TEST_CASE("switch counts of NVIDIA's DGX B300 SuperPOD on XDR (144-port switches): spines divide each leaf's uplinks") {
  // NVIDIA DGX SuperPOD reference architecture, DGX B300 with XDR InfiniBand, "Example compute
  // fabric components": 72 nodes per scalable unit, one rail leaf of 72 nodes per unit. 4 units
  // take 18 spines, not 16 (= 2,304 / 144): 72 uplinks per leaf spread evenly need a divisor of 72.
  const Row rows[] = {{1, 8, 4, 0}, {2, 16, 8, 0}, {4, 32, 18, 0}, {8, 64, 36, 0}, {18, 144, 72, 0}};
  for (const Row& r : rows) {
    CAPTURE(r.scalable_units);
    const int nodes = 72 * r.scalable_units;
    const auto inv = fabric_inventory(superpod(nodes, 72, 144));
    REQUIRE(inv.tiers.size() == 2u);
    CHECK(inv.tiers[0].switches == r.leaves);
    CHECK(inv.tiers[1].switches == r.spines);
    CHECK(inv.tiers[1].cables_below == 8LL * nodes);
  }
}

TEST_CASE("an oversubscribed fat-tree leaf has fewer uplinks, and its upper tiers are counted from them") {
  // 36-port switches at 2:1: 24 NIC ports and 12 uplinks per leaf (6 nodes of 4 NICs).
  platform::Platform p = superpod(600, 6, 36);
  p.network.topology = platform::NetworkTopology::fat_tree;
  p.node.nics = 4;
  p.network.oversubscription = 2.0;
  const auto inv = fabric_inventory(p);
  REQUIRE(inv.tiers.size() == 3u);  // 100 leaves > 36: a middle tier, then 36 x 18 = 648 >= 100
  CHECK(inv.tiers[0].switches == 100);
  CHECK(inv.tiers[1].cables_below == 1200);
  CHECK(inv.tiers[1].switches == 1200 / 18 + 1);  // ceil(1,200 / 18) = 67
  CHECK(inv.tiers[2].switches == 1200 / 36 + 1);  // ceil(1,200 / 36) = 34
}

TEST_CASE("without a radix each leaf and logical spine is one switch, and a single leaf is the whole fabric") {
  platform::Platform p = superpod(64, 32, 64);
  p.network.switch_ports.reset();
  auto inv = fabric_inventory(p);
  CHECK_FALSE(inv.from_radix);
  CHECK(inv.switches() == 16 + 8);
  p = superpod(4, 4, 64);
  p.network.topology = platform::NetworkTopology::fat_tree;  // 4 nodes x 8 NICs under one switch
  inv = fabric_inventory(p);
  REQUIRE(inv.tiers.size() == 1u);
  CHECK(inv.switches() == 1);
  CHECK(inv.cables() == 32);
}
