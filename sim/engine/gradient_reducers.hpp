// engine/gradient_reducers (private to engine/): the data-parallel gradient reduction of training.
//
// For each stage s and tensor rank t, the GPUs job.gpu(d, s, t) of all replicas d form one
// data-parallel group; every tensor rank has its own group, and all of them run at once (each on
// its GPU's rail), so unlike the passes they are never folded by symmetry. Each GPU of the job gets
// a reducer actor on its host that replays its rank of the collectives its stage actor queues, one
// after the other (NCCL runs the calls of one communicator in order on one stream), while the
// stage actor goes on computing. The stage actor waits for all its queued collectives with wait().
// With tied embeddings split over the first and last pipeline stages, GPU (d, 0, t) and GPU
// (d, p-1, t) also form a two-rank group that all-reduces the embedding's gradient; the same
// reducers run it (then also without data parallelism).
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include <simgrid/s4u/Actor.hpp>
#include <simgrid/s4u/Host.hpp>
#include <simgrid/s4u/Semaphore.hpp>

#include "collectives/collectives.hpp"
#include "engine/replay.hpp"
#include "engine/train.hpp"
#include "topology/topology.hpp"

namespace trainsim::engine::detail {

// The collectives of one (stage, tensor rank) group, made before the simulation starts.
struct GroupCollectives {
  std::vector<int> devices;  // data replica d -> GPU
  std::vector<std::unique_ptr<collectives::Schedule>> bucket;  // overlap or ZeRO 3: one bucket of chunk c
  std::unique_ptr<collectives::Schedule> whole;   // no overlap: all chunks' gradients at once
  std::unique_ptr<collectives::Schedule> gather;  // ZeRO >= 1: updated parameters, after the optimizer
  std::vector<std::unique_ptr<collectives::Schedule>> gather_bucket;  // overlapped gather or ZeRO 3:
                                                                      // one bucket (layer) of chunk c
};

// What a stage actor waits on: how many of its queued collectives are not finished yet.
struct Completion {
  int pending = 0;
  bool waiting = false;
  simgrid::s4u::SemaphorePtr signal = simgrid::s4u::Semaphore::create(0);
};

// The two-rank group of the embedding's gradient: GPU (d, 0, t) is rank 0, GPU (d, p-1, t) rank 1.
struct EmbeddingPair {
  std::vector<int> devices;
  std::unique_ptr<collectives::Schedule> all_reduce;
};

class GradientReducers {
public:
  // Builds every group's schedules; throws std::invalid_argument (from collectives/) on a bad
  // request. Requires job.data > 1 or job.syncs_embedding(); data-parallel groups exist only with
  // job.data > 1.
  GradientReducers(const topology::Topology& topology, const TrainingJob& job);
  static bool needed(const TrainingJob& job) { return job.data > 1 || job.syncs_embedding(); }
  // How many GPUs get a reducer actor.
  std::size_t actor_count() const;
  const GroupCollectives& group(int stage, int tensor_rank) const;
  std::uint64_t flows_per_iteration() const { return flows_per_iteration_; }

  // Creates one reducer actor per GPU of the job; call before Engine::run().
  void spawn(const std::vector<simgrid::s4u::Host*>& hosts);
  // From a stage actor: queue `schedule` on `gpu`'s reducer (that GPU's rank of it) and count it
  // in `done`. Never blocks.
  void start(int gpu, const collectives::Schedule& schedule, Completion& done);
  // From the stage actor of replica d on the first or last stage: queue the embedding gradient's
  // all-reduce of tensor rank t on that stage's GPU, counted in `done`. Requires job.syncs_embedding().
  void start_embedding(int d, int stage, int t, Completion& done);
  // Blocks the calling stage actor until every collective counted in `done` has finished.
  static void wait(Completion& done);
  void release() { mailboxes_.release(); }
  std::uint64_t flows() const { return flows_; }

private:
  // One collective of one GPU: the GPU's rank in the group `devices` (rank -> GPU).
  struct Call {
    const collectives::Schedule* schedule;
    int rank;
    const std::vector<int>* devices;
    Completion* done;
  };
  struct Reducer {
    bool used = false;                // the GPU takes part in a group
    int rank = 0;                     // its rank in its data-parallel group
    const std::vector<int>* devices = nullptr;  // that group (null without data parallelism)
    std::deque<Call> queue;
    simgrid::s4u::SemaphorePtr work;  // one token per queued collective
  };
  void queue(int gpu, const Call& call);
  void reducer_main(Reducer& reducer);
  void build_data_parallel_groups(const topology::Topology& topology);

  const TrainingJob& job_;
  std::vector<GroupCollectives> groups_;      // [stage * tensor + t], empty without data parallelism
  std::vector<EmbeddingPair> embedding_;      // [d * tensor + t], empty without the sync
  std::vector<Reducer> reducers_;             // [gpu]
  std::vector<simgrid::s4u::ActorPtr> actors_;  // [gpu], receivers of the pair mailboxes
  PairMailboxes mailboxes_;
  std::uint64_t flows_ = 0;
  std::uint64_t flows_per_iteration_ = 0;
};

}  // namespace trainsim::engine::detail
