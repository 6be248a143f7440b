#include "workload/memory.hpp"

#include <algorithm>

#include "units/parse.hpp"

namespace trainsim::workload {

namespace {
// Activations are stored in 16-bit (2 bytes per element); dropout masks take 1 byte per element.
// In FP8 training (Transformer Engine) each linear layer keeps its input for the weight gradient as
// the FP8 copy it made for its GEMM, 1 byte per element, not the 16-bit tensor (TE docs,
// "Performance considerations", Memory usage: "1 MB (input in FP8 saved for backward)").
units::Bytes attention_and_mlp_bytes(const TransformerModel& m, const ParallelPlan& p, const Implementation& o) {
  const double s = m.sequence, b = p.micro_batch, h = m.hidden, kv = m.kv_hidden(), f = m.ffn_hidden, a = m.heads;
  const double t = p.tensor;
  const double mask = o.dropout ? 1.0 : 0.0;
  const double linear_input = p.precision == TrainingPrecision::fp8 ? 1.0 : 2.0;
  const bool stores_scores = !o.flash_attention && p.recompute == Recomputation::none;
  // Korthikanti et al. 2022, section 4.1: per layer 34 sbh + 5 a s^2 b for GPT. The parts that
  // stay whole under tensor parallelism are the two norm inputs (4sbh), the attention and MLP
  // inputs (2sbh each: the QKV and MLP-up linears' inputs) and the two dropout masks (sbh each):
  // "10 sbh" in the paper's Table 2.
  double unsplit = 4 * s * b * h + 2 * linear_input * s * b * h + 2 * mask * s * b * h;
  // Inside the tensor-parallel region: Q, K, V (2sbh + 4sb kv), the projection's input (2sbh), the
  // MLP intermediates and the s x s attention scores (softmax output 2, its dropout mask 1, dropout
  // output 2). GeLU keeps its input (2sbf) and the MLP-down linear its output (2sbf); SwiGLU keeps
  // its input, gate and up (4sbf), recomputing the activation in the backward (Megatron-Core,
  // fusions/fused_bias_swiglu.py: save_for_backward(input)), and MLP-down its product (2sbf).
  double split = 2 * s * b * h + 4 * s * b * kv + linear_input * s * b * h;
  split += (m.activation == Activation::swiglu ? 4 : 2) * s * b * f + linear_input * s * b * f;
  if (stores_scores) split += (4 + mask) * a * s * s * b;
  if (p.sequence_parallel) return units::Bytes((unsplit + split) / t);
  return units::Bytes(unsplit + split / t);
}

std::string part(const char* name, units::Bytes b) { return std::string(name) + " " + units::format_bytes_binary(b); }
}  // namespace

units::Bytes layer_activation_bytes(const TransformerModel& m, const ParallelPlan& p, const Implementation& o) {
  if (p.recompute == Recomputation::full) {
    // Only each layer's input is kept (2sbh), sharded along the sequence with SP, or split over
    // the tensor ranks when the saved activations are distributed.
    double input = 2.0 * m.sequence * p.micro_batch * m.hidden;
    return units::Bytes(p.sequence_parallel || o.distribute_saved_activations ? input / p.tensor : input);
  }
  return attention_and_mlp_bytes(m, p, o);
}

units::Bytes checkpoint_bytes(const TransformerModel& m, const Implementation& o) {
  return units::Bytes(count_parameters(m).total * (o.state.weights + o.state.optimizer));
}

MemoryBreakdown memory_per_gpu(const TransformerModel& m, const ParallelPlan& p, const Implementation& o) {
  const ParameterCount params = count_parameters(m);
  const int chunks = p.schedule == PipelineSchedule::interleaved ? p.virtual_stages : 1;

  const double t = p.tensor, d = p.data;
  const double micro_batches = p.micro_batches();
  MemoryBreakdown worst;
  for (int stage = 0; stage < p.pipeline; ++stage) {
    // Parameters held by one GPU of this stage.
    double weights = 0;
    // With interleaving a stage holds `chunks` model chunks (virtual stages c p + stage).
    int layers_per_stage = 0;
    for (int c = 0; c < chunks; ++c) {
      const ParallelPlan::LayerRange range = p.stage_layers(m.layers, c * p.pipeline + stage);
      layers_per_stage += range.count;
      for (int layer = range.first; layer < range.first + range.count; ++layer)
        weights += m.layer_is_moe(layer) ? params.per_moe_layer / p.expert : params.per_dense_layer;
    }
    weights /= t;
    const double layer_weights = weights;  // the transformer layers' parameters on this GPU
    // The input embedding sits on the first stage; the LM head (or, with tied embeddings and more
    // than one stage, a copy of the embedding) on the last.
    double vocab_matrix = double(m.vocab) * m.hidden / t;
    if (stage == 0) weights += params.embedding / t;
    if (stage == p.pipeline - 1 && (!m.tied_embeddings || p.pipeline > 1)) weights += vocab_matrix;

    MemoryBreakdown mb;
    mb.stage = stage;
    const double shard_optimizer = p.zero_stage >= 1 ? d : 1, shard_gradients = p.zero_stage >= 2 ? d : 1,
                 shard_weights = p.zero_stage >= 3 ? d : 1;
    mb.weights = units::Bytes(weights * o.state.weights / shard_weights);
    // FP8 training keeps an FP8 copy of every linear layer's weights between the forward and the
    // backward (TE docs, Memory usage: "1 MB (weight in FP8)" beside the 2 MB 16-bit weight).
    if (p.precision == TrainingPrecision::fp8) mb.weights += units::Bytes(layer_weights / shard_weights);
    mb.gradients = units::Bytes(weights * o.state.gradients / shard_gradients);
    mb.optimizer = units::Bytes(weights * o.state.optimizer / shard_optimizer);
    // 1F1B: stage i keeps the activations of min(p - i, m) micro-batches in flight (Narayanan et
    // al. 2021); the interleaved schedule holds (1 + (p-1)/(p v)) times the first stage's share
    // (Korthikanti et al. 2022, section 4.2.3).
    double in_flight = std::min<double>(p.pipeline - stage, micro_batches);
    if (chunks > 1 && stage == 0) in_flight = p.pipeline * (1.0 + (p.pipeline - 1.0) / (p.pipeline * chunks));
    mb.activations = layer_activation_bytes(m, p, o) * (in_flight * layers_per_stage);
    // The last stage also holds the fp32 logits of one micro-batch for the loss: 4 s b V / t.
    if (stage == p.pipeline - 1) mb.activations += units::Bytes(4.0 * m.sequence * p.micro_batch * m.vocab / t);
    mb.reserved = o.reserved;
    if (stage == 0 || mb.total() > worst.total()) worst = mb;
  }
  return worst;
}

std::string MemoryBreakdown::to_string() const {
  return part("weights", weights) + " + " + part("gradients", gradients) + " + " + part("optimizer", optimizer) +
         " + " + part("activations", activations) + " + " + part("reserved", reserved) + " = " +
         units::format_bytes_binary(total());
}

}  // namespace trainsim::workload
