// topology/topology: building the graph from a Platform, and routing.
#include "topology/topology.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "topology/layout.hpp"

namespace trainsim::topology {

using units::Bandwidth;
using units::Seconds;

const char* to_string(VertexKind k) {
  switch (k) {
    case VertexKind::gpu: return "gpu";
    case VertexKind::nvswitch: return "nvswitch";
    case VertexKind::pcie_switch: return "pcie_switch";
    case VertexKind::nic: return "nic";
    case VertexKind::leaf: return "leaf";
    case VertexKind::spine: return "spine";
  }
  return "?";
}

const char* to_string(LinkKind k) {
  switch (k) {
    case LinkKind::nvlink: return "nvlink";
    case LinkKind::pcie: return "pcie";
    case LinkKind::access: return "access";
    case LinkKind::uplink: return "uplink";
  }
  return "?";
}

namespace {
constexpr std::uint32_t kNoNode = std::numeric_limits<std::uint32_t>::max();

}  // namespace

Topology::Topology(const platform::Platform& platform)
    : platform_(platform), inventory_(fabric_inventory(platform)), layout_(std::make_unique<Layout>()) {
  const auto& node = platform_.node;
  const auto& net = platform_.network;
  Layout& L = *layout_;
  L.gpus = platform_.gpu_count();
  L.nodes = net.nodes;
  L.gpus_per_node = node.gpus;
  L.nics_per_node = node.nics;
  L.nodes_per_leaf = net.nodes_per_leaf;
  L.leaves = platform::leaf_switches(platform_);
  L.spines = L.leaves > 1 ? net.spines : 0;
  L.pcie_fabric = node.fabric == platform::IntraNodeFabric::pcie;
  L.rail_optimized = net.topology == platform::NetworkTopology::rail_optimized;

  // Vertices.
  for (int g = 0; g < L.gpus; ++g)
    vertices_.push_back({VertexKind::gpu, std::uint32_t(g), std::uint32_t(L.node_of(g))});
  L.first_fabric = VertexId(vertices_.size());
  for (int n = 0; n < L.nodes; ++n)
    vertices_.push_back({L.pcie_fabric ? VertexKind::pcie_switch : VertexKind::nvswitch, std::uint32_t(n), std::uint32_t(n)});
  L.first_nic = VertexId(vertices_.size());
  for (int i = 0; i < L.nodes * L.nics_per_node; ++i)
    vertices_.push_back({VertexKind::nic, std::uint32_t(i), std::uint32_t(i / L.nics_per_node)});
  L.first_leaf = VertexId(vertices_.size());
  for (int i = 0; i < L.leaves; ++i) vertices_.push_back({VertexKind::leaf, std::uint32_t(i), kNoNode});
  L.first_spine = VertexId(vertices_.size());
  for (int i = 0; i < L.spines; ++i) vertices_.push_back({VertexKind::spine, std::uint32_t(i), kNoNode});

  // Links. Latency: each link carries half the traversal latency of each switch at its ends, so
  // that a path's latency is the sum of its cables plus every switch it crosses.
  const Bandwidth pcie = platform::pcie_x16_bandwidth(platform_.gpu.pcie_gen);
  const Bandwidth intra = L.pcie_fabric ? pcie : platform_.gpu.nvlink_per_direction();
  const LinkKind intra_kind = L.pcie_fabric ? LinkKind::pcie : LinkKind::nvlink;
  for (int g = 0; g < L.gpus; ++g)
    links_.push_back({intra_kind, VertexId(g), L.first_fabric + VertexId(L.node_of(g)), intra, node.intra_efficiency,
                      node.intra_latency / 2.0});
  L.first_nic_pcie = LinkId(links_.size());
  if (L.pcie_fabric) {
    for (int i = 0; i < L.nodes * L.nics_per_node; ++i)
      links_.push_back({LinkKind::pcie, L.first_nic + VertexId(i), L.first_fabric + VertexId(i / L.nics_per_node), pcie,
                        net.efficiency, node.nic_latency});
  } else {
    for (int g = 0; g < L.gpus; ++g)
      links_.push_back({LinkKind::pcie, VertexId(g), L.first_nic + VertexId(L.nic_of(g)), pcie, net.efficiency,
                        node.nic_latency});
  }
  L.first_access = LinkId(links_.size());
  const Bandwidth access = std::min(node.nic_bandwidth, net.link_bandwidth);
  for (int i = 0; i < L.nodes * L.nics_per_node; ++i)
    links_.push_back({LinkKind::access, L.first_nic + VertexId(i), L.first_leaf + VertexId(L.leaf_of_nic(i)), access,
                      net.efficiency, net.link_latency + net.switch_latency / 2.0});
  L.first_uplink = LinkId(links_.size());
  if (L.spines > 0) {
    // A leaf gets ceil(down ports / oversubscription) uplink cables, spread over the spines; one
    // aggregated link per (leaf, spine) pair carries their combined bandwidth.
    const int cables = platform::leaf_up_ports(platform_);
    Bandwidth per_pair = net.link_bandwidth * (double(cables) / L.spines);
    for (int leaf = 0; leaf < L.leaves; ++leaf)
      for (int s = 0; s < L.spines; ++s)
        links_.push_back({LinkKind::uplink, L.first_leaf + VertexId(leaf), L.first_spine + VertexId(s), per_pair,
                          net.efficiency, net.link_latency + net.switch_latency});
  }

  graph_ = std::make_unique<Graph>();
  graph_->g = UndirectedGraph(vertices_.size());
  for (LinkId l = 0; l < links_.size(); ++l) boost::add_edge(links_[l].a, links_[l].b, l, graph_->g);
}

Topology::~Topology() = default;
Topology::Topology(Topology&&) noexcept = default;
Topology& Topology::operator=(Topology&&) noexcept = default;

int Topology::gpu_count() const { return layout_->gpus; }
int Topology::node_count() const { return layout_->nodes; }
int Topology::gpus_per_node() const { return layout_->gpus_per_node; }
int Topology::leaf_count() const { return layout_->leaves; }
int Topology::spine_count() const { return layout_->spines; }
VertexId Topology::gpu_vertex(int gpu) const { return VertexId(gpu); }

std::string Topology::vertex_name(VertexId v) const {
  const Vertex& x = vertices_[v];
  std::string idx = std::to_string(x.index);
  switch (x.kind) {
    case VertexKind::gpu: return "gpu" + idx;
    case VertexKind::nvswitch: return "node" + idx + "/nvswitch";
    case VertexKind::pcie_switch: return "node" + idx + "/pcie";
    case VertexKind::nic: return "node" + std::to_string(x.node) + "/nic" + std::to_string(x.index % layout_->nics_per_node);
    case VertexKind::leaf: return "leaf" + idx;
    case VertexKind::spine: return "spine" + idx;
  }
  return "?";
}

void Topology::route(int src, int dst, std::vector<Hop>& out) const {
  if (src == dst) return;
  const Layout& L = *layout_;
  if (L.node_of(src) == L.node_of(dst)) {
    out.push_back({L.intra_link(src), true});
    out.push_back({L.intra_link(dst), false});
    return;
  }
  const int nic_s = L.nic_of(src), nic_d = L.nic_of(dst);
  // Host side up to the NIC.
  if (L.pcie_fabric) {
    out.push_back({L.intra_link(src), true});        // gpu -> host PCIe switch
    out.push_back({L.nic_pcie_link(src), false});    // host PCIe switch -> nic
  } else {
    out.push_back({L.nic_pcie_link(src), true});     // gpu -> nic
  }
  out.push_back({L.access_link(nic_s), true});       // nic -> leaf
  const int leaf_s = L.leaf_of_nic(nic_s), leaf_d = L.leaf_of_nic(nic_d);
  if (leaf_s != leaf_d) {
    // Static d-mod-k routing: the destination's port on its leaf picks the spine, so flows to
    // the different hosts of a leaf leave through different uplinks (as fat-tree routing engines
    // such as OpenSM's ftree do). Using the global NIC index instead would send all traffic for
    // one rail of a rail-optimised fabric through the same few spines.
    const int spine = L.port_on_leaf(nic_d) % L.spines;
    out.push_back({L.uplink(leaf_s, spine), true});
    out.push_back({L.uplink(leaf_d, spine), false});
  }
  out.push_back({L.access_link(nic_d), false});      // leaf -> nic
  if (L.pcie_fabric) {
    out.push_back({L.nic_pcie_link(dst), true});     // nic -> host PCIe switch
    out.push_back({L.intra_link(dst), false});       // host PCIe switch -> gpu
  } else {
    out.push_back({L.nic_pcie_link(dst), false});    // nic -> gpu
  }
}

Seconds Topology::path_latency(int src, int dst) const {
  std::vector<Hop> hops;
  route(src, dst, hops);
  Seconds total(0);
  for (const Hop& h : hops) total += links_[h.link].latency;
  return total;
}

Bandwidth Topology::path_bandwidth(int src, int dst) const {
  std::vector<Hop> hops;
  route(src, dst, hops);
  Bandwidth best(std::numeric_limits<double>::infinity());
  for (const Hop& h : hops) best = std::min(best, links_[h.link].effective_bandwidth());
  return best;
}

}  // namespace trainsim::topology
