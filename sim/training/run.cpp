#include "training/run.hpp"

#include <algorithm>
#include <chrono>

#include "compute/kernel_time.hpp"
#include "cost/cost.hpp"
#include "power/energy.hpp"
#include "engine/train.hpp"
#include "topology/topology.hpp"
#include "training/costs.hpp"
#include "workload/model.hpp"

namespace trainsim::training {

namespace {
double peak_utilization(const engine::TrainingJob& job) {
  double u = job.optimizer_utilization;
  for (const auto& stage : job.costs)
    for (const auto& c : stage) u = std::max({u, c.forward_utilization, c.backward_utilization});
  return u;
}
}  // namespace

results::RunResult run_scenario(const scenario::Scenario& s, const RunOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  topology::Topology topology(s.platform);
  engine::TrainingJob job = make_training_job(s, topology, options.simulated_iterations);
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
  const int switches = topology.leaf_count() + topology.spine_count();
  if (s.platform.costs) r.cost = cost::run_cost(s.platform, switches, r.gpus, r.time_to_train, r.energy.total);
  r.carbon = s.platform.facility.carbon_intensity * r.energy.total;
  r.assumptions = s.assumptions;
  r.wall_time = units::Seconds(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  return r;
}

}  // namespace trainsim::training
