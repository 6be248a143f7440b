// engine/gradient_reducers (private to engine/): the data-parallel gradient reduction of training.
//
// For each stage s and tensor rank t, the GPUs job.gpu(d, s, t) of all replicas d form one
// data-parallel group; every tensor rank has its own group, and all of them run at once (each on
// its GPU's rail), so unlike the passes they are never folded by symmetry. Each GPU of the job gets
// a reducer actor on its host that replays its rank of the collectives its stage actor queues, one
// after the other (NCCL runs the calls of one communicator in order on one stream), while the
// stage actor goes on computing. The stage actor waits for all its queued collectives with wait().
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

class GradientReducers {
public:
  // Builds every group's schedules; throws std::invalid_argument (from collectives/) on a bad
  // request. Requires job.data > 1.
  GradientReducers(const topology::Topology& topology, const TrainingJob& job);
  const GroupCollectives& group(int stage, int tensor_rank) const;
  std::uint64_t flows_per_iteration() const { return flows_per_iteration_; }

  // Creates one reducer actor per GPU of the job; call before Engine::run().
  void spawn(const std::vector<simgrid::s4u::Host*>& hosts);
  // From a stage actor: queue `schedule` on `gpu`'s reducer (that GPU's rank of it) and count it
  // in `done`. Never blocks.
  void start(int gpu, const collectives::Schedule& schedule, Completion& done);
  // Blocks the calling stage actor until every collective counted in `done` has finished.
  static void wait(Completion& done);
  void release() { mailboxes_.release(); }
  std::uint64_t flows() const { return flows_; }

private:
  struct Reducer {
    int rank = 0;
    const std::vector<int>* devices = nullptr;
    std::deque<std::pair<const collectives::Schedule*, Completion*>> queue;
    simgrid::s4u::SemaphorePtr work;  // one token per queued collective
  };
  void reducer_main(Reducer& reducer);

  const TrainingJob& job_;
  std::vector<GroupCollectives> groups_;      // [stage * tensor + t]
  std::vector<Reducer> reducers_;             // [gpu]
  std::vector<simgrid::s4u::ActorPtr> actors_;  // [gpu], receivers of the pair mailboxes
  PairMailboxes mailboxes_;
  std::uint64_t flows_ = 0;
  std::uint64_t flows_per_iteration_ = 0;
};

}  // namespace trainsim::engine::detail
