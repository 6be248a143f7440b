// Tests for collectives/: schedules conserve data, pick algorithms like NCCL, and follow the
// nccl-tests conventions. Pure: no simulation.
#include <doctest/doctest.h>

#include "approx.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "collectives/collectives.hpp"

using namespace trainsim;
using namespace trainsim::collectives;

namespace {

// `nodes` nodes with `per_node` ranks each, ranks filled node by node.
Group grid(int nodes, int per_node) {
  Group g;
  for (int a = 0; a < nodes; ++a)
    for (int i = 0; i < per_node; ++i) {
      g.devices.push_back(a * per_node + i);
      g.nodes.push_back(a);
    }
  return g;
}

CollectiveSpec spec(Operation op, double bytes, Algorithm a = Algorithm::automatic, Fidelity f = Fidelity::automatic) {
  CollectiveSpec s;
  s.op = op;
  s.size = units::Bytes(bytes);
  s.algorithm = a;
  s.fidelity = f;
  return s;
}

struct Totals {
  std::vector<double> sent, received;       // bytes per rank
  std::vector<double> sent_off_node;        // bytes per rank to ranks of other nodes
  double latency_count = 0;                 // summed over rank 0's sends
  // Per ordered pair (from, to): the byte sizes sent and received, in order.
  std::map<std::pair<int, int>, std::vector<double>> sends, recvs;
};

Totals totals(const Schedule& s, const Group& g) {
  Totals t;
  t.sent.assign(s.ranks(), 0);
  t.received.assign(s.ranks(), 0);
  t.sent_off_node.assign(s.ranks(), 0);
  Step step;
  for (int r = 0; r < s.ranks(); ++r)
    for (int k = 0; k < s.step_count(r); ++k) {
      s.step(r, k, step);
      for (const auto& x : step.sends) {
        t.sent[r] += x.bytes.value();
        if (g.nodes[x.peer] != g.nodes[r]) t.sent_off_node[r] += x.bytes.value();
        if (r == 0) t.latency_count += x.latency_count;
        t.sends[{r, x.peer}].push_back(x.bytes.value());
      }
      for (const auto& x : step.recvs) {
        t.received[r] += x.bytes.value();
        t.recvs[{x.peer, r}].push_back(x.bytes.value());
      }
    }
  return t;
}

}  // namespace

TEST_CASE("a ring all-reduce sends and receives 2(n-1)/n * S per rank in both fidelities") {
  const double S = 1 << 30;
  for (int n : {2, 8, 64})
    for (Fidelity f : {Fidelity::exact, Fidelity::aggregated}) {
      CAPTURE(n);
      auto s = make_schedule(spec(Operation::all_reduce, S, Algorithm::ring, f), grid(n, 1));
      auto t = totals(*s, grid(n, 1));
      for (int r = 0; r < n; ++r) {
        CHECK(t.sent[r] == trainsim::test::rel(2.0 * (n - 1) / n * S));  // 2(n-1)/n * S
        CHECK(t.received[r] == trainsim::test::rel(2.0 * (n - 1) / n * S));
      }
      CHECK(t.latency_count == trainsim::test::rel(2.0 * (n - 1)));  // 2(n-1) latencies either way
      CHECK(s->step_count(0) == (f == Fidelity::exact ? 2 * (n - 1) : 1));
    }
}

TEST_CASE("ring reduce-scatter, all-gather and all-to-all send (n-1)/n * S per rank") {
  const double S = 64e6;
  const int n = 16;
  for (Operation op : {Operation::reduce_scatter, Operation::all_gather, Operation::all_to_all}) {
    CAPTURE(std::string(to_string(op)));
    auto t = totals(*make_schedule(spec(op, S), grid(n, 1)), grid(n, 1));
    for (int r = 0; r < n; ++r) CHECK(t.sent[r] == trainsim::test::rel((n - 1.0) / n * S));  // (n-1)/n * S
  }
}

TEST_CASE("hierarchical all-reduce sends 2(g-1)/g * S inside the node and 2(N-1)/N * S/g across nodes per rank") {
  const double S = 1 << 30;
  const int N = 4, g = 8;
  for (Fidelity f : {Fidelity::exact, Fidelity::aggregated}) {
    auto s = make_schedule(spec(Operation::all_reduce, S, Algorithm::hierarchical, f), grid(N, g));
    auto t = totals(*s, grid(N, g));
    for (int r = 0; r < N * g; ++r) {
      CHECK(t.sent_off_node[r] == trainsim::test::rel(2.0 * (N - 1) / N * S / g));            // 2(N-1)/N * S/g
      CHECK(t.sent[r] - t.sent_off_node[r] == trainsim::test::rel(2.0 * (g - 1) / g * S));   // 2(g-1)/g * S
    }
    CHECK(t.latency_count == trainsim::test::rel(2.0 * (g - 1) + 2.0 * (N - 1)));
  }
}

TEST_CASE("pipelined hierarchical all-reduce moves the hierarchical bytes in one step, one flow per ring and rank") {
  const double S = 1 << 30;
  const int N = 4, g = 8;
  for (Fidelity f : {Fidelity::exact, Fidelity::aggregated}) {
    auto s = make_schedule(spec(Operation::all_reduce, S, Algorithm::pipelined, f), grid(N, g));
    auto t = totals(*s, grid(N, g));
    for (int r = 0; r < N * g; ++r) {
      CHECK(t.sent_off_node[r] == trainsim::test::rel(2.0 * (N - 1) / N * S / g));            // 2(N-1)/N * S/g
      CHECK(t.sent[r] - t.sent_off_node[r] == trainsim::test::rel(2.0 * (g - 1) / g * S));   // 2(g-1)/g * S
    }
    CHECK(t.latency_count == trainsim::test::rel(2.0 * (g - 1) + 2.0 * (N - 1)));  // each ring its own steps
    CHECK(s->step_count(0) == 1);
    CHECK(s->flow_count() == 2u * N * g);  // the NVLink ring's and the network ring's edge, per rank
    CHECK(s->fidelity() == Fidelity::aggregated);  // its only form, even when exact is asked for
  }
}

TEST_CASE("the double binary tree sends S/2 each way on every edge of two complementary trees") {
  const double S = 1 << 30;
  const int n = 16;
  auto s = make_schedule(spec(Operation::all_reduce, S, Algorithm::tree), grid(n, 1));
  auto t = totals(*s, grid(n, 1));
  CHECK(s->step_count(0) == 1);
  CHECK(s->flow_count() == 4u * (n - 1));  // two trees of n - 1 edges, a flow up and one down each
  CHECK(s->fidelity() == Fidelity::aggregated);
  // Every rank is interior (two children) in at most one tree: it sends at most 2S, the busiest
  // send exactly that (heap order: rank 1 has children 3 and 4 in tree A, is a leaf in tree B).
  double most = 0;
  for (int r = 0; r < n; ++r) most = std::max(most, t.sent[r]);
  CHECK(most == trainsim::test::rel(2 * S));
  CHECK(t.sent[1] == trainsim::test::rel(2 * S));
  // latency: a round trip through a tree of depth floor(log2 16) = 4, on every flow
  Step step;
  s->step(0, 0, step);
  for (const auto& x : step.sends) CHECK(x.latency_count == 8.0);
  CHECK_THROWS_AS(make_schedule(spec(Operation::reduce_scatter, S, Algorithm::tree), grid(n, 1)), std::invalid_argument);
  CHECK_THROWS_AS(make_schedule(spec(Operation::all_reduce, S, Algorithm::tree), grid(2, 8)), std::invalid_argument);
}

TEST_CASE("every send has a matching receive, in the same order, for every operation, algorithm and fidelity") {
  const Group g = grid(4, 4);
  for (Operation op : {Operation::all_reduce, Operation::reduce_scatter, Operation::all_gather,
                       Operation::all_to_all, Operation::broadcast})
    for (Algorithm a : {Algorithm::ring, Algorithm::hierarchical, Algorithm::pipelined, Algorithm::tree, Algorithm::direct})
      for (Fidelity f : {Fidelity::exact, Fidelity::aggregated}) {
        const std::string what = std::string(to_string(op)) + " " + to_string(a) + " " + to_string(f);
        CAPTURE(what);
        try {
          choose_algorithm(op, a, g);
        } catch (const std::invalid_argument&) {
          continue;  // this algorithm does not apply to this operation
        }
        auto s = make_schedule(spec(op, 3e6, a, f), g);
        auto t = totals(*s, g);
        CHECK(t.sends == t.recvs);
        std::uint64_t flows = 0;
        for (const auto& [pair, sizes] : t.sends) flows += sizes.size();
        CHECK(flows == s->flow_count());
      }
}

TEST_CASE("a broadcast delivers the whole buffer to every rank but the root, in chunks of 512 KiB") {
  const double S = 8.0 * (1 << 20);  // 16 chunks
  for (Fidelity f : {Fidelity::exact, Fidelity::aggregated}) {
    auto sp = spec(Operation::broadcast, S, Algorithm::automatic, f);
    sp.root = 3;
    auto t = totals(*make_schedule(sp, grid(1, 8)), grid(1, 8));
    for (int r = 0; r < 8; ++r) CHECK(t.received[r] == trainsim::test::rel(r == 3 ? 0.0 : S));
    CHECK(t.sent[2] == 0.0);  // the chain ends just before the root
  }
  auto exact = make_schedule(spec(Operation::broadcast, S, Algorithm::automatic, Fidelity::exact), grid(1, 8));
  CHECK(exact->flow_count() == 7u * 16u);  // (n-1) edges x C chunks
}

TEST_CASE("auto picks pipelined hierarchical for several nodes with several GPUs each, ring otherwise, direct for all-to-all") {
  CHECK(choose_algorithm(Operation::all_reduce, Algorithm::automatic, grid(4, 8)) == Algorithm::pipelined);
  CHECK(choose_algorithm(Operation::all_gather, Algorithm::automatic, grid(2, 2)) == Algorithm::pipelined);
  CHECK(choose_algorithm(Operation::all_reduce, Algorithm::hierarchical, grid(4, 8)) == Algorithm::hierarchical);
  CHECK(choose_algorithm(Operation::all_reduce, Algorithm::automatic, grid(1, 8)) == Algorithm::ring);
  CHECK(choose_algorithm(Operation::all_reduce, Algorithm::automatic, grid(16, 1)) == Algorithm::ring);
  CHECK(choose_algorithm(Operation::broadcast, Algorithm::automatic, grid(4, 8)) == Algorithm::ring);
  CHECK(choose_algorithm(Operation::all_to_all, Algorithm::automatic, grid(4, 8)) == Algorithm::direct);
  Group uneven = grid(2, 4);
  uneven.devices.push_back(99);
  uneven.nodes.push_back(2);  // a third node with one rank
  CHECK(choose_algorithm(Operation::all_reduce, Algorithm::automatic, uneven) == Algorithm::ring);
  CHECK_THROWS_AS(choose_algorithm(Operation::all_reduce, Algorithm::hierarchical, uneven), std::invalid_argument);
  CHECK_THROWS_AS(choose_algorithm(Operation::all_reduce, Algorithm::pipelined, uneven), std::invalid_argument);
}

TEST_CASE("auto fidelity is exact up to the flow budget (a 128-rank ring all-reduce) and aggregated beyond") {
  auto ring = [](int n) { return make_schedule(spec(Operation::all_reduce, 1e9), grid(n, 1))->fidelity(); };
  CHECK(ring(64) == Fidelity::exact);
  CHECK(ring(128) == Fidelity::exact);  // 2 x 128 x 127 = 32,512 flows <= 2^15
  CHECK(ring(129) == Fidelity::aggregated);
  Tuning small;
  small.exact_flow_budget = 100;
  // 2 x 8 x 7 = 112 flows > 100
  CHECK(make_schedule(spec(Operation::all_reduce, 1e9), grid(8, 1), small)->fidelity() == Fidelity::aggregated);
}

TEST_CASE("bus bandwidth factors follow nccl-tests doc/PERFORMANCE.md") {
  CHECK(bus_bandwidth_factor(Operation::all_reduce, 8) == trainsim::test::rel(2.0 * 7 / 8));  // 2(n-1)/n
  CHECK(bus_bandwidth_factor(Operation::reduce_scatter, 8) == trainsim::test::rel(7.0 / 8));  // (n-1)/n
  CHECK(bus_bandwidth_factor(Operation::all_gather, 8) == trainsim::test::rel(7.0 / 8));
  CHECK(bus_bandwidth_factor(Operation::all_to_all, 8) == trainsim::test::rel(7.0 / 8));
  CHECK(bus_bandwidth_factor(Operation::broadcast, 8) == 1.0);
}

TEST_CASE("a ring collective's memory traffic: every received byte written and read back, plus the local buffers") {
  // Closed forms from NCCL's ring (collectives.hpp): per rank, what the schedule receives lands in
  // a receive buffer (written by the link) and is read back by the kernel; the input is read and
  // the output written once.
  const double S = 1 << 30;
  for (int n : {2, 8, 64}) {
    CAPTURE(n);
    auto received = [&](Operation op) {
      return totals(*make_schedule(spec(op, S, Algorithm::ring, Fidelity::exact), grid(n, 1)), grid(n, 1)).received[0];
    };
    const double input_and_output = 2 * S;
    CHECK(memory_traffic(Operation::all_reduce, n, units::Bytes(S)).value() ==
          trainsim::test::rel(2 * received(Operation::all_reduce) + input_and_output));
    // Reduce-scatter: the whole input read, the own output block written.
    CHECK(memory_traffic(Operation::reduce_scatter, n, units::Bytes(S)).value() ==
          trainsim::test::rel(2 * received(Operation::reduce_scatter) + S + S / n));
    // All-gather: received blocks are also written out; the own block is read and written.
    CHECK(memory_traffic(Operation::all_gather, n, units::Bytes(S)).value() ==
          trainsim::test::rel(3 * received(Operation::all_gather) + 2 * S / n));
  }
  // 8 ranks: 5.5 S through HBM for the 1.75 S each rank sends over its link.
  CHECK(memory_traffic(Operation::all_reduce, 8, units::Bytes(S)).value() == trainsim::test::rel(5.5 * S));
  CHECK(memory_traffic(Operation::all_to_all, 8, units::Bytes(S)).value() == trainsim::test::rel(2 * S));
  CHECK(memory_traffic(Operation::all_reduce, 1, units::Bytes(S)).value() == 0);
}

TEST_CASE("bad collective requests are refused with a reason") {
  CHECK_THROWS_AS(make_schedule(spec(Operation::all_reduce, 1e6), grid(1, 1)), std::invalid_argument);
  CHECK_THROWS_AS(make_schedule(spec(Operation::all_to_all, 1e6, Algorithm::ring), grid(1, 4)), std::invalid_argument);
  CHECK_THROWS_AS(make_schedule(spec(Operation::broadcast, 1e6, Algorithm::hierarchical), grid(2, 4)),
                  std::invalid_argument);
  CHECK_THROWS_AS(make_schedule(spec(Operation::broadcast, 1e6, Algorithm::pipelined), grid(2, 4)),
                  std::invalid_argument);
  auto bad_root = spec(Operation::broadcast, 1e6);
  bad_root.root = 8;
  CHECK_THROWS_AS(make_schedule(bad_root, grid(2, 4)), std::invalid_argument);
  CHECK(parse_operation("all_reduce") == Operation::all_reduce);
  CHECK(!parse_operation("allreduce"));
  CHECK(parse_algorithm("auto") == Algorithm::automatic);
  CHECK(parse_algorithm("pipelined") == Algorithm::pipelined);
  CHECK(parse_algorithm("tree") == Algorithm::tree);
  CHECK(parse_fidelity("aggregated") == Fidelity::aggregated);
}
