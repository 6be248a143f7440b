// engine/train: one simulation of training iterations (see train.hpp and docs/simulation.md).
#include "engine/train.hpp"

#include <chrono>
#include <cmath>
#include <memory>
#include <stdexcept>
#include <string>

#include "engine/fabric_zone.hpp"
#include "engine/gradient_reducers.hpp"
#include "engine/pipeline_flows.hpp"
#include "engine/sampler.hpp"
#include "engine/settings.hpp"
#include "engine/stage_actor.hpp"
#include "workload/pipeline.hpp"

namespace trainsim::engine {

namespace {

namespace sg4 = simgrid::s4u;
using Clock = std::chrono::steady_clock;

bool bad_time(units::Seconds t) { return !std::isfinite(t.value()) || t.value() < 0; }
bool bad_bytes(units::Bytes b) { return !std::isfinite(b.value()) || b.value() < 0; }
bool bad_utilization(double u) { return !(u >= 0 && u <= 1); }  // NaN too

void check_costs(const TrainingJob& job, std::vector<std::string>& problems) {
  if (job.costs.size() != std::size_t(job.pipeline) || job.optimizer.size() != std::size_t(job.pipeline)) {
    problems.push_back("costs and optimizer need one entry per pipeline stage (" + std::to_string(job.pipeline) +
                       "), got " + std::to_string(job.costs.size()) + " and " + std::to_string(job.optimizer.size()));
    return;
  }
  for (int s = 0; s < job.pipeline; ++s) {
    const std::string where = "stage " + std::to_string(s);
    if (bad_time(job.optimizer[s])) problems.push_back(where + ": optimizer time must be finite and >= 0");
    if (job.costs[s].size() != std::size_t(job.chunks)) {
      problems.push_back(where + ": needs one cost per model chunk (" + std::to_string(job.chunks) + "), got " +
                         std::to_string(job.costs[s].size()));
      continue;
    }
    for (int c = 0; c < job.chunks; ++c) {
      const StageCosts& k = job.costs[s][c];
      const std::string at = where + " chunk " + std::to_string(c) + ": ";
      if (bad_time(k.forward) || bad_time(k.backward) || bad_time(k.forward_tp_comm) || bad_time(k.backward_tp_comm))
        problems.push_back(at + "pass times must be finite and >= 0");
      else if (k.forward_tp_comm > k.forward || k.backward_tp_comm > k.backward)
        problems.push_back(at + "tensor-parallel communication cannot exceed its pass");
      if (bad_bytes(k.activation_bytes) || bad_bytes(k.gradient_bytes) || bad_bytes(k.parameter_bytes))
        problems.push_back(at + "byte counts must be finite and >= 0");
      if (k.gradient_buckets < 1) problems.push_back(at + "gradient_buckets must be >= 1");
      if (bad_utilization(k.forward_utilization) || bad_utilization(k.backward_utilization) ||
          bad_utilization(k.forward_tp_utilization) || bad_utilization(k.backward_tp_utilization))
        problems.push_back(at + "utilizations must be between 0 and 1");
    }
  }
}

// Everything that can be wrong with a job, found before SimGrid starts, reported together.
void check(const topology::Topology& topology, const TrainingJob& job) {
  std::vector<std::string> problems;
  if (job.data < 1 || job.tensor < 1 || job.pipeline < 1 || job.chunks < 1 || job.micro_batches < 1 ||
      job.iterations < 1) {
    problems.push_back("data, tensor, pipeline, chunks, micro_batches and iterations must all be >= 1");
  } else {
    const long long gpus = 1LL * job.data * job.tensor * job.pipeline;
    if (gpus > topology.gpu_count())
      problems.push_back("the job needs " + std::to_string(gpus) + " GPUs (data x tensor x pipeline), the platform has " +
                         std::to_string(topology.gpu_count()));
    if (job.chunks > 1 && job.micro_batches % job.pipeline != 0)
      problems.push_back("the interleaved schedule needs micro_batches (" + std::to_string(job.micro_batches) +
                         ") to be a multiple of pipeline (" + std::to_string(job.pipeline) + ")");
    if (1LL * job.pipeline * job.chunks >= (1 << 23))  // pipeline_flows.cpp packs it in 23 bits
      problems.push_back("too many virtual stages (pipeline x chunks)");
    check_costs(job, problems);
    if (bad_utilization(job.optimizer_utilization))
      problems.push_back("optimizer_utilization must be between 0 and 1");
  }
  if (problems.empty()) return;
  std::string message = "bad training job: " + problems.front();
  for (std::size_t i = 1; i < problems.size(); ++i) message += "; " + problems[i];
  throw std::invalid_argument(message);
}

// What the leader metered around the last iteration, and how busy the GPUs were in it.
EnergyReport energy(const detail::TrainingWorld& world, double iteration) {
  EnergyReport e;
  e.gpu = units::Joules(world.energy_end - world.energy_start);
  // Each actor stands for the same number of GPUs, so the mean over actors is the mean over GPUs.
  // Busy = the execs: passes without their TP share, and the optimizer step (the time the GPU
  // draws more than its wait power when utilizations are > 0).
  double busy = 0;
  for (const auto& t : world.tallies) busy += t.compute + t.optimizer;
  if (iteration > 0) e.gpu_busy_fraction = busy / double(world.tallies.size()) / iteration;
  return e;
}

IterationBreakdown average(const std::vector<detail::Tally>& tallies, double iteration) {
  detail::Tally sum;
  for (const auto& t : tallies) {
    sum.compute += t.compute;
    sum.tp_comm += t.tp_comm;
    sum.pipeline_wait += t.pipeline_wait;
    sum.dp_exposed += t.dp_exposed;
    sum.optimizer += t.optimizer;
    sum.tp_hidden += t.tp_hidden;
  }
  const double n = double(tallies.size());
  IterationBreakdown b;
  b.iteration = units::Seconds(iteration);
  b.compute = units::Seconds(sum.compute / n);
  b.tp_comm = units::Seconds(sum.tp_comm / n);
  b.pipeline_wait = units::Seconds(sum.pipeline_wait / n);
  b.dp_exposed = units::Seconds(sum.dp_exposed / n);
  b.optimizer = units::Seconds(sum.optimizer / n);
  b.tp_hidden = units::Seconds(sum.tp_hidden / n);
  return b;
}

}  // namespace

TrainingReport simulate_training(const topology::Topology& topology, const TrainingJob& job,
                                 const std::function<void(double)>& progress) {
  const auto t0 = Clock::now();
  check(topology, job);
  std::unique_ptr<detail::GradientReducers> reducers;
  if (detail::GradientReducers::needed(job))
    reducers = std::make_unique<detail::GradientReducers>(topology, job);  // may throw too
  std::vector<std::vector<workload::PipelinePass>> passes;
  for (int s = 0; s < job.pipeline; ++s)
    passes.push_back(workload::pipeline_passes(s, job.pipeline, job.micro_batches, job.chunks));

  const int ranks_simulated = job.all_tensor_ranks ? job.tensor : 1;
  const std::size_t stage_actors = std::size_t(job.data) * job.pipeline * ranks_simulated;
  const std::size_t reducer_actors = reducers ? reducers->actor_count() : 0;
  const std::size_t courier_actors = job.pipeline > 1 ? 2 * stage_actors : 0;  // at most: one per neighbour
  auto engine = detail::make_engine({true, stage_actors + reducer_actors + courier_actors, true});
  const detail::Fabric fabric = detail::build_fabric(topology, true);

  std::vector<sg4::ActorPtr> stage_of_gpu(topology.gpu_count());  // receivers of pipeline messages
  detail::PipelineFlows flows(topology, fabric.hosts, stage_of_gpu);
  detail::TrainingWorld world{job, std::move(passes), flows, reducers.get(),
                              sg4::Barrier::create(unsigned(stage_actors)), progress,
                              std::vector<detail::Tally>(stage_actors), {}, 0, {}, 0, 0, nullptr};
  TrainingReport report;
  if (job.record_events) world.events = &report.events;
  if (reducers) reducers->spawn(fabric.hosts);
  int index = 0;  // index 0, (replica 0, stage 0, rank 0), is the leader
  for (int d = 0; d < job.data; ++d)
    for (int s = 0; s < job.pipeline; ++s)
      for (int t = 0; t < ranks_simulated; ++t) {
        const int gpu = job.gpu(d, s, t);
        stage_of_gpu[gpu] = sg4::Actor::create("stage@gpu" + std::to_string(gpu), fabric.hosts[gpu],
                                               detail::StageActor(world, index++, d, s, t));
        // Under symmetry, tensor ranks 1..t-1 run no passes: their hosts only idle (reductions
        // are comms), so they are not metered; rank 0's host stands for all t GPUs. Hosts outside
        // the job are never metered.
        world.metered.emplace_back(fabric.hosts[gpu], job.all_tensor_ranks ? 1.0 : double(job.tensor));
      }
  std::unique_ptr<detail::Sampler> sampler;
  if (job.sample_interval_s > 0) {
    // Every GPU of the job reports the power of the host whose passes stand for it.
    std::vector<sg4::Host*> source;
    for (int s = 0; s < job.pipeline; ++s)
      for (int d = 0; d < job.data; ++d)
        for (int t = 0; t < job.tensor; ++t) source.push_back(fabric.hosts[job.gpu(d, s, job.all_tensor_ranks ? t : 0)]);
    sampler = std::make_unique<detail::Sampler>(topology, fabric, std::move(source), job.sample_interval_s, report.samples);
    sampler->spawn(fabric.hosts[0]);
  }
  engine->run();

  double previous = 0;
  for (double end : world.iteration_ends) {
    report.iteration_times.push_back(units::Seconds(end - previous));
    previous = end;
  }
  report.last = average(world.tallies, report.iteration_times.back().value());
  report.energy = energy(world, report.iteration_times.back().value());
  report.activities = world.execs + flows.messages() + (reducers ? reducers->flows() : 0);
  report.actors = stage_actors + reducer_actors + flows.couriers();
  report.wall_time = units::Seconds(std::chrono::duration<double>(Clock::now() - t0).count());
  return report;
}

}  // namespace trainsim::engine
