// collectives/collectives: collective operations as flow schedules (pure: no SimGrid).
//
// Owns: the collective algorithms (ring, hierarchical, pipelined hierarchical, double binary
// tree, pipelined chain broadcast, direct
// all-to-all, p2p send), the choice between them (like NCCL's), the choice between exact and
// aggregated fidelity, and the nccl-tests reporting conventions (bus bandwidth factors).
// A schedule says, for each rank, a sequence of steps; a step is a set of sends and receives that
// run concurrently, and the rank waits for all of them before its next step (the data dependency
// of a ring). Schedules are generated lazily, (rank, step) -> transfers, so that a 16k-rank ring
// never materialises its n^2 transfers. engine/ replays them as SimGrid flows.
// Depends on: units/ only. Knows nothing of topology/ or SimGrid: the caller says which node
// each rank sits on.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "units/quantity.hpp"

namespace trainsim::collectives {

enum class Operation { all_reduce, reduce_scatter, all_gather, all_to_all, broadcast, send };
// `automatic` picks like NCCL (see choose_algorithm). `direct` is what all_to_all and send use:
// every pair talks directly, with no algorithm to choose. `hierarchical` runs its NVLink and
// network phases one after the other (Horovod); `pipelined` overlaps them, as NCCL's chunked
// rings and trees do: the same flows, started together. `tree` is NCCL's double binary tree
// (all_reduce only), never chosen by `automatic` yet.
enum class Algorithm { automatic, ring, hierarchical, pipelined, tree, direct };
enum class Fidelity { automatic, exact, aggregated };

const char* to_string(Operation op);
const char* to_string(Algorithm a);
const char* to_string(Fidelity f);
std::optional<Operation> parse_operation(std::string_view name);  // "all_reduce", ...
std::optional<Algorithm> parse_algorithm(std::string_view name);  // "auto", "ring", "hierarchical", "pipelined", "tree"
std::optional<Fidelity> parse_fidelity(std::string_view name);    // "auto", "exact", "aggregated"

// The ranks of a communicator. rank r runs on GPU devices[r], which sits in node nodes[r].
struct Group {
  std::vector<int> devices;
  std::vector<int> nodes;
  int size() const { return static_cast<int>(devices.size()); }
};

// One collective call. `size` follows nccl-tests: the per-rank buffer as nccl-tests counts it
// (all_reduce, broadcast: the buffer; reduce_scatter: the input, n blocks; all_gather: the output,
// n blocks; all_to_all: the send buffer, S/n to each rank; send: the message).
struct CollectiveSpec {
  Operation op = Operation::all_reduce;
  units::Bytes size{0};
  Algorithm algorithm = Algorithm::automatic;
  Fidelity fidelity = Fidelity::automatic;
  int root = 0;  // broadcast: the rank that holds the data; send: the sender (receiver is the other)
};

// Knobs of the schedule generator; the defaults are documented in docs/network-model.md.
struct Tuning {
  // Fidelity::automatic runs a schedule exactly when it has at most this many flows (a flat ring
  // all-reduce of n ranks has 2n(n-1): exact up to 128 ranks). Measured at ~5 us of wall time per
  // flow in SimGrid 3.32, 2^15 flows cost ~0.15 s per collective.
  std::uint64_t exact_flow_budget = std::uint64_t(1) << 15;
  // Broadcast pipelines its buffer in chunks of this size: NCCL's Simple protocol moves
  // NCCL_BUFFSIZE (4 MiB) / NCCL_STEPS (8) = 512 KiB per step (NCCL src/include/collectives.h).
  units::Bytes broadcast_chunk{512.0 * 1024.0};
};

// A send or receive inside a step. `peer` is a group rank. A transfer of an aggregated schedule
// stands for `latency_count` algorithm steps: the engine charges that many path latencies before
// it (feasibility note P7); exact transfers have latency_count 1.
struct Transfer {
  int peer = 0;
  units::Bytes bytes{0};
  double latency_count = 1.0;
};

struct Step {
  std::vector<Transfer> sends;
  std::vector<Transfer> recvs;
  void clear() { sends.clear(); recvs.clear(); }
};

class Schedule {
public:
  virtual ~Schedule() = default;
  Algorithm algorithm() const { return algorithm_; }
  Fidelity fidelity() const { return fidelity_; }
  int ranks() const { return ranks_; }

  virtual int step_count(int rank) const = 0;
  // Fills `out` (cleared first) with the transfers of step `index` of `rank`. O(transfers).
  virtual void step(int rank, int index, Step& out) const = 0;
  // Number of sends over all ranks and steps (what the engine will simulate).
  virtual std::uint64_t flow_count() const = 0;

protected:
  Schedule(Algorithm a, Fidelity f, int ranks) : algorithm_(a), fidelity_(f), ranks_(ranks) {}

private:
  Algorithm algorithm_;
  Fidelity fidelity_;
  int ranks_;
};

// True when the group has the same number (> 1) of ranks on each of several (> 1) nodes, the
// shape the hierarchical algorithms need.
bool is_regular_multi_node(const Group& group);

// The algorithm `automatic` resolves to, like NCCL: pipelined hierarchical for reductions and gathers over
// several nodes with several GPUs each, else ring; direct for all_to_all and send. An explicit
// choice is checked: throws std::invalid_argument when it cannot run this operation on this group.
Algorithm choose_algorithm(Operation op, Algorithm requested, const Group& group);

// Builds the schedule of one collective. Throws std::invalid_argument on a bad request (group of
// fewer than 2 ranks, root out of range, algorithm that does not apply, negative size).
std::unique_ptr<Schedule> make_schedule(const CollectiveSpec& spec, const Group& group, const Tuning& tuning = {});

// nccl-tests' bus bandwidth factor: busbw = algbw * factor, algbw = S / t. Source: NVIDIA
// nccl-tests, doc/PERFORMANCE.md ("Bus bandwidth"): AllReduce 2(n-1)/n, ReduceScatter and
// AllGather (n-1)/n, AlltoAll (n-1)/n, Broadcast and SendRecv 1. The factor makes busbw
// comparable to the hardware link speed whatever the rank count.
double bus_bandwidth_factor(Operation op, int ranks);

// Bytes that one rank's GPU memory (HBM) reads and writes during a collective of `size` (nccl-tests
// convention, above), for the GPU's power while it communicates (docs/energy-model.md). NCCL's ring
// (Simple protocol; NCCL src/device/all_reduce.h, reduce_scatter.h, all_gather.h) moves every
// chunk through a receive buffer in the receiver's memory: the sender's link write lands there, the
// receiver's kernel reads it back, reduces it with its own input (read) and writes the result (or
// forwards it). An all-reduce of S on n ranks: input read S, receive-buffer writes and reads
// 2(n-1)/n S each, output written S, i.e. 2S + 4(n-1)/n S (5.5 S on 8 ranks, while 1.75 S leave
// on the link). An all-to-all reads its send buffer and writes its receive buffer: 2S. A
// broadcast writes the buffer and reads it to forward it: 2S; a send reads (or receives) S.
units::Bytes memory_traffic(Operation op, int ranks, units::Bytes size);

}  // namespace trainsim::collectives
