// Tests for scenario/: bundled scenarios load, --set overrides reach scenario and platform fields,
// infeasible plans are rejected with their reason.
#include <doctest/doctest.h>

#include "approx.hpp"

#include <filesystem>

#include "config/diagnostics.hpp"
#include "scenario/scenario.hpp"

using namespace trainsim;
using trainsim::test::rel;

namespace {
const std::filesystem::path kScenarios = std::filesystem::path(TRAINSIM_SOURCE_DIR) / "scenarios";
const std::filesystem::path kData = std::filesystem::path(TRAINSIM_TEST_DATA_DIR) / "scenarios";

std::string errors_of(const std::filesystem::path& file, const std::vector<scenario::Override>& sets = {}) {
  try {
    scenario::load_scenario(file, sets);
  } catch (const config::ConfigError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("every bundled scenario loads and fits in memory") {
  for (const auto& entry : std::filesystem::recursive_directory_iterator(kScenarios)) {
    if (entry.path().extension() != ".yaml" || entry.path().parent_path().filename() == "catalog") continue;
    CAPTURE(entry.path().string());
    CHECK(errors_of(entry.path()) == "");
  }
}

TEST_CASE("GPT-3 on 1,024 A100s: 175B parameters, 96 micro-batches, 300B tokens in 95,367 iterations") {
  auto s = scenario::load_scenario(kScenarios / "gpt3-175b-a100-1024.yaml");
  CHECK(s.platform.gpu_count() == 1024);
  CHECK(s.plan.micro_batches() == 96);
  // 300e9 tokens / (1536 x 2048 tokens per iteration) = 95,367.4 -> 95,368 iterations.
  CHECK(s.iterations() == 95368);
  CHECK(s.memory_per_gpu.total().value() < s.platform.gpu.memory.value());
  CHECK(!s.assumptions.empty());
}

TEST_CASE("--set reaches the plan and the platform, including a catalog GPU's field") {
  auto s = scenario::load_scenario(kScenarios / "gpt3-175b-a100-1024.yaml",
                                   {{"platform.gpu.nvlink_bandwidth", "400 GB/s"}, {"parallel.micro_batch", "2"},
                                    {"parallel.global_batch", "1536"}});
  CHECK(s.platform.gpu.nvlink_bandwidth.value() == rel(400e9));
  CHECK(s.plan.micro_batch == 2);
  CHECK(s.scenario_yaml.find("400 GB/s") != std::string::npos);
}

TEST_CASE("--set of the run's length replaces the file's other measure of it, setting both is an error") {
  // gpt3-175b-a100-1024.yaml gives tokens (300e9); a what-if asks for 10 iterations instead.
  auto s = scenario::load_scenario(kScenarios / "gpt3-175b-a100-1024.yaml", {{"training.iterations", "10"}});
  CHECK(s.iterations() == 10);
  CHECK(!s.training.tokens.has_value());
  // And back: a token count over a file that gives iterations (the H100 cross-checks run 1).
  s = scenario::load_scenario(kScenarios / "crosscheck/megatron-core-h100-1.7b.yaml", {{"training.tokens", "1e9"}});
  CHECK(!s.training.iterations.has_value());
  CHECK(s.training.tokens.value() == rel(1e9));
  std::string e = errors_of(kScenarios / "gpt3-175b-a100-1024.yaml",
                            {{"training.iterations", "10"}, {"training.tokens", "1e9"}});
  CHECK(e.find("training needs exactly one of 'tokens' or 'iterations'") != std::string::npos);
}

TEST_CASE("cluster.gpus resizes the platform and the data-parallel degree: half the cluster, same plan otherwise") {
  auto s = scenario::load_scenario(kScenarios / "gpt3-175b-a100-1024.yaml", {{"cluster.gpus", "512"}});
  CHECK(s.platform.gpu_count() == 512);
  CHECK(s.platform.network.nodes == 64);  // 8 GPUs per DGX A100
  CHECK(s.plan.data == 8);                // 512 / (tensor 8 x pipeline 8)
  CHECK(s.plan.tensor == 8);
  CHECK(s.plan.pipeline == 8);
  CHECK(s.plan.global_batch == 1536);     // the batch stays: twice the micro-batches per pipeline
  CHECK(s.plan.micro_batches() == 192);
  CHECK(s.scenario_yaml.find("cluster") != std::string::npos);  // traces keep what was asked
}

TEST_CASE("a cluster size that nodes or tensor x pipeline do not divide is rejected with the reason") {
  std::string e = errors_of(kScenarios / "gpt3-175b-a100-1024.yaml", {{"cluster.gpus", "500"}});
  CHECK(e.find("--set cluster.gpus: error: cluster.gpus 500 is not a multiple of the 8 GPUs per DGX-A100 node") !=
        std::string::npos);
  e = errors_of(kScenarios / "gpt3-175b-a100-1024.yaml", {{"cluster.gpus", "520"}});
  CHECK(e.find("cluster.gpus 520 is not a multiple of tensor x pipeline = 64") != std::string::npos);
}

TEST_CASE("a --set typo is reported with its origin") {
  std::string e = errors_of(kScenarios / "gpt3-175b-a100-1024.yaml", {{"parallel.tensr", "4"}});
  CHECK(e.find("--set parallel.tensr: error: unknown key 'tensr'") != std::string::npos);
  CHECK(e.find("did you mean 'tensor'") != std::string::npos);
}

TEST_CASE("tensor parallelism that does not divide the heads is rejected with the reason") {
  std::string e = errors_of(kData / "tp-does-not-divide.yaml");
  CHECK(e.find("tp-does-not-divide.yaml:6:1: error: infeasible plan") != std::string::npos);
  CHECK(e.find("does not divide the 96 attention heads") != std::string::npos);
  CHECK(e.find("= 320 GPUs, but the cluster has 1024") != std::string::npos);
}

TEST_CASE("a plan that does not fit in HBM is rejected with the memory breakdown") {
  std::string e = errors_of(kData / "does-not-fit.yaml");
  CHECK(e.find("the model does not fit") != std::string::npos);
  CHECK(e.find("optimizer") != std::string::npos);
  CHECK(e.find("more than the A100-SXM4-80GB's 80 GiB") != std::string::npos);
}

TEST_CASE("distributing the saved activations without full recomputation is rejected with the fix") {
  std::string e = errors_of(kScenarios / "gpt3-175b-a100-1024.yaml",
                            {{"parallel.recompute", "selective"}, {"implementation.distribute_saved_activations", "true"}});
  CHECK(e.find("distribute_saved_activations splits the layer inputs") != std::string::npos);
  CHECK(e.find("expected parallel.recompute: full") != std::string::npos);
}

TEST_CASE("a validation bound wider than the target must say why") {
  std::string e = errors_of(kData / "bound-without-reason.yaml");
  CHECK(e.find("bound-without-reason.yaml:16:3: error: a validation 'bound' and its 'bound_reason' go together") !=
        std::string::npos);
}

TEST_CASE("sweep axes are read in order, and an axis without a list of values is rejected where it is written") {
  auto s = scenario::load_scenario(kScenarios / "sweep-nvlink-cluster.yaml");
  REQUIRE(s.sweep.size() == 2);
  CHECK(s.sweep[0].path == "platform.gpu.nvlink_bandwidth");
  CHECK(s.sweep[1].values == std::vector<std::string>{"512", "1024", "2048"});
  std::string e = errors_of(kData / "bad-sweep.yaml");
  CHECK(e.find("bad-sweep.yaml:17:17: error: sweep axis 'cluster.gpus' needs a non-empty list") != std::string::npos);
  CHECK(e.find("bad-sweep.yaml:18:25: error: sweep axis 'parallel.micro_batch'") != std::string::npos);
}

TEST_CASE("a forced data-parallel algorithm is refused where the groups do not have its shape") {
  // gpt3-175b-a100-1024: tensor 8 fills each DGX A100, so every data-parallel group has one rank
  // per node: a tree fits (ZeRO 0 all-reduce), the node-aware algorithms do not.
  CHECK(errors_of(kScenarios / "gpt3-175b-a100-1024.yaml", {{"parallel.data_parallel_algorithm", "tree"}}).empty());
  CHECK(errors_of(kScenarios / "gpt3-175b-a100-1024.yaml", {{"parallel.data_parallel_algorithm", "pipelined"}})
            .find("need the same number (> 1) of data-parallel ranks on each of several nodes") != std::string::npos);
  // the 10k scenario reduce-scatters (ZeRO 1): trees only all-reduce
  CHECK(errors_of(kScenarios / "gpt3-175b-a100-10k.yaml", {{"parallel.data_parallel_algorithm", "tree"}})
            .find("tree does all-reduces over one rank per node") != std::string::npos);
  CHECK(errors_of(kScenarios / "gpt3-175b-a100-1024.yaml", {{"parallel.data_parallel_algorithm", "trees"}})
            .find("expected one of: auto, ring, hierarchical, pipelined, tree") != std::string::npos);
}

TEST_CASE("implementation.kernels picks the framework's layer kernels, an unknown one lists the choices") {
  CHECK(scenario::load_scenario(kScenarios / "gpt3-175b-a100-1024.yaml").implementation.kernels ==
        workload::LayerKernels::megatron);
  CHECK(scenario::load_scenario(kScenarios / "validation/opt-175b-992.yaml").implementation.kernels ==
        workload::LayerKernels::metaseq);
  CHECK(errors_of(kScenarios / "gpt3-175b-a100-1024.yaml", {{"implementation.kernels", "deepspeed"}})
            .find("expected one of: megatron, metaseq") != std::string::npos);
}

TEST_CASE("implementation.gradient_reduction all_reduce is for a sharded optimizer only") {
  CHECK(scenario::load_scenario(kScenarios / "validation/bloom-176b-384.yaml").implementation.all_reduce_sharded_gradients);
  CHECK(!scenario::load_scenario(kScenarios / "gpt3-175b-a100-10k.yaml").implementation.all_reduce_sharded_gradients);
  // gpt3-175b-a100-1024 is ZeRO 0
  CHECK(errors_of(kScenarios / "gpt3-175b-a100-1024.yaml", {{"implementation.gradient_reduction", "all_reduce"}})
            .find("expected parallel.zero_stage 1 or 2") != std::string::npos);
  CHECK(errors_of(kScenarios / "gpt3-175b-a100-10k.yaml", {{"implementation.gradient_reduction", "allreduce"}})
            .find("expected one of: reduce_scatter, all_reduce") != std::string::npos);
}

TEST_CASE("implementation.gradient_accumulation names the framework's way, ZeRO 3 accumulates nothing in full") {
  CHECK(scenario::load_scenario(kScenarios / "validation/bloom-176b-384.yaml").implementation.gradient_accumulation ==
        workload::GradientAccumulation::convert_then_add);
  CHECK(scenario::load_scenario(kScenarios / "gpt3-175b-a100-1024.yaml").implementation.gradient_accumulation ==
        workload::GradientAccumulation::fused);
  CHECK(errors_of(kScenarios / "gpt3-175b-a100-1024.yaml",
                  {{"parallel.zero_stage", "3"}, {"implementation.gradient_accumulation", "into_buffer"}})
            .find("expected gradient_accumulation: fused") != std::string::npos);
  CHECK(errors_of(kScenarios / "gpt3-175b-a100-1024.yaml", {{"implementation.gradient_accumulation", "fuse"}})
            .find("expected one of: fused, into_grad, into_buffer, convert_then_add") != std::string::npos);
}

TEST_CASE("a training precision the GPU has no tensor peak for is rejected with the reason, not a crash") {
  std::string e = errors_of(kScenarios / "gpt3-175b-a100-1024.yaml", {{"parallel.precision", "fp8"}});
  CHECK(e.find("gpt3-175b-a100-1024.yaml:8:1: error: precision fp8 is not a tensor precision of the A100-SXM4-80GB") !=
        std::string::npos);
  CHECK(errors_of(kScenarios / "gpt3-175b-a100-1024.yaml",
                  {{"parallel.precision", "fp8"}, {"platform.gpu", "H100-SXM5-80GB"}}) == "");
}

TEST_CASE("implementation.fp8_scaling is delayed or current, and current scaling needs an FP8 plan") {
  const auto llama = kScenarios / "crosscheck/megatron-bridge-h100-llama3-70b-fp8.yaml";
  CHECK(scenario::load_scenario(llama).implementation.fp8_scaling == workload::Fp8Scaling::current);
  CHECK(scenario::load_scenario(kScenarios / "gpt3-175b-a100-1024.yaml").implementation.fp8_scaling ==
        workload::Fp8Scaling::delayed);
  CHECK(errors_of(llama, {{"parallel.precision", "bf16"}}).find("fp8_scaling: current scales FP8 casts, but the plan "
                                                                  "trains in bf16") != std::string::npos);
  CHECK(errors_of(llama, {{"implementation.fp8_scaling", "just_in_time"}}).find("expected one of: delayed, current") !=
        std::string::npos);
}

TEST_CASE("flash attention needs a measured speed for its kernel on the GPU, attention_kernel needs flash attention") {
  // The bundled Megatron-Core H100 cross-check runs cuDNN's kernel; FlashAttention-3 has no A100 figure.
  const auto file = kScenarios / "gpt3-175b-a100-1024.yaml";
  CHECK(errors_of(file, {{"implementation.flash_attention", "true"}}) == "");
  std::string e = errors_of(file, {{"implementation.flash_attention", "true"}, {"implementation.attention_kernel", "flash3"}});
  CHECK(e.find("flash attention with the flash3 kernel has no measured speed on the A100-SXM4-80GB") != std::string::npos);
  e = errors_of(file, {{"implementation.attention_kernel", "cudnn"}});
  CHECK(e.find("attention_kernel names the fused kernel that flash attention runs") != std::string::npos);
  e = errors_of(file, {{"implementation.flash_attention", "true"}, {"implementation.attention_kernel", "flash4"}});
  CHECK(e.find("flash2") != std::string::npos);  // the choices are listed
}
