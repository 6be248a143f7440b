// topology/inventory: the physical switches and cables of the fabric a platform describes.
//
// The simulated graph (topology.hpp) has one vertex per leaf and one per logical spine: for
// bandwidth, a non-blocking fabric of any depth behaves like leaves under one big spine. Energy and
// cost need what would be bought and powered instead: a folded Clos of switches of the platform's
// radix (`network.switch_ports`), as NVIDIA's DGX SuperPOD reference architectures build it:
// - leaves as laid out (nodes_per_leaf), each with its down ports and down / oversubscription uplinks;
// - if a top switch can reach every leaf (leaves <= radix), one more tier: the fewest spines, at
//   least uplinks / radix, that divide each leaf's uplinks evenly;
// - otherwise middle tiers of switches with half their ports down and half up, non-blocking, until
//   a top tier of switches with every port down reaches every group below (leaves <= radix x
//   (radix / 2)^(tiers - 2)).
// Without a radix, each leaf and each logical spine counts as one switch.
// Depends on: platform/.
#pragma once

#include <vector>

#include "platform/platform.hpp"

namespace trainsim::topology {

struct FabricTier {
  int switches = 0;
  long long cables_below = 0;  // cables from the tier below (NICs for the leaves)
};

struct FabricInventory {
  std::vector<FabricTier> tiers;  // leaves first
  bool from_radix = false;        // counted from network.switch_ports (false: the logical layout)

  int switches() const;
  long long cables() const;
};

FabricInventory fabric_inventory(const platform::Platform& p);

}  // namespace trainsim::topology
