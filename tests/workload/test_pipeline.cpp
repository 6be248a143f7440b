// Tests for workload/pipeline: 1F1B and interleaved orders, and that they execute without
// deadlock to the bubble of Narayanan et al. 2021, eq. 1-2, on a tiny pure event model.
#include <doctest/doctest.h>

#include "approx.hpp"

#include <algorithm>
#include <map>

#include "workload/pipeline.hpp"

using namespace trainsim::workload;
using trainsim::test::rel;

namespace {
// Executes the schedules of all stages with unit forward time f, backward time b and free
// communication; returns the makespan (or -1 on deadlock).
double makespan(int stages, int micro_batches, int chunks, double f, double b) {
  std::vector<std::vector<PipelinePass>> program(stages);
  for (int s = 0; s < stages; ++s) program[s] = pipeline_passes(s, stages, micro_batches, chunks);
  const int vstages = stages * chunks;
  // done[(forward, virtual_stage, micro_batch)] = finish time
  std::map<std::tuple<bool, int, int>, double> done;
  std::vector<std::size_t> next(stages, 0);
  std::vector<double> clock(stages, 0.0);
  bool progress = true;
  while (progress) {
    progress = false;
    for (int s = 0; s < stages; ++s) {
      if (next[s] == program[s].size()) continue;
      const PipelinePass& p = program[s][next[s]];
      double ready = clock[s];
      if (p.forward && p.virtual_stage > 0) {
        auto it = done.find({true, p.virtual_stage - 1, p.micro_batch});
        if (it == done.end()) continue;
        ready = std::max(ready, it->second);
      }
      if (!p.forward) {
        auto key = p.virtual_stage < vstages - 1 ? std::make_tuple(false, p.virtual_stage + 1, p.micro_batch)
                                                 : std::make_tuple(true, p.virtual_stage, p.micro_batch);
        auto it = done.find(key);
        if (it == done.end()) continue;
        ready = std::max(ready, it->second);
      }
      clock[s] = ready + (p.forward ? f : b) / chunks;
      done[{p.forward, p.virtual_stage, p.micro_batch}] = clock[s];
      ++next[s];
      progress = true;
    }
  }
  for (int s = 0; s < stages; ++s)
    if (next[s] != program[s].size()) return -1;
  return *std::max_element(clock.begin(), clock.end());
}
}  // namespace

TEST_CASE("1F1B: stage s warms up with p - s - 1 forwards, then alternates, then drains") {
  auto passes = pipeline_passes(1, 4, 8, 1);
  REQUIRE(passes.size() == 16);
  CHECK(passes[0].forward);
  CHECK(passes[1].forward);
  CHECK(passes[2].forward);   // 2 warm-up + the first steady forward
  CHECK(!passes[3].forward);  // then the first backward
  CHECK(passes[3].micro_batch == 0);
  CHECK(!passes.back().forward);
  CHECK(passes.back().micro_batch == 7);
}

TEST_CASE("every stage runs each micro-batch and chunk forward and backward exactly once") {
  for (int chunks : {1, 2, 3}) {
    auto passes = pipeline_passes(2, 4, 8, chunks);
    CHECK(passes.size() == std::size_t(2 * 8 * chunks));
    std::map<std::tuple<bool, int, int>, int> seen;
    for (auto& p : passes) ++seen[{p.forward, p.chunk, p.micro_batch}];
    for (auto& [key, count] : seen) CHECK(count == 1);
  }
}

TEST_CASE("1F1B finishes in (m + p - 1)(f + b): bubble (p - 1)/m, Narayanan et al. eq. 1") {
  const int p = 4, m = 8;
  double t = makespan(p, m, 1, 1.0, 2.0);
  CHECK(t == rel((m + p - 1) * 3.0));
  CHECK((t - m * 3.0) / (m * 3.0) == rel(ideal_bubble_fraction(p, m, 1)));
}

TEST_CASE("the interleaved schedule runs without deadlock and shrinks the bubble by v (eq. 2)") {
  const int p = 4, m = 8;
  for (int v : {2, 4}) {
    double t = makespan(p, m, v, 1.0, 2.0);
    REQUIRE(t > 0);
    double bubble = (t - m * 3.0) / (m * 3.0);
    CHECK(bubble == rel(ideal_bubble_fraction(p, m, v)).epsilon(0.02));
  }
}
