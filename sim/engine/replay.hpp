// engine/replay (private to engine/): the actors that replay collective schedules as flows.
//
// One actor per participating GPU. For each step of its schedule, a rank posts its receives, then
// its sends, each after sleeping the path latency (times the transfer's latency_count), and waits
// for all of them. The latency is charged by the sender because links carry none (fabric_zone.hpp),
// so that one flow on an idle path takes latency + size / bandwidth and flows share fairly.
// Messages go through one mailbox per (source GPU, destination GPU) pair, matched in FIFO order,
// with the destination as permanent receiver: a send starts flowing as soon as it is posted, as
// NCCL writes into buffers the receiver registered beforehand.
//
// replay_rank() is the per-rank loop on its own, for other engine parts (training, engine/train.cpp)
// that run collectives from actors of their own; Replay runs back-to-back collectives with it.
#pragma once

#include <cstdint>
#include <string>
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

// The mailbox of each (source GPU, destination GPU) pair, created on first use and cached (no
// string building in the loop), with the actor receivers[dst] as permanent receiver (eager sends).
class PairMailboxes {
public:
  struct Pair {
    simgrid::s4u::Mailbox* mailbox;
    double latency;  // path latency in seconds
  };
  // `receivers` (indexed by GPU) must be filled before the first pair() and outlive this object;
  // `tag` keeps the names apart from other mailbox families of the same simulation.
  PairMailboxes(const topology::Topology& topology, const std::vector<simgrid::s4u::ActorPtr>& receivers,
                std::string tag = "");
  Pair& pair(int src_gpu, int dst_gpu);
  // Drops the permanent receivers (SimGrid holds a reference to them otherwise, Mailbox.hpp);
  // call once no actor will receive anymore.
  void release();

private:
  const topology::Topology& topology_;
  const std::vector<simgrid::s4u::ActorPtr>& receivers_;
  std::string tag_;
  std::unordered_map<std::uint64_t, Pair> pairs_;
};

// Per-actor scratch, reused across steps to keep allocations out of the hot loop.
struct RankScratch {
  struct PendingSend {
    double delay;
    simgrid::s4u::Mailbox* mailbox;
    std::uint64_t bytes;
  };
  collectives::Step step;
  std::vector<simgrid::s4u::CommPtr> comms;
  std::vector<PendingSend> sends;
  void* sink = nullptr;
};

// Replays rank `rank` of `schedule`, whose ranks run on GPUs `devices`, from the calling actor,
// which must run on the host of devices[rank]. Returns the number of flows it sent.
std::uint64_t replay_rank(const collectives::Schedule& schedule, int rank, const std::vector<int>& devices,
                          PairMailboxes& mailboxes, RankScratch& scratch);

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
  void actor_main(int gpu, const std::vector<int>& ranks);

  std::vector<ReplayJob> jobs_;
  std::vector<std::vector<int>> ranks_of_gpu_;  // [gpu][job] -> rank, or -1
  std::vector<simgrid::s4u::ActorPtr> actors_;  // [gpu], null for GPUs that take no part
  PairMailboxes mailboxes_;                     // receivers: actors_
  simgrid::s4u::BarrierPtr barrier_;
  int leader_ = -1;  // the GPU whose actor records start times
};

}  // namespace trainsim::engine::detail
