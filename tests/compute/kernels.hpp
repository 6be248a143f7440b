// Kernels of the compute-model tests: a linear layer's GEMM and a causal fused attention, with the
// FLOP and bytes the workload module would give them.
#pragma once

#include "units/quantity.hpp"
#include "workload/ops.hpp"

namespace trainsim::test {

// A linear layer's GEMM (the kind that runs in FP8 when the plan does), as GEMM benchmarks time it.
inline workload::Kernel gemm(double m, double n, double k, double batch = 1) {
  workload::Kernel g;
  g.linear = true;
  g.m = m, g.n = n, g.k = k, g.batch = batch;
  g.flops = units::Flops(2 * m * n * k * batch);
  g.bytes = units::Bytes(2 * batch * (m * k + k * n + m * n));
  return g;
}
// One causal flash-attention layer call: batch x heads sequences of s x s over head dimension d,
// half the products executed (the causal mask), as workload/ops builds it; the backward 2.5 times
// the forward's FLOP.
inline workload::Kernel flash_attention(double s, double d, double batch_heads, bool backward) {
  workload::Kernel k = gemm(s, s, d, batch_heads);
  k.kind = backward ? workload::Kernel::Kind::attention_backward : workload::Kernel::Kind::attention;
  k.flops = units::Flops(2.0 * s * s * d * batch_heads * (backward ? 2.5 : 1.0));
  k.bytes = units::Bytes(4.0 * s * d * batch_heads * 2 * (backward ? 2.0 : 1.0));
  return k;
}

}  // namespace trainsim::test
