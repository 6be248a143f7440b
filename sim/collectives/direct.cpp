// collectives/direct: collectives where every pair talks directly, with nothing to aggregate.
//   all_to_all: every rank sends S/n to each of the n-1 others at once, as NCCL does with grouped
//   ncclSend/ncclRecv (nccl-tests src/alltoall.cu). Idle network, one shared bottleneck of
//   bandwidth B per rank (its NIC) carrying all peers: T = alpha + (n-1)/n * S / B.
//   send: rank `root` sends S to the other rank of a two-rank group: T = alpha + S/B.
// Their exact and aggregated forms are the same schedule (one step); it is reported as exact.
#include <stdexcept>

#include "collectives/schedules.hpp"

namespace trainsim::collectives::detail {
namespace {

using units::Bytes;

class AllToAll final : public Schedule {
public:
  AllToAll(int ranks, Bytes size) : Schedule(Algorithm::direct, Fidelity::exact, ranks), size_(size) {}
  int step_count(int) const override { return 1; }
  void step(int rank, int, Step& out) const override {
    out.clear();
    const int n = ranks();
    const Bytes block = size_ / n;
    // Peers in shifted order (rank+1, rank+2, ...) so that no receiver is everyone's first.
    for (int k = 1; k < n; ++k) {
      out.sends.push_back({(rank + k) % n, block, 1.0});
      out.recvs.push_back({(rank - k + n) % n, block, 1.0});
    }
  }
  std::uint64_t flow_count() const override { return std::uint64_t(ranks()) * std::uint64_t(ranks() - 1); }

private:
  Bytes size_;
};

class PointToPoint final : public Schedule {
public:
  PointToPoint(int sender, Bytes size) : Schedule(Algorithm::direct, Fidelity::exact, 2), sender_(sender), size_(size) {}
  int step_count(int) const override { return 1; }
  void step(int rank, int, Step& out) const override {
    out.clear();
    if (rank == sender_)
      out.sends.push_back({1 - sender_, size_, 1.0});
    else
      out.recvs.push_back({sender_, size_, 1.0});
  }
  std::uint64_t flow_count() const override { return 1; }

private:
  int sender_;
  Bytes size_;
};

}  // namespace

std::unique_ptr<Schedule> make_all_to_all(const CollectiveSpec& spec, const Group& group) {
  return std::make_unique<AllToAll>(group.size(), spec.size);
}

std::unique_ptr<Schedule> make_send(const CollectiveSpec& spec, const Group& group) {
  if (group.size() != 2) throw std::invalid_argument("send needs a group of exactly 2 ranks");
  return std::make_unique<PointToPoint>(spec.root, spec.size);
}

}  // namespace trainsim::collectives::detail
