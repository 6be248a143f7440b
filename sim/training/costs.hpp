// training/costs: from a scenario to the engine's training job — what each pipeline stage's
// forward and backward passes cost in time, what crosses the network, and how much optimizer
// work each GPU does.
//
// Owns: composing the kernel times of compute/ over the layers of each model chunk (with
// recomputation, embedding and LM head), the analytic tensor- and expert-parallel communication
// inside a pass (closed-form ring times on the topology's paths), the pipeline message and
// gradient sizes. Depends on: scenario/, compute/, topology/, engine/train.hpp, workload/.
#pragma once

#include "engine/train.hpp"
#include "scenario/scenario.hpp"
#include "topology/topology.hpp"

namespace trainsim::training {

// Closed-form ring all-reduce time over `ranks` GPUs starting at `first_gpu` with `stride`
// between ranks: 2(n-1)/n S/B + 2(n-1) alpha, with B the slowest and alpha the longest hop of the
// ring (the engine's aggregated ring gives the same on an idle network; tested). Inside a node
// with a measured size ramp (NodeSpec::intra_busbw_curve): 2(n-1)/n S / (B x ramp(S)).
units::Seconds ring_all_reduce_time(const topology::Topology& t, int first_gpu, int stride, int ranks, units::Bytes size);
// Closed-form all-to-all: alpha + (n-1)/n S/B through the slowest path of the group.
units::Seconds all_to_all_time(const topology::Topology& t, int first_gpu, int stride, int ranks, units::Bytes size);

// One transformer layer's forward and backward time on one GPU for one micro-batch, including
// recomputation and the tensor/expert-parallel communication (of which `*_comm`).
struct LayerPassTimes {
  units::Seconds forward{0}, backward{0}, forward_comm{0}, backward_comm{0};
  // With overlap_tensor_parallel_comm: the TP communication the overlap hides behind the GEMMs
  // (not part of forward/backward; reported so that a prediction's reliance on it shows).
  units::Seconds forward_comm_hidden{0}, backward_comm_hidden{0};
  units::Seconds forward_busy{0}, backward_busy{0};  // compute time x utilization
  units::Seconds forward_comm_busy{0}, backward_comm_busy{0};  // TP/EP communication time x its load
  units::Flops forward_flops{0}, backward_flops{0};  // executed (recomputation included)
};
LayerPassTimes layer_pass_times(const scenario::Scenario& s, const topology::Topology& t, int layer);

// The training job of a scenario on its topology (`iterations` simulated iterations).
engine::TrainingJob make_training_job(const scenario::Scenario& s, const topology::Topology& t, int iterations);

}  // namespace trainsim::training
