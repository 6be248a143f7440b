// engine/fabric_zone (private to engine/): the SimGrid platform of a topology::Topology.
//
// One SimGrid host per GPU and one split-duplex SimGrid link per topology::Link, in a custom
// NetZoneImpl whose routing asks Topology::route() (arithmetic, no route tables: a 131k-GPU
// platform builds in ~2 s, feasibility note section 3(a)). Links have the effective bandwidth
// (line rate x efficiency) and ZERO latency: the sender charges the path latency itself, which
// keeps CM02's max-min sharing fair (CM02 weights each flow by its route latency; feasibility
// note section 4). Uses SimGrid kernel headers (NetZoneImpl), stable while trainsim pins 3.32 (P11).
#pragma once

#include <utility>
#include <vector>

#include <simgrid/s4u/Host.hpp>
#include <simgrid/s4u/Link.hpp>

#include "topology/topology.hpp"

namespace trainsim::engine::detail {

struct Fabric {
  std::vector<simgrid::s4u::Host*> hosts;  // hosts[gpu]
  // links[topology link id] = {a -> b direction, b -> a direction}, for utilisation samples.
  std::vector<std::pair<simgrid::s4u::Link*, simgrid::s4u::Link*>> links;
};

// Builds and seals the platform as the engine's root zone. Call once, after the network settings
// (settings.hpp) and before any actor exists. The topology must outlive the simulation.
// With `gpu_power`, every GPU host gets the power states of the platform's GPU for SimGrid's host
// energy plugin (which make_engine must have loaded): wait power (a GPU waiting inside the job)
// when nothing runs on it, and wait + (max - wait) x load while an exec loads it (load = exec rate /
// host speed, 0..1).
Fabric build_fabric(const topology::Topology& topology, bool gpu_power = false);

}  // namespace trainsim::engine::detail
