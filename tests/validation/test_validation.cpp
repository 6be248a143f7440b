// Validation against published training runs (scenarios/validation/, sources in each file and in
// ../shared/validation/published-runs.md). Each scenario is simulated in its own child process
// (SimGrid allows one engine per process); the table of published figure, prediction and error
// is printed together with whether the project's targets are met: throughput and time, every
// case within 15% and median within 7%; energy, every case within 20%. The assertions enforce
// these targets except for the figures whose scenario declares a wider `bound` with its
// `bound_reason` (known misses, listed in docs/validation.md), which are held to that bound so
// that a change that makes them worse fails.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "results/run_result.hpp"
#include "scenario/scenario.hpp"
#include "training/run.hpp"

using namespace trainsim;

namespace {
struct Case {
  std::string name, source, metric;
  double published = 0, predicted = 0;
  std::optional<double> bound;  // a documented known miss (the scenario says why)
  double error() const { return (predicted - published) / published; }
};

double metric_of(const results::RunResult& r, const std::string& metric) {
  if (metric == "hardware_tflops_per_gpu") return r.hardware_flops_per_gpu.value() / 1e12;
  if (metric == "model_tflops_per_gpu") return r.model_flops_per_gpu.value() / 1e12;
  if (metric == "iteration_time_s") return r.breakdown.iteration.value();
  if (metric == "time_to_train_days") return r.time_to_train.value() / 86400.0;
  if (metric == "tokens_per_s") return r.tokens_per_s;
  if (metric == "energy_mwh") return r.energy.total.value() / 3.6e9;
  if (metric == "carbon_t") return r.carbon.value() / 1000.0;
  if (metric == "peak_node_power_kw") return r.energy.peak_node_power.value() / 1000.0;
  return NAN;
}

// Runs one scenario in a child process and returns the metrics it is validated on (NAN on failure).
std::vector<double> predict_in_child(const scenario::Scenario& s) {
  try {
    return test::doubles_from_child([&] {
      auto result = training::run_scenario(s);
      std::vector<double> values;
      for (const auto& p : s.published) values.push_back(metric_of(result, p.metric));
      return values;
    });
  } catch (const std::exception&) {
    return std::vector<double>(s.published.size(), NAN);
  }
}

// Every published figure of the scenarios in `folder` (under scenarios/) whose file name `keep`
// accepts, predicted, in file order; the table of published figure, prediction and error printed.
template <class Keep>
std::vector<Case> predict_folder(const char* folder, Keep keep) {
  const auto dir = std::filesystem::path(TRAINSIM_SOURCE_DIR) / "scenarios" / folder;
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().extension() == ".yaml" && keep(e.path().filename().string())) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  std::vector<Case> cases;
  for (const auto& f : files) {
    scenario::Scenario s = scenario::load_scenario(f);
    REQUIRE(!s.published.empty());
    auto predicted = predict_in_child(s);
    for (std::size_t i = 0; i < s.published.size(); ++i) {
      const auto& p = s.published[i];
      Case c{s.name, p.source, p.metric, p.value, predicted[i], p.bound};
      CAPTURE(c.name);
      REQUIRE(std::isfinite(c.predicted));
      cases.push_back(c);
    }
  }
  std::printf("| case | source | metric | published | trainsim | error |\n|---|---|---|---:|---:|---:|\n");
  for (const auto& c : cases)
    std::printf("| %s | %s | %s | %.4g | %.4g | %+.1f%% |\n", c.name.c_str(), c.source.c_str(), c.metric.c_str(),
                c.published, c.predicted, 100 * c.error());
  return cases;
}
}  // namespace

TEST_CASE("published training runs stay within the documented error envelope") {
  const std::vector<Case> cases = predict_folder("validation", [](const std::string&) { return true; });
  // Energy figures (energy, carbon, power) and performance figures (throughput, time) have
  // separate targets.
  auto is_energy = [](const Case& c) {
    return c.metric == "energy_mwh" || c.metric == "carbon_t" || c.metric == "peak_node_power_kw";
  };
  std::vector<double> performance, energy;
  for (const auto& c : cases) (is_energy(c) ? energy : performance).push_back(std::fabs(c.error()));
  std::sort(performance.begin(), performance.end());
  std::sort(energy.begin(), energy.end());
  REQUIRE(!performance.empty());
  REQUIRE(!energy.empty());
  const double median = performance[performance.size() / 2];
  const auto within = [](const std::vector<double>& e, double bound) {
    return std::count_if(e.begin(), e.end(), [&](double x) { return x <= bound; });
  };
  std::printf("\nthroughput and time: %zu figures, %td within 15%%, median |error| %.1f%%, largest %.1f%%; "
              "targets (every figure within 15%%, median within 7%%) %s\n",
              performance.size(), within(performance, 0.15), 100 * median, 100 * performance.back(),
              performance.back() <= 0.15 && median <= 0.07 ? "met" : "NOT met");
  std::printf("energy: %zu figures, %td within 20%%, largest %.1f%%; target (every figure within 20%%) %s\n",
              energy.size(), within(energy, 0.20), 100 * energy.back(), energy.back() <= 0.20 ? "met" : "NOT met");
  for (const auto& c : cases) {
    CAPTURE(c.name);
    CAPTURE(c.metric);
    CHECK(std::fabs(c.error()) <= c.bound.value_or(is_energy(c) ? 0.20 : 0.15));
  }
  CHECK(median <= 0.07);
}

// scenarios/crosscheck/: published runs whose configuration the sources leave partly open. Not
// held to the targets: docs/validation.md says what they show and what the model lacks. Each must
// still simulate and give a finite prediction. Two test cases, so that ctest runs them side by side.
namespace {
bool on_h100(const std::string& file) { return file.find("h100") != std::string::npos; }
}  // namespace

TEST_CASE("cross-checks beyond the calibration set, H100 runs: simulated, errors printed for docs/validation.md") {
  // Megatron-Core's weak and strong scaling, Llama 3 405B, MLPerf v3.0 GPT-3 in FP8, Megatron-Bridge's
  // Llama 3 70B in FP8.
  const std::vector<Case> cases = predict_folder("crosscheck", on_h100);
  CHECK(cases.size() == 19);
  for (const auto& c : cases) CHECK(c.predicted > 0);
}

TEST_CASE("cross-checks beyond the calibration set, A100 runs: simulated, errors printed for docs/validation.md") {
  // MT-NLG 530B, LLaMA 65B, Megatron-LM as MegaScale's baseline.
  const std::vector<Case> cases = predict_folder("crosscheck", [](const std::string& f) { return !on_h100(f); });
  CHECK(cases.size() == 8);
  for (const auto& c : cases) CHECK(c.predicted > 0);
}
