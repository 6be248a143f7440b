// collectives/chain: broadcast as a pipelined chain, NCCL's ring broadcast (the ring without its
// last edge): the root cuts the buffer into C chunks, and every rank forwards chunk c to its
// successor while it receives chunk c+1. On an idle chain of n ranks with per-hop latency alpha
// and bandwidth B: T = (C + n - 2)(alpha + S/(C B)) (the segmented pipeline broadcast model of
// Pjesivac-Grbovic et al. 2007, "Performance analysis of MPI collective operations", Cluster
// Computing 10(2)).
#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "collectives/schedules.hpp"

namespace trainsim::collectives::detail {
namespace {

using units::Bytes;

class ChainBroadcast final : public Schedule {
public:
  ChainBroadcast(Fidelity f, int ranks, int root, Bytes size, int chunks)
      : Schedule(Algorithm::ring, f, ranks), root_(root), size_(size), chunks_(chunks) {}

  // Exact: step k receives chunk k and forwards chunk k-1 (C + 1 steps).
  // Aggregated: the chunks travel as three flows per edge: the first chunk (step 0 in, step 1
  // out), the C-2 middle ones as one flow charged C-2 latencies (step 2, in and out at once), and
  // the last chunk, forwarded only once everything before it has arrived (step 3). The last
  // chunk keeps the pipeline causal: a rank finishes no earlier than its predecessor plus one hop,
  // so the slowest edge bounds the chain as in the exact schedule. On an idle chain both give
  // the closed form above.
  int step_count(int) const override { return fidelity() == Fidelity::exact ? chunks_ + 1 : 4; }

  void step(int rank, int k, Step& out) const override {
    out.clear();
    const int n = ranks(), pos = (rank - root_ + n) % n;
    const bool has_prev = pos > 0, has_next = pos < n - 1;
    const int prev = (rank + n - 1) % n, next = (rank + 1) % n;
    const Bytes chunk = size_ / chunks_;
    if (fidelity() == Fidelity::exact) {
      if (has_prev && k < chunks_) out.recvs.push_back({prev, chunk, 1.0});
      if (has_next && k >= 1) out.sends.push_back({next, chunk, 1.0});
      return;
    }
    const Transfer first{0, chunk, 1.0}, middle{0, chunk * (chunks_ - 2), double(chunks_ - 2)}, last{0, chunk, 1.0};
    auto add = [&](std::vector<Transfer>& to, int peer, Transfer t) { t.peer = peer; to.push_back(t); };
    if (k == 0 && has_prev) add(out.recvs, prev, first);
    if (k == 1 && has_next) add(out.sends, next, first);
    if (k == 2 && chunks_ > 2 && has_next) add(out.sends, next, middle);
    if (k == 2 && chunks_ > 2 && has_prev) add(out.recvs, prev, middle);
    if (k == 2 && chunks_ > 1 && has_prev) add(out.recvs, prev, last);  // FIFO: after the middle
    if (k == 3 && chunks_ > 1 && has_next) add(out.sends, next, last);
  }

  std::uint64_t flow_count() const override {
    const std::uint64_t per_edge = fidelity() == Fidelity::exact ? chunks_ : std::min(chunks_, 3);
    return per_edge * std::uint64_t(ranks() - 1);
  }

private:
  int root_;
  Bytes size_;
  int chunks_;
};

}  // namespace

std::unique_ptr<Schedule> make_chain_broadcast(const CollectiveSpec& spec, const Group& group, const Tuning& tuning) {
  const double want = std::ceil(spec.size.value() / tuning.broadcast_chunk.value());
  const int chunks = static_cast<int>(std::clamp(want, 1.0, double(1 << 30)));
  const Fidelity fidelity =
      resolve_fidelity(spec.fidelity, std::uint64_t(chunks) * std::uint64_t(group.size() - 1), tuning);
  return std::make_unique<ChainBroadcast>(fidelity, group.size(), spec.root, spec.size, chunks);
}

}  // namespace trainsim::collectives::detail
