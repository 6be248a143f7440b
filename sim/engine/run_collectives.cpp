// engine/run_collectives: one simulation of several collectives, back to back.
#include "engine/run_collectives.hpp"

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <unordered_set>

#include "engine/fabric_zone.hpp"
#include "engine/replay.hpp"
#include "engine/settings.hpp"

namespace trainsim::engine {

namespace {

using Clock = std::chrono::steady_clock;

units::Seconds since(Clock::time_point t0) {
  return units::Seconds(std::chrono::duration<double>(Clock::now() - t0).count());
}

collectives::Group make_group(const topology::Topology& topology, const std::vector<int>& gpus) {
  collectives::Group group;
  std::unordered_set<int> seen;
  for (int gpu : gpus) {
    if (gpu < 0 || gpu >= topology.gpu_count())
      throw std::invalid_argument("GPU " + std::to_string(gpu) + " is not in the platform (it has " +
                                  std::to_string(topology.gpu_count()) + " GPUs)");
    if (!seen.insert(gpu).second)
      throw std::invalid_argument("GPU " + std::to_string(gpu) + " appears twice in one communicator");
    group.devices.push_back(gpu);
    group.nodes.push_back(topology.node_of(gpu));
  }
  return group;
}

}  // namespace

RunReport run_collectives(const topology::Topology& topology, const std::vector<CollectiveRequest>& requests,
                          const Options& options) {
  const auto t0 = Clock::now();
  // Everything that can be wrong with a request is found here, before SimGrid starts.
  std::vector<std::unique_ptr<collectives::Schedule>> schedules;
  std::vector<detail::ReplayJob> jobs;
  for (const auto& request : requests) {
    schedules.push_back(collectives::make_schedule(request.spec, make_group(topology, request.gpus), options.tuning));
    jobs.push_back({schedules.back().get(), request.gpus});
  }
  detail::Replay replay(topology, std::move(jobs));

  auto engine = detail::make_engine({options.quiet, replay.actor_count()});
  const auto t_build = Clock::now();
  const detail::Fabric fabric = detail::build_fabric(topology);
  RunReport report;
  report.build_time = since(t_build);
  replay.spawn(fabric.hosts);
  engine->run();

  for (std::size_t i = 0; i < schedules.size(); ++i) {
    const auto& job = replay.jobs()[i];
    report.results.push_back({units::Seconds(job.end - job.start), schedules[i]->algorithm(),
                              schedules[i]->fidelity(), schedules[i]->flow_count()});
  }
  report.wall_time = since(t0);
  return report;
}

}  // namespace trainsim::engine
