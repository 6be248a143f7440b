#include "workload/pipeline.hpp"

#include <algorithm>

namespace trainsim::workload {

namespace {
// Megatron-LM's interleaved schedule walks "virtual micro-batches" k = 0 .. m v - 1 in groups of
// p: group g = k / p uses chunk g mod v (forward) and micro-batch (g / v) p + k mod p.
PipelinePass virtual_pass(int k, bool forward, int stage, int stages, int chunks) {
  const int group = k / stages;
  int chunk = group % chunks;
  if (!forward) chunk = chunks - 1 - chunk;
  PipelinePass pass;
  pass.forward = forward;
  pass.chunk = chunk;
  pass.micro_batch = (group / chunks) * stages + k % stages;
  pass.virtual_stage = chunk * stages + stage;
  return pass;
}
}  // namespace

std::vector<PipelinePass> pipeline_passes(int stage, int stages, int micro_batches, int chunks) {
  std::vector<PipelinePass> out;
  const int total = micro_batches * chunks;
  // Warm-up forwards before the first backward: p - s - 1 for 1F1B; Megatron's interleaved
  // schedule adds (v - 1) p and doubles the stage offset.
  int warmup = chunks == 1 ? stages - stage - 1 : (stages - stage - 1) * 2 + (chunks - 1) * stages;
  warmup = std::min(warmup, total);
  int next_forward = 0, next_backward = 0;
  for (; next_forward < warmup; ++next_forward) out.push_back(virtual_pass(next_forward, true, stage, stages, chunks));
  while (next_forward < total) {
    out.push_back(virtual_pass(next_forward++, true, stage, stages, chunks));
    out.push_back(virtual_pass(next_backward++, false, stage, stages, chunks));
  }
  while (next_backward < total) out.push_back(virtual_pass(next_backward++, false, stage, stages, chunks));
  return out;
}

double ideal_bubble_fraction(int stages, int micro_batches, int chunks) {
  return double(stages - 1) / (double(chunks) * micro_batches);
}

}  // namespace trainsim::workload
