// engine/stage_actor: one pipeline stage's passes, pipeline messages and reductions (see .hpp).
#include "engine/stage_actor.hpp"

#include <cmath>

#include <simgrid/plugins/energy.h>
#include <simgrid/s4u/Actor.hpp>
#include <simgrid/s4u/Engine.hpp>
#include <simgrid/s4u/Exec.hpp>

namespace trainsim::engine::detail {

namespace sg4 = simgrid::s4u;

namespace {
double now() { return sg4::Engine::get_clock(); }
std::uint64_t whole_bytes(units::Bytes b) { return static_cast<std::uint64_t>(std::llround(b.value())); }
}  // namespace

StageActor::StageActor(TrainingWorld& world, int index, int d, int s, int t)
    : world_(world), job_(world.job), index_(index), d_(d), s_(s), t_(t), gpu_(world.job.gpu(d, s, t)),
      leader_(index == 0) {
  if (job_.all_tensor_ranks) reduce_ranks_ = {t};
  else for (int r = 0; r < job_.tensor; ++r) reduce_ranks_.push_back(r);
  const auto& passes = world.passes[s];
  last_backward_.assign(job_.chunks, 0);
  first_forward_.assign(job_.chunks, passes.size());
  for (std::size_t i = 0; i < passes.size(); ++i) {
    if (!passes[i].forward) last_backward_[passes[i].chunk] = i;
    else if (first_forward_[passes[i].chunk] == passes.size()) first_forward_[passes[i].chunk] = i;
  }
  if (gathers_ahead() || sharded()) {
    // One completion per bucket (each owns its semaphore, so they are built one by one).
    gathered_.resize(job_.chunks);
    for (int c = 0; c < job_.chunks; ++c)
      for (int b = 0; b < job_.costs[s][c].gradient_buckets; ++b) gathered_[c].emplace_back();
  }
}

bool StageActor::data_parallel() const { return world_.reducers && job_.data > 1; }

bool StageActor::gathers_ahead() const {
  return data_parallel() && gathers_parameters(job_.reduction) &&
         job_.overlap_parameter_gather;
}

bool StageActor::sharded() const {
  return data_parallel() && job_.reduction == GradientReduction::sharded_parameters;
}

int StageActor::gpu_of(int virtual_stage) const { return job_.gpu(d_, virtual_stage % job_.pipeline, t_); }

void StageActor::operator()() {
  speed_ = sg4::this_actor::get_host()->get_speed();
  const auto& passes = world_.passes[s_];
  const double total_passes = double(passes.size()) * job_.iterations;
  for (int it = 0; it < job_.iterations; ++it) {
    tally_ = {};
    iteration_ = it;
    // The parameters the last optimizer step updated, gathered layer by layer in the order the
    // forward passes need them (NCCL runs them in order on the data-parallel stream).
    if (gathers_ahead())
      for (int c = 0; c < job_.chunks; ++c) start_gathers(c);
    for (std::size_t i = 0; i < passes.size(); ++i) {
      run_pass(i, passes[i]);
      if (leader_ && world_.progress) world_.progress((double(it) * passes.size() + i + 1) / total_passes);
    }
    finish_iteration();
    // Real training has no barrier, but the gradient-norm all-reduce of the optimizer step
    // synchronises all ranks every iteration; the wait is counted as pipeline wait (bubble).
    const double before = now();
    world_.barrier->wait();
    tally_.pipeline_wait += now() - before;
    world_.tallies[index_] = tally_;
    if (leader_) {
      world_.iteration_ends.push_back(now());
      meter_energy(it);
    }
  }
  if (leader_) {  // every actor is past its last receive: no message is in flight anymore
    world_.flows.release();
    if (world_.reducers) world_.reducers->release();
  }
}

void StageActor::run_pass(std::size_t index, const workload::PipelinePass& pass) {
  const int vs = pass.virtual_stage, last = job_.pipeline * job_.chunks - 1;
  const StageCosts& c = job_.costs[s_][pass.chunk];
  if (!pass.forward) return backward(index, pass);
  if (vs > 0 && gpu_of(vs - 1) != gpu_) {  // with one stage, chunks follow each other on one GPU
    const double t0 = now();
    world_.flows.receive(gpu_of(vs - 1), gpu_, {false, vs, pass.micro_batch});
    tally_.pipeline_wait += now() - t0;
    if (now() > t0) record(EventKind::pp_wait, t0, now(), 0, 0, &pass);
  }
  if (sharded()) {  // ZeRO 3: this pass's layers are gathered ahead of it, every micro-batch
    start_gathers(pass.chunk);
    pass_after_gathers(pass);
  } else if (gathers_ahead() && index == first_forward_[pass.chunk]) {
    pass_after_gathers(pass);
  } else {
    compute(c, pass);
  }
  if (vs < last && gpu_of(vs + 1) != gpu_) {
    world_.flows.send(gpu_, gpu_of(vs + 1), {false, vs + 1, pass.micro_batch}, whole_bytes(c.activation_bytes));
    record(EventKind::pp_send, now(), now(), 0, c.activation_bytes.value(), &pass);
  }
}

void StageActor::backward(std::size_t index, const workload::PipelinePass& pass) {
  const int vs = pass.virtual_stage, last = job_.pipeline * job_.chunks - 1;
  const StageCosts& c = job_.costs[s_][pass.chunk];
  if (vs < last && gpu_of(vs + 1) != gpu_) {
    const double t0 = now();
    world_.flows.receive(gpu_of(vs + 1), gpu_, {true, vs, pass.micro_batch});
    tally_.pipeline_wait += now() - t0;
    if (now() > t0) record(EventKind::pp_wait, t0, now(), 0, 0, &pass);
  }
  if (sharded()) {  // ZeRO 3: gathered again for the backward; each layer's gradients scattered after it
    start_gathers(pass.chunk);
    pass_after_gathers(pass);
  } else if (data_parallel() && job_.overlap_reduction && index == last_backward_[pass.chunk]) {
    // The chunk's gradients are complete after its last backward: layer by layer, in
    // gradient_buckets equal slices, each bucket's reduction starting as soon as it is ready.
    const int buckets = c.gradient_buckets;
    for (int b = 0; b < buckets; ++b) {
      compute(c, pass, 1.0 / buckets);
      start_reductions(Reduction::bucket, pass.chunk);
    }
  } else {
    compute(c, pass);
  }
  if (vs > 0 && gpu_of(vs - 1) != gpu_) {
    // The input gradient has the shape of the activation the previous virtual stage sent.
    const StageCosts& prev = job_.costs[(vs - 1) % job_.pipeline][(vs - 1) / job_.pipeline];
    world_.flows.send(gpu_, gpu_of(vs - 1), {true, vs - 1, pass.micro_batch}, whole_bytes(prev.activation_bytes));
    record(EventKind::pp_send, now(), now(), 0, prev.activation_bytes.value(), &pass);
  }
}

void StageActor::pass_after_gathers(const workload::PipelinePass& pass) {
  // Layer (bucket) b starts when its parameters have arrived; waiting for them counts as exposed
  // data-parallel time. Under ZeRO 3 a backward bucket's gradients are reduce-scattered as soon as
  // it is done.
  const StageCosts& c = job_.costs[s_][pass.chunk];
  const int buckets = c.gradient_buckets;
  for (int b = 0; b < buckets; ++b) {
    const double t0 = now();
    GradientReducers::wait(gathered_[pass.chunk][b]);
    if (now() > t0) {
      tally_.dp_exposed += now() - t0;
      record(EventKind::dp_gather, t0, now(), 0, 0, &pass);
    }
    compute(c, pass, 1.0 / buckets);
    if (!pass.forward && sharded()) start_reductions(Reduction::bucket, pass.chunk);
  }
}

void StageActor::compute(const StageCosts& c, const workload::PipelinePass& pass, double share) {
  const double seconds = (pass.forward ? c.forward : c.backward).value() * share;
  if (seconds <= 0) return;
  const double tp_seconds = (pass.forward ? c.forward_tp_comm : c.backward_tp_comm).value() * share;
  const double utilization = pass.forward ? c.forward_utilization : c.backward_utilization;
  const double tp_utilization = pass.forward ? c.forward_tp_utilization : c.backward_tp_utilization;
  const double t0 = now();
  // The GPU draws wait + (max - wait) u while it computes and wait + (max - wait) u_tp during the
  // TP share, in total seconds x wait + (max - wait) (u (seconds - tp) + u_tp tp). One exec over
  // the whole pass at that time-averaged load draws exactly that (the plugin's power is linear in
  // load, fabric_zone.cpp), costs one activity instead of two, and is no less faithful: TP
  // collectives are interleaved with the GEMMs layer by layer, not one block per pass. Buckets
  // (slices of a pass) have the same load, so splitting a pass keeps its energy.
  busy(seconds, (utilization * (seconds - tp_seconds) + tp_utilization * tp_seconds) / seconds);
  const double elapsed = now() - t0;
  const double tp = elapsed * (tp_seconds / seconds);
  tally_.tp_comm += tp;
  tally_.compute += elapsed - tp;
  tally_.tp_hidden += (pass.forward ? c.forward_tp_hidden : c.backward_tp_hidden).value() * share;
  // The trace shows the TP share after the compute it is interleaved with (docs/trace-format.md).
  const double flops = (pass.forward ? c.forward_flops : c.backward_flops).value() * share;
  record(pass.forward ? EventKind::forward : EventKind::backward, t0, t0 + elapsed - tp, flops, 0, &pass);
  if (tp > 0) record(EventKind::tp_comm, t0 + elapsed - tp, t0 + elapsed, 0, 0, &pass);
}

void StageActor::record(EventKind kind, double start, double end, double flops, double bytes,
                        const workload::PipelinePass* pass) {
  if (!world_.events) return;
  Event e;
  e.rank = gpu_;
  e.kind = kind;
  e.start = start, e.end = end, e.flops = flops, e.bytes = bytes;
  e.stage = s_;
  e.microbatch = pass ? pass->micro_batch : -1;
  e.chunk = pass ? pass->chunk : 0;
  e.iteration = iteration_;
  world_.events->push_back(e);
}

void StageActor::finish_iteration() {
  // The last pass of a stage is always a backward: the reduction's exposed part starts now.
  double t0 = now();
  if (data_parallel()) {
    if (!job_.overlap_reduction && !sharded()) start_reductions(Reduction::whole);
    GradientReducers::wait(done_);
  }
  // Then the tied embedding's gradient between the first and the last stage (Megatron-LM
  // all-reduces it after the data-parallel reduction, before the optimizer step).
  if (job_.syncs_embedding() && (s_ == 0 || s_ == job_.pipeline - 1)) {
    for (int t : reduce_ranks_) world_.reducers->start_embedding(d_, s_, t, done_);
    GradientReducers::wait(done_);
  }
  if (now() > t0) record(EventKind::dp_reduce, t0, now());
  tally_.dp_exposed += now() - t0;
  t0 = now();
  if (job_.optimizer[s_].value() > 0) busy(job_.optimizer[s_].value(), job_.optimizer_utilization);
  tally_.optimizer += now() - t0;
  if (now() > t0) record(EventKind::optimizer, t0, now());
  if (data_parallel() && gathers_parameters(job_.reduction) && !gathers_ahead()) {
    t0 = now();
    start_reductions(Reduction::gather);
    GradientReducers::wait(done_);
    tally_.dp_exposed += now() - t0;
    if (now() > t0) record(EventKind::dp_gather, t0, now());
  }
}

void StageActor::busy(double seconds, double load) {
  if (load <= 0) {  // an exec of 0 FLOP would end at once: the GPU waits (at its wait power) instead
    sg4::this_actor::sleep_for(seconds);
    return;
  }
  // On the actor's own host (P3: Host::exec_async would ignore it). FLOP = seconds x speed x load
  // at a rate bounded to speed x load: the exec lasts exactly `seconds` on an otherwise idle GPU
  // (one exec per host at a time), and the host's load is `load` throughout, for the plugin.
  const double rate = speed_ * load;
  sg4::this_actor::exec_init(seconds * rate)->set_bound(rate)->wait();
  ++world_.execs;
}

void StageActor::meter_energy(int iteration) {
  // Only the last iteration is reported; iteration 0 starts at time 0 with nothing consumed.
  if (iteration < job_.iterations - 2) return;
  // The energy up to the barrier: every host was idle or busy as its actors said until now, and
  // an exec another stage starts at this same instant adds nothing yet. The plugin integrates
  // lazily; one simcall brings every host's account up to date.
  sg_host_energy_update_all();
  double joules = 0;
  for (const auto& [host, weight] : world_.metered) joules += weight * sg_host_get_consumed_energy(host);
  (iteration == job_.iterations - 1 ? world_.energy_end : world_.energy_start) = joules;
}

void StageActor::start_reductions(Reduction which, int chunk) {
  for (int t : reduce_ranks_) {
    const GroupCollectives& g = world_.reducers->group(s_, t);
    const collectives::Schedule* schedule = which == Reduction::bucket  ? g.bucket[chunk].get()
                                            : which == Reduction::whole ? g.whole.get()
                                                                        : g.gather.get();
    if (schedule) world_.reducers->start(job_.gpu(d_, s_, t), *schedule, done_);
  }
}

void StageActor::start_gathers(int chunk) {
  for (int t : reduce_ranks_)
    if (const auto* schedule = world_.reducers->group(s_, t).gather_bucket[chunk].get())
      for (auto& bucket : gathered_[chunk]) world_.reducers->start(job_.gpu(d_, s_, t), *schedule, bucket);
}

}  // namespace trainsim::engine::detail
