// Tests for engine/train's GPU energy: SimGrid's host energy plugin integrates the power of each
// pass, bubble and collective (docs/simulation.md "GPU energy"). One SimGrid engine per TEST_CASE;
// comparisons of two simulations run each in a fork()ed child.
#include "engine/train.hpp"

#include <doctest/doctest.h>

#include "engine_helpers.hpp"
#include "train_helpers.hpp"

using namespace trainsim;
using namespace trainsim::test;

// --- GPU energy (SimGrid's host energy plugin; docs/simulation.md "GPU energy") ---------------
namespace {
// A GPU's power in the job at utilization u: P(u) = wait + (max - wait) u; P(0) = wait, the draw
// of a GPU that waits inside the job.
struct Power {
  double wait, max;
  double at(double u) const { return wait + (max - wait) * u; }
};
Power gpu_power(const topology::Topology& t) {
  return {t.platform().gpu.wait_power.value(), t.platform().gpu.max_power.value()};  // A100: 70 W, 400 W
}

// Costs with TP communication and utilizations below 1, so that every term of the energy shows.
engine::StageCosts busy_costs(double f, double b, double f_tp, double b_tp, double u_f, double u_b) {
  engine::StageCosts c = costs(f, b);
  c.forward_tp_comm = units::Seconds(f_tp);
  c.backward_tp_comm = units::Seconds(b_tp);
  c.forward_utilization = u_f;
  c.backward_utilization = u_b;
  return c;
}

// 1F1B over 4 stages, 8 micro-batches: a bubble of (p - 1)(f + b) on every stage.
engine::TrainingJob bubbly_job() {
  engine::TrainingJob job = uniform_job(1, 4, 1, 8, busy_costs(0.1, 0.2, 0.01, 0.02, 0.7, 0.9), 0.05);
  job.optimizer_utilization = 0.5;
  return job;
}
}  // namespace

TEST_CASE("a single stage draws wait + (max - wait) u during compute and its wait power otherwise") {
  const topology::Topology topo = net_only();  // 512 GPUs, of which the job uses 2: the rest is not counted
  const Power P = gpu_power(topo);
  const int m = 4, n_gpu = 2;
  const double f = 0.1, b = 0.2, f_tp = 0.01, b_tp = 0.03, u_f = 0.6, u_b = 0.8, opt = 0.05, u_opt = 0.3;
  engine::TrainingJob job = uniform_job(1, 1, 1, m, busy_costs(f, b, f_tp, b_tp, u_f, u_b), opt);
  job.tensor = n_gpu;  // tensor rank 1 runs no passes: it counts as rank 0 (symmetry)
  job.optimizer_utilization = u_opt;
  const auto r = engine::simulate_training(topo, job);
  // E = n_gpu [m ((f - f_tp) P(u_f) + (b - b_tp) P(u_b) + (f_tp + b_tp) P(0)) + opt P(u_opt)]
  //   = 2 [4 (0.09 x 268 + 0.17 x 334 + 0.04 x 70) + 0.05 x 169] = 686.5 J; within 1e-6
  const double per_gpu =
      m * ((f - f_tp) * P.at(u_f) + (b - b_tp) * P.at(u_b) + (f_tp + b_tp) * P.wait) + opt * P.at(u_opt);
  CHECK(n_gpu * per_gpu == test::rel(686.5, 1e-6));
  CHECK(r.energy.gpu.value() == test::rel(n_gpu * per_gpu, 1e-6));
}

TEST_CASE("the TP share of a pass draws wait + (max - wait) u_tp, the load of its collectives' memory traffic") {
  const topology::Topology topo = net_only();
  const Power P = gpu_power(topo);
  const int m = 4;
  const double f = 0.1, b = 0.2, f_tp = 0.01, b_tp = 0.03, u_f = 0.6, u_b = 0.8, ut_f = 0.4, ut_b = 0.3;
  engine::StageCosts c = busy_costs(f, b, f_tp, b_tp, u_f, u_b);
  c.forward_tp_utilization = ut_f;
  c.backward_tp_utilization = ut_b;
  const auto r = engine::simulate_training(topo, uniform_job(1, 1, 1, m, c, 0));
  // E = m ((f - f_tp) P(u_f) + f_tp P(ut_f) + (b - b_tp) P(u_b) + b_tp P(ut_b))
  //   = 4 (0.09 x 268 + 0.01 x 202 + 0.17 x 334 + 0.03 x 169) = 351.96 J; within 1e-6
  const double E = m * ((f - f_tp) * P.at(u_f) + f_tp * P.at(ut_f) + (b - b_tp) * P.at(u_b) + b_tp * P.at(ut_b));
  CHECK(E == test::rel(351.96, 1e-6));
  CHECK(r.energy.gpu.value() == test::rel(E, 1e-6));
  // The time is the passes' whatever their power: T = m (f + b); 1e-9
  CHECK(r.last.iteration.value() == test::rel(m * (f + b), 1e-9));
}

TEST_CASE("a pass at zero utilization draws the wait power for its whole duration") {
  const topology::Topology topo = net_only();
  const Power P = gpu_power(topo);
  const int m = 4;
  engine::TrainingJob job = uniform_job(1, 1, 1, m, busy_costs(0.1, 0.2, 0, 0, 0, 1), 0);
  const auto r = engine::simulate_training(topo, job);
  // the forward passes wait instead of computing, and take as long: T = m (f + b) = 1.2 s; 1e-9
  CHECK(r.last.iteration.value() == test::rel(m * 0.3, 1e-9));
  // E = m (f P(0) + b P(1)) = 4 (0.1 x 70 + 0.2 x 400) = 348 J; within 1e-6
  CHECK(r.energy.gpu.value() == test::rel(m * (0.1 * P.wait + 0.2 * P.max), 1e-6));
  CHECK(m * (0.1 * P.wait + 0.2 * P.max) == test::rel(348.0, 1e-9));
}

TEST_CASE("pipeline bubbles draw the wait power") {
  const topology::Topology topo = net_only();
  const Power P = gpu_power(topo);
  const engine::TrainingJob job = bubbly_job();
  const auto r = engine::simulate_training(topo, job);
  const engine::StageCosts& c = job.costs[0][0];
  const int m = job.micro_batches, p = job.pipeline;
  const double f = c.forward.value(), b = c.backward.value(), opt = job.optimizer[0].value();
  const double f_c = f - c.forward_tp_comm.value(), b_c = b - c.backward_tp_comm.value();  // compute parts
  // per GPU: compute energy C = m (f_c P(u_f) + b_c P(u_b)) + opt P(u_opt) over the busy time
  // B = m (f_c + b_c) + opt; the rest of the iteration T (TP share, bubble, messages, barrier) at
  // the wait power: E = p (C + (T - B) wait); within 1e-6
  const double C = m * (f_c * P.at(c.forward_utilization) + b_c * P.at(c.backward_utilization)) +
                   opt * P.at(job.optimizer_utilization);
  const double B = m * (f_c + b_c) + opt, T = r.last.iteration.value();
  CHECK(r.energy.gpu.value() == test::rel(p * (C + (T - B) * P.wait), 1e-6));
  // and the bubble is there: T = (m + p - 1)(f + b) + opt; within 1%
  CHECK(T == test::rel((m + p - 1) * (f + b) + opt, 0.01));
}

TEST_CASE("the GPUs' busy fraction is their compute and optimizer time over the iteration") {
  const engine::TrainingJob job = bubbly_job();
  const auto r = engine::simulate_training(net_only(), job);
  const engine::StageCosts& c = job.costs[0][0];
  // busy = m (f + b - f_tp - b_tp) + opt = 8 x 0.27 + 0.05 = 2.21 s of T ~ 3.35 s, the same on every
  // stage: the execs, during which the GPU draws more than its wait power; within 1e-9
  const double busy = job.micro_batches * (c.forward + c.backward - c.forward_tp_comm - c.backward_tp_comm).value() +
                      job.optimizer[0].value();
  CHECK(r.energy.gpu_busy_fraction == test::rel(busy / r.last.iteration.value(), 1e-9));
  CHECK(r.energy.gpu_busy_fraction == test::rel((r.last.compute + r.last.optimizer) / r.last.iteration, 1e-9));
}

TEST_CASE("a backward pass split into buckets for overlapped reductions draws the same energy as a whole one") {
  const topology::Topology topo = net_only();
  const Power P = gpu_power(topo);
  const int n = 4, m = 4, buckets = 5;
  const double f = 0.1, b = 0.2, u = 0.75;
  engine::TrainingJob job = uniform_job(n, 1, 1, m, busy_costs(f, b, 0, 0.05, u, u), 0);
  job.costs[0][0].gradient_bytes = units::Bytes(2e9);
  job.costs[0][0].gradient_buckets = buckets;
  job.overlap_reduction = true;
  const auto r = engine::simulate_training(topo, job);
  // per GPU: compute (f + b - b_tp) m at P(u), the rest of T (TP share, exposed all-reduce) at
  // the wait power, whatever the slicing: E = n (B P(u) + (T - B) wait), B = m (f + b - b_tp); 1e-6
  const double B = m * (f + b - 0.05), T = r.last.iteration.value();
  CHECK(r.last.dp_exposed.value() > 0.01);  // the reduction is partly exposed: there is waiting time
  CHECK(r.energy.gpu.value() == test::rel(n * (B * P.at(u) + (T - B) * P.wait), 1e-6));
}

TEST_CASE("simulating every tensor rank gives the same energy as tensor rank 0 by symmetry") {
  // The job of the iteration symmetry test above (pipeline and data-parallel flows of both tensor
  // ranks on their own NICs), with TP communication and utilizations below 1.
  const auto platform = platform::load_platform(test::test_platform("two-gpu-nodes-4.yaml"));
  engine::StageCosts c = busy_costs(0.1, 0.2, 0.01, 0.02, 0.6, 0.8);
  c.activation_bytes = units::Bytes(100e6);
  c.gradient_bytes = units::Bytes(1e9);
  c.gradient_buckets = 4;
  engine::TrainingJob job = uniform_job(2, 2, 2, 4, c, 0.05);
  job.tensor = 2;
  job.overlap_reduction = true;
  job.optimizer_utilization = 0.4;
  const Outcome symmetric = train_in_child(platform, job);
  job.all_tensor_ranks = true;
  const Outcome every_rank = train_in_child(platform, job);
  // rank 0's host counted t times = every host counted once; within 1e-6
  CHECK(every_rank.energy.gpu.value() == test::rel(symmetric.energy.gpu.value(), 1e-6));
  CHECK(every_rank.energy.gpu_busy_fraction == test::rel(symmetric.energy.gpu_busy_fraction, 1e-6));
  CHECK(symmetric.energy.gpu.value() > 0);
}

