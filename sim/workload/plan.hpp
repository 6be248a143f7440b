// workload/plan: how the training is split over GPUs, and whether that split is possible.
//
// Owns: ParallelPlan (data, tensor, pipeline, expert degrees; sequence parallelism; micro- and
// global batch; pipeline schedule; ZeRO stage; activation recomputation; precision) and the
// feasibility checks that do not need memory figures (degrees multiply to the GPU count, TP
// divides heads, layers split over stages, batch splits into micro-batches).
// Depends on: workload/model.hpp.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "workload/model.hpp"

namespace trainsim::workload {

enum class PipelineSchedule { one_f_one_b, interleaved };
enum class Recomputation { none, selective, full };
enum class TrainingPrecision { bf16, fp16, fp8 };
// How the data-parallel collectives run (collectives/: NCCL-like automatic choice, or one forced).
enum class DataParallelAlgorithm { automatic, ring, hierarchical, pipelined, tree };

struct ParallelPlan {
  int data = 1;       // data-parallel replicas
  int tensor = 1;     // tensor-parallel ranks (Megatron column/row split)
  int pipeline = 1;   // pipeline stages
  int expert = 1;     // expert-parallel degree (MoE), taken inside the data-parallel dimension
  bool sequence_parallel = false;  // Korthikanti et al. 2022: shards norms/dropout along sequence
  int micro_batch = 1;             // sequences per micro-batch
  int global_batch = 1;            // sequences per iteration
  PipelineSchedule schedule = PipelineSchedule::one_f_one_b;
  int virtual_stages = 1;          // model chunks per GPU with the interleaved schedule
  int zero_stage = 0;              // 0-3 (Rajbhandari et al. 2020)
  Recomputation recompute = Recomputation::none;
  TrainingPrecision precision = TrainingPrecision::bf16;
  bool overlap_gradient_reduction = true;  // DP reduce-scatter/all-reduce overlapped with backward
  // ZeRO >= 1: the updated parameters are all-gathered layer by layer ahead of the next forward
  // (Megatron-LM --overlap-param-gather, FSDP prefetch) instead of after the optimizer step.
  bool overlap_parameter_gather = false;
  // Sequence-parallel all-gathers and reduce-scatters pipelined with the GEMMs beside them
  // (Megatron-Core --tp-comm-overlap, Transformer Engine userbuffers); needs sequence parallelism.
  bool overlap_tensor_parallel_comm = false;
  DataParallelAlgorithm data_parallel_algorithm = DataParallelAlgorithm::automatic;
  // Layers of the first and last pipeline stages when they differ from the rest (Megatron-Core's
  // --decoder-first/last-pipeline-num-layers: they also hold the embedding and the LM head);
  // unset: an even split. With the interleaved schedule they are the first and last model
  // chunks' (virtual stages 0 and p v - 1); 0 leaves a chunk with only the embedding or the LM
  // head, as Llama 3 405B's schedule did (Llama 3 paper, section 3.3.2).
  std::optional<int> first_stage_layers, last_stage_layers;

  int gpus() const { return data * tensor * pipeline; }
  // The layers of virtual stage `v` (stage, or model chunk with interleaving) of a `layers`-layer
  // model: [first, first + count). Assumes the plan passed plan_problems.
  struct LayerRange {
    int first = 0, count = 0;
  };
  LayerRange stage_layers(int layers, int v) const;
  // Micro-batches each pipeline processes per iteration (gradient accumulation steps).
  int micro_batches() const { return global_batch / (data * micro_batch); }
};

// Every reason the plan cannot run this model on `gpus` GPUs; empty when it can (memory aside).
std::vector<std::string> plan_problems(const TransformerModel& m, const ParallelPlan& p, int gpus);

}  // namespace trainsim::workload
