// Published model shapes shared by the workload tests.
#pragma once

#include "workload/model.hpp"

namespace trainsim::test {

// A GPT in Megatron-LM's shape: MLP 4h, vocabulary 51,200, sequence 2048, learned positions.
inline workload::TransformerModel gpt(int layers, int hidden, int heads) {
  workload::TransformerModel m;
  m.layers = layers;
  m.hidden = hidden;
  m.heads = m.kv_heads = heads;
  m.ffn_hidden = 4 * hidden;
  m.vocab = 51200;
  m.sequence = 2048;
  return m;
}

// GPT-3 175B (Brown et al. 2020, Table 2.1), vocabulary padded to 51,200 as in Megatron-LM.
inline workload::TransformerModel gpt3_175b() { return gpt(96, 12288, 96); }

}  // namespace trainsim::test
