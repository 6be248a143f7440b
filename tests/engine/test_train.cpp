// Tests for engine/train: simulated training iterations against the pipeline and data-parallel
// closed forms on idle test platforms (every efficiency 1). One SimGrid engine per TEST_CASE (run
// them through ctest); a test that compares two simulations runs each in a fork()ed child.
#include "engine/train.hpp"

#include <doctest/doctest.h>

#include <string>

#include "engine_helpers.hpp"
#include "train_helpers.hpp"

using namespace trainsim;
using engine::GradientReduction;

using namespace trainsim::test;

TEST_CASE("one stage without data parallelism takes m (f + b) + optimizer exactly") {
  const int m = 8;
  engine::StageCosts c = costs(0.1, 0.2);
  c.forward_tp_comm = units::Seconds(0.01);
  c.backward_tp_comm = units::Seconds(0.03);
  c.forward_tp_hidden = units::Seconds(0.02);  // hidden by an overlap: reported, not timed
  c.backward_tp_hidden = units::Seconds(0.05);
  std::vector<double> progress;
  const auto r = engine::simulate_training(net_only(), uniform_job(1, 1, 1, m, c, 0.05),
                                           [&](double done) { progress.push_back(done); });
  REQUIRE(r.iteration_times.size() == 2);
  // T = m (f + b) + optimizer = 8 x 0.3 + 0.05 = 2.45 s, for every iteration; to rounding (1e-9)
  for (auto t : r.iteration_times) CHECK(t.value() == test::rel(m * 0.3 + 0.05, 1e-9));
  // compute = m (f + b - tp) = 8 x 0.26; tp = m x 0.04; nothing waits
  CHECK(r.last.compute.value() == test::rel(m * 0.26, 1e-9));
  CHECK(r.last.tp_comm.value() == test::rel(m * 0.04, 1e-9));
  CHECK(r.last.tp_hidden.value() == test::rel(m * 0.07, 1e-9));
  CHECK(r.last.optimizer.value() == test::rel(0.05, 1e-9));
  CHECK(r.last.pipeline_wait.value() == doctest::Approx(0).epsilon(1e-12));
  CHECK(r.last.dp_exposed.value() == doctest::Approx(0).epsilon(1e-12));
  // progress: once per pass (2 m passes per iteration, 2 iterations), increasing, ending at 1
  REQUIRE(progress.size() == std::size_t(2 * 2 * m));
  for (std::size_t i = 1; i < progress.size(); ++i) CHECK(progress[i] > progress[i - 1]);
  CHECK(progress.back() == doctest::Approx(1.0));
}

TEST_CASE("one stage with two model chunks runs them back to back in m v (f + b) + optimizer") {
  const int m = 4, v = 2;
  const auto r = engine::simulate_training(net_only(), uniform_job(1, 1, v, m, costs(0.1, 0.2, 1e9), 0.05));
  // chunk 1 follows chunk 0 on the same GPU: no message, no wait. T = m v (f + b) + optimizer; 1e-9
  CHECK(r.last.iteration.value() == test::rel(m * v * 0.3 + 0.05, 1e-9));
  CHECK(r.last.pipeline_wait.value() == doctest::Approx(0).epsilon(1e-12));
}

TEST_CASE("1F1B over p stages takes (m + p - 1)(f + b) + optimizer and waits the bubble (Narayanan et al. 2021, eq. 1)") {
  const int p = 4, m = 8;
  const double f = 0.1, b = 0.2, opt = 0.05;
  const auto r = engine::simulate_training(net_only(), uniform_job(1, p, 1, m, costs(f, b), opt));
  // T = (m + p - 1)(f + b) + optimizer = 11 x 0.3 + 0.05 = 3.35 s; within 1% (1-byte messages: p2p ~ 2.3 us)
  CHECK(r.last.iteration.value() == test::rel((m + p - 1) * (f + b) + opt, 0.01));
  // every stage idles for the bubble (p - 1)(f + b) = 0.9 s; within 1%
  CHECK(r.last.pipeline_wait.value() == test::rel((p - 1) * (f + b), 0.01));
  CHECK(sum_of_parts(r.last) == test::rel(r.last.iteration.value(), 1e-9));
  // symmetry keeps the passes cheap: one exec per pass and one message per pass but the ends'
  const double passes = 2.0 * m * p * r.iteration_times.size();
  CHECK(double(r.activities) <= 2 * passes);
}

TEST_CASE("interleaved 1F1B with v chunks shrinks the bubble to (p - 1)/(v m) of the ideal time (Narayanan et al. 2021, eq. 2)") {
  const int p = 4, v = 2, m = 8;
  const double f = 0.05, b = 0.1, opt = 0.05;  // per chunk: a stage's pass is v times this
  const auto r = engine::simulate_training(net_only(), uniform_job(1, p, v, m, costs(f, b), opt));
  const double ideal = m * v * (f + b);  // 2.4 s of passes per stage
  // T = ideal x (1 + (p - 1)/(v m)) + optimizer = 2.4 x (1 + 3/16) + 0.05 = 2.9 s; within 2%
  CHECK(r.last.iteration.value() == test::rel(ideal * (1 + double(p - 1) / (v * m)) + opt, 0.02));
  CHECK(r.last.pipeline_wait.value() == test::rel(ideal * (p - 1) / (v * m), 0.02));
  CHECK(sum_of_parts(r.last) == test::rel(r.last.iteration.value(), 1e-9));
}

TEST_CASE("a pipeline message takes alpha + S/B of its path, and the pipeline waits for it") {
  const int p = 2, m = 1;
  const double f = 0.1, b = 0.2, opt = 0.05, S = 250e6;
  const double message = kNetAlpha + S / kNetB;  // 2.33 us + 10 ms
  const auto r = engine::simulate_training(net_only(), uniform_job(1, p, 1, m, costs(f, b, S), opt));
  // one micro-batch: F0, message, F1, B1, message, B0, optimizer:
  // T = p (f + b) + 2 (p - 1)(alpha + S/B) + optimizer; within 1e-6
  CHECK(r.last.iteration.value() == test::rel(p * (f + b) + 2 * (p - 1) * message + opt, 1e-6));
  // stage 0 waits f + b + 2 messages for its gradient; stage 1 waits f + a message for its input and
  // b + a message at the barrier: both f + b + 2 (alpha + S/B)
  CHECK(r.last.pipeline_wait.value() == test::rel(f + b + 2 * message, 1e-6));
}

TEST_CASE("tied embeddings on the first and last stage add their gradient's two-rank all-reduce, S/B + 2 alpha") {
  // Megatron-LM all-reduces the word embedding's gradient over the first and last pipeline stage
  // after the data-parallel reduction (training.py, "embedding group"). A two-rank ring all-reduce
  // is 2 steps of S/2: S/B + 2 alpha.
  const int p = 2, m = 4;
  const double f = 0.1, b = 0.2, opt = 0.05, S = 1e9;
  const double pair = S / kNetB + 2 * kNetAlpha;  // 40 ms
  engine::TrainingJob job = uniform_job(1, p, 1, m, costs(f, b), opt);
  job.embedding_gradient_bytes = units::Bytes(S);
  const auto r = engine::simulate_training(net_only(), job);
  // without data parallelism: T = (m + p - 1)(f + b) + pair + optimizer; within 1%
  CHECK(r.last.iteration.value() == test::rel((m + p - 1) * (f + b) + pair + opt, 0.01));
  CHECK(sum_of_parts(r.last) == test::rel(r.last.iteration.value(), 1e-9));
}

TEST_CASE("the tied embedding's all-reduce follows the data-parallel all-reduce") {
  const int n = 4, p = 2, m = 4;
  const double f = 0.1, b = 0.2, opt = 0.05, S = 1e9, E = 0.5e9;
  engine::TrainingJob job = uniform_job(n, p, 1, m, costs(f, b, 1, S), opt);
  job.embedding_gradient_bytes = units::Bytes(E);
  const auto r = engine::simulate_training(net_only(), job);
  const double ring = 2.0 * (n - 1) / n * S / kNetB + 2.0 * (n - 1) * kNetAlpha;
  const double pair = E / kNetB + 2 * kNetAlpha;
  // stage 0 finishes its backward last: T = (m + p - 1)(f + b) + ring + pair + optimizer; the four
  // pairs run at once on disjoint paths; within 1%
  CHECK(r.last.iteration.value() == test::rel((m + p - 1) * (f + b) + ring + pair + opt, 0.01));
}

TEST_CASE("without overlap the data-parallel all-reduce adds 2(n-1)/n S/B + 2(n-1) alpha after the last backward") {
  const int n = 8, m = 4;
  const double f = 0.1, b = 0.2, opt = 0.05, S = 1e9;
  const auto r = engine::simulate_training(net_only(), uniform_job(n, 1, 1, m, costs(f, b, 1, S), opt));
  const double ring = 2.0 * (n - 1) / n * S / kNetB + 2.0 * (n - 1) * kNetAlpha;  // 70.03 ms
  // dp_exposed = the ring all-reduce of S over n one-GPU nodes; within 1%
  CHECK(r.last.dp_exposed.value() == test::rel(ring, 0.01));
  // T = m (f + b) + ring + optimizer; within 0.1%
  CHECK(r.last.iteration.value() == test::rel(m * (f + b) + ring + opt, 1e-3));
  CHECK(sum_of_parts(r.last) == test::rel(r.last.iteration.value(), 1e-9));
}

TEST_CASE("with overlap and buckets small against the backward pass only the last bucket's all-reduce is exposed") {
  const int n = 8, m = 4, buckets = 10;
  const double f = 0.1, b = 0.2, opt = 0.05, S = 1e9;
  engine::TrainingJob job = uniform_job(n, 1, 1, m, costs(f, b, 1, S, buckets), opt);
  job.overlap_reduction = true;
  const auto r = engine::simulate_training(net_only(), job);
  // each bucket (S/10) takes 2(n-1)/n S/(10 B) + 2(n-1) alpha = 7.0 ms, under a 20 ms backward
  // slice, so all but the last one are hidden: dp_exposed = that time; within 2%
  const double bucket = 2.0 * (n - 1) / n * S / buckets / kNetB + 2.0 * (n - 1) * kNetAlpha;
  CHECK(r.last.dp_exposed.value() == test::rel(bucket, 0.02));
  CHECK(r.last.iteration.value() == test::rel(m * (f + b) + bucket + opt, 1e-3));
}

TEST_CASE("with overlap and buckets large against the backward pass the all-reduce is exposed in part") {
  const int n = 8, m = 4, buckets = 2;
  const double f = 0.1, b = 0.2, opt = 0.05, S = 10e9;
  engine::TrainingJob job = uniform_job(n, 1, 1, m, costs(f, b, 1, S, buckets), opt);
  job.overlap_reduction = true;
  const auto r = engine::simulate_training(net_only(), job);
  const double bucket = 2.0 * (n - 1) / n * S / buckets / kNetB + 2.0 * (n - 1) * kNetAlpha;  // 350 ms
  // bucket 1 starts b/2 before the end of the backward, bucket 2 after bucket 1 (one stream):
  // dp_exposed = 2 x bucket - b/2 = 0.6 s, less than the 0.7 s of the whole all-reduce; within 1%
  CHECK(r.last.dp_exposed.value() == test::rel(2 * bucket - b / buckets, 0.01));
  CHECK(r.last.dp_exposed.value() < 2 * bucket);
  CHECK(sum_of_parts(r.last) == test::rel(r.last.iteration.value(), 1e-9));
}

TEST_CASE("ZeRO's reduce-scatter before and all-gather after the optimizer each add (n-1)/n S/B + (n-1) alpha") {
  const int n = 8, m = 4;
  const double f = 0.1, b = 0.2, opt = 0.05, S = 1e9;
  const auto r =
      engine::simulate_training(net_only(), zero_job(n, m, 1, f, b, opt, S, GradientReduction::reduce_scatter_all_gather));
  const double half = ring_pass(n, S);  // 35.02 ms each
  // dp_exposed = reduce-scatter + all-gather = 2 x half; within 1%
  CHECK(r.last.dp_exposed.value() == test::rel(2 * half, 0.01));
  CHECK(r.last.iteration.value() == test::rel(m * (f + b) + 2 * half + opt, 1e-3));
}

TEST_CASE("DeepSpeed's bf16 optimizer all-reduces the gradients, then all-gathers the updated parameters") {
  // DeepSpeed PipelineEngine._bf16_reduce_grads (all-reduce of the fp32 gradients) before the
  // sharded step and the bf16 optimizer's all-gather: 2(n-1)/n S/B + 2(n-1) alpha, then the
  // gather pass of the parameter bytes.
  const int n = 8, m = 4;
  const double f = 0.1, b = 0.2, opt = 0.05, S = 1e9;
  engine::TrainingJob job = zero_job(n, m, 1, f, b, opt, S, GradientReduction::all_reduce_all_gather);
  job.costs[0][0].parameter_bytes = units::Bytes(S / 2);
  const auto r = engine::simulate_training(net_only(), job);
  const double all_reduce = 2 * ring_pass(n, S), gather = ring_pass(n, S / 2);
  // dp_exposed = all-reduce + gather; within 1%
  CHECK(r.last.dp_exposed.value() == test::rel(all_reduce + gather, 0.01));
  CHECK(r.last.iteration.value() == test::rel(m * (f + b) + all_reduce + gather + opt, 1e-3));
}

TEST_CASE("ZeRO's all-gather of half as many parameter bytes as fp32 gradient bytes takes half the reduce-scatter's time") {
  const int n = 8, m = 4;
  const double f = 0.1, b = 0.2, opt = 0.05, S = 1e9;
  engine::TrainingJob job = zero_job(n, m, 1, f, b, opt, S, GradientReduction::reduce_scatter_all_gather);
  job.costs[0][0].parameter_bytes = units::Bytes(S / 2);  // 16-bit weights, fp32 gradients
  const auto r = engine::simulate_training(net_only(), job);
  const double scatter = ring_pass(n, S), gather = ring_pass(n, S / 2);
  // dp_exposed = reduce-scatter of S + all-gather of S/2; within 1%
  CHECK(r.last.dp_exposed.value() == test::rel(scatter + gather, 0.01));
}

TEST_CASE("an overlapped parameter gather exposes only the first layer's bucket when layers compute longer than they gather") {
  const int n = 8, m = 4, layers = 10;
  const double f = 0.1, b = 0.2, opt = 0.05, S = 1e9;
  engine::TrainingJob job = zero_job(n, m, layers, f, b, opt, S, GradientReduction::reduce_scatter_all_gather);
  job.overlap_parameter_gather = true;
  const auto r = engine::simulate_training(net_only(), job);
  // Each layer's gather (S/10: (n-1)/n S/(10 B) + (n-1) alpha = 3.5 ms) is shorter than a layer's
  // forward (f/10 = 10 ms), so the first forward waits for bucket 0 only; the reduce-scatter
  // (not overlapped with backward here) stays exposed: dp_exposed = scatter + bucket; within 1%
  const double scatter = ring_pass(n, S), bucket = ring_pass(n, S / layers);
  CHECK(r.last.dp_exposed.value() == test::rel(scatter + bucket, 0.01));
  CHECK(r.last.iteration.value() == test::rel(m * (f + b) + scatter + bucket + opt, 1e-3));
  CHECK(sum_of_parts(r.last) == test::rel(r.last.iteration.value(), 1e-9));
}

TEST_CASE("an overlapped parameter gather slower than the forward exposes what the forward cannot hide") {
  const int n = 8, m = 4, layers = 4;
  const double f = 0.01, b = 0.02, opt = 0.05, S = 1e9;
  engine::TrainingJob job = zero_job(n, m, layers, f, b, opt, S, GradientReduction::reduce_scatter_all_gather);
  job.overlap_parameter_gather = true;
  const auto r = engine::simulate_training(net_only(), job);
  // Buckets of S/4 take g = 8.75 ms + 7 alpha, a layer's forward f/4 = 2.5 ms: the gathers run
  // back to back and the first forward ends one layer after the last gather, so the wait is
  // 4 g - 3 f/4 (a pipeline of 4 gathers and 4 layers); within 1%
  const double scatter = ring_pass(n, S), g = ring_pass(n, S / layers);
  CHECK(r.last.dp_exposed.value() == test::rel(scatter + layers * g - (layers - 1) * f / layers, 0.01));
}

TEST_CASE("ZeRO 3 gathers every layer before every pass and scatters its gradients after every backward") {
  const int n = 8, m = 4, layers = 10;
  const double f = 0.1, b = 0.2, opt = 0.05, S = 1e9;
  const auto r =
      engine::simulate_training(net_only(), zero_job(n, m, layers, f, b, opt, S, GradientReduction::sharded_parameters));
  // One layer's gather or reduce-scatter (S/10): (n-1)/n S/(10 B) + (n-1) alpha = 3.5 ms, shorter
  // than a layer's forward (10 ms) and backward (20 ms), so each pass waits for its first layer's
  // gather only (g), and a forward that follows a backward also for that backward's last
  // reduce-scatter (r), which runs first on the same stream; the last one is waited for at the
  // end. 1F1B on one stage is F B F B ...: dp_exposed = m g (forwards) + m g (backwards) +
  // (m - 1) r + r = 2 m g + m r; within 1%
  const double g = ring_pass(n, S / layers), rs = g;  // the same bytes
  CHECK(r.last.dp_exposed.value() == test::rel(2 * m * g + m * rs, 0.01));
  CHECK(r.last.iteration.value() == test::rel(m * (f + b) + 2 * m * g + m * rs + opt, 1e-3));
  CHECK(sum_of_parts(r.last) == test::rel(r.last.iteration.value(), 1e-9));
}

TEST_CASE("ZeRO 3 moves three times the parameter bytes per micro-batch: slow gathers are exposed pass by pass") {
  const int n = 8, m = 2, layers = 2;
  const double f = 0.001, b = 0.002, opt = 0, S = 1e9;
  const auto r =
      engine::simulate_training(net_only(), zero_job(n, m, layers, f, b, opt, S, GradientReduction::sharded_parameters));
  // Collectives (c = 17.5 ms each) dwarf the compute (0.5-1 ms per layer), so the stream on which
  // NCCL runs them one after the other is busy all iteration but for the last forward layer of
  // each forward pass (its gathers are done, the backward's are not queued yet); a backward's
  // last layer runs while its previous layer's reduce-scatter does. Iteration = 3 m L c + m f/L;
  // within 0.1%
  const double c = ring_pass(n, S / layers);
  CHECK(r.last.iteration.value() == test::rel(3 * m * layers * c + m * f / layers, 1e-3));
}

TEST_CASE("simulating every tensor rank's passes and flows gives the same iteration as tensor rank 0 alone") {
  // data 2 x tensor 2 x pipeline 2 on 4 two-GPU nodes: one tensor group per node, so pipeline and
  // data-parallel flows of both tensor ranks cross the network at once, each on its own NIC.
  const auto platform = platform::load_platform(test::test_platform("two-gpu-nodes-4.yaml"));
  // Two chunks per stage: both stages send activations and gradients to each other.
  engine::TrainingJob job = uniform_job(2, 2, 2, 4, costs(0.1, 0.2, 100e6, 1e9, 4), 0.05);
  job.tensor = 2;
  job.overlap_reduction = true;
  const engine::IterationBreakdown symmetric = train_in_child(platform, job).last;
  job.all_tensor_ranks = true;
  const engine::IterationBreakdown every_rank = train_in_child(platform, job).last;
  // the same answer; within 1%
  CHECK(every_rank.iteration.value() == test::rel(symmetric.iteration.value(), 0.01));
  CHECK(every_rank.pipeline_wait.value() == test::rel(symmetric.pipeline_wait.value(), 0.01));
  CHECK(every_rank.dp_exposed.value() == test::rel(symmetric.dp_exposed.value(), 0.01));
  // and the messages did cost something: more than the bubble (p - 1)(f + b) of free messages
  CHECK(symmetric.pipeline_wait.value() > (2 - 1) * 0.3 * 1.01);
}

TEST_CASE("with the tied embedding's sync too, simulating every tensor rank gives the same iteration") {
  const auto platform = platform::load_platform(test::test_platform("two-gpu-nodes-4.yaml"));
  engine::TrainingJob job = uniform_job(2, 2, 2, 4, costs(0.1, 0.2, 100e6, 1e9, 4), 0.05);
  job.tensor = 2;
  job.overlap_reduction = true;
  job.embedding_gradient_bytes = units::Bytes(0.5e9);
  const engine::IterationBreakdown symmetric = train_in_child(platform, job).last;
  job.all_tensor_ranks = true;
  const engine::IterationBreakdown every_rank = train_in_child(platform, job).last;
  // the same answer; within 1%
  CHECK(every_rank.iteration.value() == test::rel(symmetric.iteration.value(), 0.01));
  CHECK(every_rank.dp_exposed.value() == test::rel(symmetric.dp_exposed.value(), 0.01));
}

TEST_CASE("under ZeRO 3 too, simulating every tensor rank gives the same iteration as tensor rank 0 alone") {
  const auto platform = platform::load_platform(test::test_platform("two-gpu-nodes-4.yaml"));
  engine::StageCosts c = costs(0.1, 0.2, 100e6, 1e9, 4);
  c.parameter_bytes = units::Bytes(0.5e9);
  engine::TrainingJob job = uniform_job(2, 2, 2, 4, c, 0.05);
  job.tensor = 2;
  job.reduction = GradientReduction::sharded_parameters;
  const engine::IterationBreakdown symmetric = train_in_child(platform, job).last;
  job.all_tensor_ranks = true;
  const engine::IterationBreakdown every_rank = train_in_child(platform, job).last;
  // the same answer; within 1%, and the gathers did cost something
  CHECK(every_rank.iteration.value() == test::rel(symmetric.iteration.value(), 0.01));
  CHECK(every_rank.dp_exposed.value() == test::rel(symmetric.dp_exposed.value(), 0.01));
  CHECK(symmetric.dp_exposed.value() > 0.01);
}

TEST_CASE("a job that does not fit the platform or whose costs have the wrong shape is rejected before simulating") {
  const topology::Topology topo(platform::load_platform(test::test_platform("two-gpu-nodes-4.yaml")));
  const engine::TrainingJob good = uniform_job(2, 4, 1, 4, costs(0.1, 0.2), 0.05);  // 8 GPUs
  auto rejects = [&](const engine::TrainingJob& job, const char* says) {
    CAPTURE(says);
    try {
      engine::simulate_training(topo, job);
      FAIL("accepted");
    } catch (const std::invalid_argument& e) {
      CHECK(std::string(e.what()).find(says) != std::string::npos);
    }
  };
  engine::TrainingJob j = good;
  j.tensor = 2;
  rejects(j, "needs 16 GPUs");
  j = good;
  j.costs.pop_back();
  rejects(j, "one entry per pipeline stage");
  j = good;
  j.costs[1].push_back(costs(0.1, 0.2));
  rejects(j, "one cost per model chunk");
  j = good;
  j.optimizer.clear();
  rejects(j, "one entry per pipeline stage");
  j = uniform_job(2, 4, 2, 6, costs(0.1, 0.2), 0.05);
  rejects(j, "multiple of pipeline");
  j = good;
  j.costs[0][0].backward = units::Seconds(-1);
  rejects(j, "finite and >= 0");
  j = good;
  j.costs[2][0].gradient_buckets = 0;
  rejects(j, "gradient_buckets");
  j = good;
  j.micro_batches = 0;
  rejects(j, ">= 1");
  j = good;
  j.costs[1][0].backward_utilization = 1.5;
  rejects(j, "utilizations must be between 0 and 1");
  j = good;
  j.optimizer_utilization = -0.1;
  rejects(j, "optimizer_utilization");
}
