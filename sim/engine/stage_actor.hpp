// engine/stage_actor (private to engine/): the program of one pipeline stage in training.
//
// A stage actor runs, for each iteration, its stage's forward and backward passes in the order of
// workload::pipeline_passes (1F1B or interleaved), receiving each pass's input from the GPU of the
// neighbouring virtual stage and sending its output on; it hands its data-parallel gradient
// reductions to the reducer actors (gradient_reducers.hpp), runs the optimizer step and meets the
// other stages at a barrier. It keeps its own account of where the iteration's time went.
//
// Symmetry: a stage actor of (data replica d, stage s) runs on GPU job.gpu(d, s, t) for ONE tensor
// rank t (0 unless job.all_tensor_ranks) and starts the reductions of the tensor ranks it stands
// for (all of them, or only t with job.all_tensor_ranks).
//
// Energy: every exec loads its GPU host at the pass's utilization (see compute()), so SimGrid's
// host energy plugin integrates the GPU's power; the leader reads the job's GPU energy at the
// barriers around the last iteration.
#pragma once

#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

#include <simgrid/s4u/Barrier.hpp>
#include <simgrid/s4u/Host.hpp>

#include "engine/gradient_reducers.hpp"
#include "engine/pipeline_flows.hpp"
#include "engine/train.hpp"
#include "workload/pipeline.hpp"

namespace trainsim::engine::detail {

// One actor's account of one iteration (seconds); the parts add up to the iteration time.
struct Tally {
  double compute = 0, tp_comm = 0, pipeline_wait = 0, dp_exposed = 0, optimizer = 0;
  double tp_hidden = 0;  // not a part of the iteration (IterationBreakdown::tp_hidden)
};

// What all stage actors share (one per simulation; actors run one at a time, so no locks).
struct TrainingWorld {
  const TrainingJob& job;
  std::vector<std::vector<workload::PipelinePass>> passes;  // [stage]
  PipelineFlows& flows;
  GradientReducers* reducers;  // null without data parallelism
  simgrid::s4u::BarrierPtr barrier;
  const std::function<void(double)>& progress;
  std::vector<Tally> tallies;         // [actor], of the last iteration it finished
  std::vector<double> iteration_ends;  // simulated time of each end-of-iteration barrier
  std::uint64_t execs = 0;
  // The job's GPU energy is sum(weight x consumed energy of host): the hosts the stage actors run
  // on, each weighted by the GPUs it stands for (job.tensor under symmetry, else 1).
  std::vector<std::pair<simgrid::s4u::Host*, double>> metered;
  double energy_start = 0, energy_end = 0;  // joules, at the barriers around the last iteration
  std::vector<Event>* events = nullptr;       // the trace's records, when the job asks for them
};

class StageActor {
public:
  // `index` numbers the actor in world.tallies; the leader (replica 0, stage 0) reports progress
  // and iteration ends.
  StageActor(TrainingWorld& world, int index, int data_replica, int stage, int tensor_rank);
  void operator()();

private:
  int gpu_of(int virtual_stage) const;  // the GPU running `virtual_stage` for this replica and rank
  void run_pass(std::size_t index, const workload::PipelinePass& pass);
  void backward(std::size_t index, const workload::PipelinePass& pass);
  // Computes `pass` from the chunk's costs `c`, or the `share` of it that one bucket (layer) is.
  void compute(const StageCosts& c, const workload::PipelinePass& pass, double share = 1.0);
  void record(EventKind kind, double start, double end, double flops = 0, double bytes = 0,
              const workload::PipelinePass* pass = nullptr);
  void busy(double seconds, double load);
  // A pass computed layer by layer (gradient_buckets slices), each slice after its parameters'
  // gather: the first forward after the optimizer (overlapped gather), or every pass (ZeRO 3).
  void pass_after_gathers(const workload::PipelinePass& pass);
  void finish_iteration();
  void meter_energy(int iteration);
  bool data_parallel() const;  // data-parallel groups exist (data > 1)
  bool gathers_ahead() const;  // ZeRO 1-2 parameters gathered at the next forward (overlapped)
  bool sharded() const;        // ZeRO 3: parameters gathered ahead of every pass
  enum class Reduction { bucket, whole, gather };
  // Queues the collectives of `which` (of `chunk`) for every tensor rank this actor stands for,
  // counted in done_.
  void start_reductions(Reduction which, int chunk = 0);
  // Queues one parameter all-gather per bucket of `chunk`, each counted in its own gathered_ entry.
  void start_gathers(int chunk);

  TrainingWorld& world_;
  const TrainingJob& job_;
  int index_, d_, s_, t_, gpu_;
  bool leader_;
  std::vector<int> reduce_ranks_;       // tensor ranks whose reductions this actor starts
  std::vector<std::size_t> last_backward_;  // [chunk]: index of the chunk's last backward pass
  std::vector<std::size_t> first_forward_;  // [chunk]: index of the chunk's first forward pass
  double speed_ = 0;                    // FLOP/s of this GPU (busy() sizes its execs with it)
  Completion done_;
  std::vector<std::vector<Completion>> gathered_;  // [chunk][bucket]: overlapped parameter gathers
  Tally tally_;
  int iteration_ = 0;
};

}  // namespace trainsim::engine::detail
