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
double gemm_flops(const std::vector<Kernel>& ks) {
  double sum = 0;
  for (const auto& k : ks) sum += k.flops.value();
  return sum;
}
}  // namespace

TEST_CASE("forward GEMMs of all tensor-parallel ranks add up to the layer's model FLOP") {
  auto m = gpt(24, 2304, 24);
  ParallelPlan p;
  p.tensor = 4;
  p.micro_batch = 2;
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
  MemoryOptions flash;
  flash.flash_attention = true;
  double plain = gemm_flops(layer_forward_kernels(m, p, {}, 0));
  double fused = gemm_flops(layer_forward_kernels(m, p, flash, 0));
  double attention = 4.0 * 2048 * 2048 * 4096;  // 4 s^2 h per sequence
  CHECK(plain - fused == rel(attention / 2));
}

TEST_CASE("the LM head's forward is 2 x tokens x h x V / t") {
  auto m = gpt(24, 4096, 32);
  ParallelPlan p;
  p.tensor = 2;
  CHECK(gemm_flops(lm_head_forward_kernels(m, p)) == rel(2.0 * 2048 * 4096 * 51200 / 2));
}

TEST_CASE("Adam moves 30 bytes per parameter with fp32 gradients") {
  auto ks = optimizer_kernels(1e9, StateBytes{});
  CHECK(ks.at(0).bytes.value() == rel(30e9));
}
