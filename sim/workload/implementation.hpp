// workload/implementation: what the training code does where frameworks differ (the scenario's
// `implementation:` section): training-state sizes, the kernel family, the gradient handling.
// Plain data; the models that read it say how (workload/memory, workload/ops, training/costs).
// Depends on: units/.
#pragma once

#include "units/quantity.hpp"

namespace trainsim::workload {

// Byte sizes of the training state per parameter. Mixed-precision Adam keeps 16-bit weights and
// an fp32 master copy plus two fp32 moments (12 bytes, "K = 12" in the ZeRO paper); gradients are
// 16-bit (DeepSpeed) or accumulated in fp32 (Megatron-LM's main_grad, the default here).
struct StateBytes {
  double weights = 2;
  double gradients = 4;
  double optimizer = 12;
};

enum class LayerKernels { megatron, metaseq };

// Which fused attention kernel runs with flash attention: FlashAttention-2 (Dao 2023; Ampere and
// Hopper), FlashAttention-3 (Shah et al. 2024; Hopper), or cuDNN's fused attention (what
// Transformer Engine runs on Hopper). Their speeds differ by 2x on an H100 (docs/compute-model.md).
enum class AttentionKernel { flash2, flash3, cudnn };
inline const char* to_string(AttentionKernel k) {
  switch (k) {
    case AttentionKernel::flash2: return "flash2";
    case AttentionKernel::flash3: return "flash3";
    case AttentionKernel::cudnn: return "cudnn";
  }
  return "?";
}

// How each micro-batch's weight gradients join the gradients accumulated over the iteration
// (docs/compute-model.md, "Gradient accumulation"):
//   fused            the weight-gradient GEMM accumulates into the buffer itself (Megatron-LM's
//                    --gradient-accumulation-fusion, 2022 on): no separate kernel;
//   into_grad        PyTorch autograd adds every micro-batch after the first into the 16-bit
//                    .grad (Megatron-LM 2021 without contiguous buffers, PyTorch DDP);
//   into_buffer      every micro-batch is added into a gradient buffer of state.gradients bytes
//                    (Megatron-LM's local DDP with its contiguous main_grad buffer);
//   convert_then_add every micro-batch is converted to the buffer's type, then added (DeepSpeed's
//                    bf16 optimizer: hp_grad.add_(lp_grad.to(fp32)), as BLOOM trained).
enum class GradientAccumulation { fused, into_grad, into_buffer, convert_then_add };

enum class Fp8Scaling { delayed, current };

// What the training code does where frameworks differ: the scenario's `implementation:` section.
// The memory model reads the state sizes, flash attention, dropout and saved-activation split; the
// kernel list (workload/ops) the kernel family; the costs (training/) the gradient handling.
struct Implementation {
  StateBytes state;
  bool flash_attention = false;  // no s x s score matrix is stored (Dao et al. 2022)
  AttentionKernel attention_kernel = AttentionKernel::flash2;  // which one, with flash_attention
  bool dropout = true;           // GPT-3/Megatron train with dropout masks; LLaMA does not
  // Full recomputation: each tensor rank keeps 1/t of every layer's saved input and all-gathers
  // it before recomputing (Megatron-LM's --distribute-saved-activations, formerly
  // --distribute-checkpointed-activations; OPT's metaseq uses it).
  bool distribute_saved_activations = false;
  // Which framework's kernels make up a layer (docs/compute-model.md). Megatron-LM fuses bias-GeLU
  // and bias-dropout-residual; metaseq (OPT) runs the MLP's bias, dropout and residual add as
  // separate kernels and adds copies and a nan_to_num pass around the attention scores.
  LayerKernels kernels = LayerKernels::megatron;
  // ZeRO 1-2: how the gradients reach the rank that owns their shard of the optimizer state:
  // reduce-scatter (Megatron-LM's distributed optimizer, DeepSpeed ZeRO) or all-reduce (DeepSpeed's
  // bf16 optimizer under pipeline parallelism, as BLOOM trained). The memory is the same.
  bool all_reduce_sharded_gradients = false;
  GradientAccumulation gradient_accumulation = GradientAccumulation::fused;
  // FP8 training: how Transformer Engine scales each tensor it casts. Delayed scaling takes the
  // scale from the amax history; current scaling measures each tensor's amax first, one more read
  // of its 16-bit values per cast (workload/ops).
  Fp8Scaling fp8_scaling = Fp8Scaling::delayed;
  units::Bytes reserved{0};      // CUDA context, NCCL buffers, allocator slack (scenario input)
};

}  // namespace trainsim::workload
