// collectives/collectives: names, algorithm and fidelity choice, the schedule factory, and the
// nccl-tests conventions.
#include "collectives/collectives.hpp"

#include <stdexcept>
#include <string>
#include <unordered_map>

#include "collectives/schedules.hpp"

namespace trainsim::collectives {

const char* to_string(Operation op) {
  switch (op) {
    case Operation::all_reduce: return "all_reduce";
    case Operation::reduce_scatter: return "reduce_scatter";
    case Operation::all_gather: return "all_gather";
    case Operation::all_to_all: return "all_to_all";
    case Operation::broadcast: return "broadcast";
    case Operation::send: return "send";
  }
  return "?";
}

const char* to_string(Algorithm a) {
  switch (a) {
    case Algorithm::automatic: return "auto";
    case Algorithm::ring: return "ring";
    case Algorithm::hierarchical: return "hierarchical";
    case Algorithm::pipelined: return "pipelined";
    case Algorithm::tree: return "tree";
    case Algorithm::direct: return "direct";
  }
  return "?";
}

const char* to_string(Fidelity f) {
  switch (f) {
    case Fidelity::automatic: return "auto";
    case Fidelity::exact: return "exact";
    case Fidelity::aggregated: return "aggregated";
  }
  return "?";
}

std::optional<Operation> parse_operation(std::string_view name) {
  for (Operation op : {Operation::all_reduce, Operation::reduce_scatter, Operation::all_gather, Operation::all_to_all,
                       Operation::broadcast, Operation::send})
    if (name == to_string(op)) return op;
  return std::nullopt;
}

std::optional<Algorithm> parse_algorithm(std::string_view name) {
  for (Algorithm a : {Algorithm::automatic, Algorithm::ring, Algorithm::hierarchical, Algorithm::pipelined,
                      Algorithm::tree, Algorithm::direct})
    if (name == to_string(a)) return a;
  return std::nullopt;
}

std::optional<Fidelity> parse_fidelity(std::string_view name) {
  for (Fidelity f : {Fidelity::automatic, Fidelity::exact, Fidelity::aggregated})
    if (name == to_string(f)) return f;
  return std::nullopt;
}

bool is_regular_multi_node(const Group& group) {
  std::unordered_map<int, int> per_node;
  for (int node : group.nodes) ++per_node[node];
  if (per_node.size() < 2) return false;
  const int g = per_node.begin()->second;
  if (g < 2) return false;
  for (const auto& [node, count] : per_node)
    if (count != g) return false;
  return true;
}

Algorithm choose_algorithm(Operation op, Algorithm requested, const Group& group) {
  const std::string name = to_string(op);
  if (op == Operation::all_to_all || op == Operation::send) {
    if (requested != Algorithm::automatic && requested != Algorithm::direct)
      throw std::invalid_argument(name + " has no '" + to_string(requested) + "' algorithm (expected auto or direct)");
    return Algorithm::direct;
  }
  if (requested == Algorithm::direct)
    throw std::invalid_argument(name + " has no 'direct' algorithm (expected auto, ring, hierarchical, pipelined or tree)");
  if (requested == Algorithm::tree) {
    if (op != Operation::all_reduce)
      throw std::invalid_argument(name + " has no 'tree' algorithm (NCCL's trees do all_reduce only)");
    std::unordered_map<int, int> per_node;
    for (int node : group.nodes)
      if (++per_node[node] > 1)
        throw std::invalid_argument(
            "all_reduce 'tree' is modelled for one rank per node (NCCL chains the GPUs of a node, which is not "
            "modelled; expected ring, hierarchical or pipelined)");
    return Algorithm::tree;
  }
  const bool node_aware = requested == Algorithm::hierarchical || requested == Algorithm::pipelined;
  if (op == Operation::broadcast) {
    if (node_aware)
      throw std::invalid_argument("broadcast has no '" + std::string(to_string(requested)) +
                                  "' algorithm (expected auto or ring: a pipelined chain)");
    return Algorithm::ring;
  }
  const bool regular = is_regular_multi_node(group);
  if (node_aware && !regular)
    throw std::invalid_argument(name + " '" + to_string(requested) +
                                "' needs several nodes with the same number (> 1) of ranks each");
  // NCCL picks per size from a cost model (src/graph/tuning.cc); trainsim keeps one rule for the
  // bandwidth-bound sizes it cares about: node-aware whenever there are NVLink peers and a
  // network, with NVLink and network phases overlapped as NCCL's pipelined channels overlap them.
  if (requested == Algorithm::automatic) return regular ? Algorithm::pipelined : Algorithm::ring;
  return requested;
}

std::unique_ptr<Schedule> make_schedule(const CollectiveSpec& spec, const Group& group, const Tuning& tuning) {
  const int n = group.size();
  if (n < 2) throw std::invalid_argument("a collective needs at least 2 ranks, got " + std::to_string(n));
  if (group.nodes.size() != group.devices.size())
    throw std::invalid_argument("group: one node per rank expected");
  if (spec.size.value() < 0) throw std::invalid_argument("collective size must not be negative");
  if (spec.root < 0 || spec.root >= n)
    throw std::invalid_argument("root rank " + std::to_string(spec.root) + " is outside the group of " +
                                std::to_string(n));
  const Algorithm algorithm = choose_algorithm(spec.op, spec.algorithm, group);
  switch (spec.op) {
    case Operation::all_reduce:
      if (algorithm == Algorithm::tree) return detail::make_tree_all_reduce(spec, group);
      return detail::make_ring_schedule(spec, algorithm, group, tuning);
    case Operation::reduce_scatter:
    case Operation::all_gather: return detail::make_ring_schedule(spec, algorithm, group, tuning);
    case Operation::broadcast: return detail::make_chain_broadcast(spec, group, tuning);
    case Operation::all_to_all: return detail::make_all_to_all(spec, group);
    case Operation::send: return detail::make_send(spec, group);
  }
  throw std::invalid_argument("unknown collective operation");
}

// nccl-tests doc/PERFORMANCE.md, section "Bus bandwidth": the factors below, per operation.
double bus_bandwidth_factor(Operation op, int ranks) {
  const double n = ranks;
  switch (op) {
    case Operation::all_reduce: return 2.0 * (n - 1) / n;
    case Operation::reduce_scatter:
    case Operation::all_gather:
    case Operation::all_to_all: return (n - 1) / n;
    case Operation::broadcast:
    case Operation::send: return 1.0;
  }
  return 1.0;
}

units::Bytes memory_traffic(Operation op, int ranks, units::Bytes size) {
  const double n = ranks;
  if (ranks < 2) return units::Bytes(0);
  switch (op) {
    case Operation::all_reduce: return size * (2.0 + 4.0 * (n - 1) / n);
    // Input S read; n-1 blocks received (written, read back); the own block written out.
    case Operation::reduce_scatter: return size * (1.0 + 2.0 * (n - 1) / n + 1.0 / n);
    // The own block read and copied out; n-1 blocks received (written, read back, written out).
    case Operation::all_gather: return size * (2.0 / n + 3.0 * (n - 1) / n);
    case Operation::all_to_all:
    case Operation::broadcast: return size * 2.0;
    case Operation::send: return size;
  }
  return size;
}

namespace detail {
Fidelity resolve_fidelity(Fidelity requested, std::uint64_t exact_flows, const Tuning& tuning) {
  if (requested != Fidelity::automatic) return requested;
  return exact_flows <= tuning.exact_flow_budget ? Fidelity::exact : Fidelity::aggregated;
}
}  // namespace detail

}  // namespace trainsim::collectives
