// cli/run_command: `trainsim run SCENARIO.yaml [--summary OUT.json] [--set path=value ...]`.
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <sstream>
#include <iostream>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "io/atomic_file.hpp"
#include "config/diagnostics.hpp"
#include "results/run_result.hpp"
#include "scenario/scenario.hpp"
#include "trace/trace.hpp"
#include "training/run.hpp"

namespace trainsim::cli {

namespace {
const char* kUsage =
    "usage: trainsim run SCENARIO.yaml [-o TRACE.h5] [--summary OUT.json] [--set path=value ...] [--iterations N]\n"
    "                    [--sample-interval SECONDS] [--power-per-gpu]\n";

std::string utc_now() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

trace::TraceInput trace_input(const scenario::Scenario& s, const results::RunResult& r, training::TraceData& data,
                              bool per_gpu_power) {
  trace::TraceInput in;
  in.trainsim_version = TRAINSIM_VERSION;
  in.created = utc_now();
  in.scenario_name = s.name;
  in.platform_name = s.platform.name;
  in.scenario_yaml = s.scenario_yaml;
  in.platform_yaml = s.platform_yaml;
  in.seed = static_cast<std::int64_t>(s.training.seed);
  in.tensor_symmetry = s.plan.tensor;
  std::ostringstream json;
  results::write_summary_json(r, json);
  in.summary_json = json.str();
  in.iteration_time_s = r.breakdown.iteration.value();
  in.tokens_per_s = r.tokens_per_s;
  in.mfu = r.mfu;
  in.time_to_train_s = r.time_to_train.value();
  in.carbon_kg = r.carbon.value();
  in.memory_per_gpu_bytes = r.memory.total().value();
  in.gpus = r.gpus;
  in.iterations = r.iterations;
  in.events = std::move(data.events);
  in.node_of_rank = std::move(data.node_of_rank);
  in.samples = std::move(data.samples);
  in.nodes = data.nodes;
  in.node_watts = std::move(data.node_watts);
  in.per_gpu_power = per_gpu_power;
  in.pue = s.platform.facility.pue;
  return in;
}

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
  std::string scenario_file, summary_file, trace_file;
  bool per_gpu_power = false;
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
      const char* v = next();
      if (!v) return std::cerr << kUsage, 2;
      trace_file = v;
    } else if (arg == "--sample-interval") {
      const char* v = next();
      options.sample_interval_s = v ? std::atof(v) : 0;
      if (!(options.sample_interval_s > 0)) return std::cerr << "trainsim run: --sample-interval expects seconds > 0\n", 2;
    } else if (arg == "--power-per-gpu") {
      per_gpu_power = true;
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
  training::TraceData trace_data;
  results::RunResult result = training::run_scenario(s, options, trace_file.empty() ? nullptr : &trace_data);
  bar(1.0);
  if (!trace_file.empty()) {
    try {
      trace::write_trace(trace_file, trace_input(s, result, trace_data, per_gpu_power));
    } catch (const std::exception& e) {
      std::cerr << "trainsim: " << e.what() << "\n";
      return 1;
    }
  }
  if (!summary_file.empty()) {
    try {
      io::write_file_atomically(summary_file, [&](std::ostream& out) { results::write_summary_json(result, out); });
    } catch (const std::exception& e) {
      std::cerr << "trainsim: " << e.what() << "\n";
      return 1;
    }
  }
  results::write_summary_text(result, std::cout);
  return 0;
}

}  // namespace trainsim::cli
