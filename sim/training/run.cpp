#include "training/run.hpp"

#include <algorithm>
#include <chrono>

#include "compute/kernel_time.hpp"
#include "cost/cost.hpp"
#include "power/energy.hpp"
#include "engine/train.hpp"
#include "topology/topology.hpp"
#include "training/costs.hpp"
#include "workload/memory.hpp"
#include "workload/model.hpp"

namespace trainsim::training {

namespace {
double peak_utilization(const engine::TrainingJob& job) {
  double u = job.optimizer_utilization;
  for (const auto& stage : job.costs)
    for (const auto& c : stage) u = std::max({u, c.forward_utilization, c.backward_utilization});
  return u;
}

// The failure-free run stretched by interruptions, checkpoints and restarts (Daly 2006).
results::RunReliability run_reliability(const scenario::Scenario& s, int gpus, units::Seconds failure_free) {
  const platform::ReliabilitySpec& spec = *s.platform.reliability;
  results::RunReliability r;
  r.job_mtbf = spec.gpu_mtbf / double(gpus);
  r.checkpoint = workload::checkpoint_bytes(s.model, s.implementation);
  r.checkpoint_write = r.checkpoint / spec.checkpoint_write_bandwidth;
  r.restart = spec.restart_time + r.checkpoint / spec.checkpoint_read_bandwidth;
  reliability::Inputs in;
  in.failure_free = failure_free;
  in.job_mtbf = r.job_mtbf;
  in.checkpoint_write = r.checkpoint_write;
  in.restart = r.restart;
  in.interval = s.training.checkpoint_interval;
  r.outcome = reliability::expected_run(in);
  return r;
}
}  // namespace

// Node power over time: its GPUs' sampled power plus its non-GPU power, which follows the GPUs'
// activity as in power/energy.hpp, activity read from the GPUs' power: (P - wait) / (max - wait).
static void fill_trace(const scenario::Scenario& s, const topology::Topology& t, engine::TrainingReport report, TraceData& out) {
  const auto& gpu = s.platform.gpu;
  const auto& node = s.platform.node;
  out.events = std::move(report.events);
  out.samples = std::move(report.samples);
  const int gpus = out.samples.gpus;
  for (int g = 0; g < t.gpu_count(); ++g) out.node_of_rank.push_back(t.node_of(g));
  out.nodes = (gpus + node.gpus - 1) / node.gpus;
  const std::size_t steps = out.samples.time.size();
  out.node_watts.assign(steps * out.nodes, 0.0f);
  const double floor = gpu.wait_power.value(), range = gpu.max_power.value() - floor;
  for (std::size_t i = 0; i < steps; ++i)
    for (int n = 0; n < out.nodes; ++n) {
      double watts = 0, activity = 0;
      int count = 0;
      for (int g = n * node.gpus; g < std::min(gpus, (n + 1) * node.gpus); ++g, ++count) {
        const double w = out.samples.gpu_watts[i * gpus + g];
        watts += w;
        activity += range > 0 ? (w - floor) / range : 0;
      }
      const double busy = count ? std::clamp(activity / count, 0.0, 1.0) : 0;
      watts += power::host_power(node, busy).value();
      out.node_watts[i * out.nodes + n] = float(watts);
    }
}

results::RunResult run_scenario(const scenario::Scenario& s, const RunOptions& options, TraceData* trace) {
  const auto started = std::chrono::steady_clock::now();
  topology::Topology topology(s.platform);
  engine::TrainingJob job = make_training_job(s, topology, options.simulated_iterations);
  if (trace) {
    job.record_events = true;
    job.sample_interval_s = options.sample_interval_s;
  }
  engine::TrainingReport report = engine::simulate_training(topology, job, options.progress);

  results::RunResult r;
  r.scenario = s.name;
  r.platform = s.platform.name;
  r.gpu = s.platform.gpu.name;
  r.gpus = s.platform.gpu_count();
  r.iterations = s.iterations();
  r.simulated_iterations = options.simulated_iterations;
  r.breakdown = report.last;
  const double seconds = r.breakdown.iteration.value();
  r.tokens_per_iteration = double(s.plan.global_batch) * s.model.sequence;
  r.tokens_per_s = r.tokens_per_iteration / seconds;
  // Model FLOP exclude recomputation (PaLM's MFU); "hardware" FLOP count the recomputed forward,
  // which is what Megatron-LM's published TFLOP/s per GPU use (Narayanan et al. 2021, eq. 3).
  const double model = workload::iteration_flops(s.model, s.plan.global_batch, false).value();
  const double hardware =
      workload::iteration_flops(s.model, s.plan.global_batch, s.plan.recompute == workload::Recomputation::full).value();
  r.model_flops_per_gpu = units::FlopRate(model / seconds / r.gpus);
  r.hardware_flops_per_gpu = units::FlopRate(hardware / seconds / r.gpus);
  // MFU against the dense peak of the training precision (bf16/fp16, or fp8).
  r.mfu = r.model_flops_per_gpu.value() / compute::KernelModel(s.platform.gpu, s.plan.precision).peak().value();
  r.time_to_train = r.breakdown.iteration * double(r.iterations);
  r.memory = s.memory_per_gpu;
  power::RunTiming timing{r.breakdown.iteration, r.iterations, r.gpus, peak_utilization(job)};
  r.energy = power::run_energy(s.platform, topology, report.energy, timing);
  const int switches = topology.inventory().switches();
  if (s.platform.costs) r.cost = cost::run_cost(s.platform, switches, r.gpus, r.time_to_train, r.energy.total);
  r.carbon = s.platform.facility.carbon_intensity * r.energy.total;
  if (s.platform.reliability) {
    r.reliability = run_reliability(s, r.gpus, r.time_to_train);
    const reliability::Outcome& o = r.reliability->outcome;
    const units::Joules overhead = r.energy.average_it_power * o.lost_work +
                                   power::waiting_it_power(s.platform, topology, r.gpus) * o.checkpointing +
                                   power::idle_it_power(s.platform, topology, r.gpus) * o.restarting;
    r.reliability->expected_energy = r.energy.total + overhead * s.platform.facility.pue;
    if (s.platform.costs)
      r.reliability->expected_cost = cost::run_cost(s.platform, switches, r.gpus, o.expected, r.reliability->expected_energy);
  }
  r.assumptions = s.assumptions;
  r.estimated_inputs = s.platform.estimated_inputs;
  if (trace) fill_trace(s, topology, std::move(report), *trace);
  r.wall_time = units::Seconds(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  return r;
}

}  // namespace trainsim::training
