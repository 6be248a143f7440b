#include "engine/sampler.hpp"

#include <map>

#include <simgrid/plugins/energy.h>
#include <simgrid/s4u/Actor.hpp>
#include <simgrid/s4u/Engine.hpp>

namespace trainsim::engine::detail {

namespace sg4 = simgrid::s4u;

Sampler::Sampler(const topology::Topology& topology, const Fabric& fabric, std::vector<sg4::Host*> source_of_gpu,
                 double interval_s, Samples& out)
    : fabric_(fabric), out_(out) {
  std::map<sg4::Host*, int> index;
  for (auto* host : source_of_gpu) {
    auto [it, added] = index.emplace(host, int(sources_.size()));
    if (added) sources_.push_back(host);
    source_index_.push_back(it->second);
  }
  last_energy_.assign(sources_.size(), 0.0);
  out_.interval_s = interval_s;
  out_.gpus = int(source_of_gpu.size());
  const topology::LinkKind kinds[] = {topology::LinkKind::nvlink, topology::LinkKind::pcie, topology::LinkKind::access,
                                      topology::LinkKind::uplink};
  for (auto kind : kinds) {
    std::vector<std::size_t> ids;
    double capacity = 0;
    for (std::size_t id = 0; id < topology.link_count(); ++id)
      if (topology.link(topology::LinkId(id)).kind == kind) {
        ids.push_back(id);
        capacity += 2 * topology.link(topology::LinkId(id)).effective_bandwidth().value();  // both directions
      }
    if (ids.empty()) continue;
    class_links_.push_back(std::move(ids));
    out_.link_classes.push_back(topology::to_string(kind));
    out_.link_capacity.push_back(capacity);
  }
}

void Sampler::spawn(sg4::Host* where) {
  auto actor = sg4::Actor::create("sampler", where, [this] {
    for (;;) {
      sg4::this_actor::sleep_for(out_.interval_s);
      sample();
    }
  });
  actor->daemonize();  // ends with the simulation
}

void Sampler::sample() {
  out_.time.push_back(sg4::Engine::get_clock());
  sg_host_energy_update_all();
  std::vector<float> watts(sources_.size());
  for (std::size_t i = 0; i < sources_.size(); ++i) {
    const double e = sg_host_get_consumed_energy(sources_[i]);
    watts[i] = float((e - last_energy_[i]) / out_.interval_s);
    last_energy_[i] = e;
  }
  for (int index : source_index_) out_.gpu_watts.push_back(watts[index]);
  for (std::size_t k = 0; k < class_links_.size(); ++k) {
    double load = 0;
    for (std::size_t id : class_links_[k]) load += fabric_.links[id].first->get_usage() + fabric_.links[id].second->get_usage();
    out_.link_utilization.push_back(float(load / out_.link_capacity[k]));
  }
}

}  // namespace trainsim::engine::detail
