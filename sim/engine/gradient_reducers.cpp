// engine/gradient_reducers: data-parallel collectives run by one reducer actor per GPU.
#include "engine/gradient_reducers.hpp"

#include <algorithm>
#include <string>

namespace trainsim::engine::detail {

namespace sg4 = simgrid::s4u;
using collectives::Operation;

namespace {

units::Bytes chunk_sum(const std::vector<StageCosts>& chunks, units::Bytes StageCosts::*bytes) {
  units::Bytes sum(0);
  for (const auto& c : chunks) sum += c.*bytes;
  return sum;
}

std::unique_ptr<collectives::Schedule> schedule(Operation op, units::Bytes size, const collectives::Group& group,
                                                const collectives::Tuning& tuning,
                                                collectives::Algorithm algorithm = collectives::Algorithm::automatic) {
  if (size.value() <= 0) return nullptr;  // nothing to reduce: no call, as a framework would skip it
  collectives::CollectiveSpec spec;
  spec.op = op;
  spec.size = size;
  spec.algorithm = algorithm;
  return collectives::make_schedule(spec, group, tuning);
}

// The collectives one group runs per iteration (the same for every group of a stage).
int collectives_per_iteration(const TrainingJob& job, int stage) {
  int buckets = 0;
  for (const auto& c : job.costs[stage]) buckets += c.gradient_buckets;
  // ZeRO 3: per micro-batch, a gather per bucket for the forward and one for the backward, and a
  // reduce-scatter per bucket after the backward.
  if (job.reduction == GradientReduction::sharded_parameters) return 3 * buckets * job.micro_batches;
  int n = job.overlap_reduction ? buckets : 1;
  if (gathers_parameters(job.reduction)) n += job.overlap_parameter_gather ? buckets : 1;
  return n;
}

}  // namespace

GradientReducers::GradientReducers(const topology::Topology& topology, const TrainingJob& job)
    : job_(job), mailboxes_(topology, actors_, "dp") {
  reducers_.resize(std::size_t(job.data) * job.tensor * job.pipeline);  // the job's GPUs are the first ones
  if (job.syncs_embedding()) {
    embedding_.resize(std::size_t(job.data) * job.tensor);
    for (int d = 0; d < job.data; ++d)
      for (int t = 0; t < job.tensor; ++t) {
        EmbeddingPair& e = embedding_[std::size_t(d) * job.tensor + t];
        e.devices = {job.gpu(d, 0, t), job.gpu(d, job.pipeline - 1, t)};
        collectives::Group pair;
        for (int gpu : e.devices) {
          pair.devices.push_back(gpu);
          pair.nodes.push_back(topology.node_of(gpu));
          reducers_[gpu].used = true;
        }
        e.all_reduce = schedule(Operation::all_reduce, job.embedding_gradient_bytes, pair, job.tuning);
        flows_per_iteration_ += e.all_reduce->flow_count();
      }
  }
  if (job.data > 1) build_data_parallel_groups(topology);
}

void GradientReducers::build_data_parallel_groups(const topology::Topology& topology) {
  const TrainingJob& job = job_;
  const bool sharded = job.reduction == GradientReduction::sharded_parameters;
  const bool zero = gathers_parameters(job.reduction) || sharded;
  const bool bucketed = job.overlap_reduction || sharded;
  const bool gather_buckets = (zero && job.overlap_parameter_gather) || sharded;
  const int passes = sharded ? job.micro_batches : 1;  // reduce-scatters per bucket and iteration
  const bool scatter = job.reduction == GradientReduction::reduce_scatter_all_gather || sharded;
  const Operation reduce = scatter ? Operation::reduce_scatter : Operation::all_reduce;
  // Tuning::exact_flow_budget bounds the exact flows of one collective; here it bounds all the
  // reductions of one iteration together, which run at once and cost wall time together.
  int per_iteration = 0;
  for (int s = 0; s < job.pipeline; ++s) per_iteration += job.tensor * collectives_per_iteration(job, s);
  collectives::Tuning tuning = job.tuning;
  tuning.exact_flow_budget = std::max<std::uint64_t>(1, job.tuning.exact_flow_budget / per_iteration);

  groups_.resize(std::size_t(job.pipeline) * job.tensor);
  for (int s = 0; s < job.pipeline; ++s)
    for (int t = 0; t < job.tensor; ++t) {
      GroupCollectives& g = groups_[std::size_t(s) * job.tensor + t];
      collectives::Group group;
      for (int d = 0; d < job.data; ++d) {
        g.devices.push_back(job.gpu(d, s, t));
        group.devices.push_back(g.devices.back());
        group.nodes.push_back(topology.node_of(g.devices.back()));
      }
      const auto& costs = job.costs[s];
      if (bucketed) {
        for (const auto& c : costs) {
          g.bucket.push_back(
              schedule(reduce, c.gradient_bytes / c.gradient_buckets, group, tuning, job.data_parallel_algorithm));
          if (g.bucket.back()) flows_per_iteration_ += g.bucket.back()->flow_count() * c.gradient_buckets * passes;
        }
      } else {
        g.whole = schedule(reduce, chunk_sum(costs, &StageCosts::gradient_bytes), group, tuning,
                           job.data_parallel_algorithm);
        if (g.whole) flows_per_iteration_ += g.whole->flow_count();
      }
      // ZeRO >= 1 gathers the updated (16-bit) parameters: all at once after the optimizer, or
      // layer by layer ahead of the next forward, or (ZeRO 3) ahead of every pass
      // (docs/simulation.md).
      if (gather_buckets) {
        for (const auto& c : costs) {
          g.gather_bucket.push_back(
              schedule(Operation::all_gather, c.parameter_bytes / c.gradient_buckets, group, tuning,
                       job.data_parallel_algorithm));
          const int gathers_per_bucket = sharded ? 2 * passes : 1;  // ZeRO 3: forward and backward
          if (g.gather_bucket.back())
            flows_per_iteration_ += g.gather_bucket.back()->flow_count() * c.gradient_buckets * gathers_per_bucket;
        }
      } else if (zero) {
        g.gather = schedule(Operation::all_gather, chunk_sum(costs, &StageCosts::parameter_bytes), group, tuning,
                            job.data_parallel_algorithm);
      }
      if (g.gather) flows_per_iteration_ += g.gather->flow_count();
      for (int d = 0; d < job.data; ++d) {
        Reducer& r = reducers_[g.devices[d]];
        r.used = true, r.rank = d, r.devices = &g.devices;
      }
    }
}

const GroupCollectives& GradientReducers::group(int stage, int tensor_rank) const {
  return groups_[std::size_t(stage) * job_.tensor + tensor_rank];
}

std::size_t GradientReducers::actor_count() const {
  return std::size_t(std::count_if(reducers_.begin(), reducers_.end(), [](const Reducer& r) { return r.used; }));
}

void GradientReducers::spawn(const std::vector<sg4::Host*>& hosts) {
  actors_.resize(reducers_.size());
  for (int gpu = 0; gpu < static_cast<int>(reducers_.size()); ++gpu) {
    Reducer& r = reducers_[gpu];
    if (!r.used) continue;  // in no group
    r.work = sg4::Semaphore::create(0);
    actors_[gpu] = sg4::Actor::create("dp@gpu" + std::to_string(gpu), hosts[gpu], [this, &r] { reducer_main(r); });
  }
}

void GradientReducers::start(int gpu, const collectives::Schedule& schedule, Completion& done) {
  const Reducer& r = reducers_[gpu];
  queue(gpu, {&schedule, r.rank, r.devices, &done});
}

void GradientReducers::start_embedding(int d, int stage, int t, Completion& done) {
  const EmbeddingPair& e = embedding_[std::size_t(d) * job_.tensor + t];
  queue(job_.gpu(d, stage, t), {e.all_reduce.get(), stage == 0 ? 0 : 1, &e.devices, &done});
}

void GradientReducers::queue(int gpu, const Call& call) {
  Reducer& r = reducers_[gpu];
  r.queue.push_back(call);
  ++call.done->pending;
  r.work->release();
}

void GradientReducers::wait(Completion& done) {
  // Cooperative scheduling: nothing runs between the test and the acquire, and a reducer signals
  // only when the count reaches 0 while the owner waits, so no wake-up is lost or left over.
  while (done.pending > 0) {
    done.waiting = true;
    done.signal->acquire();
    done.waiting = false;
  }
}

void GradientReducers::reducer_main(Reducer& r) {
  sg4::Actor::self()->daemonize();  // it waits forever; the simulation ends with the stages
  RankScratch scratch;
  for (;;) {
    r.work->acquire();
    const Call call = r.queue.front();
    r.queue.pop_front();
    flows_ += replay_rank(*call.schedule, call.rank, *call.devices, mailboxes_, scratch);
    if (--call.done->pending == 0 && call.done->waiting) call.done->signal->release();
  }
}

}  // namespace trainsim::engine::detail
