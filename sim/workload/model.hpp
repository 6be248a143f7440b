// workload/model: the transformer being trained, and what it costs per token — parameters and
// FLOP per layer — as plain arithmetic (no simulation).
//
// Owns: TransformerModel (GPT-, LLaMA- and MoE-style decoders), parameter counts, and the FLOP
// counts of every part of a forward pass (QKV with grouped-query attention, attention scores,
// output projection, GeLU or SwiGLU MLP, MoE experts, LM head). Depends on: units/.
#pragma once

#include <string>

#include "units/quantity.hpp"

namespace trainsim::workload {

enum class Activation { gelu, relu, swiglu };   // GeLU/ReLU MLP: 2 matrices (ReLU: OPT); SwiGLU: 3 (LLaMA)
enum class Norm { layernorm, rmsnorm };
// learned: s x h parameters added to the embedding; rotary: applied to q and k, no parameters;
// alibi (Press et al. 2022, BLOOM): a per-head linear bias added to the attention scores.
enum class PositionEmbedding { learned, rotary, alibi };

struct MoE {
  int experts = 0;       // 0: dense model
  int top_k = 1;         // experts each token is routed to
  int every = 1;         // an MoE MLP every `every` layers (others dense)
  double capacity_factor = 1.0;
};

struct TransformerModel {
  std::string name;
  int layers = 0;
  int hidden = 0;
  int heads = 0;
  int kv_heads = 0;      // = heads for multi-head attention; fewer for grouped-query attention
  int ffn_hidden = 0;    // MLP inner size (4h for GPT; ~8h/3 rounded for LLaMA SwiGLU)
  int vocab = 0;
  int sequence = 0;      // training sequence length
  Activation activation = Activation::gelu;
  Norm norm = Norm::layernorm;
  PositionEmbedding position = PositionEmbedding::learned;
  bool tied_embeddings = true;  // GPT ties the LM head to the input embedding; LLaMA does not
  bool biases = true;
  MoE moe;

  int head_dim() const { return hidden / heads; }
  int kv_hidden() const { return kv_heads * head_dim(); }
  bool is_moe() const { return moe.experts > 0; }
  bool layer_is_moe(int layer) const { return is_moe() && (layer % moe.every) == moe.every - 1; }
};

// Parameter counts (numbers of weights, not bytes).
struct ParameterCount {
  double per_dense_layer = 0;   // attention + dense MLP + norms
  double per_moe_layer = 0;     // attention + all experts + router + norms
  double embedding = 0;         // token (+ learned position) embedding
  double lm_head = 0;           // 0 when tied to the embedding
  double total = 0;
  double active_per_token = 0;  // MoE: parameters a token actually uses (top-k experts)
};
ParameterCount count_parameters(const TransformerModel& m);

// Forward-pass FLOP of one layer for `tokens` tokens (= micro-batch x sequence), split by part,
// counting a multiply-add as 2 FLOP. Attention scores and attention-over-values count the full
// s x s product, as Megatron-LM's and PaLM's MFU conventions do.
struct LayerFlops {
  units::Flops qkv{0}, attention{0}, projection{0}, mlp{0}, router{0};
  units::Flops total() const { return qkv + attention + projection + mlp + router; }
};
LayerFlops layer_forward_flops(const TransformerModel& m, int layer, double tokens);

// Forward FLOP of the LM head (logits) for `tokens` tokens: 2 x tokens x h x V.
units::Flops lm_head_forward_flops(const TransformerModel& m, double tokens);

// Model FLOP of one training iteration of `batch` sequences: forward + backward (2x forward),
// plus one more forward of the layers when activations are fully recomputed. With GPT shapes
// this equals Narayanan et al. 2021 eq. (3): 96 B s l h^2 (1 + s/6h + V/16lh) with recomputation.
units::Flops iteration_flops(const TransformerModel& m, double batch, bool full_recomputation);

}  // namespace trainsim::workload
