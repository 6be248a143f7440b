// Tests for topology/: graph shape, routes, latencies, connectivity checks, bisection bandwidth,
// realised oversubscription and DOT export, against closed forms.
#include <doctest/doctest.h>

#include "approx.hpp"

#include <filesystem>
#include <set>
#include <sstream>

#include "platform/load.hpp"
#include "topology/topology.hpp"

using namespace trainsim;
using trainsim::test::rel;
using topology::LinkKind;
using topology::Topology;

namespace {
// A DGX-A100-like platform built in code: 8 GPUs and 8 x 25 GB/s NICs per node.
platform::Platform dgx_like(int nodes, int nodes_per_leaf, int spines, double oversubscription,
                            platform::NetworkTopology kind = platform::NetworkTopology::fat_tree) {
  platform::Platform p;
  p.name = "test";
  p.gpu.name = "A100";
  p.gpu.nvlink_bandwidth = units::Bandwidth(600e9);
  p.gpu.pcie_gen = 4;
  p.node.gpus = 8;
  p.node.nics = 8;
  p.node.nic_bandwidth = units::Bandwidth(25e9);
  p.node.intra_latency = units::Seconds(2e-6);
  p.node.nic_latency = units::Seconds(1e-6);
  p.network.topology = kind;
  p.network.nodes = nodes;
  p.network.nodes_per_leaf = nodes_per_leaf;
  p.network.spines = spines;
  p.network.oversubscription = oversubscription;
  p.network.link_bandwidth = units::Bandwidth(25e9);
  p.network.link_latency = units::Seconds(100e-9);
  p.network.switch_latency = units::Seconds(130e-9);
  return p;
}

// Follows the hops from src and returns the vertex reached (to check that routes are paths).
topology::VertexId walk(const Topology& t, int src, const std::vector<topology::Hop>& hops) {
  topology::VertexId at = t.gpu_vertex(src);
  for (const auto& h : hops) {
    const auto& l = t.link(h.link);
    REQUIRE((h.forward ? l.a : l.b) == at);
    at = h.forward ? l.b : l.a;
  }
  return at;
}
}  // namespace

TEST_CASE("a 4-node fat-tree with 2 nodes per leaf has the expected vertices and links") {
  Topology t(dgx_like(4, 2, 2, 1.0));
  // 32 GPUs + 4 NVSwitch planes + 32 NICs + 2 leaves + 2 spines.
  CHECK(t.vertex_count() == 32 + 4 + 32 + 2 + 2);
  // 32 NVLink + 32 GPU-NIC PCIe + 32 access + 2 x 2 uplinks.
  CHECK(t.link_count() == 32 + 32 + 32 + 4);
  CHECK(t.check().empty());
}

TEST_CASE("routes are connected paths from the source GPU to the destination GPU") {
  for (auto kind : {platform::NetworkTopology::fat_tree, platform::NetworkTopology::rail_optimized}) {
    Topology t(dgx_like(8, 2, 4, 1.0, kind));
    for (int src : {0, 3, 17, 63})
      for (int dst : {0, 1, 9, 40, 62}) {
        std::vector<topology::Hop> hops;
        t.route(src, dst, hops);
        CHECK(walk(t, src, hops) == t.gpu_vertex(dst));
      }
  }
}

TEST_CASE("path latency is the sum of cables and switches crossed") {
  Topology t(dgx_like(4, 2, 2, 1.0));
  // Inside a node: the node's GPU-to-GPU latency, 2 us.
  CHECK(t.path_latency(0, 5).value() == rel(2e-6));
  // Same leaf: 2 x NIC (1 us) + 2 cables (100 ns) + 1 switch (130 ns).
  CHECK(t.path_latency(0, 8).value() == rel(2e-6 + 2 * 100e-9 + 130e-9));
  // Across the spine: 2 x NIC + 4 cables + 3 switches.
  CHECK(t.path_latency(0, 16).value() == rel(2e-6 + 4 * 100e-9 + 3 * 130e-9));
}

TEST_CASE("path bandwidth: NVLink per direction inside a node, the NIC across nodes") {
  Topology t(dgx_like(4, 2, 2, 1.0));
  CHECK(t.path_bandwidth(0, 1).value() == rel(300e9));  // 600 GB/s total NVLink / 2 directions
  CHECK(t.path_bandwidth(0, 16).value() == rel(25e9));  // 200 Gb/s NIC
}

TEST_CASE("rail-optimised fabric: same-rail traffic stays on one leaf, cross-rail crosses a spine") {
  Topology t(dgx_like(4, 4, 2, 1.0, platform::NetworkTopology::rail_optimized));
  CHECK(t.leaf_count() == 8);  // one rail leaf per NIC index
  std::vector<topology::Hop> same_rail, cross_rail;
  t.route(0, 8, same_rail);   // gpu0 of node0 -> gpu0 of node1: rail 0
  t.route(0, 9, cross_rail);  // rail 0 -> rail 1
  CHECK(same_rail.size() == 4);
  CHECK(cross_rail.size() == 6);
}

TEST_CASE("bisection bandwidth of a non-blocking fat-tree is half the nodes times their NIC bandwidth") {
  // 8 nodes x 8 NICs x 25 GB/s: N/2 x 200 GB/s = 800 GB/s each direction.
  Topology t(dgx_like(8, 2, 4, 1.0));
  CHECK(t.bisection_bandwidth().value() == rel(800e9));
}

TEST_CASE("a 2:1 oversubscribed fat-tree halves the bisection bandwidth") {
  Topology t(dgx_like(8, 2, 4, 2.0));
  CHECK(t.realised_oversubscription() == rel(2.0));
  CHECK(t.bisection_bandwidth().value() == rel(400e9));
}

TEST_CASE("the realised oversubscription reflects whole uplink cables, not the requested ratio") {
  // 16 down ports at 3:1 need ceil(16/3) = 6 uplink cables: 16/6 = 2.67, not 3.
  Topology t(dgx_like(8, 2, 2, 3.0));
  CHECK(t.realised_oversubscription() == rel(16.0 / 6.0));
}

TEST_CASE("a multi-leaf fabric without spines is reported as disconnected") {
  Topology t(dgx_like(4, 2, 0, 1.0));
  auto problems = t.check();
  REQUIRE(!problems.empty());
  CHECK(problems[0].find("cannot reach gpu0") != std::string::npos);
}

TEST_CASE("the bundled 1,024-GPU A100 platform is sound and has full bisection bandwidth") {
  auto p = platform::load_platform(std::filesystem::path(TRAINSIM_SOURCE_DIR) / "platforms/dgx-a100-1024.yaml");
  Topology t(p);
  CHECK(t.gpu_count() == 1024);
  CHECK(t.check().empty());
  CHECK(t.realised_oversubscription() == rel(1.0));
  // 64 nodes on each side x 8 NICs x 25 GB/s = 12.8 TB/s.
  CHECK(t.bisection_bandwidth().value() == rel(12.8e12));
}

TEST_CASE("PCIe nodes route through the host PCIe switch and share their NICs") {
  auto p = platform::load_platform(std::filesystem::path(TRAINSIM_SOURCE_DIR) / "platforms/a10-pcie-64.yaml");
  Topology t(p);
  CHECK(t.check().empty());
  std::vector<topology::Hop> hops;
  t.route(0, 4, hops);  // node 0 -> node 1: gpu, pcie switch, nic, leaf, nic, pcie switch, gpu
  CHECK(hops.size() == 6);
  CHECK(walk(t, 0, hops) == t.gpu_vertex(4));
  // Gen4 x16 = 31.5 GB/s between GPUs of one node, x 0.8 efficiency from the node catalog.
  CHECK(t.path_bandwidth(0, 1).value() == rel(31.5077e9 * 0.8).epsilon(1e-4));
}

TEST_CASE("DOT export names every vertex and link") {
  Topology t(dgx_like(2, 2, 0, 1.0));
  std::ostringstream dot;
  t.write_dot(dot);
  std::string s = dot.str();
  CHECK(s.rfind("graph \"test\" {", 0) == 0);
  CHECK(s.find("gpu15") != std::string::npos);
  std::size_t edges = 0;
  for (std::size_t at = s.find(" -- "); at != std::string::npos; at = s.find(" -- ", at + 1)) ++edges;
  CHECK(edges == t.link_count());
}

TEST_CASE("d-mod-k: flows to the hosts of one rail leaf spread over all spines") {
  // 16 nodes per rail group, 16 spines: the 16 destinations on rail 0 use 16 different spines.
  Topology t(dgx_like(32, 16, 16, 1.0, platform::NetworkTopology::rail_optimized));
  std::set<topology::LinkId> uplinks;
  for (int node = 16; node < 32; ++node) {
    std::vector<topology::Hop> hops;
    t.route(0, node * 8, hops);  // gpu0 of node 0 -> gpu0 (rail 0) of nodes 16..31, another group
    REQUIRE(hops.size() == 6);
    CHECK(t.link(hops[2].link).kind == LinkKind::uplink);
    uplinks.insert(hops[2].link);
  }
  CHECK(uplinks.size() == 16);
}
