// topology/analysis: checks and whole-graph figures computed with Boost.Graph — connectivity,
// dangling ports, bisection bandwidth by max-flow, realised oversubscription, DOT export.
#include <algorithm>
#include <limits>
#include <ostream>

#include <boost/graph/push_relabel_max_flow.hpp>
#include <boost/graph/connected_components.hpp>

#include "topology/layout.hpp"
#include "topology/topology.hpp"
#include "units/parse.hpp"

namespace trainsim::topology {

std::vector<std::string> Topology::check() const {
  std::vector<std::string> problems;
  const auto& g = graph_->g;
  std::vector<int> component(boost::num_vertices(g));
  boost::connected_components(g, component.data());
  int unreachable = 0, first = -1;
  for (int gpu = 0; gpu < gpu_count(); ++gpu)
    if (component[gpu] != component[0]) {
      ++unreachable;
      if (first < 0) first = gpu;
    }
  if (unreachable > 0)
    problems.push_back(std::to_string(unreachable) + " GPUs cannot reach gpu0 (first: " +
                       vertex_name(VertexId(first)) + "): the network does not connect every node");
  for (VertexId v = 0; v < vertices_.size(); ++v) {
    auto degree = boost::out_degree(v, g);
    VertexKind kind = vertices_[v].kind;
    // A switch with no link, or a NIC that is not cabled on both sides, is a dangling port.
    bool dangling = (kind == VertexKind::nic && degree < 2) || (kind != VertexKind::gpu && degree == 0);
    if (dangling) problems.push_back(vertex_name(v) + " has " + std::to_string(degree) + " links (dangling port)");
  }
  return problems;
}

units::Bandwidth Topology::bisection_bandwidth() const {
  // Max-flow from the GPUs of the first half of the nodes to those of the second half, each link
  // offering its line rate in each direction. For the symmetric fat-trees built here, cutting at
  // the node-index midpoint is the worst balanced cut (it separates whole leaves / rail groups).
  using Traits = boost::adjacency_list_traits<boost::vecS, boost::vecS, boost::directedS>;
  using FlowGraph = boost::adjacency_list<
      boost::vecS, boost::vecS, boost::directedS, boost::no_property,
      boost::property<boost::edge_capacity_t, double,
                      boost::property<boost::edge_residual_capacity_t, double,
                                      boost::property<boost::edge_reverse_t, Traits::edge_descriptor>>>>;
  if (node_count() < 2) return units::Bandwidth(0);
  FlowGraph fg(vertices_.size() + 2);
  const auto source = vertices_.size(), sink = vertices_.size() + 1;
  auto capacity = boost::get(boost::edge_capacity, fg);
  auto reverse = boost::get(boost::edge_reverse, fg);
  auto add = [&](std::size_t u, std::size_t v, double cap) {
    auto e = boost::add_edge(u, v, fg).first;
    auto r = boost::add_edge(v, u, fg).first;
    capacity[e] = cap;
    capacity[r] = 0;
    reverse[e] = r;
    reverse[r] = e;
  };
  for (const Link& l : links_) {
    add(l.a, l.b, l.bandwidth.value());
    add(l.b, l.a, l.bandwidth.value());
  }
  const double unlimited = std::numeric_limits<double>::max() / 4;
  const int half = node_count() / 2;
  for (int gpu = 0; gpu < gpu_count(); ++gpu) {
    if (node_of(gpu) < half) add(source, VertexId(gpu), unlimited);
    else add(VertexId(gpu), sink, unlimited);
  }
  return units::Bandwidth(boost::push_relabel_max_flow(fg, source, sink));
}

double Topology::realised_oversubscription() const {
  std::vector<double> down(layout_->leaves, 0.0), up(layout_->leaves, 0.0);
  for (const Link& l : links_) {
    if (l.kind == LinkKind::access) down[vertices_[l.b].index] += l.bandwidth.value();
    if (l.kind == LinkKind::uplink) up[vertices_[l.a].index] += l.bandwidth.value();
  }
  if (layout_->leaves <= 1) return 1.0;  // a single switch is non-blocking
  double worst = 0.0;
  for (int leaf = 0; leaf < layout_->leaves; ++leaf)
    if (up[leaf] > 0) worst = std::max(worst, down[leaf] / up[leaf]);
  return worst;
}

void Topology::write_dot(std::ostream& out) const {
  out << "graph \"" << platform_.name << "\" {\n  node [shape=box, fontsize=10];\n";
  for (VertexId v = 0; v < vertices_.size(); ++v) {
    const char* shape = vertices_[v].kind == VertexKind::gpu ? "ellipse" : "box";
    out << "  v" << v << " [label=\"" << vertex_name(v) << "\", shape=" << shape << "];\n";
  }
  for (const Link& l : links_)
    out << "  v" << l.a << " -- v" << l.b << " [label=\"" << to_string(l.kind) << " "
        << units::format_bandwidth(l.bandwidth) << "\"];\n";
  out << "}\n";
}

}  // namespace trainsim::topology
