// collectives/tree: NCCL's double binary tree all-reduce (NCCL 2.4, "Massively scale your deep
// learning training with NCCL 2.4", NVIDIA 2019): two binary trees over the ranks, each carrying
// half the buffer, built so that the interior ranks of one are the leaves of the other; each
// tree reduces its half towards its root and broadcasts the result back down, in chunks that
// pipeline both directions at once.
//   Tree A is the heap order over the ranks (parent of r: (r-1)/2), tree B the same over the
//   mirrored ranks (n-1-r), so A's interior (lower half) is B's leaves. Depth D = floor(log2 n).
//   Modelled in its pipelined limit, like the pipelined hierarchical ring: one step in which
//   every rank sends S/2 up and S/2 down each tree edge at once, each flow charged the 2D path
//   latencies of a round trip through the tree. A rank interior in one tree sends 2S in all, so
//   on an idle network T = 2S/B + 2D alpha: about the ring's bandwidth (2(n-1)/n S/B) at a
//   logarithmic instead of linear latency. Aggregated form only (as the pipelined ring, for the
//   same reason); all_reduce only, as in NCCL; one rank per node (NCCL chains a node's GPUs and
//   joins the trees at one of them, which is not modelled).
#include <cmath>
#include <stdexcept>

#include "collectives/schedules.hpp"

namespace trainsim::collectives::detail {
namespace {

using units::Bytes;

class DoubleBinaryTree final : public Schedule {
public:
  DoubleBinaryTree(int ranks, Bytes size)
      : Schedule(Algorithm::tree, Fidelity::aggregated, ranks), half_(size / 2.0),
        latency_count_(2.0 * std::floor(std::log2(double(ranks)))) {}

  int step_count(int) const override { return 1; }

  void step(int rank, int index, Step& out) const override {
    out.clear();
    if (index != 0) throw std::out_of_range("tree schedule: one step only");
    for (bool mirrored : {false, true}) {
      const int pos = position(rank, mirrored);
      if (pos > 0) {  // up to the parent (reduce), down from it (broadcast)
        const int parent = rank_at((pos - 1) / 2, mirrored);
        out.sends.push_back({parent, half_, latency_count_});
        out.recvs.push_back({parent, half_, latency_count_});
      }
      for (int child_pos : {2 * pos + 1, 2 * pos + 2})
        if (child_pos < ranks()) {  // up from each child, down to it
          const int child = rank_at(child_pos, mirrored);
          out.recvs.push_back({child, half_, latency_count_});
          out.sends.push_back({child, half_, latency_count_});
        }
    }
  }

  // Each tree has n - 1 edges, each carrying one flow up and one down.
  std::uint64_t flow_count() const override { return 4 * std::uint64_t(ranks() - 1); }

private:
  int position(int rank, bool mirrored) const { return mirrored ? ranks() - 1 - rank : rank; }
  int rank_at(int pos, bool mirrored) const { return mirrored ? ranks() - 1 - pos : pos; }

  Bytes half_;
  double latency_count_;
};

}  // namespace

std::unique_ptr<Schedule> make_tree_all_reduce(const CollectiveSpec& spec, const Group& group) {
  if (spec.op != Operation::all_reduce) throw std::invalid_argument("the tree algorithm exists only for all_reduce");
  return std::make_unique<DoubleBinaryTree>(group.size(), spec.size);
}

}  // namespace trainsim::collectives::detail
