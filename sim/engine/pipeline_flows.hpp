// engine/pipeline_flows (private to engine/): pipeline-parallel messages between GPUs as flows.
//
// A stage sends its activations (forward) or input gradients (backward) to a neighbouring GPU
// without waiting for delivery, and the receiver blocks until the message it needs is there.
// Like the collective replay (replay.hpp), links carry no latency and the path latency is charged
// before the flow starts; but a stage must not sleep that latency itself (it would delay its next
// pass), so each (source GPU, destination GPU) pair has a *courier*: a daemon actor on the source
// host that takes the stage's messages in order, sleeps until each one's send time + latency and
// then posts it (detached). Per message that costs one sleep and one comm, and a semaphore hand-off.
//
// Messages travel through one mailbox per (pair, kind) with the destination's stage actor as
// permanent receiver, so they flow as soon as they are posted. Sender and receiver walk their
// passes in the same order, so the mailboxes are FIFO; each message carries the pass it feeds, and
// a mismatch on receipt is a bug that aborts the simulation.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <unordered_map>
#include <vector>

#include <simgrid/s4u/Actor.hpp>
#include <simgrid/s4u/Host.hpp>
#include <simgrid/s4u/Mailbox.hpp>
#include <simgrid/s4u/Semaphore.hpp>

#include "topology/topology.hpp"

namespace trainsim::engine::detail {

// Which pass a message feeds: the receiver's virtual stage and micro-batch, and whether it is an
// activation (forward) or a gradient (backward).
struct PipeTag {
  bool gradient = false;
  int virtual_stage = 0;
  int micro_batch = 0;
  bool operator==(const PipeTag& o) const {
    return gradient == o.gradient && virtual_stage == o.virtual_stage && micro_batch == o.micro_batch;
  }
};

class PipelineFlows {
public:
  // `receivers[gpu]` is the stage actor that receives on that GPU; it must be filled before the
  // first message and outlive this object.
  PipelineFlows(const topology::Topology& topology, const std::vector<simgrid::s4u::Host*>& hosts,
                const std::vector<simgrid::s4u::ActorPtr>& receivers);
  ~PipelineFlows();

  // Queues a message from src_gpu to dst_gpu; it leaves after the path latency. Never blocks.
  void send(int src_gpu, int dst_gpu, PipeTag tag, std::uint64_t bytes);
  // Blocks until the next message from src_gpu of tag's kind arrives; aborts if it is not `tag`.
  void receive(int src_gpu, int dst_gpu, PipeTag tag);
  // Drops the permanent receivers; call once no stage will receive anymore.
  void release();
  std::uint64_t messages() const { return messages_; }
  std::size_t couriers() const { return couriers_.size(); }

private:
  struct Parcel {
    double due;  // simulated time at which the flow starts
    simgrid::s4u::Mailbox* mailbox;
    void* payload;
    std::uint64_t bytes;
  };
  struct Courier {
    double latency = 0;
    std::deque<Parcel> queue;
    simgrid::s4u::SemaphorePtr ready;  // one token per queued parcel
  };
  struct Channel {
    simgrid::s4u::Mailbox* mailbox[2];  // [gradient]
    Courier* courier;
  };

  Channel& channel(int src_gpu, int dst_gpu);
  static void courier_main(Courier* courier);

  const topology::Topology& topology_;
  const std::vector<simgrid::s4u::Host*>& hosts_;
  const std::vector<simgrid::s4u::ActorPtr>& receivers_;
  std::unordered_map<std::uint64_t, Channel> channels_;
  std::vector<std::unique_ptr<Courier>> couriers_;
  std::uint64_t messages_ = 0;
};

}  // namespace trainsim::engine::detail
