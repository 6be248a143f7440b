// Tests for workload/ops: the kernel decomposition conserves the model's FLOP count.
#include <doctest/doctest.h>

#include "approx.hpp"

#include "models.hpp"

#include "workload/ops.hpp"

using namespace trainsim::workload;
using trainsim::test::gpt;
using trainsim::test::gpt3_175b;
using trainsim::test::rel;

namespace {
// A plan with the given tensor parallelism and micro-batch (sequences), the rest default.
ParallelPlan plan_of(int tensor, int micro_batch) {
  ParallelPlan p;
  p.tensor = tensor;
  p.micro_batch = micro_batch;
  return p;
}

// Sum of `value(k)` over the kernels that `keep` accepts.
template <class Value, class Keep>
double sum_over(const std::vector<Kernel>& ks, Value value, Keep keep) {
  double sum = 0;
  for (const auto& k : ks)
    if (keep(k)) sum += value(k);
  return sum;
}
auto every = [](const Kernel&) { return true; };
auto flops = [](const Kernel& k) { return k.flops.value(); };
auto bytes = [](const Kernel& k) { return k.bytes.value(); };

double gemm_flops(const std::vector<Kernel>& ks) { return sum_over(ks, flops, every); }
double bytes_of(const std::vector<Kernel>& ks) { return sum_over(ks, bytes, every); }
}  // namespace

TEST_CASE("forward GEMMs of all tensor-parallel ranks add up to the layer's model FLOP") {
  auto m = gpt(24, 2304, 24);
  ParallelPlan p = plan_of(4, 2);
  double tokens = 2.0 * 2048;
  CHECK(gemm_flops(layer_forward_kernels(m, p, {}, 0)) * 4 == rel(layer_forward_flops(m, 0, tokens).total().value()));
}

TEST_CASE("backward GEMMs cost twice the forward GEMMs") {
  auto m = gpt(24, 4096, 32);
  ParallelPlan p;
  p.tensor = 8;
  CHECK(gemm_flops(layer_backward_kernels(m, p, {}, 0)) == rel(2 * gemm_flops(layer_forward_kernels(m, p, {}, 0))));
}

TEST_CASE("flash attention executes half the score FLOP (causal) and moves no s x s matrix") {
  auto m = gpt(24, 4096, 32);
  ParallelPlan p;
  Implementation flash;
  flash.flash_attention = true;
  double plain = gemm_flops(layer_forward_kernels(m, p, {}, 0));
  double fused = gemm_flops(layer_forward_kernels(m, p, flash, 0));
  double attention = 4.0 * 2048 * 2048 * 4096;  // 4 s^2 h per sequence
  CHECK(plain - fused == rel(attention / 2));
  // It is one fused attention kernel each way, timed at its own measured speed (compute/), and its
  // backward runs 2.5x the forward FLOP (Dao 2023: 5 matmuls to 2).
  std::vector<Kernel> forward, backward;
  for (const auto& k : layer_forward_kernels(m, p, flash, 0))
    if (k.kind == Kernel::Kind::attention) forward.push_back(k);
  for (const auto& k : layer_backward_kernels(m, p, flash, 0))
    if (k.kind == Kernel::Kind::attention_backward) backward.push_back(k);
  REQUIRE(forward.size() == 1);
  REQUIRE(backward.size() == 1);
  CHECK(forward[0].flops.value() == rel(attention / 2));
  CHECK(backward[0].flops.value() == rel(2.5 * attention / 2));
}

TEST_CASE("the LM head's forward is 2 x tokens x h x V / t") {
  auto m = gpt(24, 4096, 32);
  ParallelPlan p;
  p.tensor = 2;
  CHECK(gemm_flops(lm_head_forward_kernels(m, p)) == rel(2.0 * 2048 * 4096 * 51200 / 2));
}

TEST_CASE("Megatron's fp32 cross entropy moves 38 bytes per logit forward and 14 backward") {
  // Per logit: to fp32 6, max 4, subtract 8, exp 8, sum 4, normalise 8; backward 8 + 6
  // (megatron/core/tensor_parallel/cross_entropy.py). Tokens 2048 x vocabulary 51200 / tensor 2.
  auto m = gpt(24, 4096, 32);
  ParallelPlan p;
  p.tensor = 2;
  const double logits = 2048.0 * 51200 / 2;
  auto cross_entropy = [](const Kernel& k) {
    return k.kind == Kernel::Kind::memory && k.name.find("final norm") == std::string::npos;
  };
  CHECK(sum_over(lm_head_forward_kernels(m, p), bytes, cross_entropy) == rel(38 * logits));
  CHECK(sum_over(lm_head_backward_kernels(m, p), bytes, cross_entropy) == rel(14 * logits));
}

TEST_CASE("the optimizer step moves 42 bytes per parameter in bf16, 50 with fp16 loss scaling, 54 with 16-bit gradients") {
  // Megatron-LM's mixed-precision optimizer (megatron/optimizer/optimizer.py), fp32 gradients
  // (4 B), 16-bit weights (2 B), fp32 master weight and moments (12 B): gradient norm 4; Adam
  // 2 x 12 + 4 = 28; master weights to 16 bits (_copy_main_params_to_model_params) 4 + 2 = 6;
  // zeroing the gradient buffer 4: 42. fp16 unscaling of the fp32 gradients: + 8. With 16-bit
  // gradients (Megatron-LM 2021's fp16 runs) they are first copied to fp32 (2 + 4) and the
  // buffer zeroed is 16-bit (2): 6 + 8 + 4 + 28 + 6 + 2 = 54.
  auto bf16 = optimizer_kernels(1e9, StateBytes{}, false);
  auto fp16 = optimizer_kernels(1e9, StateBytes{}, true);
  StateBytes half_gradients;
  half_gradients.gradients = 2;
  auto fp16_grads = optimizer_kernels(1e9, half_gradients, true);
  CHECK(bytes_of(bf16) == rel(42e9));
  CHECK(bytes_of(fp16) == rel(50e9));
  CHECK(bytes_of(fp16_grads) == rel(54e9));
  for (const auto& k : fp16) CHECK(k.kind == Kernel::Kind::memory);
}

TEST_CASE("a ReLU MLP (OPT) has the GeLU MLP's FLOP and bytes: both are element-wise on the same tensor") {
  auto gelu = gpt(96, 12288, 96);
  auto relu = gelu;
  relu.activation = Activation::relu;
  ParallelPlan p = plan_of(8, 8);
  const auto a = layer_forward_kernels(gelu, p, {}, 0), b = layer_forward_kernels(relu, p, {}, 0);
  CHECK(gemm_flops(b) == rel(gemm_flops(a)));
  CHECK(bytes_of(b) == rel(bytes_of(a)));
  bool named = false;
  for (const auto& k : b) named |= k.name == "bias-ReLU";
  CHECK(named);
}

TEST_CASE("metaseq's kernels (OPT): the unfused MLP epilogue and the copies around the attention scores") {
  // Source: metaseq at its first public commit (May 2022), the code OPT-175B trained with:
  // modules/transformer_layer.py (_ffn) and model_parallel/modules/multihead_attention.py.
  // Bytes per layer forward on one tensor rank, T tokens, 2-byte activations, 1-byte masks:
  //   MLP up bias copy (ReLU via addmm)  2 T f/t
  //   MLP down bias add + dropout + residual add, against the fused kernel: (4 + 5 + 6 - 7) T h
  //   QKV split copies 4 T 3h/t, scale q and k 4 T 2h/t, output copy 4 T h/t (no GQA: kv = h)
  //   nan_to_num over the scores 4 b (a/t) s^2
  auto m = gpt(96, 12288, 96);
  m.activation = Activation::relu;
  ParallelPlan p = plan_of(8, 8);
  Implementation metaseq;
  metaseq.kernels = LayerKernels::metaseq;
  const auto megatron_kernels = layer_forward_kernels(m, p, {}, 0);
  const auto metaseq_kernels = layer_forward_kernels(m, p, metaseq, 0);
  const double T = 8.0 * 2048, h = 12288, f = 4 * h, t = 8, s = 2048, heads = 96;
  const double extra = 2 * T * f / t + 8 * T * h + 4 * T * 3 * h / t + 4 * T * 2 * h / t + 4 * T * h / t +
                       4 * 8 * (heads / t) * s * s;
  CHECK(bytes_of(metaseq_kernels) - bytes_of(megatron_kernels) == rel(extra));
  CHECK(gemm_flops(metaseq_kernels) == rel(gemm_flops(megatron_kernels)));  // the same GEMMs

  // Backward: the copies, scalings, dropout and residual add pass the gradient through (1x their
  // forward bytes), the bias add's gradient is a column sum (0.5x), nan_to_num reads the scores
  // and the gradient and writes one (1.5x); the fused kernel's backward (1x) is gone.
  const double extra_backward = 2 * T * f / t + (2 + 5 + 6 - 7) * T * h + 4 * T * 3 * h / t + 4 * T * 2 * h / t +
                                4 * T * h / t + 1.5 * 4 * 8 * (heads / t) * s * s;
  CHECK(bytes_of(layer_backward_kernels(m, p, metaseq, 0)) - bytes_of(layer_backward_kernels(m, p, {}, 0)) ==
        rel(extra_backward));
}

TEST_CASE("ALiBi (BLOOM): the bias is broadcast into the scores and read back by the score GEMM, forward only") {
  // Source: bigscience-workshop/Megatron-DeepSpeed, megatron/model/transformer.py: the ALiBi
  // tensor [b * heads, 1, s] is torch.baddbmm's input with beta = 1; PyTorch expands and copies it
  // into the [b * heads, s, s] result before the batched GEMM accumulates onto it.
  auto learned = gpt(70, 14336, 112);
  auto alibi = learned;
  alibi.position = PositionEmbedding::alibi;
  ParallelPlan p = plan_of(4, 2);
  const double scores = 2.0 * (112.0 / 4) * 2048 * 2048;  // b x heads/t x s x s
  const auto a = layer_forward_kernels(learned, p, {}, 0), b = layer_forward_kernels(alibi, p, {}, 0);
  CHECK(bytes_of(b) - bytes_of(a) == rel(2 * scores * 2));  // 2 bytes written, 2 read back
  CHECK(gemm_flops(b) == rel(gemm_flops(a)));
  CHECK(bytes_of(layer_backward_kernels(alibi, p, {}, 0)) == rel(bytes_of(layer_backward_kernels(learned, p, {}, 0))));
}

TEST_CASE("gradient accumulation moves the bytes of the framework's kernels, per micro-batch") {
  // Megatron-LM 2021 (autograd into the 16-bit .grad: read, read, write 2 bytes, m - 1 times),
  // Megatron-LM's contiguous main_grad buffer (main_grad.add_(grad): 2 + 4 + 4 bytes with fp32),
  // DeepSpeed's bf16 optimizer (hp_grad.add_(lp_grad.to(fp32)): 2 + 4, then 4 + 4 + 4), and the
  // fused weight-gradient GEMM (nothing separate).
  const double P = 1e9;
  StateBytes fp32;  // 4-byte gradients
  StateBytes fp16;
  fp16.gradients = 2;
  CHECK(gradient_accumulation_kernels(P, fp32, GradientAccumulation::fused, 8).empty());
  CHECK(bytes_of(gradient_accumulation_kernels(P, fp16, GradientAccumulation::into_grad, 8)) == rel(6e9 * 7 / 8));
  CHECK(gradient_accumulation_kernels(P, fp16, GradientAccumulation::into_grad, 1).empty());  // nothing to add to
  CHECK(bytes_of(gradient_accumulation_kernels(P, fp32, GradientAccumulation::into_buffer, 8)) == rel(10e9));
  CHECK(bytes_of(gradient_accumulation_kernels(P, fp32, GradientAccumulation::convert_then_add, 8)) == rel(18e9));
  for (const auto& k : gradient_accumulation_kernels(P, fp32, GradientAccumulation::convert_then_add, 8))
    CHECK(k.kind == Kernel::Kind::memory);
}

TEST_CASE("in FP8 each linear GEMM's input is cast and transposed (4 bytes per element), its gradient in the backward") {
  // Transformer Engine on Hopper: FP8 GEMMs are TN only, so the weight gradient needs transposed
  // FP8 copies of the input and of the output gradient (TE docs, "Handling transposes").
  auto m = gpt(24, 4096, 32);
  ParallelPlan p;
  p.tensor = 2;
  ParallelPlan fp8 = p;
  fp8.precision = TrainingPrecision::fp8;
  const auto plain = layer_forward_kernels(m, p, {}, 0);
  const auto quantized = layer_forward_kernels(m, fp8, {}, 0);
  double cast_bytes = 0, cast_backward = 0;
  int casts = 0, linears = 0;
  for (const auto& k : quantized)
    if (k.name.rfind("FP8 cast-transpose", 0) == 0) ++casts, cast_bytes += k.bytes.value(), cast_backward += k.bytes.value() * k.backward_factor;
  for (const auto& k : plain) linears += k.linear;
  CHECK(linears == 4);  // QKV, attention projection, MLP up, MLP down
  CHECK(casts == 4);
  CHECK(quantized.size() == plain.size() + 4);
  // Inputs m x k: QKV and MLP up read h = 4096, the projection h/t, MLP down 4h/t; T = 2048 tokens.
  const double T = 2048, h = 4096, t = 2;
  CHECK(cast_bytes == rel(4 * T * (h + h / t + h + 4 * h / t)));
  // Output gradients m x n: 3h/t, h, 4h/t, h.
  CHECK(cast_backward == rel(4 * T * (3 * h / t + h + 4 * h / t + h)));
  // Attention's batched GEMMs are not linear layers: they stay 16-bit.
  for (const auto& k : quantized)
    if (k.name == "attention scores" || k.name == "attention over values") CHECK(!k.linear);
  // Current scaling reads each cast tensor once more for its amax: 2 bytes per element before
  // each cast, forward and backward (half the cast's traffic each way).
  Implementation current;
  current.fp8_scaling = Fp8Scaling::current;
  double amax_bytes = 0, amax_backward = 0;
  int amaxes = 0;
  for (const auto& k : layer_forward_kernels(m, fp8, current, 0))
    if (k.name.rfind("FP8 amax", 0) == 0) ++amaxes, amax_bytes += k.bytes.value(), amax_backward += k.bytes.value() * k.backward_factor;
  CHECK(amaxes == 4);
  CHECK(amax_bytes == rel(cast_bytes / 2));
  CHECK(amax_backward == rel(cast_backward / 2));
}
