// workload/memory: how much HBM one GPU needs for a model under a parallel plan.
//
// Owns: weights, gradients and optimizer states by ZeRO stage (Rajbhandari et al. 2020) and
// activations by recomputation mode, tensor and sequence parallelism, and pipeline schedule
// (Korthikanti et al. 2022), for the most loaded pipeline stage. Depends on: workload/model.hpp,
// workload/plan.hpp, workload/implementation.hpp.
#pragma once

#include <string>

#include "workload/implementation.hpp"
#include "workload/model.hpp"
#include "workload/plan.hpp"

namespace trainsim::workload {

struct MemoryBreakdown {
  int stage = 0;  // the pipeline stage this breakdown is for (the most loaded one)
  units::Bytes weights{0}, gradients{0}, optimizer{0}, activations{0}, reserved{0};
  units::Bytes total() const { return weights + gradients + optimizer + activations + reserved; }
  std::string to_string() const;  // "weights 4.4 GB + gradients ... = total"
};

// Activation bytes of one transformer layer for one micro-batch, per GPU (Korthikanti et al.
// 2022, Table 2, generalised to grouped-query attention and SwiGLU).
units::Bytes layer_activation_bytes(const TransformerModel& m, const ParallelPlan& p, const Implementation& o);

// A training checkpoint: every parameter's 16-bit weight and optimizer state (fp32 master copy
// and Adam's two moments: weights + optimizer bytes of StateBytes, 14 per parameter by default),
// summed over all shards; gradients are not saved.
units::Bytes checkpoint_bytes(const TransformerModel& m, const Implementation& o);

// Memory of the most loaded GPU: every pipeline stage is evaluated and the largest returned.
MemoryBreakdown memory_per_gpu(const TransformerModel& m, const ParallelPlan& p, const Implementation& o);

}  // namespace trainsim::workload
