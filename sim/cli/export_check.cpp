// cli/export_check: `trainsim export-check FILE [--rules DIR]` — each GPU's TPP, performance
// density, interconnect and verdict under every rule set. FILE is a platform or a GPU catalog.
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "config/diagnostics.hpp"
#include "config/document.hpp"
#include "export_control/export_control.hpp"
#include "platform/load.hpp"

namespace trainsim::cli {

int run_export_check(int argc, char** argv) {
  std::string file, rules = std::string(TRAINSIM_SOURCE_DIR) + "/platforms/export-rules";
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--rules" && i + 1 < argc) rules = argv[++i];
    else if (file.empty() && !arg.empty() && arg[0] != '-') file = arg;
    else return std::cerr << "usage: trainsim export-check PLATFORM.yaml|CATALOG.yaml [--rules DIR]\n", 2;
  }
  if (file.empty()) return std::cerr << "usage: trainsim export-check PLATFORM.yaml|CATALOG.yaml [--rules DIR]\n", 2;
  std::vector<platform::GpuSpec> gpus;
  std::vector<export_control::RuleSet> rule_sets;
  try {
    if (config::Document::load(file).root().get("gpus")) gpus = platform::load_gpu_catalog(file);
    else gpus.push_back(platform::load_platform(file).gpu);
    rule_sets = export_control::load_rule_sets(rules);
  } catch (const config::ConfigError& e) {
    std::cerr << e.what();
    return 1;
  }
  std::printf("%-16s %8s %-5s %8s %12s", "GPU", "TPP", "from", "density", "interconnect");
  for (const auto& rs : rule_sets) std::printf("  %-34s", rs.name.c_str());
  std::printf("\n");
  for (const auto& g : gpus) {
    auto m = export_control::metrics(g);
    char density[32] = "-";
    if (m.density) std::snprintf(density, sizeof density, "%.2f", *m.density);
    std::printf("%-16s %8.0f %-5s %8s %9.0f GB/s", g.name.c_str(), m.tpp, m.tpp_precision.c_str(), density,
                m.interconnect.value() / 1e9);
    for (const auto& rs : rule_sets) std::printf("  %-34s", rs.verdict(m).c_str());
    std::printf("\n");
  }
  std::printf("\nTPP = dense TOPS x bit length (max over precisions); density = TPP / die area (mm^2).\n");
  for (const auto& rs : rule_sets) std::printf("%s: %s\n", rs.name.c_str(), rs.source.c_str());
  return 0;
}

}  // namespace trainsim::cli
