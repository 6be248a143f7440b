// workload/ops: the kernels one GPU runs for a transformer layer, with their shapes and bytes.
//
// Owns: the decomposition of a layer's forward and backward pass into matrix multiplications
// (with their m x n x k shapes under tensor parallelism) and memory-bound kernels (norms, softmax,
// dropout, activation functions, residual adds) with the bytes they move, as Megatron-LM's GPT
// layer runs them. How long each kernel takes is compute/'s business. Depends on: workload/model,
// workload/plan, workload/implementation (flash attention, dropout, the kernel family).
#pragma once

#include <string>
#include <vector>

#include "units/quantity.hpp"
#include "workload/implementation.hpp"
#include "workload/model.hpp"
#include "workload/plan.hpp"

namespace trainsim::workload {

struct Kernel {
  // gemm: a matrix multiplication; memory: a bandwidth-bound kernel; attention and
  // attention_backward: a fused attention kernel (flash attention), whose speed is its own
  // measured share of peak, not a GEMM's.
  enum class Kind { gemm, memory, attention, attention_backward };
  // How a memory-bound kernel touches memory, which sets how close to streaming bandwidth it gets:
  // row reductions (norms, softmax) and random-number generation (dropout) are slower per byte.
  enum class Access { streaming, normalization, normalization_backward, softmax, dropout };
  Kind kind = Kind::gemm;
  // A linear layer's GEMM (QKV, projection, MLP): the one that runs in FP8 when the plan trains
  // in FP8 (Transformer Engine); attention, the LM head and the router stay 16-bit.
  bool linear = false;
  Access access = Access::streaming;
  std::string name;
  // gemm: batch x (m x k) @ (k x n); flops = 2 m n k batch.
  double m = 0, n = 0, k = 0, batch = 1;
  units::Flops flops{0};
  units::Bytes bytes{0};  // bytes read and written from HBM (for gemm: inputs and output once)
  // Memory-bound kernels: the bytes of this kernel's backward over its forward's. Most read their
  // saved input and the incoming gradient and write the outgoing one (1.5x a read-one-write-one
  // forward); dropout, residual adds and copies only pass the gradient through (1x).
  double backward_factor = 1.5;
};

// Kernels of one layer's forward pass for one micro-batch on one tensor-parallel rank. In FP8,
// each linear GEMM is preceded by the quantization of its input and of its transpose, and its
// backward by that of its output gradient (Transformer Engine on Hopper: FP8 GEMMs are TN only,
// so the weight-gradient GEMM needs transposed FP8 copies): 4 bytes per element each.
std::vector<Kernel> layer_forward_kernels(const TransformerModel& m, const ParallelPlan& p, const Implementation& o,
                                          int layer);
// Kernels of the same layer's backward pass: each GEMM becomes its data-gradient and weight-
// gradient GEMMs; each memory-bound kernel reads its saved inputs and the incoming gradient.
std::vector<Kernel> layer_backward_kernels(const TransformerModel& m, const ParallelPlan& p, const Implementation& o,
                                           int layer);
// The LM head (logits GEMM and the fp32 softmax cross-entropy) forward, on the last stage.
std::vector<Kernel> lm_head_forward_kernels(const TransformerModel& m, const ParallelPlan& p);
std::vector<Kernel> lm_head_backward_kernels(const TransformerModel& m, const ParallelPlan& p);
// The embedding look-up (first stage), forward and backward: memory-bound gathers/scatters.
std::vector<Kernel> embedding_kernels(const TransformerModel& m, const ParallelPlan& p, bool backward);
// The optimizer step over `parameters` parameters held by this GPU, as Megatron-LM's mixed-
// precision optimizer runs it: unscale and check the gradients for inf/NaN (fp16 loss scaling
// only), their global norm for clipping, Adam (read and write master weights and both moments,
// read the gradient, write the 16-bit weight), and zeroing the gradient buffer for the next
// iteration.
std::vector<Kernel> optimizer_kernels(double parameters, const StateBytes& state, bool loss_scaling);
// Per micro-batch, accumulating the weight gradients of `parameters` parameters over an iteration
// of `micro_batches` micro-batches (none when fused); the new gradients are 16-bit.
std::vector<Kernel> gradient_accumulation_kernels(double parameters, const StateBytes& state, GradientAccumulation mode,
                                                  int micro_batches);

}  // namespace trainsim::workload
