// engine/replay (private to engine/): the actors that replay collective schedules as flows.
//
// One actor per participating GPU. For each step of its schedule, a rank posts its receives, then
// its sends, each after sleeping the path latency (times the transfer's latency_count), and waits
// for all of them. The latency is charged by the sender because links carry none (fabric_zone.hpp),
// so that one flow on an idle path takes latency + size / bandwidth and flows share fairly.
// Messages go through one mailbox per (source GPU, destination GPU) pair, matched in FIFO order,
// with the destination as permanent receiver: a send starts flowing as soon as it is posted, as
// NCCL writes into buffers the receiver registered beforehand.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include <simgrid/s4u/Actor.hpp>
#include <simgrid/s4u/Barrier.hpp>
#include <simgrid/s4u/Comm.hpp>
#include <simgrid/s4u/Host.hpp>
#include <simgrid/s4u/Mailbox.hpp>

#include "collectives/collectives.hpp"
#include "topology/topology.hpp"

namespace trainsim::engine::detail {

struct ReplayJob {
  const collectives::Schedule* schedule = nullptr;
  std::vector<int> devices;  // rank -> GPU
  double start = 0.0;        // simulated time the job began (after the previous barrier)
  double end = 0.0;          // simulated time its last rank finished
};

class Replay {
public:
  Replay(const topology::Topology& topology, std::vector<ReplayJob> jobs);
  // Creates the actors (one per GPU in any job) on their hosts; call before Engine::run().
  void spawn(const std::vector<simgrid::s4u::Host*>& hosts);
  const std::vector<ReplayJob>& jobs() const { return jobs_; }
  std::size_t actor_count() const;

private:
  struct Pair {
    simgrid::s4u::Mailbox* mailbox;
    double latency;  // path latency in seconds
  };
  struct PendingSend {
    double delay;
    simgrid::s4u::Mailbox* mailbox;
    std::uint64_t bytes;
  };
  struct Scratch {  // per actor, reused across steps to keep allocations out of the hot loop
    collectives::Step step;
    std::vector<simgrid::s4u::CommPtr> comms;
    std::vector<PendingSend> sends;
    void* sink = nullptr;
  };

  void actor_main(int gpu, const std::vector<int>& ranks);
  void run_rank(const ReplayJob& job, int rank, int gpu, Scratch& scratch);
  Pair& pair(int src_gpu, int dst_gpu);
  void release_mailboxes();

  const topology::Topology& topology_;
  std::vector<ReplayJob> jobs_;
  std::vector<std::vector<int>> ranks_of_gpu_;  // [gpu][job] -> rank, or -1
  std::vector<simgrid::s4u::ActorPtr> actors_;  // [gpu], null for GPUs that take no part
  std::unordered_map<std::uint64_t, Pair> pairs_;
  simgrid::s4u::BarrierPtr barrier_;
  int leader_ = -1;  // the GPU whose actor records start times
};

}  // namespace trainsim::engine::detail
