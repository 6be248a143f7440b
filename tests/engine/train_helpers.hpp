// Helpers shared by the engine/train tests: idle test platforms, uniform jobs, simulation in a
// child process (one SimGrid engine per process).
#pragma once

#include "engine/train.hpp"

#include "engine_helpers.hpp"

namespace trainsim::test {

using namespace trainsim;
using engine::GradientReduction;

// net-only-512.yaml (see its header): every GPU-to-GPU path is alpha = 2.33 us, B = 25 GB/s.
inline constexpr double kNetB = 25e9;
inline constexpr double kNetAlpha = 2.33e-6;

inline engine::StageCosts costs(double forward, double backward, double activation_bytes = 1, double gradient_bytes = 0,
                                int buckets = 1) {
  engine::StageCosts c;
  c.forward = units::Seconds(forward);
  c.backward = units::Seconds(backward);
  c.activation_bytes = units::Bytes(activation_bytes);  // 1 byte: pipeline messages are ~free
  c.gradient_bytes = units::Bytes(gradient_bytes);
  c.gradient_buckets = buckets;
  return c;
}

inline engine::TrainingJob uniform_job(int data, int pipeline, int chunks, int micro_batches, const engine::StageCosts& c,
                                       double optimizer) {
  engine::TrainingJob job;
  job.data = data, job.pipeline = pipeline, job.chunks = chunks, job.micro_batches = micro_batches;
  job.costs.assign(pipeline, std::vector<engine::StageCosts>(chunks, c));
  job.optimizer.assign(pipeline, units::Seconds(optimizer));
  return job;
}

inline double sum_of_parts(const engine::IterationBreakdown& b) {
  return (b.compute + b.tp_comm + b.pipeline_wait + b.dp_exposed + b.optimizer).value();
}

// One ring reduce-scatter or all-gather pass of S bytes over n one-GPU nodes of net-only-512:
// (n-1)/n S/B + (n-1) alpha.
inline double ring_pass(int n, double S) { return (n - 1.0) / n * S / kNetB + (n - 1.0) * kNetAlpha; }

// One stage on n replicas whose ZeRO collectives move S bytes of gradients and of parameters, in
// `layers` buckets.
inline engine::TrainingJob zero_job(int n, int m, int layers, double f, double b, double opt, double S,
                             GradientReduction reduction) {
  engine::TrainingJob job = uniform_job(n, 1, 1, m, costs(f, b, 1, S, layers), opt);
  job.costs[0][0].parameter_bytes = units::Bytes(S);
  job.reduction = reduction;
  return job;
}

inline topology::Topology net_only() { return topology::Topology(platform::load_platform(test::test_platform("net-only-512.yaml"))); }

// What train_in_child() brings back from the child: plain values, copied through a pipe.
struct Outcome {
  engine::IterationBreakdown last;
  engine::EnergyReport energy;
};

// The last iteration's breakdown and energy of `job` on `platform`, simulated in a child process.
inline Outcome train_in_child(const platform::Platform& platform, const engine::TrainingJob& job) {
  return test::value_from_child<Outcome>([&] {
    const auto r = engine::simulate_training(topology::Topology(platform), job);
    return Outcome{r.last, r.energy};
  });
}

}  // namespace trainsim::test
