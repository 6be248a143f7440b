// Helpers for engine tests: platform paths, groups, and running a simulation in a child process.
// SimGrid allows one engine per process (feasibility note P2): a test that compares two platforms
// runs each simulation in a fork()ed child and reads the durations back through a pipe.
#pragma once


#include <cstdlib>
#include <filesystem>
#include <functional>
#include <numeric>
#include <stdexcept>
#include <vector>

#include <doctest/doctest.h>

#include "approx.hpp"
#include "child_process.hpp"

#include "engine/run_collectives.hpp"
#include "platform/load.hpp"
#include "topology/topology.hpp"

namespace trainsim::test {

inline std::filesystem::path bundled_platform(const char* name) {
  return std::filesystem::path(TRAINSIM_SOURCE_DIR) / "platforms" / name;
}
inline std::filesystem::path test_platform(const char* name) {
  return std::filesystem::path(TRAINSIM_TEST_DATA_DIR) / "platforms" / name;
}

inline std::vector<int> first_gpus(int n) {
  std::vector<int> gpus(n);
  std::iota(gpus.begin(), gpus.end(), 0);
  return gpus;
}

inline engine::CollectiveRequest request(collectives::Operation op, double bytes, std::vector<int> gpus,
                                         collectives::Algorithm algo = collectives::Algorithm::automatic,
                                         collectives::Fidelity fidelity = collectives::Fidelity::automatic) {
  engine::CollectiveRequest r;
  r.spec.op = op;
  r.spec.size = units::Bytes(bytes);
  r.spec.algorithm = algo;
  r.spec.fidelity = fidelity;
  r.gpus = std::move(gpus);
  return r;
}

// The simulated durations (seconds) of `requests` on `platform`, computed in a child process.
inline std::vector<double> durations_in_child(const platform::Platform& platform,
                                              const std::vector<engine::CollectiveRequest>& requests) {
  auto out = doubles_from_child([&] {
    topology::Topology topology(platform);
    std::vector<double> d;
    for (const auto& r : engine::run_collectives(topology, requests).results) d.push_back(r.duration.value());
    return d;
  });
  if (out.size() != requests.size()) throw std::runtime_error("simulation in the child process failed");
  return out;
}

}  // namespace trainsim::test
