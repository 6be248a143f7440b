// Tests for workload/memory against Korthikanti et al. 2022 (activations) and Rajbhandari et al.
// 2020 (ZeRO model states).
#include <doctest/doctest.h>

#include <initializer_list>
#include <optional>

#include "approx.hpp"

#include "models.hpp"

#include "workload/memory.hpp"

using namespace trainsim::workload;
using trainsim::test::gpt;
using trainsim::test::gpt3_175b;
using trainsim::test::rel;

namespace {
ParallelPlan tp8(Recomputation r, bool sp) {
  ParallelPlan p;
  p.tensor = 8;
  p.micro_batch = 1;
  p.recompute = r;
  p.sequence_parallel = sp;
  return p;
}
}  // namespace

TEST_CASE("activations per layer with tensor parallelism: sbh (10 + 24/t + 5as/ht) (Korthikanti Table 2)") {
  auto m = gpt3_175b();
  double s = 2048, b = 1, h = 12288, a = 96, t = 8;
  CHECK(layer_activation_bytes(m, tp8(Recomputation::none, false), {}).value() ==
        rel(s * b * h * (10 + 24 / t + 5 * a * s / (h * t))));
}

TEST_CASE("sequence parallelism divides everything by t: sbh (34/t + 5as/ht)") {
  auto m = gpt3_175b();
  double s = 2048, b = 1, h = 12288, a = 96, t = 8;
  CHECK(layer_activation_bytes(m, tp8(Recomputation::none, true), {}).value() ==
        rel(s * b * h * (34 / t + 5 * a * s / (h * t))));
}

TEST_CASE("a SwiGLU MLP keeps its input (gate and up) and the down projection's input: 6 sbf, not 8") {
  // Megatron-Core, fusions/fused_bias_swiglu.py: SwiGLUFunction saves only its input and
  // recomputes the activation in the backward; MLP-down keeps its own input (the product).
  // Llama 3 70B's shape: h 8192, 8 KV heads of 128 (kv 1024), f 28672; sequence parallel, t 4.
  auto m = gpt(80, 8192, 64);
  m.kv_heads = 8;
  m.ffn_hidden = 28672;
  m.activation = Activation::swiglu;
  m.sequence = 8192;
  ParallelPlan p = tp8(Recomputation::none, true);
  p.tensor = 4;
  Implementation o;
  o.flash_attention = true;
  o.dropout = false;
  const double s = 8192, b = 1, h = 8192, kv = 1024, f = 28672, t = 4;
  // norm inputs 4sbh, attention and MLP inputs 2sbh each, Q 2sbh, K and V 4sb kv, projection
  // input 2sbh, SwiGLU input 4sbf, MLP-down input 2sbf; all sharded over t.
  const double bf16 = (4 * s * b * h + 4 * s * b * h + 2 * s * b * h + 4 * s * b * kv + 2 * s * b * h + 6 * s * b * f) / t;
  CHECK(layer_activation_bytes(m, p, o).value() == rel(bf16));
  // In FP8 the four linears keep their inputs as 1-byte FP8 copies (Transformer Engine's docs,
  // "Memory usage": the input in FP8 saved for backward): attention and MLP inputs, projection
  // input and MLP-down input each lose a byte per element, (3sbh + sbf)/t.
  p.precision = TrainingPrecision::fp8;
  CHECK(layer_activation_bytes(m, p, o).value() == rel(bf16 - (3 * s * b * h + s * b * f) / t));
}

TEST_CASE("FP8 training keeps an FP8 copy of the layers' weights: one byte per parameter more") {
  // Transformer Engine's docs, "Memory usage": 2 MB of 16-bit weights plus 1 MB of their FP8 copy.
  auto m = gpt3_175b();
  ParallelPlan p = tp8(Recomputation::full, true);
  p.pipeline = 8;
  p.data = 1;
  p.global_batch = 8;
  const MemoryBreakdown bf16 = memory_per_gpu(m, p, {});
  p.precision = TrainingPrecision::fp8;
  const MemoryBreakdown fp8 = memory_per_gpu(m, p, {});
  // Stage 0 holds 12 layers of 12h^2 + 13h parameters, over 8 tensor ranks.
  const double h = 12288, layer_params = 12 * h * h + 13 * h;
  CHECK((fp8.weights - bf16.weights).value() == rel(12 * layer_params / 8).epsilon(1e-3));
  CHECK(fp8.gradients.value() == rel(bf16.gradients.value()));
}

TEST_CASE("selective recomputation with sequence parallelism keeps sbh 34/t") {
  auto m = gpt3_175b();
  double s = 2048, b = 1, h = 12288, t = 8;
  CHECK(layer_activation_bytes(m, tp8(Recomputation::selective, true), {}).value() == rel(s * b * h * 34 / t));
}

TEST_CASE("full recomputation keeps only each layer's input, 2sbh") {
  auto m = gpt3_175b();
  CHECK(layer_activation_bytes(m, tp8(Recomputation::full, false), {}).value() == rel(2.0 * 2048 * 12288));
}

TEST_CASE("distributed saved activations keep 1/t of each layer's input, 2sbh/t (Megatron's --distribute-saved-activations)") {
  auto m = gpt3_175b();
  Implementation distributed;
  distributed.distribute_saved_activations = true;
  CHECK(layer_activation_bytes(m, tp8(Recomputation::full, false), distributed).value() == rel(2.0 * 2048 * 12288 / 8));
  // With sequence parallelism the input is already sharded: no second division.
  CHECK(layer_activation_bytes(m, tp8(Recomputation::full, true), distributed).value() == rel(2.0 * 2048 * 12288 / 8));
}

TEST_CASE("flash attention stores no s x s scores, like selective recomputation") {
  auto m = gpt3_175b();
  Implementation flash;
  flash.flash_attention = true;
  CHECK(layer_activation_bytes(m, tp8(Recomputation::none, true), flash).value() ==
        rel(layer_activation_bytes(m, tp8(Recomputation::selective, true), {}).value()));
}

TEST_CASE("ZeRO stages shrink model states as in Rajbhandari et al. 2020, Figure 1 (7.5B, Nd = 64)") {
  // The paper: baseline 120 GB, P_os 31.4 GB, P_os+g 16.6 GB, P_os+g+p 1.9 GB, with 2 + 2 + 12
  // bytes per parameter. Ratios are independent of the exact parameter count.
  TransformerModel m = gpt3_175b();
  m.layers = 36;
  m.hidden = 4096;
  m.heads = m.kv_heads = 32;
  m.ffn_hidden = 4 * 4096;
  Implementation o;
  o.state = StateBytes{2, 2, 12};
  ParallelPlan p;
  p.data = 64;
  p.global_batch = 64;
  auto states = [&](int zero) {
    p.zero_stage = zero;
    auto mb = memory_per_gpu(m, p, o);
    return (mb.weights + mb.gradients + mb.optimizer).value();
  };
  double base = states(0);
  CHECK(states(1) / base == rel(31.4 / 120).epsilon(0.01));
  CHECK(states(2) / base == rel(16.6 / 120).epsilon(0.01));
  CHECK(states(3) / base == rel(1.9 / 120).epsilon(0.03));
}

TEST_CASE("GPT-3 175B does not fit on one 80 GiB GPU per 8-way tensor group without pipelining") {
  auto m = gpt3_175b();
  ParallelPlan p = tp8(Recomputation::full, false);
  p.global_batch = 8;
  auto mb = memory_per_gpu(m, p, {});
  // 175e9 / 8 x 18 bytes = 393 GB of model states alone.
  CHECK(mb.total().value() > 80.0 * (1 << 30));
  p.pipeline = 16;
  p.global_batch = 16;
  auto split = memory_per_gpu(m, p, {});
  CHECK(split.total().value() < 80.0 * (1 << 30));
  CHECK(split.to_string().find("optimizer") != std::string::npos);
}

TEST_CASE("plan problems name the reason: GPU count, heads, layers, batch") {
  auto m = gpt3_175b();
  ParallelPlan p;
  p.data = 2;
  p.tensor = 7;
  p.pipeline = 5;
  p.global_batch = 3;
  auto problems = plan_problems(m, p, 64);
  REQUIRE(problems.size() >= 4);
  CHECK(problems[0].find("= 70 GPUs, but the cluster has 64") != std::string::npos);
  CHECK(problems[1].find("does not divide the 96 attention heads") != std::string::npos);
  bool layers = false, batch = false;
  for (auto& s : problems) {
    layers |= s.find("96 layers do not split evenly over 5") != std::string::npos;
    batch |= s.find("global batch 3") != std::string::npos;
  }
  CHECK(layers);
  CHECK(batch);
}

namespace {
// GPT-3 on 64 GPUs (data 8 x tensor 8), otherwise a default plan, for the overlap switches' checks.
ParallelPlan gpt3_on_64() {
  ParallelPlan p;
  p.data = 8;
  p.tensor = 8;
  p.global_batch = 8;
  return p;
}
// 128 GPUs as tensor 8 x pipeline 16 (Llama 3 405B's stages) with the given first and last
// stage or chunk layer counts.
ParallelPlan sixteen_stages(std::optional<int> first, std::optional<int> last) {
  ParallelPlan p = gpt3_on_64();
  p.data = 1;
  p.pipeline = 16;
  p.global_batch = 16;
  p.first_stage_layers = first;
  p.last_stage_layers = last;
  return p;
}
// Virtual stage v's layers are [first, first + count).
struct Range {
  int v, first, count;
};
void check_ranges(const ParallelPlan& p, int layers, std::initializer_list<Range> expected) {
  for (const Range& r : expected) {
    CAPTURE(r.v);
    CHECK(p.stage_layers(layers, r.v).first == r.first);
    CHECK(p.stage_layers(layers, r.v).count == r.count);
  }
}
// The layers over all virtual stages of the plan add up to the model's.
int total_layers(const ParallelPlan& p, int layers, int chunks) {
  int total = 0;
  for (int v = 0; v < chunks; ++v) total += p.stage_layers(layers, v).count;
  return total;
}
}  // namespace

TEST_CASE("an overlapped parameter gather without ZeRO is refused with the reason") {
  ParallelPlan p = gpt3_on_64();
  p.overlap_parameter_gather = true;
  auto problems = plan_problems(gpt3_175b(), p, 64);
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].find("overlap_parameter_gather needs ZeRO stage 1 or more") != std::string::npos);
  p.zero_stage = 1;
  CHECK(plan_problems(gpt3_175b(), p, 64).empty());
}

TEST_CASE("the 1T model's checkpoint is Narayanan et al.'s 13.8 TB within 3% (section 5.10)") {
  // Table 1's last row: 128 layers, hidden 25,600, 160 heads, vocabulary 51,200; 14 bytes per
  // parameter (16-bit weights, fp32 master copy, two fp32 Adam moments).
  const auto one_trillion = gpt(128, 25600, 160);
  const double bytes = checkpoint_bytes(one_trillion, {}).value();
  CHECK(bytes == rel(14.0 * count_parameters(one_trillion).total));
  CHECK(bytes == rel(13.8e12).epsilon(0.03));
}

TEST_CASE("overlapped TP communication without sequence parallelism is refused with the reason") {
  ParallelPlan p = gpt3_on_64();
  p.overlap_tensor_parallel_comm = true;
  auto problems = plan_problems(gpt3_175b(), p, 64);
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].find("expected sequence_parallel: true and tensor > 1") != std::string::npos);
  p.sequence_parallel = true;
  CHECK(plan_problems(gpt3_175b(), p, 64).empty());
}

TEST_CASE("uneven first and last pipeline stages: Llama 3 405B's 126 layers as 7 + 14 x 8 + 7 over 16 stages") {
  auto m = gpt3_175b();
  m.layers = 126;
  ParallelPlan p = sixteen_stages(7, 7);
  REQUIRE(plan_problems(m, p, 128).empty());
  check_ranges(p, 126, {{0, 0, 7}, {1, 7, 8}, {14, 111, 8}, {15, 119, 7}});
  CHECK(total_layers(p, 126, 16) == 126);
  // 125 layers leave 111 for 14 stages: refused with the reason
  m.layers = 125;
  auto problems = plan_problems(m, p, 128);
  REQUIRE(!problems.empty());
  CHECK(problems[0].find("do not split evenly over the other 14 pipeline stages") != std::string::npos);
}

TEST_CASE("uneven first and last model chunks with interleaving: Llama 3 405B's embedding-only and loss-only chunks") {
  // The Llama 3 paper (section 3.3.2): 126 layers on 16 stages x 8 virtual stages, one layer per
  // chunk except the first chunk (the embedding alone) and the last (the output layer and loss).
  auto m = gpt3_175b();
  m.layers = 126;
  ParallelPlan p = sixteen_stages(0, 0);
  p.schedule = PipelineSchedule::interleaved;
  p.virtual_stages = 8;
  REQUIRE(plan_problems(m, p, 128).empty());
  check_ranges(p, 126, {{0, 0, 0}, {1, 0, 1}, {126, 125, 1}, {127, 126, 0}});
  CHECK(total_layers(p, 126, 128) == 126);
  // Stage 0 holds chunks 0, 16, ..., 112: 7 layers; stage 15 chunks 15, ..., 127: 7; the rest 8,
  // as every stage of an even 128-layer split: the most loaded GPU is a middle one, with its weights.
  m.vocab = 0;  // no embedding or LM head, so that the layers' weights compare directly
  m.position = PositionEmbedding::rotary;
  auto even = p;
  even.first_stage_layers.reset();
  even.last_stage_layers.reset();
  m.layers = 128;
  const double eight_layers = memory_per_gpu(m, even, {}).weights.value();
  m.layers = 126;
  const auto worst = memory_per_gpu(m, p, {});
  CHECK(worst.weights.value() == trainsim::test::rel(eight_layers, 1e-9));
  CHECK(worst.stage != 0);
  CHECK(worst.stage != 15);
  // 125 layers on the 126 middle chunks do not split: refused with the chunks named
  m.layers = 125;
  auto problems = plan_problems(m, p, 128);
  REQUIRE(!problems.empty());
  CHECK(problems[0].find("do not split evenly over the other 126 model chunks") != std::string::npos);
}
