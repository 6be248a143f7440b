// topology/inventory: folded-Clos switch and cable counts from the switch radix.
#include "topology/inventory.hpp"

#include <algorithm>

namespace trainsim::topology {

int FabricInventory::switches() const {
  int n = 0;
  for (const auto& t : tiers) n += t.switches;
  return n;
}

long long FabricInventory::cables() const {
  long long n = 0;
  for (const auto& t : tiers) n += t.cables_below;
  return n;
}

namespace {

long long ceil_div(long long a, long long b) { return (a + b - 1) / b; }

// The fewest spines, at least `minimum`, over which `uplinks_per_leaf` cables spread evenly.
int even_spines(int uplinks_per_leaf, long long minimum) {
  for (int s = static_cast<int>(std::max(1LL, minimum)); s < uplinks_per_leaf; ++s)
    if (uplinks_per_leaf % s == 0) return s;
  return uplinks_per_leaf;
}

}  // namespace

FabricInventory fabric_inventory(const platform::Platform& p) {
  FabricInventory inv;
  const int leaves = platform::leaf_switches(p);
  const long long nic_ports = static_cast<long long>(p.network.nodes) * p.node.nics;
  inv.tiers.push_back({leaves, nic_ports});
  if (leaves <= 1) {
    inv.from_radix = p.network.switch_ports.has_value();
    return inv;
  }
  const int up = platform::leaf_up_ports(p);
  const long long uplinks = static_cast<long long>(leaves) * up;
  if (!p.network.switch_ports) {
    inv.tiers.push_back({p.network.spines, uplinks});
    return inv;
  }
  inv.from_radix = true;
  const long long radix = *p.network.switch_ports;
  if (leaves <= radix) {
    inv.tiers.push_back({even_spines(up, ceil_div(uplinks, radix)), uplinks});
    return inv;
  }
  // Middle tiers until a top switch, one port per group below, reaches all of them.
  long long reach = radix;  // leaves a top tier placed here would reach
  while (leaves > reach) {
    inv.tiers.push_back({static_cast<int>(ceil_div(uplinks, radix / 2)), uplinks});
    reach *= radix / 2;
  }
  inv.tiers.push_back({static_cast<int>(ceil_div(uplinks, radix)), uplinks});
  return inv;
}

}  // namespace trainsim::topology
