// scenario/feasibility: whole-scenario checks (see feasibility.hpp).
#include "scenario/feasibility.hpp"

#include "compute/kernel_time.hpp"
#include "units/parse.hpp"

namespace trainsim::scenario {

using namespace workload;

// Checks that need the model, the plan and the platform together.
void check_feasibility(Scenario& s, config::Reader& root) {
  for (const auto& problem : plan_problems(s.model, s.plan, s.platform.gpu_count()))
    root.error(root.key_location("parallel"), "infeasible plan: " + problem);
  // A forced data-parallel algorithm must fit the groups' shape: ranks are placed tensor-fastest,
  // so a group has one rank per node exactly when tensor parallelism fills the node.
  const auto dp = s.plan.data_parallel_algorithm;
  const bool one_rank_per_node = s.plan.tensor >= s.platform.node.gpus;
  if (s.plan.data > 1 && dp == DataParallelAlgorithm::tree && (!one_rank_per_node || s.plan.zero_stage > 0))
    root.error(root.key_location("parallel"),
               "data_parallel_algorithm tree does all-reduces over one rank per node (expected zero_stage 0 and tensor "
               "parallelism filling the " + std::to_string(s.platform.node.gpus) + "-GPU node, or another algorithm)");
  const int node_gpus = s.platform.node.gpus;
  const bool regular_groups = !one_rank_per_node && node_gpus % s.plan.tensor == 0 &&
                              (s.plan.data * s.plan.tensor) % node_gpus == 0 && s.plan.data * s.plan.tensor > node_gpus;
  if (s.plan.data > 1 && (dp == DataParallelAlgorithm::hierarchical || dp == DataParallelAlgorithm::pipelined) &&
      !regular_groups)
    root.error(root.key_location("parallel"),
               "data_parallel_algorithm hierarchical and pipelined need the same number (> 1) of data-parallel ranks on "
               "each of several nodes (expected tensor parallelism dividing a node, or ring or tree)");
  if (s.implementation.distribute_saved_activations && s.plan.recompute != Recomputation::full)
    root.error(root.key_location("implementation"),
               "distribute_saved_activations splits the layer inputs that full recomputation saves "
               "(expected parallel.recompute: full, or distribute_saved_activations: false)");
  if (s.implementation.all_reduce_sharded_gradients && (s.plan.zero_stage < 1 || s.plan.zero_stage > 2))
    root.error(root.key_location("implementation"),
               "gradient_reduction all_reduce is how a sharded optimizer (ZeRO 1-2) may receive its gradients "
               "(expected parallel.zero_stage 1 or 2, or gradient_reduction: reduce_scatter)");
  if (s.implementation.gradient_accumulation != GradientAccumulation::fused && s.plan.zero_stage >= 3)
    root.error(root.key_location("implementation"),
               "ZeRO 3 reduce-scatters every micro-batch's gradients layer by layer, so no full gradient buffer "
               "accumulates them (expected gradient_accumulation: fused, or zero_stage 0-2)");
  if (s.implementation.fp8_scaling == Fp8Scaling::current && s.plan.precision != TrainingPrecision::fp8)
    root.error(root.key_location("implementation"),
               "fp8_scaling: current scales FP8 casts, but the plan trains in " +
                   std::string(s.plan.precision == TrainingPrecision::fp16 ? "fp16" : "bf16") +
                   " (expected parallel.precision: fp8, or no fp8_scaling)");
  const auto tensor_precision = compute::tensor_precision(s.plan.precision);
  if (!s.platform.gpu.peak_for(tensor_precision))
    root.error(root.key_location("parallel"),
               std::string("precision ") + platform::to_string(tensor_precision) + " is not a tensor precision of the " +
                   s.platform.gpu.name + " (its catalog entry gives no peak." + platform::to_string(tensor_precision) +
                   "; expected another parallel.precision or GPU)");
  if (s.implementation.flash_attention &&
      !s.platform.gpu.attention_efficiency.count(to_string(s.implementation.attention_kernel)))
    root.error(root.key_location("implementation"),
               std::string("flash attention with the ") + to_string(s.implementation.attention_kernel) +
                   " kernel has no measured speed on the " + s.platform.gpu.name +
                   " (expected attention_efficiency." + to_string(s.implementation.attention_kernel) +
                   " in its catalog entry, another implementation.attention_kernel, or flash_attention: false)");
  if (!root.diagnostics().ok()) return;
  s.memory_per_gpu = memory_per_gpu(s.model, s.plan, s.implementation);
  if (s.memory_per_gpu.total() > s.platform.gpu.memory)
    root.error(root.key_location("parallel"),
               "the model does not fit: stage " + std::to_string(s.memory_per_gpu.stage) + " needs " +
                   s.memory_per_gpu.to_string() + " per GPU, more than the " + s.platform.gpu.name + "'s " +
                   units::format_bytes_binary(s.platform.gpu.memory) +
                   " (expected more pipeline/tensor parallelism, ZeRO, or recomputation)");
}

}  // namespace trainsim::scenario
