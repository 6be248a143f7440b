// platform/load implementation: schema of platform files and catalogs, extends, cross checks.
#include "platform/load.hpp"

#include <algorithm>
#include <cmath>

#include "config/catalog.hpp"
#include "config/reader.hpp"
#include "units/parse.hpp"

namespace trainsim::platform {

using config::Catalogs;
using config::Diagnostics;
using config::Document;
using config::Location;
using config::Need;
using config::Reader;
using config::Sign;
using config::Value;

namespace {

const std::vector<std::pair<std::string, Precision>> kPrecisions = {
    {"fp64", Precision::fp64}, {"fp32", Precision::fp32}, {"tf32", Precision::tf32}, {"bf16", Precision::bf16},
    {"fp16", Precision::fp16}, {"fp8", Precision::fp8},   {"int8", Precision::int8}};

GpuSpec read_gpu(Reader& r, const std::string& name) {
  GpuSpec g;
  g.name = name;
  r.value("extends", Need::optional);
  if (auto own = r.string("name", Need::optional)) g.name = *own;
  r.string("description", Need::optional);
  if (auto peak = r.map("peak", Need::required)) {
    for (const auto& [key, precision] : kPrecisions)
      if (auto rate = peak->flop_rate(key, Need::optional)) g.peak[precision] = *rate;
    if (!g.peak.count(Precision::bf16) && !g.peak.count(Precision::fp16) && !g.peak.count(Precision::fp32))
      r.error(peak->location(), "peak of " + r.what() + " gives no fp32, fp16 or bf16 rate (expected at least one)");
    peak->reject_unknown_keys();
  }
  g.memory = r.bytes("memory", Need::required).value_or(units::Bytes(0));
  g.memory_bandwidth = r.bandwidth("memory_bandwidth", Need::required).value_or(units::Bandwidth(0));
  g.nvlink_bandwidth = r.bandwidth("nvlink_bandwidth", Need::required, Sign::non_negative).value_or(units::Bandwidth(0));
  g.pcie_gen = static_cast<int>(r.integer("pcie_gen", Need::required, 1, 6).value_or(4));
  g.idle_power = r.watts("idle_power", Need::required, Sign::positive).value_or(units::Watts(0));
  g.wait_power = r.watts("wait_power", Need::required, Sign::positive).value_or(units::Watts(0));
  g.max_power = r.watts("max_power", Need::required, Sign::positive).value_or(units::Watts(0));
  g.price = r.money("price", Need::optional);
  g.die_area = r.area("die_area", Need::optional);
  g.sms = static_cast<int>(r.integer("sms", Need::required, 1, 100000).value_or(1));
  g.gemm_efficiency = r.number("gemm_efficiency", Need::required, 0.01, 1.0).value_or(1.0);
  const bool has_fp8 = g.peak.count(Precision::fp8) > 0;
  g.fp8_gemm_efficiency = r.number("fp8_gemm_efficiency", Need::optional, 0.01, 1.0);
  if (has_fp8 && !g.fp8_gemm_efficiency)
    r.error(r.location(), r.what() + " has an fp8 peak but no fp8_gemm_efficiency (add the measured sustained FP8 GEMM "
                          "rate over the fp8 peak, e.g. 'fp8_gemm_efficiency: 0.70'; the 16-bit gemm_efficiency does "
                          "not carry over)");
  if (g.fp8_gemm_efficiency && !has_fp8)
    r.error(r.location_of("fp8_gemm_efficiency"),
            "fp8_gemm_efficiency of " + r.what() + " is given but its peak has no fp8 rate (add peak.fp8 or remove it)");
  if (auto attention = r.map("attention_efficiency", Need::optional)) {
    for (const char* kernel : kAttentionKernels)
      if (auto figures = attention->map(kernel, Need::optional)) {
        AttentionEfficiency e;
        e.forward = figures->number("forward", Need::required, 0.01, 1.0).value_or(1.0);
        e.backward = figures->number("backward", Need::required, 0.01, 1.0).value_or(1.0);
        e.sequence = figures->number("sequence", Need::optional, 1, 1e7).value_or(0);
        e.batch_heads = figures->number("batch_heads", Need::optional, 1, 1e7).value_or(0);
        figures->reject_unknown_keys();
        g.attention_efficiency[kernel] = e;
      }
    attention->reject_unknown_keys();
  }
  g.memory_efficiency = r.number("memory_efficiency", Need::required, 0.01, 1.0).value_or(1.0);
  g.kernel_launch = r.seconds("kernel_launch", Need::required).value_or(units::Seconds(0));
  g.estimated = r.estimates();
  if (g.idle_power.value() > 0 && g.max_power.value() > 0 && !(g.idle_power < g.max_power))
    r.error(r.location_of("idle_power"), "idle_power of " + r.what() + " is not below max_power (expected idle < max)");
  if (g.wait_power.value() > 0 && g.idle_power.value() > 0 && g.max_power.value() > 0 &&
      !(g.idle_power <= g.wait_power && g.wait_power < g.max_power))
    r.error(r.location_of("wait_power"), "wait_power of " + r.what() +
                                             " is not between idle_power and max_power (expected idle <= wait < max: "
                                             "a GPU waiting inside a job draws at least its rest power)");
  r.reject_unknown_keys();
  return g;
}

NodeSpec read_node(Reader& r, const std::string& name) {
  NodeSpec n;
  n.name = name;
  r.value("extends", Need::optional);
  if (auto own = r.string("name", Need::optional)) n.name = *own;
  r.string("description", Need::optional);
  n.gpus = static_cast<int>(r.integer("gpus", Need::required, 1, 256).value_or(1));
  if (auto f = r.choice("fabric", Need::required, {"nvswitch", "nvlink_mesh", "pcie"}))
    n.fabric = *f == "nvswitch" ? IntraNodeFabric::nvswitch
               : *f == "pcie"   ? IntraNodeFabric::pcie
                                : IntraNodeFabric::nvlink_mesh;
  n.intra_latency = r.seconds("intra_latency", Need::required).value_or(units::Seconds(0));
  n.intra_efficiency = r.number("intra_efficiency", Need::required, 0.01, 1.0).value_or(1.0);
  n.nics = static_cast<int>(r.integer("nics", Need::required, 1, 256).value_or(1));
  n.nic_bandwidth = r.bandwidth("nic_bandwidth", Need::required).value_or(units::Bandwidth(0));
  n.nic_latency = r.seconds("nic_latency", Need::required).value_or(units::Seconds(0));
  n.host_power = r.watts("host_power", Need::required).value_or(units::Watts(0));
  n.host_idle_power = r.watts("host_idle_power", Need::required).value_or(units::Watts(0));
  n.price = r.money("price", Need::optional);
  if (auto curve = r.value("intra_busbw_curve", Need::optional)) {
    // A list of [size, bus bandwidth] pairs in increasing size, e.g. [128 MiB, 174.18 GB/s].
    for (const auto& point : curve->items()) {
      auto pair = point.items();
      try {
        if (pair.size() != 2) throw units::UnitError("expected [size, bus bandwidth]");
        auto size = units::parse_bytes(pair[0].scalar());
        auto busbw = units::parse_bandwidth(pair[1].scalar());
        if (!n.intra_busbw_curve.empty() && !(size > n.intra_busbw_curve.back().first))
          throw units::UnitError("sizes must increase");
        n.intra_busbw_curve.emplace_back(size, busbw);
      } catch (const units::UnitError& e) {
        r.error(point.location(), std::string("intra_busbw_curve point: ") + e.what());
      }
    }
  }
  n.estimated = r.estimates();
  if (n.host_idle_power > n.host_power)
    r.error(r.location_of("host_idle_power"), "host_idle_power of " + r.what() + " is above host_power (expected idle <= load)");
  r.reject_unknown_keys();
  return n;
}

NetworkSpec read_network(Reader& r) {
  NetworkSpec n;
  if (auto t = r.choice("topology", Need::required, {"fat_tree", "rail_optimized"}))
    n.topology = *t == "fat_tree" ? NetworkTopology::fat_tree : NetworkTopology::rail_optimized;
  n.nodes = static_cast<int>(r.integer("nodes", Need::required, 1, 1 << 20).value_or(1));
  n.nodes_per_leaf = static_cast<int>(r.integer("nodes_per_leaf", Need::required, 1, 1 << 16).value_or(1));
  n.spines = static_cast<int>(r.integer("spines", Need::required, 0, 1 << 16).value_or(0));
  n.oversubscription = r.number("oversubscription", Need::required, 0.1, 1000.0).value_or(1.0);
  n.link_bandwidth = r.bandwidth("link_bandwidth", Need::required).value_or(units::Bandwidth(0));
  n.link_latency = r.seconds("link_latency", Need::required).value_or(units::Seconds(0));
  n.switch_latency = r.seconds("switch_latency", Need::required).value_or(units::Seconds(0));
  n.efficiency = r.number("efficiency", Need::required, 0.01, 1.0).value_or(1.0);
  n.switch_power = r.watts("switch_power", Need::optional, Sign::positive);
  if (auto k = r.integer("switch_ports", Need::optional, 2, 1 << 12)) n.switch_ports = static_cast<int>(*k);
  r.reject_unknown_keys();
  return n;
}

CostSpec read_costs(Reader& r) {
  CostSpec c;
  c.currency = r.string("currency", Need::required).value_or("USD");
  if (auto rates = r.map("exchange_rates", Need::optional)) {
    for (const auto& layer_key : rates->keys())
      if (auto v = rates->number(layer_key, Need::required, 1e-9, 1e9)) c.exchange_rates[layer_key] = *v;
    rates->reject_unknown_keys();
  }
  c.gpu_lifetime = r.seconds("gpu_lifetime", Need::required, Sign::positive).value_or(units::Seconds(1));
  c.server_lifetime = r.seconds("server_lifetime", Need::required, Sign::positive).value_or(units::Seconds(1));
  c.network_lifetime = r.seconds("network_lifetime", Need::required, Sign::positive).value_or(units::Seconds(1));
  c.facility_lifetime = r.seconds("facility_lifetime", Need::required, Sign::positive).value_or(units::Seconds(1));
  c.switch_price = r.money("switch_price", Need::optional);
  c.server_share_of_build = r.number("server_share_of_build", Need::optional, 0.01, 1.0);
  c.cloud_gpu_hour = r.money("cloud_gpu_hour", Need::optional);
  r.reject_unknown_keys();
  return c;
}

FacilitySpec read_facility(Reader& r) {
  FacilitySpec f;
  f.pue = r.number("pue", Need::required, 1.0, 5.0).value_or(1.0);
  if (auto p = r.energy_price("electricity_price", Need::required)) f.electricity_price = *p;
  if (auto c = r.carbon_intensity("carbon_intensity", Need::required)) f.carbon_intensity = *c;
  r.reject_unknown_keys();
  return f;
}

ReliabilitySpec read_reliability(Reader& r) {
  ReliabilitySpec s;
  s.gpu_mtbf = r.seconds("gpu_mtbf", Need::required, Sign::positive).value_or(units::Seconds(1));
  s.restart_time = r.seconds("restart_time", Need::required).value_or(units::Seconds(0));
  s.checkpoint_write_bandwidth = r.bandwidth("checkpoint_write_bandwidth", Need::required).value_or(units::Bandwidth(1));
  s.checkpoint_read_bandwidth = r.bandwidth("checkpoint_read_bandwidth", Need::required).value_or(units::Bandwidth(1));
  r.reject_unknown_keys();
  return s;
}

// Checks that need more than one section: can the described network connect every GPU?
void check_consistency(const Platform& p, Reader& root, Diagnostics& d) {
  const NetworkSpec& net = p.network;
  Location where = root.location_of("network");
  if (p.node.fabric != IntraNodeFabric::pcie && p.gpu.nvlink_bandwidth.value() <= 0)
    d.error(root.location_of("node"), "node '" + p.node.name + "' uses " + to_string(p.node.fabric) + " but GPU '" +
                                          p.gpu.name + "' has no NVLink (expected fabric: pcie, or a GPU with nvlink_bandwidth)");
  if (p.node.nics > p.node.gpus && p.node.gpus > 0)
    d.error(root.location_of("node"), "node '" + p.node.name + "' has more NICs (" + std::to_string(p.node.nics) +
                                          ") than GPUs (" + std::to_string(p.node.gpus) + "): expected nics <= gpus");
  if (p.costs) {
    // Every price must be convertible into the reporting currency with an explicit rate.
    std::vector<std::pair<std::string, std::string>> priced = {{"gpu", p.gpu.price ? p.gpu.price->currency : ""},
                                                               {"node", p.node.price ? p.node.price->currency : ""},
                                                               {"facility", p.facility.electricity_price.currency}};
    if (p.costs->switch_price) priced.emplace_back("costs", p.costs->switch_price->currency);
    if (p.costs->cloud_gpu_hour) priced.emplace_back("costs", p.costs->cloud_gpu_hour->currency);
    for (const auto& [section, currency] : priced)
      if (!currency.empty() && currency != p.costs->currency && !p.costs->exchange_rates.count(currency))
        d.error(root.location_of("costs"), "a price in " + section + " is in " + currency + " but costs are reported in " +
                                               p.costs->currency + " (expected costs.exchange_rates." + currency + ")");
  }
  const int leaves = leaf_switches(p);
  bool single_switch = net.topology == NetworkTopology::fat_tree && leaves == 1;
  if (net.nodes > 1 && !single_switch && net.spines == 0)
    d.error(where, "the network has " + std::to_string(leaves) +
                       " leaf switches and no spine, so they cannot reach each other (expected spines >= 1)");
  // Every spine needs a cable from every leaf; spines beyond a leaf's uplinks would carry nothing.
  if (!single_switch && net.spines > 0 && leaves > 1 && net.spines > leaf_up_ports(p)) {
    auto net_reader = root.map("network", Need::optional);
    d.error(net_reader ? net_reader->location_of("spines") : where,
            "spines (" + std::to_string(net.spines) + ") exceed each leaf's " + std::to_string(leaf_up_ports(p)) +
                " uplinks: every spine needs a cable from every leaf (expected spines <= " +
                std::to_string(leaf_up_ports(p)) + ")");
  }
  // A leaf must be a switch that exists: its NIC ports and uplinks within the radix.
  if (net.switch_ports && p.node.nics > 0) {
    const int down = leaf_down_ports(p), up = leaf_up_ports(p), k = *net.switch_ports;
    if (down + up > k) {
      // The most down ports a k-port leaf takes at this oversubscription, in whole nodes.
      int most_down = k;
      while (most_down > 1 && most_down + int(std::ceil(most_down / net.oversubscription - 1e-9)) > k) --most_down;
      const int per_node = net.topology == NetworkTopology::fat_tree ? p.node.nics : 1;
      const int fits = std::max(1, most_down / per_node);
      auto net_reader = root.map("network", Need::optional);
      d.error(net_reader ? net_reader->location_of("nodes_per_leaf") : where,
              "each leaf uses " + std::to_string(down) + " ports towards the NICs and " + std::to_string(up) +
                  " uplinks, more than a " + std::to_string(k) + "-port switch (network.switch_ports) has " +
                  "(expected nodes_per_leaf <= " + std::to_string(fits) + " at this oversubscription, " +
                  "or a larger switch_ports)");
    }
  }
}

}  // namespace

Platform load_platform(const Document& document, const Value* overrides) {
  Diagnostics d;
  Platform p;
  p.file = document.path();
  std::vector<Value> sections;
  if (overrides) sections.push_back(*overrides);
  sections.push_back(document.root());
  Reader root(sections, d, "platform");
  if (overrides) root.value("file", Need::optional);  // the scenario's pointer to this file
  p.name = root.string("name", Need::required).value_or("");
  root.string("description", Need::optional);

  Catalogs catalogs;
  if (auto c = document.root().get("catalog")) catalogs.load(*c, d);
  root.value("catalog", Need::optional);
  catalogs.check_sections({"gpus", "nodes"}, d);

  std::string name;
  if (root.value("gpu", Need::required))
    if (auto layers = config::entry_layers(sections, "gpu", catalogs, "gpus", "GPU", d, name)) {
      Reader r(*layers, d, "gpu '" + name + "'");
      p.gpu = read_gpu(r, name);
    }
  if (root.value("node", Need::required))
    if (auto layers = config::entry_layers(sections, "node", catalogs, "nodes", "node", d, name)) {
      Reader r(*layers, d, "node '" + name + "'");
      p.node = read_node(r, name);
    }
  auto mark_estimates = [&p](const std::string& section, const std::vector<std::string>& keys) {
    for (const auto& key : keys) p.estimated_inputs.push_back(section + "." + key);
  };
  mark_estimates("gpu", p.gpu.estimated);
  mark_estimates("node", p.node.estimated);
  if (auto r = root.map("network", Need::required)) {
    mark_estimates("network", r->estimates());
    p.network = read_network(*r);
  }
  if (auto r = root.map("facility", Need::required)) {
    mark_estimates("facility", r->estimates());
    p.facility = read_facility(*r);
  }
  if (auto r = root.map("costs", Need::optional)) {
    mark_estimates("costs", r->estimates());
    p.costs = read_costs(*r);
  }
  if (auto r = root.map("reliability", Need::optional)) p.reliability = read_reliability(*r);
  if (auto r = root.map("storage", Need::optional)) {
    StorageSpec storage;
    storage.power = r->watts("power", Need::required).value_or(units::Watts(0));
    r->reject_unknown_keys();
    p.storage = storage;
  }
  root.reject_unknown_keys();
  if (d.ok()) check_consistency(p, root, d);
  d.throw_if_any();
  return p;
}

Platform load_platform(const std::filesystem::path& file) {
  Document doc = Document::load(file);
  return load_platform(doc);
}

std::vector<GpuSpec> load_gpu_catalog(const std::filesystem::path& catalog_file) {
  Diagnostics d;
  Catalogs catalogs;
  catalogs.add(Document::load(catalog_file));
  catalogs.check_sections({"gpus", "nodes"}, d);
  std::vector<GpuSpec> out;
  for (const auto& name : catalogs.names("gpus")) {
    std::string display;
    // A one-entry section naming the GPU resolves it like a platform's `gpu: NAME`.
    auto section = Document::parse("gpu: " + name + "\n", catalog_file);
    if (auto layers = config::entry_layers({section.root()}, "gpu", catalogs, "gpus", "GPU", d, display)) {
      Reader r(*layers, d, "gpu '" + name + "'");
      out.push_back(read_gpu(r, name));
    }
  }
  d.throw_if_any();
  return out;
}

}  // namespace trainsim::platform
