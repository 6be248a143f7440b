// training/costs implementation. Conventions (docs/compute-model.md, docs/simulation.md):
// activations and gradients as Megatron-LM moves them; one GPU of each stage is costed (tensor
// ranks are symmetric).
#include "training/costs.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "collectives/collectives.hpp"
#include "compute/kernel_time.hpp"
#include "workload/ops.hpp"

namespace trainsim::training {

using units::Bytes;
using units::Seconds;
using namespace workload;

namespace {
struct RingPath {
  units::Bandwidth bandwidth{0};
  Seconds latency{0};
};

RingPath ring_path(const topology::Topology& t, int first, int stride, int ranks) {
  RingPath r{units::Bandwidth(1e300), Seconds(0)};
  for (int i = 0; i < ranks; ++i) {
    int a = first + i * stride, b = first + ((i + 1) % ranks) * stride;
    r.bandwidth = std::min(r.bandwidth, t.path_bandwidth(a, b));
    r.latency = std::max(r.latency, t.path_latency(a, b));
  }
  return r;
}

// Whether recomputation repeats the whole layer forward (full) or only the attention core.
bool is_attention_core(const Kernel& k) {
  return k.name == "attention scores" || k.name == "scale-mask-softmax" || k.name == "attention dropout" ||
         k.name == "attention over values";
}

struct OverlappedGemm {
  Seconds alone{0}, beside{0};  // as the pass counts it, and beside its overlapped collective
};

// How Transformer Engine's userbuffers overlap runs each linear's GEMMs (its defaults in
// initialize_ub, transformer_engine module/base.py, 2024-26): "ring_exchange" for QKV and MLP-up
// forward and projection and MLP-down data gradient (tensor-size chunks, the exchange on copy
// engines and 1 SM), "pipeline" for projection and MLP-down forward (4 chunks, the reduce-scatter
// on 16 SMs), "bulk" for QKV and MLP-up data and weight gradients (the whole GEMM, 16 SMs).
struct OverlapMethod {
  int chunks = 1, sms_held = 0;
};
constexpr int kPipelineChunks = 4, kCommSms = 16, kRingExchangeSms = 1;
OverlapMethod ring_exchange(int tensor) { return {tensor, kRingExchangeSms}; }
constexpr OverlapMethod kPipeline{kPipelineChunks, kCommSms}, kBulk{1, kCommSms};

struct LayerTimes {
  Seconds forward{0}, backward{0}, recompute{0};
  Seconds forward_busy{0}, backward_busy{0};  // time x utilization, for the passes' power
  double forward_flops = 0, backward_flops = 0;  // executed, recomputation included
  // The GEMMs each sequence-parallel collective runs beside when TP communication is overlapped:
  // the four linears' forward GEMMs (QKV, projection, MLP up, MLP down), their data-gradient
  // GEMMs, and the weight-gradient GEMMs of the two column-parallel linears (the re-gathers),
  // each alone and as the overlap runs it.
  std::vector<OverlappedGemm> linear_forward, linear_data_gradient, column_weight_gradient;
};

// The four tensor-parallel linears of a layer, by kernel name (workload/ops.cpp).
int linear_index(const std::string& name) {
  if (name == "QKV") return 0;
  if (name == "attention projection") return 1;
  if (name == "MLP up" || name == "MLP gate and up") return 2;
  if (name == "MLP down") return 3;
  return -1;
}

void collect_linears(const compute::KernelModel& km, int tensor, const std::vector<Kernel>& fwd,
                     const std::vector<Kernel>& bwd, LayerTimes& lt) {
  lt.linear_forward.assign(4, {});
  lt.linear_data_gradient.assign(4, {});
  lt.column_weight_gradient.assign(2, {});
  auto add = [&](OverlappedGemm& g, const Kernel& k, OverlapMethod m) {
    g.alone += km.time(k).time;
    g.beside += km.time_beside_communication(k, m.chunks, m.sms_held);
  };
  // QKV and MLP up (indices 0 and 2) are column-parallel: all-gather before their forward.
  auto column = [](int i) { return i == 0 || i == 2; };
  for (const auto& k : fwd)
    if (int i = linear_index(k.name); i >= 0)
      add(lt.linear_forward[i], k, column(i) ? ring_exchange(tensor) : kPipeline);
  const std::string data = " data gradient", weight = " weight gradient";
  auto ends_with = [](const std::string& s, const std::string& tail) {
    return s.size() > tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
  };
  for (const auto& k : bwd) {
    if (ends_with(k.name, data)) {
      if (int i = linear_index(k.name.substr(0, k.name.size() - data.size())); i >= 0)
        add(lt.linear_data_gradient[i], k, column(i) ? kBulk : ring_exchange(tensor));
    } else if (ends_with(k.name, weight)) {
      const int i = linear_index(k.name.substr(0, k.name.size() - weight.size()));
      if (column(i)) add(lt.column_weight_gradient[i / 2], k, kBulk);
    }
  }
}

// Adds the kernels' time and their busy time (time x utilization) to a pass's totals.
void add_kernels(const compute::KernelModel& km, const std::vector<Kernel>& kernels, Seconds& time, Seconds& busy) {
  time += km.total(kernels);
  busy += km.busy(kernels);
}

double flops_of(const std::vector<Kernel>& kernels) {
  double sum = 0;
  for (const auto& k : kernels) sum += k.flops.value();
  return sum;
}

LayerTimes layer_times(const scenario::Scenario& s, const compute::KernelModel& km, int layer) {
  LayerTimes lt;
  auto fwd = layer_forward_kernels(s.model, s.plan, s.implementation, layer);
  auto bwd = layer_backward_kernels(s.model, s.plan, s.implementation, layer);
  add_kernels(km, fwd, lt.forward, lt.forward_busy);
  add_kernels(km, bwd, lt.backward, lt.backward_busy);
  lt.forward_flops = flops_of(fwd);
  if (s.plan.overlap_tensor_parallel_comm) collect_linears(km, s.plan.tensor, fwd, bwd, lt);
  lt.backward_flops = flops_of(bwd) + (s.plan.recompute == Recomputation::full ? lt.forward_flops : 0);
  if (s.plan.recompute == Recomputation::full) lt.recompute = lt.forward, lt.backward_busy += lt.forward_busy;
  if (s.plan.recompute == Recomputation::selective)
    for (const auto& k : fwd)
      if (is_attention_core(k)) {
        compute::KernelTime kt = km.time(k);
        lt.recompute += kt.time;
        lt.backward_busy += kt.time * kt.utilization;
      }
  return lt;
}
}  // namespace

Seconds ring_all_reduce_time(const topology::Topology& t, int first_gpu, int stride, int ranks, Bytes size) {
  if (ranks < 2) return Seconds(0);
  RingPath p = ring_path(t, first_gpu, stride, ranks);
  const double n = ranks;
  const auto& node = t.platform().node;
  const bool in_node = t.node_of(first_gpu) == t.node_of(first_gpu + stride * (ranks - 1));
  if (in_node && !node.intra_busbw_curve.empty()) {
    // A measured size ramp describes the whole call, latency included: the ring moves
    // 2(n-1)/n S at the large-message bandwidth scaled by the ramp at this size.
    return size * (2 * (n - 1) / n) / (p.bandwidth * node.intra_size_efficiency(size));
  }
  return size * (2 * (n - 1) / n) / p.bandwidth + p.latency * (2 * (n - 1));
}

Seconds all_to_all_time(const topology::Topology& t, int first_gpu, int stride, int ranks, Bytes size) {
  if (ranks < 2) return Seconds(0);
  RingPath p = ring_path(t, first_gpu, stride, ranks);
  const double n = ranks;
  return size * ((n - 1) / n) / p.bandwidth + p.latency;
}

namespace {
// Column-parallel linears per layer (QKV, MLP up): with sequence parallelism each one's backward
// gathers its sequence-sharded input once more for the weight gradient, because only the shard is
// stored (Korthikanti et al. 2022, section 4.2.2).
constexpr double kColumnParallelLinears = 2.0;

// Tensor-parallel all-reduce of one activation (b s h, 16-bit): Megatron runs 2 per layer in the
// forward, 2 in the backward and 2 more in a fully recomputed forward; with sequence parallelism
// each becomes an all-gather plus a reduce-scatter, the same ring volume. Expert parallelism: a
// dispatch and a combine all-to-all per MoE layer and pass, among the expert-parallel ranks
// (consecutive data replicas, one tensor group apart).
// Each with the load its HBM traffic puts on the GPU while it runs (docs/energy-model.md): a
// sequence-parallel all-gather and reduce-scatter pair moves about what the all-reduce moves.
struct CommTimes {
  Seconds tp_all_reduce{0}, ep_all_to_all{0};
  double tp_utilization = 0, ep_utilization = 0;
};

CommTimes comm_times(const scenario::Scenario& s, const topology::Topology& t, const compute::KernelModel& km) {
  const ParallelPlan& p = s.plan;
  const TransformerModel& m = s.model;
  const Bytes activation(2.0 * p.micro_batch * m.sequence * m.hidden);
  const Bytes routed(2.0 * p.micro_batch * m.sequence * m.hidden * m.moe.top_k * m.moe.capacity_factor / p.tensor);
  CommTimes c;
  c.tp_all_reduce = ring_all_reduce_time(t, 0, 1, p.tensor, activation);
  c.ep_all_to_all = all_to_all_time(t, 0, p.tensor, p.expert, routed);
  using collectives::Operation;
  c.tp_utilization =
      km.memory_utilization(collectives::memory_traffic(Operation::all_reduce, p.tensor, activation), c.tp_all_reduce);
  c.ep_utilization =
      km.memory_utilization(collectives::memory_traffic(Operation::all_to_all, p.expert, routed), c.ep_all_to_all);
  return c;
}

LayerPassTimes pass_times(const scenario::Scenario& s, const compute::KernelModel& km, const CommTimes& c, int layer) {
  const bool full = s.plan.recompute == Recomputation::full;
  const bool moe = s.model.layer_is_moe(layer);
  LayerTimes lt = layer_times(s, km, layer);
  LayerPassTimes r;
  // Expert parallelism: a dispatch and a combine all-to-all per pass (and per recomputed forward),
  // never overlapped; the tensor-parallel part below.
  const Seconds ep_forward = moe ? c.ep_all_to_all * 2.0 : Seconds(0);
  const Seconds ep_backward = ep_forward * (full ? 2.0 : 1.0);
  Seconds tp_forward = c.tp_all_reduce * 2.0;
  Seconds tp_backward = c.tp_all_reduce * (full ? 4.0 : 2.0);
  // The two re-gathers: a ring all-gather is half an all-reduce of the same size. Megatron issues
  // them asynchronously beside the data-gradient GEMMs, but like the asynchronous all-reduces they
  // are counted exposed: Korthikanti et al.'s Table 4 measures sequence parallelism saving 0.5 ms
  // of a 22B layer's forward and only 0.1 ms of its backward, i.e. the smaller backward norms and
  // dropouts are paid back in communication (docs/compute-model.md).
  if (s.plan.sequence_parallel) tp_backward += c.tp_all_reduce * 0.5 * kColumnParallelLinears;
  // Distributed saved activations: the layer input is all-gathered from the tensor ranks before it
  // is recomputed (with sequence parallelism the input is sharded anyway and gathered as above).
  else if (full && s.implementation.distribute_saved_activations) tp_backward += c.tp_all_reduce * 0.5;
  Seconds forward_slowed_gemms(0), backward_slowed_gemms(0);  // within the exposed TP time
  if (s.plan.overlap_tensor_parallel_comm) {
    // Megatron-Core's --tp-comm-overlap (Transformer Engine): each sequence-parallel all-gather or
    // reduce-scatter (half an all-reduce, c) is split into t chunks pipelined with the GEMM beside
    // it, which itself runs as the overlap method runs it (g', OverlapMethod: in chunks, beside
    // SMs the communication holds), so the pair takes max(c, g') + min(c, g')/t. The exposed
    // communication is that minus the GEMM alone (g), which the pass counts already: it includes
    // what the overlap costs the GEMM. What the overlap wins back, net, is reported
    // (forward/backward_comm_hidden).
    // The GEMM beside its collective is taken as no faster than alone (the model's quantization of
    // small chunks can say otherwise by chance). Its extra time draws a GEMM's power, not the
    // collective's (slowed_gemms, below).
    const Seconds half = c.tp_all_reduce * 0.5;
    const double chunks = s.plan.tensor;
    struct Exposure {
      Seconds exposed{0}, slowed_gemms{0};
    };
    auto exposure = [&](const std::vector<OverlappedGemm>& gemms) {
      Exposure e;
      for (const auto& g : gemms) {
        const Seconds beside = std::max(g.beside, g.alone);
        e.exposed += std::max(half, beside) + std::min(half, beside) / chunks - g.alone;
        e.slowed_gemms += beside - g.alone;
      }
      return e;
    };
    const Exposure forward = exposure(lt.linear_forward), data = exposure(lt.linear_data_gradient),
                   weight = exposure(lt.column_weight_gradient);
    const Seconds backward_exposed = data.exposed + weight.exposed + (full ? forward.exposed : Seconds(0));
    forward_slowed_gemms = forward.slowed_gemms;
    backward_slowed_gemms = data.slowed_gemms + weight.slowed_gemms + (full ? forward.slowed_gemms : Seconds(0));
    r.forward_comm_hidden = tp_forward - forward.exposed;
    r.backward_comm_hidden = tp_backward - backward_exposed;
    tp_forward = forward.exposed;
    tp_backward = backward_exposed;
  }
  r.forward_comm = tp_forward + ep_forward;
  r.backward_comm = tp_backward + ep_backward;
  r.forward = lt.forward + r.forward_comm;
  r.backward = lt.backward + lt.recompute + r.backward_comm;
  r.forward_busy = lt.forward_busy;
  r.backward_busy = lt.backward_busy;
  // The exposed TP time's slowed GEMMs at the power limit (docs/energy-model.md), the rest at the
  // collectives' memory load.
  r.forward_comm_busy = (tp_forward - forward_slowed_gemms) * c.tp_utilization + forward_slowed_gemms +
                        ep_forward * c.ep_utilization;
  r.backward_comm_busy = (tp_backward - backward_slowed_gemms) * c.tp_utilization + backward_slowed_gemms +
                         ep_backward * c.ep_utilization;
  r.forward_flops = units::Flops(lt.forward_flops);
  r.backward_flops = units::Flops(lt.backward_flops);
  return r;
}
}  // namespace

LayerPassTimes layer_pass_times(const scenario::Scenario& s, const topology::Topology& t, int layer) {
  compute::KernelModel km(s.platform.gpu, s.plan.precision, s.implementation.attention_kernel);
  return pass_times(s, km, comm_times(s, t, km), layer);
}

engine::TrainingJob make_training_job(const scenario::Scenario& s, const topology::Topology& t, int iterations) {
  const ParallelPlan& p = s.plan;
  const TransformerModel& m = s.model;
  compute::KernelModel km(s.platform.gpu, p.precision, s.implementation.attention_kernel);
  engine::TrainingJob job;
  job.data = p.data, job.tensor = p.tensor, job.pipeline = p.pipeline;
  job.chunks = p.schedule == PipelineSchedule::interleaved ? p.virtual_stages : 1;
  job.micro_batches = p.micro_batches();
  job.iterations = iterations;
  job.reduction = p.zero_stage >= 3   ? engine::GradientReduction::sharded_parameters
                  : p.zero_stage >= 1 ? (s.implementation.all_reduce_sharded_gradients
                                             ? engine::GradientReduction::all_reduce_all_gather
                                             : engine::GradientReduction::reduce_scatter_all_gather)
                                      : engine::GradientReduction::all_reduce;
  job.overlap_reduction = p.overlap_gradient_reduction;
  job.overlap_parameter_gather = p.overlap_parameter_gather;
  // Tied embeddings on more than one stage: the first and last stage each hold the tensor rank's
  // vocabulary shard and all-reduce its gradient every iteration (docs/simulation.md).
  if (m.tied_embeddings && p.pipeline > 1)
    job.embedding_gradient_bytes = Bytes(double(m.vocab) * m.hidden / p.tensor * s.implementation.state.gradients);
  switch (p.data_parallel_algorithm) {
    case DataParallelAlgorithm::automatic: job.data_parallel_algorithm = collectives::Algorithm::automatic; break;
    case DataParallelAlgorithm::ring: job.data_parallel_algorithm = collectives::Algorithm::ring; break;
    case DataParallelAlgorithm::hierarchical: job.data_parallel_algorithm = collectives::Algorithm::hierarchical; break;
    case DataParallelAlgorithm::pipelined: job.data_parallel_algorithm = collectives::Algorithm::pipelined; break;
    case DataParallelAlgorithm::tree: job.data_parallel_algorithm = collectives::Algorithm::tree; break;
  }

  const CommTimes comm = comm_times(s, t, km);
  const Bytes activation(2.0 * p.micro_batch * m.sequence * m.hidden);

  const int chunks_total = p.pipeline * job.chunks;
  const ParameterCount params = count_parameters(m);
  const StateBytes& state = s.implementation.state;
  job.costs.assign(p.pipeline, std::vector<engine::StageCosts>(job.chunks));
  job.optimizer.assign(p.pipeline, Seconds(0));
  for (int stage = 0; stage < p.pipeline; ++stage) {
    double stage_parameters = 0;
    for (int chunk = 0; chunk < job.chunks; ++chunk) {
      const int virtual_stage = chunk * p.pipeline + stage;
      engine::StageCosts& c = job.costs[stage][chunk];
      double chunk_parameters = 0;
      Seconds forward_busy(0), backward_busy(0), forward_comm_busy(0), backward_comm_busy(0);
      const ParallelPlan::LayerRange layers = p.stage_layers(m.layers, virtual_stage);
      for (int i = 0; i < layers.count; ++i) {
        const int layer = layers.first + i;
        const LayerPassTimes lp = pass_times(s, km, comm, layer);
        c.forward += lp.forward;
        c.backward += lp.backward;
        c.forward_tp_comm += lp.forward_comm;
        c.backward_tp_comm += lp.backward_comm;
        c.forward_tp_hidden += lp.forward_comm_hidden;
        c.backward_tp_hidden += lp.backward_comm_hidden;
        forward_busy += lp.forward_busy;
        backward_busy += lp.backward_busy;
        forward_comm_busy += lp.forward_comm_busy;
        backward_comm_busy += lp.backward_comm_busy;
        c.forward_flops += lp.forward_flops;
        c.backward_flops += lp.backward_flops;
        chunk_parameters += (m.layer_is_moe(layer) ? params.per_moe_layer / p.expert : params.per_dense_layer) / p.tensor;
      }
      if (virtual_stage == 0) {
        add_kernels(km, embedding_kernels(m, p, false), c.forward, forward_busy);
        add_kernels(km, embedding_kernels(m, p, true), c.backward, backward_busy);
        chunk_parameters += params.embedding / p.tensor;
      }
      if (virtual_stage == chunks_total - 1) {
        add_kernels(km, lm_head_forward_kernels(m, p), c.forward, forward_busy);
        add_kernels(km, lm_head_backward_kernels(m, p), c.backward, backward_busy);
        if (!m.tied_embeddings || chunks_total > 1) chunk_parameters += double(m.vocab) * m.hidden / p.tensor;
      }
      // Each micro-batch's weight gradients join the iteration's (none when fused into the GEMM).
      add_kernels(km, gradient_accumulation_kernels(chunk_parameters, state, s.implementation.gradient_accumulation,
                                                    p.micro_batches()),
                  c.backward, backward_busy);
      // Pipeline messages: Megatron's scatter/gather optimisation sends 1/t of the activation
      // from each tensor rank (Narayanan et al. 2021, section 4.1).
      c.activation_bytes = activation / double(p.tensor);
      c.gradient_bytes = Bytes(chunk_parameters * state.gradients);
      c.parameter_bytes = Bytes(chunk_parameters * state.weights);
      c.gradient_buckets = std::max(1, layers.count);
      c.forward_utilization = forward_busy / (c.forward - c.forward_tp_comm);
      c.backward_utilization = backward_busy / (c.backward - c.backward_tp_comm);
      if (c.forward_tp_comm.value() > 0) c.forward_tp_utilization = forward_comm_busy / c.forward_tp_comm;
      if (c.backward_tp_comm.value() > 0) c.backward_tp_utilization = backward_comm_busy / c.backward_tp_comm;
      stage_parameters += chunk_parameters;
    }
    const double sharded = p.zero_stage >= 1 ? stage_parameters / p.data : stage_parameters;
    Seconds optimizer_busy(0);
    add_kernels(km, optimizer_kernels(sharded, state, p.precision == TrainingPrecision::fp16), job.optimizer[stage],
                optimizer_busy);
    job.optimizer_utilization = optimizer_busy / job.optimizer[stage];
  }
  return job;
}

}  // namespace trainsim::training
