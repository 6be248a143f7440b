// collectives/schedules (private to collectives/): the schedule factories behind make_schedule.
#pragma once

#include <memory>

#include "collectives/collectives.hpp"

namespace trainsim::collectives::detail {

// Exact when the exact schedule has at most tuning.exact_flow_budget flows, unless forced.
Fidelity resolve_fidelity(Fidelity requested, std::uint64_t exact_flows, const Tuning& tuning);

// all_reduce, reduce_scatter, all_gather with algorithm ring, hierarchical or pipelined (ring.cpp).
std::unique_ptr<Schedule> make_ring_schedule(const CollectiveSpec& spec, Algorithm algorithm, const Group& group,
                                             const Tuning& tuning);
// all_reduce as NCCL's double binary tree, in its pipelined limit (tree.cpp).
std::unique_ptr<Schedule> make_tree_all_reduce(const CollectiveSpec& spec, const Group& group);
// broadcast as a pipelined chain in rank order starting at the root (chain.cpp).
std::unique_ptr<Schedule> make_chain_broadcast(const CollectiveSpec& spec, const Group& group, const Tuning& tuning);
// all_to_all (every rank sends S/n to every other at once) and p2p send (direct.cpp).
std::unique_ptr<Schedule> make_all_to_all(const CollectiveSpec& spec, const Group& group);
std::unique_ptr<Schedule> make_send(const CollectiveSpec& spec, const Group& group);

}  // namespace trainsim::collectives::detail
