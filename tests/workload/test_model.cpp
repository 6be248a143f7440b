// Tests for workload/model: parameter and FLOP counts against the published closed forms.
#include <doctest/doctest.h>

#include "approx.hpp"

#include "models.hpp"

#include "workload/model.hpp"

using namespace trainsim::workload;
using trainsim::test::gpt;
using trainsim::test::gpt3_175b;
using trainsim::test::rel;

namespace {

TransformerModel llama2_70b() {
  // Touvron et al. 2023 (Llama 2): 80 layers, 8192 hidden, 64 heads, 8 KV heads (GQA),
  // SwiGLU with 28,672 inner size, vocabulary 32,000, untied embeddings, RMSNorm, no biases.
  TransformerModel m;
  m.layers = 80;
  m.hidden = 8192;
  m.heads = 64;
  m.kv_heads = 8;
  m.ffn_hidden = 28672;
  m.vocab = 32000;
  m.sequence = 4096;
  m.activation = Activation::swiglu;
  m.norm = Norm::rmsnorm;
  m.position = PositionEmbedding::rotary;
  m.tied_embeddings = false;
  m.biases = false;
  return m;
}
}  // namespace

TEST_CASE("GPT parameter count matches Narayanan et al.'s 12lh^2(1 + 13/12h + (V+s)/12lh)") {
  TransformerModel m = gpt3_175b();
  double l = m.layers, h = m.hidden, V = m.vocab, s = m.sequence;
  double closed_form = 12 * l * h * h * (1 + 13 / (12 * h) + (V + s) / (12 * l * h));
  CHECK(count_parameters(m).total == rel(closed_form).epsilon(1e-4));
  CHECK(count_parameters(m).total == rel(174.6e9).epsilon(0.005));  // "175B"
}

TEST_CASE("iteration FLOP with full recomputation equal Narayanan et al. eq. 3") {
  TransformerModel m = gpt3_175b();
  double B = 1536, s = m.sequence, l = m.layers, h = m.hidden, V = m.vocab;
  // 96 B s l h^2 (1 + s/6h + V/16lh)
  double eq3 = 96 * B * s * l * h * h * (1 + s / (6 * h) + V / (16 * l * h));
  CHECK(iteration_flops(m, B, true).value() == rel(eq3).epsilon(1e-9));
}

TEST_CASE("without recomputation an iteration is 3 passes: 72 B s l h^2 (1 + s/6h) + 6 B s h V") {
  TransformerModel m = gpt3_175b();
  double B = 8, s = m.sequence, l = m.layers, h = m.hidden, V = m.vocab;
  double expected = 72 * B * s * l * h * h * (1 + s / (6 * h)) + 6 * B * s * h * V;
  CHECK(iteration_flops(m, B, false).value() == rel(expected).epsilon(1e-9));
}

TEST_CASE("Llama 2 70B: grouped-query attention and SwiGLU give the published 69B parameters") {
  // Touvron et al. 2023 report "70B"; the released checkpoint has 68.98e9 parameters.
  CHECK(count_parameters(llama2_70b()).total == rel(68.98e9).epsilon(0.002));
}

TEST_CASE("a mixture of experts multiplies MLP parameters by the expert count, FLOP by top-k") {
  TransformerModel dense = gpt3_175b();
  dense.layers = 2;
  TransformerModel moe = dense;
  moe.moe.experts = 8;
  moe.moe.top_k = 2;
  auto d = count_parameters(dense), e = count_parameters(moe);
  double mlp = 2.0 * dense.hidden * dense.ffn_hidden + dense.ffn_hidden + dense.hidden;
  CHECK(e.per_moe_layer - d.per_dense_layer == rel(7 * mlp + 8.0 * dense.hidden));
  auto fd = layer_forward_flops(dense, 0, 1000), fe = layer_forward_flops(moe, 0, 1000);
  CHECK(fe.mlp.value() == rel(2 * fd.mlp.value()));
  CHECK(fe.router.value() == rel(2.0 * 1000 * dense.hidden * 8));
}
