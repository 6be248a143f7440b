// engine/run_collectives: simulate collectives on a cluster with SimGrid (public API, no SimGrid
// types). engine/ is the only module that includes SimGrid headers; they stay in its .cpp files
// and private headers.
//
// Owns: turning a topology into a SimGrid platform, one actor per participating GPU that replays
// collective schedules (collectives/) as flows, and the timing of each collective.
// Depends on: topology/, collectives/, units/.
#pragma once

#include <cstdint>
#include <vector>

#include "collectives/collectives.hpp"
#include "topology/topology.hpp"
#include "units/quantity.hpp"

namespace trainsim::engine {

struct CollectiveRequest {
  collectives::CollectiveSpec spec;
  std::vector<int> gpus;  // rank r of the communicator runs on GPU gpus[r] of the topology
};

struct CollectiveResult {
  units::Seconds duration{0};  // simulated: from the barrier before it to its last rank's end
  collectives::Algorithm algorithm = collectives::Algorithm::automatic;  // as resolved
  collectives::Fidelity fidelity = collectives::Fidelity::automatic;     // as resolved
  std::uint64_t flows = 0;     // SimGrid communications it took
};

struct Options {
  collectives::Tuning tuning;
  bool quiet = true;  // silence SimGrid's own logging
};

struct RunReport {
  std::vector<CollectiveResult> results;  // one per request, same order
  units::Seconds wall_time{0};            // whole call: schedules, platform build and simulation
  units::Seconds build_time{0};           // of which: building the SimGrid platform
};

// Runs the requests back to back in ONE simulation, with a barrier of all participating GPUs
// between them, and returns each one's simulated duration. Bad requests (a GPU outside the
// topology, a group of one, an algorithm that does not apply) throw std::invalid_argument before
// any simulation starts. SimGrid allows one engine per process: call this at most once per
// process (tests: one TEST_CASE per process, as ctest runs them).
RunReport run_collectives(const topology::Topology& topology, const std::vector<CollectiveRequest>& requests,
                          const Options& options = {});

}  // namespace trainsim::engine
