// topology/layout (private to topology/): the arithmetic that numbers vertices and links, so that
// routes are computed from indices instead of tables. Included only by topology/*.cpp.
#pragma once

#include <boost/graph/adjacency_list.hpp>

#include "topology/topology.hpp"

namespace trainsim::topology {

// Numbering. Vertices: GPUs [0, G), then one fabric vertex per node (NVSwitch plane or PCIe
// switch), then NICs (node-major), then leaves, then spines. Links: one intra-node link per GPU,
// then the GPU-to-NIC PCIe links (one per GPU on NVLink nodes, one per NIC on PCIe nodes, where the
// NIC hangs off the host PCIe switch), then one access link per NIC, then leaf-to-spine uplinks.
struct Topology::Layout {
  int gpus = 0, nodes = 0, gpus_per_node = 0, nics_per_node = 0;
  int leaves = 0, spines = 0, nodes_per_leaf = 0;
  bool pcie_fabric = false;
  bool rail_optimized = false;

  VertexId first_fabric = 0, first_nic = 0, first_leaf = 0, first_spine = 0;
  LinkId first_nic_pcie = 0, first_access = 0, first_uplink = 0;

  int node_of(int gpu) const { return gpu / gpus_per_node; }
  int nic_of(int gpu) const {  // global NIC index serving a GPU
    int local = gpu % gpus_per_node;
    return node_of(gpu) * nics_per_node + local * nics_per_node / gpus_per_node;
  }
  int leaf_of_nic(int nic) const {
    int node = nic / nics_per_node;
    if (!rail_optimized) return node / nodes_per_leaf;
    return (node / nodes_per_leaf) * nics_per_node + nic % nics_per_node;
  }
  // The downlink port a NIC occupies on its leaf: fat_tree leaves take all NICs of their nodes in
  // order; a rail leaf takes one NIC (its rail) from each node of its group.
  int port_on_leaf(int nic) const {
    if (!rail_optimized) return nic % (nodes_per_leaf * nics_per_node);
    return (nic / nics_per_node) % nodes_per_leaf;
  }
  LinkId intra_link(int gpu) const { return static_cast<LinkId>(gpu); }
  LinkId nic_pcie_link(int gpu) const {  // NVLink nodes: per GPU; PCIe nodes: per NIC
    return first_nic_pcie + static_cast<LinkId>(pcie_fabric ? nic_of(gpu) : gpu);
  }
  LinkId access_link(int nic) const { return first_access + static_cast<LinkId>(nic); }
  LinkId uplink(int leaf, int spine) const { return first_uplink + static_cast<LinkId>(leaf * spines + spine); }
};

// Undirected graph over the same vertex and link numbering; the edge property is the LinkId.
using UndirectedGraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS, boost::no_property,
                                              boost::property<boost::edge_index_t, LinkId>>;
struct Topology::Graph {
  UndirectedGraph g;
};

}  // namespace trainsim::topology
