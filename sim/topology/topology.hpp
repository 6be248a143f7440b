// topology/topology: the cluster as a graph (Boost.Graph) — GPUs, NVSwitch planes, PCIe switches,
// NICs, leaf and spine switches, and full-duplex links with bandwidth and latency.
//
// Owns: building the graph from a Platform, deterministic routing (the path a flow between two GPUs
// takes, with d-mod-k spine selection like static ECMP), validation (connectivity, dangling ports),
// bisection bandwidth, realised oversubscription, and Graphviz DOT export.
// Depends on: platform/, units/. Knows nothing of SimGrid: engine/ maps links to SimGrid links.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "platform/platform.hpp"
#include "topology/inventory.hpp"
#include "units/quantity.hpp"

namespace trainsim::topology {

using VertexId = std::uint32_t;
using LinkId = std::uint32_t;

enum class VertexKind { gpu, nvswitch, pcie_switch, nic, leaf, spine };
enum class LinkKind {
  nvlink,     // GPU <-> NVSwitch plane (or mesh), per-direction bandwidth = NVLink total / 2
  pcie,       // GPU <-> NIC, or GPU/NIC <-> host PCIe switch
  access,     // NIC <-> leaf switch
  uplink      // leaf <-> spine (aggregated: all cables between one leaf and one spine)
};
const char* to_string(VertexKind k);
const char* to_string(LinkKind k);

struct Vertex {
  VertexKind kind;
  std::uint32_t index;  // index among vertices of the same kind (GPU rank for GPUs)
  std::uint32_t node;   // node index for in-node vertices; unused (UINT32_MAX) for switches
};

// A full-duplex link: `bandwidth` is available in each direction independently.
struct Link {
  LinkKind kind;
  VertexId a, b;                  // endpoints; "forward" means a -> b
  units::Bandwidth bandwidth;     // line rate, each direction
  double efficiency;              // fraction of line rate collectives reach (from the platform)
  units::Seconds latency;         // one-way, including half of each switch endpoint's traversal
  units::Bandwidth effective_bandwidth() const { return bandwidth * efficiency; }
};

struct Hop {
  LinkId link;
  bool forward;  // true when traversed from Link::a to Link::b
};

class Topology {
public:
  explicit Topology(const platform::Platform& platform);
  ~Topology();
  Topology(Topology&&) noexcept;
  Topology& operator=(Topology&&) noexcept;

  const platform::Platform& platform() const { return platform_; }
  int gpu_count() const;
  int node_count() const;
  int gpus_per_node() const;
  int node_of(int gpu) const { return gpu / gpus_per_node(); }
  int leaf_count() const;
  int spine_count() const;
  // The physical switches and cables the fabric is built from (what is powered and bought).
  const FabricInventory& inventory() const { return inventory_; }

  std::size_t vertex_count() const { return vertices_.size(); }
  std::size_t link_count() const { return links_.size(); }
  const Vertex& vertex(VertexId v) const { return vertices_[v]; }
  const Link& link(LinkId l) const { return links_[l]; }
  const std::vector<Link>& links() const { return links_; }
  VertexId gpu_vertex(int gpu) const;
  std::string vertex_name(VertexId v) const;  // "gpu12", "node1/nvswitch", "leaf3", "spine0"

  // Appends the hops of the path from GPU src to GPU dst (empty when src == dst). O(path length),
  // no tables: the route is computed from the structure, so it scales to 100k GPUs.
  void route(int src_gpu, int dst_gpu, std::vector<Hop>& out) const;
  units::Seconds path_latency(int src_gpu, int dst_gpu) const;      // sum of link latencies on the route
  units::Bandwidth path_bandwidth(int src_gpu, int dst_gpu) const;  // bottleneck effective bandwidth

  // Problems with the graph (disconnected GPUs, switch ports with no link); empty when sound.
  std::vector<std::string> check() const;
  // Max-flow between the first and second half of the nodes, at line rate (each direction).
  units::Bandwidth bisection_bandwidth() const;
  // Largest ratio, over leaf switches, of downlink to uplink line rate as built (1 = non-blocking).
  double realised_oversubscription() const;
  void write_dot(std::ostream& out) const;

private:
  struct Graph;  // the Boost.Graph adjacency list, kept out of this header
  platform::Platform platform_;
  std::vector<Vertex> vertices_;
  std::vector<Link> links_;
  FabricInventory inventory_;
  // Index tables for arithmetic routing (first vertex/link of each kind, per-node offsets, ...)
  // are private details of topology.cpp.
  struct Layout;
  std::unique_ptr<Layout> layout_;
  std::unique_ptr<Graph> graph_;
};

}  // namespace trainsim::topology
