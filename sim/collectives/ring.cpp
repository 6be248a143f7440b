// collectives/ring: flat and hierarchical rings for all_reduce, reduce_scatter and all_gather.
//
// A ring pass over m ranks moves one chunk per step from every rank to its successor. For timing,
// reduce-scatter and all-gather steps look the same (send a chunk to next, receive one from prev;
// only what the GPU does with the data differs), so every algorithm here is a list of phases, each
// a number of ring steps over one family of rings (the flat ring, the rings inside each node, or
// the rings that join equal local ranks across nodes) with a chunk size.
// Closed forms on an idle network (alpha = path latency, B = bandwidth of the ring's worst hop):
//   flat all_reduce      2(n-1) steps of S/n: T = 2(n-1)(alpha + S/(nB))
//   flat reduce_scatter  (n-1) steps of S/n:  T = (n-1)(alpha + S/(nB)); all_gather the same
//   hierarchical all_reduce over N nodes x g GPUs, the decomposition of Horovod's hierarchical
//   all-reduce (horovod/common/ops/nccl_operations.cc, NCCLHierarchicalAllreduce): intra-node
//   reduce-scatter (g-1 steps of S/g), inter-node all-reduce of S/g per local rank (2(N-1) steps
//   of S/(gN)), intra-node all-gather (g-1 steps of S/g):
//   T = 2(g-1)(alpha_in + S/(g B_in)) + 2(N-1)(alpha_net + S/(gN B_net)).
//   hierarchical reduce_scatter = the first two phases with an inter-node reduce-scatter
//   ((N-1) steps); all_gather = inter-node all-gather then intra-node all-gather.
//   pipelined hierarchical: the same phases, started together in one step, each ring's phases
//   merged into one flow (the NVLink ring's reduce-scatter and all-gather share its edge), as
//   NCCL's chunked channels keep NVLink and the NICs busy at once. On an idle network the time is
//   the slower of the two rings, each paying its own latencies:
//   T = max(2(g-1)(alpha_in + S/(g B_in)), 2(N-1)(alpha_net + S/(gN B_net))) for all_reduce.
//   It exists only in this whole-phase form (aggregated fidelity): unrolling its steps would
//   need a chunk pipeline to keep the overlap.
#include <stdexcept>
#include <unordered_map>

#include "collectives/schedules.hpp"

namespace trainsim::collectives::detail {
namespace {

using units::Bytes;

enum class Scope { flat, intra_node, inter_node };

struct Phase {
  Scope scope;
  int steps;    // algorithm steps (ring sends per rank)
  Bytes chunk;  // bytes per step
};

// Ranks placed on a nodes x per_node grid: rank_at[a * per_node + i] is local rank i of node a.
struct Grid {
  int nodes = 1, per_node = 1;
  std::vector<int> node_slot, local, rank_at;

  explicit Grid(const Group& group, bool hierarchical) {
    const int n = group.size();
    if (!hierarchical) {
      per_node = n;
      return;
    }
    std::unordered_map<int, int> slot_of_node;  // node id -> slot, in order of first appearance
    std::vector<int> count;
    node_slot.resize(n);
    local.resize(n);
    for (int r = 0; r < n; ++r) {
      auto [it, fresh] = slot_of_node.emplace(group.nodes[r], static_cast<int>(count.size()));
      if (fresh) count.push_back(0);
      node_slot[r] = it->second;
      local[r] = count[it->second]++;
    }
    nodes = static_cast<int>(count.size());
    per_node = count[0];
    rank_at.resize(n);
    for (int r = 0; r < n; ++r) rank_at[node_slot[r] * per_node + local[r]] = r;
  }
};

class RingSchedule final : public Schedule {
public:
  RingSchedule(Algorithm a, Fidelity f, Grid grid, int ranks, std::vector<Phase> phases)
      : Schedule(a, f, ranks), grid_(std::move(grid)), phases_(std::move(phases)) {}

  int step_count(int) const override {
    if (concurrent()) return 1;
    int total = 0;
    for (const Phase& p : phases_) total += steps_of(p);
    return total;
  }

  void step(int rank, int index, Step& out) const override {
    out.clear();
    if (concurrent()) {
      if (index != 0) throw std::out_of_range("pipelined schedule: one step only");
      return concurrent_step(rank, out);
    }
    for (const Phase& p : phases_) {
      if (index >= steps_of(p)) {
        index -= steps_of(p);
        continue;
      }
      const bool exact = fidelity() == Fidelity::exact;
      const Bytes bytes = exact ? p.chunk : p.chunk * p.steps;
      const double latency_count = exact ? 1.0 : p.steps;
      out.sends.push_back({neighbour(p.scope, rank, +1), bytes, latency_count});
      out.recvs.push_back({neighbour(p.scope, rank, -1), bytes, latency_count});
      return;
    }
    throw std::out_of_range("ring schedule: step index past the last step");
  }

  std::uint64_t flow_count() const override {
    if (!concurrent()) return std::uint64_t(step_count(0)) * std::uint64_t(ranks());
    std::uint64_t scopes = 0;
    for (Scope scope : {Scope::flat, Scope::intra_node, Scope::inter_node})
      for (const Phase& p : phases_)
        if (p.scope == scope) {
          ++scopes;
          break;
        }
    return scopes * std::uint64_t(ranks());
  }

private:
  int steps_of(const Phase& p) const { return fidelity() == Fidelity::exact ? p.steps : 1; }
  bool concurrent() const { return algorithm() == Algorithm::pipelined; }

  // Every phase at once: one send and one receive per ring (scope), carrying all of that ring's
  // phases, charged all of their steps' latencies.
  void concurrent_step(int rank, Step& out) const {
    for (Scope scope : {Scope::intra_node, Scope::inter_node}) {
      Bytes bytes(0);
      double latency_count = 0;
      for (const Phase& p : phases_)
        if (p.scope == scope) {
          bytes += p.chunk * p.steps;
          latency_count += p.steps;
        }
      if (latency_count == 0) continue;
      out.sends.push_back({neighbour(scope, rank, +1), bytes, latency_count});
      out.recvs.push_back({neighbour(scope, rank, -1), bytes, latency_count});
    }
  }

  // The successor (dir +1) or predecessor (dir -1) of `rank` on its ring of the given scope.
  int neighbour(Scope scope, int rank, int dir) const {
    const int n = ranks();
    if (scope == Scope::flat) return (rank + dir + n) % n;
    const int a = grid_.node_slot[rank], i = grid_.local[rank], g = grid_.per_node, N = grid_.nodes;
    if (scope == Scope::intra_node) return grid_.rank_at[a * g + (i + dir + g) % g];
    return grid_.rank_at[((a + dir + N) % N) * g + i];
  }

  Grid grid_;
  std::vector<Phase> phases_;
};

std::vector<Phase> flat_phases(Operation op, int n, Bytes size) {
  const int passes = op == Operation::all_reduce ? 2 : 1;  // reduce-scatter then all-gather
  return {{Scope::flat, passes * (n - 1), size / n}};
}

std::vector<Phase> hierarchical_phases(Operation op, int nodes, int per_node, Bytes size) {
  const Phase intra{Scope::intra_node, per_node - 1, size / per_node};
  const Bytes inter_chunk = size / (double(per_node) * nodes);
  switch (op) {
    case Operation::all_reduce: return {intra, {Scope::inter_node, 2 * (nodes - 1), inter_chunk}, intra};
    case Operation::reduce_scatter: return {intra, {Scope::inter_node, nodes - 1, inter_chunk}};
    case Operation::all_gather: return {{Scope::inter_node, nodes - 1, inter_chunk}, intra};
    default: throw std::invalid_argument("hierarchical ring phases exist only for reductions and gathers");
  }
}

}  // namespace

std::unique_ptr<Schedule> make_ring_schedule(const CollectiveSpec& spec, Algorithm algorithm, const Group& group,
                                             const Tuning& tuning) {
  const bool hierarchical = algorithm == Algorithm::hierarchical || algorithm == Algorithm::pipelined;
  Grid grid(group, hierarchical);
  std::vector<Phase> all = hierarchical ? hierarchical_phases(spec.op, grid.nodes, grid.per_node, spec.size)
                                        : flat_phases(spec.op, group.size(), spec.size);
  std::vector<Phase> phases;
  std::uint64_t steps = 0;
  for (const Phase& p : all)
    if (p.steps > 0) {  // a ring of one rank has nothing to do
      phases.push_back(p);
      steps += p.steps;
    }
  const Fidelity fidelity = algorithm == Algorithm::pipelined
                                ? Fidelity::aggregated  // its only form (see the top of this file)
                                : resolve_fidelity(spec.fidelity, steps * std::uint64_t(group.size()), tuning);
  return std::make_unique<RingSchedule>(algorithm, fidelity, std::move(grid), group.size(), std::move(phases));
}

}  // namespace trainsim::collectives::detail
