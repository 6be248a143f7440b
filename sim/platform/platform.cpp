#include "platform/platform.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace trainsim::platform {

const char* to_string(Precision p) {
  switch (p) {
    case Precision::fp64: return "fp64";
    case Precision::fp32: return "fp32";
    case Precision::tf32: return "tf32";
    case Precision::bf16: return "bf16";
    case Precision::fp16: return "fp16";
    case Precision::fp8: return "fp8";
    case Precision::int8: return "int8";
  }
  return "?";
}

const char* to_string(IntraNodeFabric f) {
  switch (f) {
    case IntraNodeFabric::nvswitch: return "nvswitch";
    case IntraNodeFabric::nvlink_mesh: return "nvlink_mesh";
    case IntraNodeFabric::pcie: return "pcie";
  }
  return "?";
}

const char* to_string(NetworkTopology t) {
  switch (t) {
    case NetworkTopology::fat_tree: return "fat_tree";
    case NetworkTopology::rail_optimized: return "rail_optimized";
  }
  return "?";
}

double GpuSpec::gemm_efficiency_for(Precision p) const {
  if (p == Precision::fp8 && fp8_gemm_efficiency) return *fp8_gemm_efficiency;
  return gemm_efficiency;
}

std::optional<units::FlopRate> GpuSpec::peak_for(Precision p) const {
  auto it = peak.find(p);
  if (it == peak.end()) return std::nullopt;
  return it->second;
}

double NodeSpec::intra_size_efficiency(units::Bytes size) const {
  if (intra_busbw_curve.empty()) return 1.0;
  const auto& c = intra_busbw_curve;
  const double top = c.back().second.value();
  if (size <= c.front().first) return c.front().second.value() / top * (size / c.front().first);
  for (std::size_t i = 1; i < c.size(); ++i) {
    if (size > c[i].first) continue;
    const double x = std::log(size / c[i - 1].first) / std::log(c[i].first / c[i - 1].first);
    return (c[i - 1].second.value() + x * (c[i].second.value() - c[i - 1].second.value())) / top;
  }
  return 1.0;
}

units::FlopRate GpuSpec::half_precision_peak() const {
  return std::max(peak_for(Precision::bf16).value_or(units::FlopRate(0)),
                  peak_for(Precision::fp16).value_or(units::FlopRate(0)));
}

units::FlopRate cluster_peak(const Platform& p, Precision precision) {
  return p.gpu.peak_for(precision).value_or(units::FlopRate(0)) * double(p.gpu_count());
}

units::Watts max_it_power(const Platform& p) {
  return p.gpu.max_power * double(p.gpu_count()) + p.node.host_power * double(p.network.nodes);
}

int leaf_switches(const Platform& p) {
  const int groups = (p.network.nodes + p.network.nodes_per_leaf - 1) / p.network.nodes_per_leaf;
  return p.network.topology == NetworkTopology::rail_optimized ? groups * p.node.nics : groups;
}

int leaf_down_ports(const Platform& p) {
  return p.network.topology == NetworkTopology::rail_optimized ? p.network.nodes_per_leaf
                                                               : p.network.nodes_per_leaf * p.node.nics;
}

int leaf_up_ports(const Platform& p) {
  if (leaf_switches(p) <= 1) return 0;  // a single switch needs no uplinks
  return static_cast<int>(std::ceil(leaf_down_ports(p) / p.network.oversubscription - 1e-9));
}

units::Bandwidth pcie_x16_bandwidth(int pcie_gen) {
  // PCI-SIG base specifications: transfer rate per lane x 16 lanes x encoding efficiency / 8 bits.
  // Gen1/2 use 8b/10b encoding, Gen3-5 use 128b/130b (Gen6 FLIT mode is taken as 242/256).
  switch (pcie_gen) {
    case 1: return units::Bandwidth(2.5e9 * 16 * 0.8 / 8);
    case 2: return units::Bandwidth(5e9 * 16 * 0.8 / 8);
    case 3: return units::Bandwidth(8e9 * 16 * 128.0 / 130.0 / 8);
    case 4: return units::Bandwidth(16e9 * 16 * 128.0 / 130.0 / 8);
    case 5: return units::Bandwidth(32e9 * 16 * 128.0 / 130.0 / 8);
    case 6: return units::Bandwidth(64e9 * 16 * 242.0 / 256.0 / 8);
  }
  throw std::invalid_argument("unknown PCIe generation " + std::to_string(pcie_gen));
}

}  // namespace trainsim::platform
