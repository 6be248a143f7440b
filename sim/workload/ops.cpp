// workload/ops: Megatron-LM's GPT layer as kernels. Activations are 16-bit (2 bytes); dropout
// masks 1 byte per element; GEMM bytes count each operand and the output once.
#include "workload/ops.hpp"

namespace trainsim::workload {

namespace {
constexpr double kElement = 2.0;  // bytes of a bf16/fp16 activation
constexpr double kMask = 1.0;     // bytes of a dropout mask element

Kernel gemm(std::string name, double m, double n, double k, double batch = 1) {
  Kernel g;
  g.kind = Kernel::Kind::gemm;
  g.name = std::move(name);
  g.m = m, g.n = n, g.k = k, g.batch = batch;
  g.flops = units::Flops(2.0 * m * n * k * batch);
  g.bytes = units::Bytes(batch * (m * k + k * n + m * n) * kElement);
  return g;
}

Kernel linear(std::string name, double m, double n, double k, double batch = 1) {
  Kernel g = gemm(std::move(name), m, n, k, batch);
  g.linear = true;
  return g;
}

Kernel memory(std::string name, double bytes, Kernel::Access access = Kernel::Access::streaming,
              double backward_factor = 1.5) {
  Kernel g;
  g.kind = Kernel::Kind::memory;
  g.access = access;
  g.name = std::move(name);
  g.bytes = units::Bytes(bytes);
  g.backward_factor = backward_factor;
  return g;
}

// Kernels that only pass the gradient through in the backward (dropout with its stored mask,
// residual adds, copies and scalings): their backward moves what their forward moved.
constexpr double kPassThrough = 1.0;

// The backward of a forward memory kernel: dropout's backward only applies the stored mask
// (no random numbers: streaming); a norm's backward is its own, slower, reduction.
Kernel::Access backward_access(Kernel::Access a) {
  switch (a) {
    case Kernel::Access::normalization: return Kernel::Access::normalization_backward;
    case Kernel::Access::dropout: return Kernel::Access::streaming;
    default: return a;
  }
}

struct Dims {
  double tokens, norm_tokens, h, kv, f, s, heads, head_dim, t;
};

Dims dims(const TransformerModel& m, const ParallelPlan& p) {
  Dims d;
  d.t = p.tensor;
  d.tokens = double(p.micro_batch) * m.sequence;
  // Sequence parallelism runs norms and dropouts on 1/t of the tokens (Korthikanti et al. 2022).
  d.norm_tokens = p.sequence_parallel ? d.tokens / d.t : d.tokens;
  d.h = m.hidden, d.kv = m.kv_hidden(), d.f = m.ffn_hidden, d.s = m.sequence;
  d.heads = m.heads, d.head_dim = m.head_dim();
  return d;
}

void attention_core(const TransformerModel& m, const Dims& d, const ParallelPlan& p, const Implementation& o,
                    std::vector<Kernel>& out) {
  const double batch = p.micro_batch * d.heads / d.t;  // attention heads on this rank
  if (o.flash_attention) {
    // One fused kernel (Dao et al. 2022): the causal mask lets it skip half of the s x s blocks,
    // and it reads Q, K, V and writes O once.
    Kernel k = gemm("flash attention", d.s, d.s, d.head_dim, batch);
    k.kind = Kernel::Kind::attention;
    k.flops = units::Flops(2.0 * d.s * d.s * d.head_dim * batch);  // (2 GEMMs x 2 s^2 d) / 2 (causal)
    k.bytes = units::Bytes(4.0 * d.tokens * d.h / d.t * kElement);
    out.push_back(k);
    return;
  }
  const double scores = batch * d.s * d.s;
  // metaseq's model-parallel attention (metaseq/model_parallel/modules/multihead_attention.py, the
  // "more stable MHA calculation" of the OPT logbook) copies the fused QKV output into three
  // contiguous tensors, scales q and k by sqrt(1/sqrt(head_dim)) each before the batched GEMM,
  // replaces non-finite scores with torch.nan_to_num before Megatron's fused causal softmax, and
  // copies the output back to [sequence, batch, hidden] for the projection.
  const bool metaseq = o.kernels == LayerKernels::metaseq;
  if (metaseq) {
    out.push_back(memory("QKV split copies", 2 * d.tokens * (d.h + 2 * d.kv) / d.t * kElement,
                         Kernel::Access::streaming, kPassThrough));
    out.push_back(memory("scale q and k", 2 * d.tokens * (d.h + d.kv) / d.t * kElement, Kernel::Access::streaming,
                         kPassThrough));
  }
  Kernel scores_gemm = gemm("attention scores", d.s, d.s, d.head_dim, batch);
  if (m.position == PositionEmbedding::alibi) {
    // Megatron-DeepSpeed (BLOOM) adds the ALiBi bias as torch.baddbmm's input with beta = 1: PyTorch
    // first copies the broadcast [heads, 1, s] bias into the whole score tensor, and the batched
    // GEMM reads it back as its accumulator. The bias is a constant: no backward.
    out.push_back(memory("ALiBi bias broadcast", scores * kElement, Kernel::Access::streaming, 0.0));
    scores_gemm.bytes += units::Bytes(scores * kElement);
  }
  out.push_back(scores_gemm);
  if (metaseq) out.push_back(memory("nan_to_num scores", 2 * scores * kElement));  // backward: gradient and scores in
  out.push_back(memory("scale-mask-softmax", 2 * scores * kElement, Kernel::Access::softmax));
  if (o.dropout)
    out.push_back(memory("attention dropout", scores * (2 * kElement + kMask), Kernel::Access::dropout, kPassThrough));
  out.push_back(gemm("attention over values", d.s, d.head_dim, d.s, batch));
  if (metaseq)
    out.push_back(memory("attention output copy", 2 * d.tokens * d.h / d.t * kElement, Kernel::Access::streaming,
                         kPassThrough));
}

void mlp(const TransformerModel& m, const Dims& d, const ParallelPlan& p, const Implementation& o, int layer,
         std::vector<Kernel>& out) {
  const bool swiglu = m.activation == Activation::swiglu;
  double tokens = d.tokens;
  double batch = 1;
  if (m.layer_is_moe(layer)) {
    out.push_back(gemm("router", d.tokens, m.moe.experts, d.h));
    out.push_back(memory("router softmax top-k", d.tokens * m.moe.experts * 4.0 * 2, Kernel::Access::softmax));
    // Balanced routing: each expert-parallel rank holds experts/ep experts and receives
    // tokens x top_k x capacity_factor / ep tokens... times ep ranks sending: tokens x top_k x cf.
    batch = double(m.moe.experts) / p.expert;
    tokens = d.tokens * m.moe.top_k * m.moe.capacity_factor / batch;
  }
  const double inner = d.f / d.t;
  out.push_back(linear(swiglu ? "MLP gate and up" : "MLP up", tokens, (swiglu ? 2 : 1) * inner, d.h, batch));
  // metaseq fuses bias-GeLU but runs a ReLU MLP's up projection as torch.addmm, which first copies
  // the bias into every row of the output (PyTorch 1.x); the bias gradient reads the incoming
  // gradient once.
  const bool separate_bias = o.kernels == LayerKernels::metaseq && m.activation == Activation::relu;
  if (separate_bias)
    out.push_back(memory("MLP up bias copy", batch * tokens * inner * kElement, Kernel::Access::streaming, kPassThrough));
  // Element-wise and memory-bound: GeLU and ReLU move the same bytes (read the up-projection,
  // write the activation); SwiGLU reads two inputs.
  const char* name = swiglu                            ? "SwiGLU"
                     : m.activation == Activation::gelu ? "bias-GeLU"
                     : separate_bias                    ? "ReLU"
                                                        : "bias-ReLU";
  out.push_back(memory(name, batch * tokens * inner * (swiglu ? 3 : 2) * kElement));
  out.push_back(linear("MLP down", tokens, d.h, inner, batch));
}

// Transformer Engine's FP8 recipe on Hopper: an FP8 GEMM reads FP8 operands, and Hopper's FP8
// GEMMs are TN only, so the weight-gradient GEMM needs transposed copies. Before each linear GEMM
// its 16-bit input is cast to FP8 and transposed (read 2 bytes, write 1 + 1 per element of
// m x k); in the backward its incoming gradient likewise (m x n): a backward factor of n / k.
// Current scaling first reads the tensor once more for its amax (2 bytes per element).
// (The weights are cast once per iteration, not per micro-batch: not counted.)
std::vector<Kernel> with_fp8_quantization(const std::vector<Kernel>& kernels, Fp8Scaling scaling) {
  std::vector<Kernel> out;
  for (const auto& k : kernels) {
    if (k.kind == Kernel::Kind::gemm && k.linear) {
      if (scaling == Fp8Scaling::current)
        out.push_back(memory("FP8 amax (" + k.name + ")", 2.0 * k.m * k.k * k.batch, Kernel::Access::streaming, k.n / k.k));
      out.push_back(memory("FP8 cast-transpose (" + k.name + ")", 4.0 * k.m * k.k * k.batch, Kernel::Access::streaming,
                           k.n / k.k));
    }
    out.push_back(k);
  }
  return out;
}
}  // namespace

std::vector<Kernel> layer_forward_kernels(const TransformerModel& m, const ParallelPlan& p, const Implementation& o,
                                          int layer) {
  const Dims d = dims(m, p);
  std::vector<Kernel> out;
  const double residual_bytes = d.norm_tokens * d.h * (3 * kElement + (o.dropout ? kMask : 0));
  const auto residual_access = o.dropout ? Kernel::Access::dropout : Kernel::Access::streaming;
  out.push_back(memory("input norm", 2 * d.norm_tokens * d.h * kElement, Kernel::Access::normalization));
  out.push_back(linear("QKV", d.tokens, (d.h + 2 * d.kv) / d.t, d.h));
  attention_core(m, d, p, o, out);
  out.push_back(linear("attention projection", d.tokens, d.h, d.h / d.t));
  out.push_back(memory("bias-dropout-residual (attention)", residual_bytes, residual_access, kPassThrough));
  out.push_back(memory("post-attention norm", 2 * d.norm_tokens * d.h * kElement, Kernel::Access::normalization));
  mlp(m, d, p, o, layer, out);
  if (o.kernels == LayerKernels::metaseq) {
    // metaseq's _ffn: the row-parallel linear adds its bias after the all-reduce, then dropout and
    // the residual add, each its own kernel (15 bytes per element against the fused kernel's 7).
    // The bias gradient reads the incoming gradient once (half the add's traffic).
    out.push_back(memory("MLP down bias add", 2 * d.norm_tokens * d.h * kElement, Kernel::Access::streaming, 0.5));
    if (o.dropout)
      out.push_back(memory("MLP dropout", d.norm_tokens * d.h * (2 * kElement + kMask), Kernel::Access::dropout,
                           kPassThrough));
    out.push_back(memory("MLP residual add", 3 * d.norm_tokens * d.h * kElement, Kernel::Access::streaming, kPassThrough));
  } else {
    out.push_back(memory("bias-dropout-residual (MLP)", residual_bytes, residual_access, kPassThrough));
  }
  if (p.precision == TrainingPrecision::fp8) return with_fp8_quantization(out, o.fp8_scaling);
  return out;
}

std::vector<Kernel> layer_backward_kernels(const TransformerModel& m, const ParallelPlan& p, const Implementation& o,
                                           int layer) {
  std::vector<Kernel> out;
  for (const Kernel& k : layer_forward_kernels(m, p, o, layer)) {
    if (k.kind == Kernel::Kind::memory) {
      if (k.backward_factor > 0)
        out.push_back(memory(k.name + " backward", k.bytes.value() * k.backward_factor, backward_access(k.access)));
    } else if (k.kind == Kernel::Kind::attention) {
      // FlashAttention-2's backward runs 5 matmuls to the forward's 2 (Dao 2023): 2.5x.
      Kernel b = k;
      b.kind = Kernel::Kind::attention_backward;
      b.name += " backward";
      b.flops = k.flops * 2.5;
      b.bytes = k.bytes * 2.0;
      out.push_back(b);
    } else {
      // Y = X W: dX = dY W^T is (m x n)(n x k); dW = X^T dY is (k x m)(m x n).
      out.push_back(gemm(k.name + " data gradient", k.m, k.k, k.n, k.batch));
      out.push_back(gemm(k.name + " weight gradient", k.k, k.n, k.m, k.batch));
      out[out.size() - 2].linear = out.back().linear = k.linear;
    }
  }
  return out;
}

// Megatron-LM's vocabulary-parallel cross entropy (megatron/core/tensor_parallel/cross_entropy.py,
// the same since 2020) runs one PyTorch kernel per step over the logits. Bytes per logit, forward:
// 16-bit logits to fp32 (read 2, write 4), row max (read 4), subtract it (read 4, write 4), exp in
// place (8), row sum (read 4), divide in place to the softmax kept for backward (8): 38. Backward:
// the softmax minus the one-hot target (a gather: not counted) times the loss gradient, in place
// (8), and the fp32 gradient back to 16 bits (read 4, write 2): 14. Row reductions run at the
// softmax's access efficiency, elementwise steps at streaming bandwidth.
std::vector<Kernel> lm_head_forward_kernels(const TransformerModel& m, const ParallelPlan& p) {
  const Dims d = dims(m, p);
  const double logits = d.tokens * m.vocab / d.t;
  return {memory("final norm", 2 * d.norm_tokens * d.h * kElement, Kernel::Access::normalization),
          gemm("LM head", d.tokens, m.vocab / d.t, d.h),
          memory("logits to fp32", logits * (kElement + 4.0)),
          memory("cross entropy: row max", logits * 4.0, Kernel::Access::softmax),
          memory("cross entropy: subtract max", logits * 8.0),
          memory("cross entropy: exp", logits * 8.0),
          memory("cross entropy: row sum", logits * 4.0, Kernel::Access::softmax),
          memory("cross entropy: normalise", logits * 8.0)};
}

std::vector<Kernel> lm_head_backward_kernels(const TransformerModel& m, const ParallelPlan& p) {
  const Dims d = dims(m, p);
  const double logits = d.tokens * m.vocab / d.t;
  return {memory("cross entropy backward", logits * 8.0),
          memory("logits gradient to 16-bit", logits * (4.0 + kElement)),
          gemm("LM head data gradient", d.tokens, d.h, m.vocab / d.t),
          gemm("LM head weight gradient", d.h, m.vocab / d.t, d.tokens),
          memory("final norm backward", 3 * d.norm_tokens * d.h * kElement, Kernel::Access::normalization_backward)};
}

std::vector<Kernel> embedding_kernels(const TransformerModel& m, const ParallelPlan& p, bool backward) {
  const Dims d = dims(m, p);
  // Gather rows (read and write tokens x h) and add learned positions; backward scatters the
  // gradient rows into the embedding gradient.
  double bytes = (m.position == PositionEmbedding::learned ? 3 : 2) * d.tokens * d.h * kElement;
  return {memory(backward ? "embedding backward" : "embedding", bytes)};
}

std::vector<Kernel> optimizer_kernels(double parameters, const StateBytes& state, bool loss_scaling) {
  // The passes of Megatron-LM's mixed-precision optimizer (megatron/optimizer/optimizer.py),
  // which steps on fp32 main gradients and an fp32 master copy of the weights.
  constexpr double kFp32 = 4.0;
  const double main = parameters * kFp32;
  std::vector<Kernel> out;
  // _copy_model_grads_to_main_grads: main_grad.float() is the buffer itself when gradients are
  // accumulated in fp32; 16-bit gradients are copied to fp32 (read 16-bit, write fp32).
  if (state.gradients < kFp32) out.push_back(memory("gradients to fp32", parameters * (state.gradients + kFp32)));
  // fp16's dynamic loss scaling divides every gradient by the scale and checks it for inf/NaN:
  // read and write the fp32 gradients.
  if (loss_scaling) out.push_back(memory("unscale and check gradients", 2 * main));
  // Gradient clipping (GPT-3 and Megatron-LM clip at norm 1.0) needs the global L2 norm: a read
  // of every gradient. The rescale itself only runs when the norm exceeds the bound: not counted.
  out.push_back(memory("gradient norm", main));
  // Adam reads the gradient and reads and writes the master weight and both moments (the
  // optimizer bytes).
  out.push_back(memory("Adam step", parameters * 2 * state.optimizer + main));
  // _copy_main_params_to_model_params: read the fp32 master weight, write the 16-bit weight.
  out.push_back(memory("master weights to 16 bits", parameters * (kFp32 + state.weights)));
  // Zeroing the gradient buffer for the next iteration.
  out.push_back(memory("zero gradient buffer", parameters * state.gradients));
  return out;
}

std::vector<Kernel> gradient_accumulation_kernels(double parameters, const StateBytes& state, GradientAccumulation mode,
                                                  int micro_batches) {
  const double buffer = state.gradients;
  switch (mode) {
    case GradientAccumulation::fused: return {};
    case GradientAccumulation::into_grad:
      // read .grad and the new gradient, write .grad, for m - 1 of the m micro-batches (the first
      // becomes .grad): spread evenly over them, as every backward pass costs the same here.
      if (micro_batches < 2) return {};
      return {memory("gradient accumulation", parameters * (kElement + 2 * buffer) * (micro_batches - 1) / micro_batches)};
    case GradientAccumulation::into_buffer:
      // read the new gradient, read and write the buffer
      return {memory("gradient accumulation", parameters * (kElement + 2 * buffer))};
    case GradientAccumulation::convert_then_add:
      // the conversion reads the new gradient and writes a buffer-typed copy; the add reads the
      // copy and the buffer and writes the buffer
      return {memory("gradient conversion", parameters * (kElement + buffer)),
              memory("gradient accumulation", parameters * 3 * buffer)};
  }
  return {};
}

}  // namespace trainsim::workload
