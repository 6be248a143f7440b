// cli/run_command: `trainsim run SCENARIO.yaml [--summary OUT.json] [--set path=value ...]`.
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cli/output_file.hpp"
#include "config/diagnostics.hpp"
#include "results/run_result.hpp"
#include "scenario/scenario.hpp"
#include "training/run.hpp"

namespace trainsim::cli {

namespace {
const char* kUsage =
    "usage: trainsim run SCENARIO.yaml [--summary OUT.json] [--set path=value ...] [--iterations N]\n";

// A one-line progress bar on stderr, redrawn at most every percent.
class ProgressBar {
public:
  explicit ProgressBar(bool enabled) : enabled_(enabled) {}
  void operator()(double fraction) {
    if (!enabled_) return;
    int percent = static_cast<int>(fraction * 100);
    if (percent == last_) return;
    last_ = percent;
    std::fprintf(stderr, "\rsimulating [%-40s] %3d%%", std::string(percent * 40 / 100, '#').c_str(), percent);
    std::fflush(stderr);
  }
  ~ProgressBar() {
    if (enabled_ && last_ >= 0) std::fprintf(stderr, "\r%60s\r", "");
  }

private:
  bool enabled_;
  int last_ = -1;
};
}  // namespace

int run_run(int argc, char** argv) {
  std::string scenario_file, summary_file;
  std::vector<scenario::Override> overrides;
  training::RunOptions options;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto next = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    if (arg == "--summary") {
      const char* v = next();
      if (!v) return std::cerr << kUsage, 2;
      summary_file = v;
    } else if (arg == "--set") {
      const char* v = next();
      auto o = v ? scenario::parse_override(v) : std::nullopt;
      if (!o) return std::cerr << "trainsim run: --set expects path=value\n" << kUsage, 2;
      overrides.push_back(*o);
    } else if (arg == "--iterations") {
      const char* v = next();
      options.simulated_iterations = v ? std::atoi(v) : 0;
      if (options.simulated_iterations < 1) return std::cerr << "trainsim run: --iterations expects N >= 1\n", 2;
    } else if (arg == "-o") {
      std::cerr << "trainsim run: HDF5 trace output (-o) is not available in this version\n";
      return 2;
    } else if (!arg.empty() && arg[0] != '-' && scenario_file.empty()) {
      scenario_file = arg;
    } else {
      return std::cerr << "trainsim run: unexpected argument '" << arg << "'\n" << kUsage, 2;
    }
  }
  if (scenario_file.empty()) return std::cerr << kUsage, 2;

  scenario::Scenario s;
  try {
    s = scenario::load_scenario(scenario_file, overrides);
  } catch (const config::ConfigError& e) {
    std::cerr << e.what();
    return 1;
  }
  ProgressBar bar(::isatty(STDERR_FILENO));
  options.progress = [&bar](double f) { bar(f); };
  results::RunResult result = training::run_scenario(s, options);
  bar(1.0);
  if (!summary_file.empty()) {
    try {
      write_file_atomically(summary_file, [&](std::ostream& out) { results::write_summary_json(result, out); });
    } catch (const std::exception& e) {
      std::cerr << "trainsim: " << e.what() << "\n";
      return 1;
    }
  }
  results::write_summary_text(result, std::cout);
  return 0;
}

}  // namespace trainsim::cli
