// engine/pipeline_flows: pipeline messages through per-pair couriers (see pipeline_flows.hpp).
#include "engine/pipeline_flows.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>

#include <simgrid/s4u/Comm.hpp>
#include <simgrid/s4u/Engine.hpp>

namespace trainsim::engine::detail {

namespace sg4 = simgrid::s4u;

namespace {

// The tag travels in the payload pointer itself: no allocation per message. +1 keeps it non-null.
void* encode(PipeTag tag) {
  const std::uintptr_t code = (std::uintptr_t(tag.micro_batch) << 24 | std::uintptr_t(tag.virtual_stage) << 1 |
                               std::uintptr_t(tag.gradient)) + 1;
  return reinterpret_cast<void*>(code);
}

PipeTag decode(void* payload) {
  const std::uintptr_t code = reinterpret_cast<std::uintptr_t>(payload) - 1;
  return {(code & 1) != 0, int(code >> 1 & 0x7fffff), int(code >> 24)};
}

}  // namespace

PipelineFlows::PipelineFlows(const topology::Topology& topology, const std::vector<sg4::Host*>& hosts,
                             const std::vector<sg4::ActorPtr>& receivers)
    : topology_(topology), hosts_(hosts), receivers_(receivers) {}

PipelineFlows::~PipelineFlows() = default;

PipelineFlows::Channel& PipelineFlows::channel(int src, int dst) {
  const auto key = std::uint64_t(src) << 32 | std::uint32_t(dst);
  auto it = channels_.find(key);
  if (it != channels_.end()) return it->second;
  Channel c;
  for (int kind = 0; kind < 2; ++kind) {
    c.mailbox[kind] = sg4::Mailbox::by_name((kind ? "pg" : "pa") + std::to_string(src) + ">" + std::to_string(dst));
    c.mailbox[kind]->set_receiver(receivers_[dst]);  // eager: flows before the receive is posted
  }
  couriers_.push_back(std::make_unique<Courier>());
  c.courier = couriers_.back().get();
  c.courier->latency = topology_.path_latency(src, dst).value();
  c.courier->ready = sg4::Semaphore::create(0);
  sg4::Actor::create("courier" + std::to_string(src) + ">" + std::to_string(dst), hosts_[src],
                     [courier = c.courier] { courier_main(courier); });
  return channels_.emplace(key, c).first->second;
}

void PipelineFlows::courier_main(Courier* courier) {
  sg4::Actor::self()->daemonize();  // it waits forever; the simulation ends with the stages
  for (;;) {
    courier->ready->acquire();
    const Parcel parcel = courier->queue.front();
    courier->queue.pop_front();
    // Due times are increasing: the latency is fixed and parcels are queued in time order.
    if (parcel.due > sg4::Engine::get_clock()) sg4::this_actor::sleep_until(parcel.due);
    parcel.mailbox->put_init(parcel.payload, parcel.bytes)->detach();
  }
}

void PipelineFlows::send(int src, int dst, PipeTag tag, std::uint64_t bytes) {
  Channel& c = channel(src, dst);
  c.courier->queue.push_back({sg4::Engine::get_clock() + c.courier->latency, c.mailbox[tag.gradient], encode(tag), bytes});
  c.courier->ready->release();
  ++messages_;
}

void PipelineFlows::receive(int src, int dst, PipeTag tag) {
  const PipeTag got = decode(channel(src, dst).mailbox[tag.gradient]->get<void>());
  if (got == tag) return;
  // Sender and receiver disagree on the order of passes: the schedule or this code is wrong, and
  // every later time would be meaningless.
  std::fprintf(stderr,
               "trainsim engine bug: GPU %d expected the %s of virtual stage %d, micro-batch %d from GPU %d, "
               "got the %s of virtual stage %d, micro-batch %d\n",
               dst, tag.gradient ? "gradient" : "activation", tag.virtual_stage, tag.micro_batch, src,
               got.gradient ? "gradient" : "activation", got.virtual_stage, got.micro_batch);
  std::abort();
}

void PipelineFlows::release() {
  for (auto& [key, c] : channels_)
    for (auto* mailbox : c.mailbox) mailbox->set_receiver(nullptr);
}

}  // namespace trainsim::engine::detail
