// engine/fabric_zone: a NetZoneImpl that routes with topology::Topology::route().
#include "engine/fabric_zone.hpp"

#include <cstdio>
#include <stdexcept>
#include <string>

#include <simgrid/kernel/routing/NetPoint.hpp>
#include <simgrid/kernel/routing/NetZoneImpl.hpp>
#include <simgrid/s4u/Link.hpp>

namespace trainsim::engine::detail {
namespace {

namespace kr = simgrid::kernel::routing;
using LinkImpl = simgrid::kernel::resource::StandardLinkImpl;

class FabricZone final : public kr::NetZoneImpl {
public:
  FabricZone(const std::string& name, const topology::Topology& topology)
      : NetZoneImpl(name), topology_(topology) {
    forward_.reserve(topology.link_count());
    backward_.reserve(topology.link_count());
  }

  // Links must be added in LinkId order.
  void add_link(simgrid::s4u::SplitDuplexLink* link) {
    forward_.push_back(link->get_link_up()->get_impl());
    backward_.push_back(link->get_link_down()->get_impl());
  }

protected:
  // Netpoint ids are creation indices in this zone, and the GPUs' hosts are created first, in GPU
  // order, so a netpoint id is a GPU index (checked in build_fabric).
  void get_local_route(const kr::NetPoint* src, const kr::NetPoint* dst, kr::Route* route, double*) override {
    hops_.clear();
    topology_.route(static_cast<int>(src->id()), static_cast<int>(dst->id()), hops_);
    for (const topology::Hop& hop : hops_)
      route->link_list_.push_back(hop.forward ? forward_[hop.link] : backward_[hop.link]);
    // No latency to add: every link has latency 0 (see fabric_zone.hpp).
  }

private:
  const topology::Topology& topology_;
  std::vector<LinkImpl*> forward_, backward_;  // per LinkId: direction a->b and b->a
  std::vector<topology::Hop> hops_;            // scratch, reused: SimGrid routes one comm at a time
};

// Peak dense FLOP/s used as host speed: bf16, else fp16, else fp32 (compute comes in a later issue).
double host_speed(const platform::GpuSpec& gpu) {
  for (auto p : {platform::Precision::bf16, platform::Precision::fp16, platform::Precision::fp32})
    if (auto rate = gpu.peak_for(p)) return rate->value();
  return 1e12;
}

// The energy plugin's power state of a one-core host, "idle:epsilon:max" (SimGrid 3.32,
// src/plugins/host_energy.cpp): P = idle at load 0, P = epsilon + (max - epsilon) x load for any
// load > 0. Both floors are the GPU's wait_power, the draw of a GPU that waits inside a running job
// (its context holds the clocks up, NCCL spins): P = wait + (max - wait) x load is continuous, hence
// linear in load, and a pass at a time-averaged load draws exactly its average power (stage_actor.cpp).
std::string power_states(const platform::GpuSpec& gpu) {
  char buf[96];
  const double wait = gpu.wait_power.value(), max = gpu.max_power.value();
  std::snprintf(buf, sizeof buf, "%.17g:%.17g:%.17g", wait, wait, max);
  return buf;
}

}  // namespace

Fabric build_fabric(const topology::Topology& topology, bool gpu_power) {
  auto* zone = new FabricZone("fabric", topology);  // owned by the engine (root zone)
  auto* iface = zone->get_iface();
  Fabric fabric;
  const double speed = host_speed(topology.platform().gpu);
  const std::string watts = power_states(topology.platform().gpu);
  fabric.hosts.reserve(topology.gpu_count());
  for (int gpu = 0; gpu < topology.gpu_count(); ++gpu) {
    auto* host = iface->create_host("gpu" + std::to_string(gpu), speed);
    if (host->get_netpoint()->id() != static_cast<unsigned long>(gpu))
      throw std::logic_error("engine: GPU host netpoint ids must equal GPU indices");
    if (gpu_power) {
      // Before seal (P4): the plugin reads the properties when the host's creation is signalled.
      host->set_property("wattage_per_state", watts);
      host->set_property("wattage_off", "0");  // GPUs are never switched off in a training job
    }
    fabric.hosts.push_back(host);
  }
  for (topology::LinkId id = 0; id < topology.link_count(); ++id) {
    const topology::Link& link = topology.link(id);
    auto* l = iface->create_split_duplex_link("l" + std::to_string(id), link.effective_bandwidth().value());
    l->set_latency(0.0);
    zone->add_link(l);
    fabric.links.emplace_back(l->get_link_up(), l->get_link_down());
  }
  iface->seal();
  return fabric;
}

}  // namespace trainsim::engine::detail
