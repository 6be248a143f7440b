// engine/train: replay training iterations on the simulated cluster (public API, no SimGrid).
//
// Owns: the actors that run a pipeline-parallel, data-parallel training iteration: forward and
// backward passes (durations from compute/, given in TrainingJob), pipeline sends and receives
// between stages as flows, the data-parallel gradient reduction as a collective (overlapped with
// the last backward passes when asked), and the optimizer step; the per-iteration time and its
// breakdown. Depends on: topology/, collectives/, workload/pipeline.hpp, units/.
//
// Symmetry (docs/simulation.md): the `tensor` ranks of a stage do identical work, so one actor per
// (data replica, stage) runs the passes and pipeline flows of tensor rank 0; the data-parallel
// reduction, which loads every rail at once, runs for all tensor ranks.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "collectives/collectives.hpp"
#include "engine/records.hpp"
#include "topology/topology.hpp"
#include "units/quantity.hpp"

namespace trainsim::engine {

// What one GPU of a pipeline stage spends on one model chunk for one micro-batch.
struct StageCosts {
  units::Seconds forward{0};          // forward pass, including tensor-parallel communication
  units::Seconds backward{0};         // backward pass, including recomputation and TP communication
  units::Seconds forward_tp_comm{0};  // of which tensor/expert-parallel communication (analytic)
  units::Seconds backward_tp_comm{0};
  // TP communication an overlap hides behind the pass's GEMMs: not in forward/backward, only
  // reported (IterationBreakdown::tp_hidden).
  units::Seconds forward_tp_hidden{0}, backward_tp_hidden{0};
  units::Bytes activation_bytes{0};   // pipeline message per GPU (one tensor rank) to the next chunk
  units::Bytes gradient_bytes{0};     // gradients per GPU reduced over data parallelism, per chunk
  units::Bytes parameter_bytes{0};    // ZeRO >= 1: parameters per GPU all-gathered after the
                                      // optimizer step, per chunk (16-bit weights)
  int gradient_buckets = 1;           // the chunk's gradients are ready in this many equal buckets
                                      // during its last backward pass (layers), for overlap; its
                                      // parameters are gathered in as many (overlap_parameter_gather)
  // How busy the GPU is during the compute part of a pass (0..1), for its power:
  // P = wait + (max - wait) x utilization (docs/energy-model.md).
  double forward_utilization = 1.0;
  double backward_utilization = 1.0;
  // The same during the pass's TP/EP-communication part: the share of HBM bandwidth its
  // collectives' memory traffic takes. Pipeline waits and reductions draw the GPU's wait power.
  double forward_tp_utilization = 0.0;
  double backward_tp_utilization = 0.0;
  units::Flops forward_flops{0}, backward_flops{0};  // executed per pass, for the trace's events
};

enum class GradientReduction {
  all_reduce,                  // ZeRO 0: all-reduce the gradients
  reduce_scatter_all_gather,   // ZeRO 1-2 (distributed optimizer): reduce-scatter gradients,
                               // all-gather updated parameters after the optimizer step
  all_reduce_all_gather,       // ZeRO 1 as DeepSpeed's bf16 optimizer runs it under pipeline
                               // parallelism: all-reduce the gradients, each rank updates its
                               // shard, all-gather the updated parameters
  sharded_parameters           // ZeRO 3 (FSDP full shard): every forward and every backward
                               // pass gathers each layer's parameters ahead of it (prefetched);
                               // each backward reduce-scatters each layer's gradients after it
};

// Whether each rank updates only its shard and the updated parameters are all-gathered after.
inline bool gathers_parameters(GradientReduction r) {
  return r == GradientReduction::reduce_scatter_all_gather || r == GradientReduction::all_reduce_all_gather;
}

struct TrainingJob {
  int data = 1, tensor = 1, pipeline = 1;
  int chunks = 1;         // model chunks per stage (interleaved schedule), 1 for 1F1B
  int micro_batches = 1;  // per pipeline per iteration
  // costs[stage][chunk]: stages differ (embedding on the first, LM head on the last).
  std::vector<std::vector<StageCosts>> costs;
  std::vector<units::Seconds> optimizer;  // optimizer step per GPU, per stage
  double optimizer_utilization = 1.0;     // as StageCosts::forward_utilization
  GradientReduction reduction = GradientReduction::all_reduce;
  bool overlap_reduction = false;  // start each bucket's reduction when its backward is done
                                   // (implied by sharded_parameters)
  // ZeRO >= 1: gather the updated parameters layer by layer at the start of the next iteration,
  // each layer's first forward waiting only for its own bucket (Megatron-LM's
  // --overlap-param-gather, PyTorch FSDP's forward prefetch), instead of all of them after the
  // optimizer step (implied, for every pass, by sharded_parameters).
  bool overlap_parameter_gather = false;
  // Tied input and output embeddings split over the first and last pipeline stages: after the
  // data-parallel reduction, GPU (d, 0, t) and GPU (d, p-1, t) all-reduce this many bytes of the
  // embedding's gradient (Megatron-LM's embedding group, DeepSpeed's tied-weight reduction);
  // 0 for none (untied, or one stage holding both).
  units::Bytes embedding_gradient_bytes{0};
  bool syncs_embedding() const { return pipeline > 1 && embedding_gradient_bytes.value() > 0; }
  int iterations = 2;              // simulated iterations (the last one is reported)
  bool record_events = false;      // fill TrainingReport::events (docs/trace-format.md)
  double sample_interval_s = 0;    // > 0: sample GPU power and link utilisation this often
  collectives::Tuning tuning;
  // The algorithm of the data-parallel collectives (automatic: collectives::choose_algorithm).
  collectives::Algorithm data_parallel_algorithm = collectives::Algorithm::automatic;
  // Testing: simulate the passes and pipeline flows of every tensor rank, one actor per GPU,
  // instead of tensor rank 0 only (the symmetry above); the answer should not change.
  bool all_tensor_ranks = false;

  // GPU of (data replica d, stage s, tensor rank t), Megatron-LM's rank order: tensor ranks
  // fastest, then data replicas, then pipeline stages.
  int gpu(int d, int s, int t) const { return (s * data + d) * tensor + t; }
};

// Where the time of one iteration went, seen from one GPU (averaged over all GPUs' views).
struct IterationBreakdown {
  units::Seconds iteration{0};
  units::Seconds compute{0};        // forward + backward passes, excluding TP communication
  units::Seconds tp_comm{0};        // tensor/expert-parallel communication (inside the passes)
  units::Seconds pipeline_wait{0};  // waiting for pipeline messages: bubble and exposed p2p
  units::Seconds dp_exposed{0};     // waiting for the gradient reduction after the last backward
  units::Seconds optimizer{0};
  // Not a part of the iteration: the TP communication the passes' overlap hides behind GEMMs
  // (overlap_tensor_parallel_comm), what the prediction relies on that overlap to hide.
  units::Seconds tp_hidden{0};
};

// GPU energy of the last simulated iteration, from SimGrid's host energy plugin (every GPU host
// has the power states wait / max of its GPUSpec; a pass loads it by its utilization over its
// compute part, at its wait power over its TP part: docs/simulation.md section 4a).
struct EnergyReport {
  units::Joules gpu{0};          // all GPUs of the job (tensor ranks other than 0 by symmetry)
  double gpu_busy_fraction = 0;  // mean fraction of the iteration a GPU spends computing
};

struct TrainingReport {
  std::vector<units::Seconds> iteration_times;  // one per simulated iteration
  IterationBreakdown last;                      // of the last simulated iteration
  EnergyReport energy;                          // of the last simulated iteration
  std::vector<Event> events;                    // when job.record_events
  Samples samples;                              // when job.sample_interval_s > 0
  std::uint64_t activities = 0;                 // SimGrid activities started (execs and comms)
  std::size_t actors = 0;
  units::Seconds wall_time{0};
};

// Simulates `job.iterations` iterations. The job must fit the topology (data x tensor x pipeline
// GPUs); throws std::invalid_argument otherwise, before SimGrid starts. One engine per process.
// `progress`, when set, is called now and then with the fraction of the passes done (0..1), for a
// progress indicator; it must not touch SimGrid.
TrainingReport simulate_training(const topology::Topology& topology, const TrainingJob& job,
                                 const std::function<void(double)>& progress = {});

}  // namespace trainsim::engine
