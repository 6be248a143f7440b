// engine/sampler (private to engine/): a daemon actor that samples GPU power and link utilisation
// at a fixed interval for the trace (docs/trace-format.md: /power, /links).
//
// GPU power is the energy the host energy plugin integrated over the interval divided by its
// length (a mean, not an instant). Under tensor symmetry a GPU that runs no passes reports the
// power of the GPU whose passes stand for it. Link utilisation is the load SimGrid reports on each
// link at the sample time, summed per link class over its capacity (an instant).
#pragma once

#include <vector>

#include <simgrid/s4u/Host.hpp>

#include "engine/fabric_zone.hpp"
#include "engine/records.hpp"
#include "topology/topology.hpp"

namespace trainsim::engine::detail {

class Sampler {
public:
  // `source_of_gpu[g]`: the host whose power GPU g reports (itself, or its tensor-rank-0 peer).
  Sampler(const topology::Topology& topology, const Fabric& fabric, std::vector<simgrid::s4u::Host*> source_of_gpu,
          double interval_s, Samples& out);
  void spawn(simgrid::s4u::Host* where);  // starts the daemon actor

private:
  void sample();
  const Fabric& fabric_;
  std::vector<simgrid::s4u::Host*> sources_;   // distinct hosts read
  std::vector<int> source_index_;              // [gpu] -> index into sources_
  std::vector<double> last_energy_;            // [source] joules at the previous sample
  std::vector<std::vector<std::size_t>> class_links_;  // [class] -> topology link ids
  Samples& out_;
};

}  // namespace trainsim::engine::detail
