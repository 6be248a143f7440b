// engine/replay: actors replaying collective schedules (see replay.hpp).
#include "engine/replay.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include <simgrid/s4u/Engine.hpp>

namespace trainsim::engine::detail {

namespace sg4 = simgrid::s4u;

PairMailboxes::PairMailboxes(const topology::Topology& topology, const std::vector<sg4::ActorPtr>& receivers,
                             std::string tag)
    : topology_(topology), receivers_(receivers), tag_(std::move(tag)) {}

PairMailboxes::Pair& PairMailboxes::pair(int src, int dst) {
  const auto key = std::uint64_t(src) << 32 | std::uint32_t(dst);
  auto it = pairs_.find(key);
  if (it != pairs_.end()) return it->second;
  auto* mailbox = sg4::Mailbox::by_name(tag_ + std::to_string(src) + ">" + std::to_string(dst));
  mailbox->set_receiver(receivers_[dst]);  // eager: sends flow before the receive is posted
  return pairs_.emplace(key, Pair{mailbox, topology_.path_latency(src, dst).value()}).first->second;
}

void PairMailboxes::release() {
  for (auto& [key, p] : pairs_) p.mailbox->set_receiver(nullptr);
}

std::uint64_t replay_rank(const collectives::Schedule& schedule, int rank, const std::vector<int>& devices,
                          PairMailboxes& mailboxes, RankScratch& s) {
  const int gpu = devices[rank];
  const int steps = schedule.step_count(rank);
  std::uint64_t flows = 0;
  for (int k = 0; k < steps; ++k) {
    schedule.step(rank, k, s.step);
    s.comms.clear();
    for (const auto& t : s.step.recvs)
      s.comms.push_back(mailboxes.pair(devices[t.peer], gpu).mailbox->get_async<void>(&s.sink));
    s.sends.clear();
    for (const auto& t : s.step.sends) {
      const auto& p = mailboxes.pair(gpu, devices[t.peer]);
      s.sends.push_back({p.latency * t.latency_count, p.mailbox, static_cast<std::uint64_t>(std::llround(t.bytes.value()))});
    }
    // Each send starts after its own latency: sleep in increasing order of delay.
    std::sort(s.sends.begin(), s.sends.end(), [](const auto& a, const auto& b) { return a.delay < b.delay; });
    double slept = 0.0;
    for (const auto& send : s.sends) {
      if (send.delay > slept) {
        sg4::this_actor::sleep_for(send.delay - slept);
        slept = send.delay;
      }
      s.comms.push_back(send.mailbox->put_async(&s, send.bytes));  // payload: any non-null pointer
    }
    flows += s.sends.size();
    sg4::Comm::wait_all(s.comms);
  }
  return flows;
}

Replay::Replay(const topology::Topology& topology, std::vector<ReplayJob> jobs)
    : jobs_(std::move(jobs)), mailboxes_(topology, actors_) {
  ranks_of_gpu_.resize(topology.gpu_count());
  for (std::size_t j = 0; j < jobs_.size(); ++j)
    for (std::size_t r = 0; r < jobs_[j].devices.size(); ++r) {
      auto& ranks = ranks_of_gpu_[jobs_[j].devices[r]];
      if (ranks.empty()) ranks.assign(jobs_.size(), -1);
      ranks[j] = static_cast<int>(r);
    }
}

std::size_t Replay::actor_count() const {
  return std::count_if(ranks_of_gpu_.begin(), ranks_of_gpu_.end(), [](const auto& r) { return !r.empty(); });
}

void Replay::spawn(const std::vector<sg4::Host*>& hosts) {
  barrier_ = sg4::Barrier::create(static_cast<unsigned>(actor_count()));
  actors_.resize(ranks_of_gpu_.size());
  for (int gpu = 0; gpu < static_cast<int>(ranks_of_gpu_.size()); ++gpu) {
    if (ranks_of_gpu_[gpu].empty()) continue;
    if (leader_ < 0) leader_ = gpu;
    actors_[gpu] = sg4::Actor::create("rank@gpu" + std::to_string(gpu), hosts[gpu],
                                      [this, gpu] { actor_main(gpu, ranks_of_gpu_[gpu]); });
  }
}

void Replay::actor_main(int gpu, const std::vector<int>& ranks) {
  RankScratch scratch;
  for (std::size_t j = 0; j < jobs_.size(); ++j) {
    if (gpu == leader_) jobs_[j].start = sg4::Engine::get_clock();
    if (ranks[j] >= 0) {
      replay_rank(*jobs_[j].schedule, ranks[j], jobs_[j].devices, mailboxes_, scratch);
      jobs_[j].end = std::max(jobs_[j].end, sg4::Engine::get_clock());
    }
    barrier_->wait();  // the next collective starts when every GPU is done with this one
  }
  if (gpu == leader_) mailboxes_.release();  // every other actor is past its last receive
}

}  // namespace trainsim::engine::detail
