// cli/platform_commands: `trainsim validate` and `trainsim platform describe`.
#include <cstdio>
#include <iostream>
#include <string>

#include "cli/commands.hpp"
#include "io/atomic_file.hpp"
#include "config/diagnostics.hpp"
#include "config/document.hpp"
#include "config/reader.hpp"
#include "platform/load.hpp"
#include "scenario/scenario.hpp"
#include "sweep/sweep.hpp"
#include "topology/topology.hpp"
#include "units/parse.hpp"

namespace trainsim::cli {

namespace {
std::string with_commas(long long n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// Loads and checks a platform, topology included. Prints errors and returns false on failure.
bool load_checked(const std::string& file, platform::Platform& out_platform) {
  try {
    out_platform = platform::load_platform(file);
  } catch (const config::ConfigError& e) {
    std::cerr << e.what();
    return false;
  }
  topology::Topology t(out_platform);
  auto problems = t.check();
  for (const auto& p : problems) std::cerr << file << ": error: topology: " << p << "\n";
  return problems.empty();
}

// A scenario names a model and a plan; a platform does not.
bool is_scenario_file(const std::string& file) {
  try {
    auto doc = config::Document::load(file);
    return doc.root().get("model").has_value() || doc.root().get("parallel").has_value();
  } catch (const config::ConfigError&) {
    return false;  // reported by the platform loader
  }
}

void describe(const platform::Platform& p, const topology::Topology& t, std::ostream& out) {
  using units::format_bandwidth;
  const auto& gpu = p.gpu;
  const auto& node = p.node;
  const auto& net = p.network;
  out << "platform   " << p.name << "  (" << p.file.string() << ")\n";
  out << "GPUs       " << with_commas(p.gpu_count()) << " x " << gpu.name << " in " << with_commas(net.nodes)
      << " nodes of " << node.gpus << " (" << node.name << ", " << platform::to_string(node.fabric) << ")\n";
  out << "GPU        " << units::format_flop_rate(gpu.half_precision_peak()) << " bf16/fp16 dense, " << units::format_bytes_binary(gpu.memory)
      << " at " << format_bandwidth(gpu.memory_bandwidth) << ", " << units::format_watts(gpu.max_power) << " max\n";
  if (node.fabric == platform::IntraNodeFabric::pcie)
    out << "intra-node PCIe Gen" << gpu.pcie_gen << " x16: " << format_bandwidth(platform::pcie_x16_bandwidth(gpu.pcie_gen))
        << " each way, no NVLink\n";
  else
    out << "NVLink     " << format_bandwidth(gpu.nvlink_bandwidth) << " per GPU (" << format_bandwidth(gpu.nvlink_per_direction())
        << " each way); collectives reach " << units::format_fixed(node.intra_efficiency * 100, 0) << "%\n";
  units::Bandwidth per_gpu_net = node.nic_bandwidth * (double(node.nics) / node.gpus);
  out << "network    " << platform::to_string(net.topology) << ", " << node.nics << " x "
      << format_bandwidth(node.nic_bandwidth) << " NICs per node = " << format_bandwidth(per_gpu_net)
      << " per GPU; simulated as " << t.leaf_count() << " leaves and " << t.spine_count() << " spines; collectives reach "
      << units::format_fixed(net.efficiency * 100, 0) << "%\n";
  out << "           oversubscription " << units::format_fixed(t.realised_oversubscription(), 2) << " (requested "
      << units::format_fixed(net.oversubscription, 2) << "), bisection " << format_bandwidth(t.bisection_bandwidth())
      << " each way\n";
  const auto& fabric = t.inventory();
  out << "switches   " << with_commas(fabric.switches()) << " in " << fabric.tiers.size() << (fabric.tiers.size() == 1 ? " tier" : " tiers");
  if (fabric.from_radix) {
    out << " of " << *net.switch_ports << "-port switches";
    if (fabric.tiers.size() > 1) {
      out << " (";
      for (std::size_t i = 0; i < fabric.tiers.size(); ++i) out << (i ? " + " : "") << with_commas(fabric.tiers[i].switches);
      out << ", leaves first)";
    }
  } else {
    out << " (each leaf and spine one switch: no switch_ports given)";
  }
  out << ", " << with_commas(fabric.cables()) << " cables\n";
  out << "peak       " << units::format_flop_rate(gpu.half_precision_peak() * double(p.gpu_count())) << " bf16/fp16";
  if (gpu.peak_for(platform::Precision::fp8))
    out << ", " << units::format_flop_rate(platform::cluster_peak(p, platform::Precision::fp8)) << " fp8";
  out << " (dense)\n";
  units::Watts it = platform::max_it_power(p);
  if (net.switch_power) it = it + *net.switch_power * double(fabric.switches());
  out << "power      " << units::format_watts(it) << (net.switch_power ? " max IT (GPUs, hosts, switches), " : " max IT (GPUs and hosts), ")
      << units::format_watts(it * p.facility.pue)
      << " at the facility (PUE " << units::format_fixed(p.facility.pue, 2) << ")\n";
  out << "graph      " << with_commas(static_cast<long long>(t.vertex_count())) << " vertices, "
      << with_commas(static_cast<long long>(t.link_count())) << " links: connected, no dangling port\n";
  if (!p.estimated_inputs.empty()) out << "estimated  " << config::join(p.estimated_inputs) << "\n";
}
// Every point of a scenario's sweep: axes loads (a bad value or an infeasible plan is reported
// with the point's values, as `trainsim sweep` would find it).
bool sweep_points_load(const char* file, const scenario::Scenario& s) {
  bool ok = true;
  const auto points = sweep::points(s.sweep);
  for (std::size_t k = 0; k < points.size(); ++k) {
    try {
      scenario::load_scenario(file, points[k]);
    } catch (const config::ConfigError& e) {
      std::string values;
      for (const auto& [path, value] : points[k]) values += (values.empty() ? "" : ", ") + path + "=" + value;
      std::cerr << file << ": sweep point " << k << " (" << values << "): " << e.what();
      ok = false;
    }
  }
  return ok;
}
}  // namespace

int run_validate(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: trainsim validate FILE...   (platform or scenario files)\n";
    return 2;
  }
  bool all_ok = true;
  for (int i = 1; i < argc; ++i) {
    bool ok = false;
    if (is_scenario_file(argv[i])) {
      try {
        scenario::Scenario s = scenario::load_scenario(argv[i]);
        topology::Topology t(s.platform);
        auto problems = t.check();
        for (const auto& p : problems) std::cerr << argv[i] << ": error: topology: " << p << "\n";
        ok = problems.empty() && sweep_points_load(argv[i], s);
      } catch (const config::ConfigError& e) {
        std::cerr << e.what();
      }
    } else {
      platform::Platform p;
      ok = load_checked(argv[i], p);
    }
    if (ok) std::cout << argv[i] << ": ok\n";
    all_ok = all_ok && ok;
  }
  return all_ok ? 0 : 1;
}

int run_platform(int argc, char** argv) {
  if (argc < 3 || std::string(argv[1]) != "describe") {
    std::cerr << "usage: trainsim platform describe FILE [--dot OUT.dot]\n";
    return 2;
  }
  std::string file = argv[2], dot;
  for (int i = 3; i < argc; ++i) {
    if (std::string(argv[i]) == "--dot" && i + 1 < argc) dot = argv[++i];
    else {
      std::cerr << "trainsim platform describe: unexpected argument '" << argv[i] << "'\n";
      return 2;
    }
  }
  platform::Platform p;
  if (!load_checked(file, p)) return 1;
  topology::Topology t(p);
  describe(p, t, std::cout);
  if (!dot.empty()) {
    try {
      io::write_file_atomically(dot, [&](std::ostream& out) { t.write_dot(out); });
    } catch (const std::exception& e) {
      std::cerr << "trainsim: " << e.what() << "\n";
      return 1;
    }
    std::cout << "wrote " << dot << "\n";
  }
  return 0;
}

}  // namespace trainsim::cli
