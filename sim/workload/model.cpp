#include "workload/model.hpp"

namespace trainsim::workload {

namespace {
// Weights of one attention block: Q and output projections are h x h, K and V are h x kv_hidden
// (grouped-query attention shares K/V heads), plus biases when the model has them.
double attention_parameters(const TransformerModel& m) {
  double h = m.hidden, kv = m.kv_hidden();
  double weights = h * (h + 2 * kv) + h * h;
  double biases = m.biases ? (h + 2 * kv) + h : 0;
  return weights + biases;
}

// Weights of one dense MLP: GeLU has up (h x f) and down (f x h); SwiGLU adds a gate (h x f).
double mlp_parameters(const TransformerModel& m) {
  double h = m.hidden, f = m.ffn_hidden;
  double matrices = m.activation == Activation::swiglu ? 3 : 2;
  double biases = m.biases ? (matrices - 1) * f + h : 0;
  return matrices * h * f + biases;
}

double norm_parameters(const TransformerModel& m) {
  // Two norms per layer; LayerNorm has a scale and a bias, RMSNorm only a scale.
  return 2.0 * (m.norm == Norm::layernorm ? 2 : 1) * m.hidden;
}

double mlp_forward_flops_per_token(const TransformerModel& m) {
  double matrices = m.activation == Activation::swiglu ? 3 : 2;
  return 2.0 * matrices * m.hidden * double(m.ffn_hidden);
}
}  // namespace

ParameterCount count_parameters(const TransformerModel& m) {
  ParameterCount c;
  double attention = attention_parameters(m), mlp = mlp_parameters(m), norms = norm_parameters(m);
  c.per_dense_layer = attention + mlp + norms;
  c.per_moe_layer = attention + m.moe.experts * mlp + double(m.hidden) * m.moe.experts + norms;
  c.embedding = double(m.vocab) * m.hidden + (m.position == PositionEmbedding::learned ? double(m.sequence) * m.hidden : 0);
  c.lm_head = m.tied_embeddings ? 0 : double(m.vocab) * m.hidden;
  double final_norm = (m.norm == Norm::layernorm ? 2 : 1) * double(m.hidden);
  c.total = c.embedding + c.lm_head + final_norm;
  c.active_per_token = c.total;
  for (int layer = 0; layer < m.layers; ++layer) {
    bool moe = m.layer_is_moe(layer);
    c.total += moe ? c.per_moe_layer : c.per_dense_layer;
    c.active_per_token += moe ? attention + m.moe.top_k * mlp + norms : c.per_dense_layer;
  }
  return c;
}

LayerFlops layer_forward_flops(const TransformerModel& m, int layer, double tokens) {
  LayerFlops f;
  const double h = m.hidden, kv = m.kv_hidden(), s = m.sequence;
  f.qkv = units::Flops(2.0 * tokens * h * (h + 2 * kv));
  // Scores Q K^T and scores x V: 2 x (2 s h) per token each, over the whole s x s matrix.
  f.attention = units::Flops(4.0 * tokens * s * h);
  f.projection = units::Flops(2.0 * tokens * h * h);
  double per_token_mlp = mlp_forward_flops_per_token(m);
  if (m.layer_is_moe(layer)) {
    f.mlp = units::Flops(tokens * m.moe.top_k * per_token_mlp);
    f.router = units::Flops(2.0 * tokens * h * m.moe.experts);
  } else {
    f.mlp = units::Flops(tokens * per_token_mlp);
  }
  return f;
}

units::Flops lm_head_forward_flops(const TransformerModel& m, double tokens) {
  return units::Flops(2.0 * tokens * double(m.hidden) * double(m.vocab));
}

units::Flops iteration_flops(const TransformerModel& m, double batch, bool full_recomputation) {
  const double tokens = batch * m.sequence;
  units::Flops layers(0);
  for (int layer = 0; layer < m.layers; ++layer) layers += layer_forward_flops(m, layer, tokens).total();
  // Backward costs twice the forward (gradients with respect to inputs and to weights); full
  // recomputation repeats the layers' forward before their backward. The LM head is not
  // recomputed (Narayanan et al. 2021, section 5.1).
  const double layer_passes = full_recomputation ? 4.0 : 3.0;
  return layers * layer_passes + lm_head_forward_flops(m, tokens) * 3.0;
}

}  // namespace trainsim::workload
