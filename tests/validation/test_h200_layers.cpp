// The compute model against whole GPT layers measured on one H200 SXM, kernel by kernel
// (bench/gpu/layer_check.py; bench/gpu/results/h200-sxm-2026-12-04-layers.json, board power and
// clocks in -layers-2.json): PyTorch ops in Megatron-LM's order, cuDNN's fused attention, BF16,
// no dropout, one tensor rank's shard without its collectives. The profiler's kernel times by
// family (GEMMs, fused attention) against the model's kernels of the same layer.
// docs/compute-model.md, "Measured on an H200".
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "compute/kernel_time.hpp"
#include "config/document.hpp"
#include "scenario/scenario.hpp"
#include "workload/ops.hpp"

using namespace trainsim;

namespace {
const std::filesystem::path kSource = TRAINSIM_SOURCE_DIR;

struct FamilyTimes {
  double gemm = 0, attention = 0;
};

// The model's GEMM and attention time of `layers` layers, forward and backward, on the H200.
FamilyTimes model_layers(const char* scenario_file, std::vector<std::pair<std::string, std::string>> overrides, int layers) {
  overrides.emplace_back("platform.gpu", "H200-SXM-141GB");
  const auto s = scenario::load_scenario(kSource / scenario_file, overrides);
  const compute::KernelModel km(s.platform.gpu, s.plan.precision, s.implementation.attention_kernel);
  FamilyTimes t;
  for (const auto& kernels : {workload::layer_forward_kernels(s.model, s.plan, s.implementation, 0),
                              workload::layer_backward_kernels(s.model, s.plan, s.implementation, 0)})
    for (const auto& k : kernels) {
      const double seconds = km.time(k).time.value() * layers;
      if (k.kind == workload::Kernel::Kind::gemm) t.gemm += seconds;
      if (k.kind == workload::Kernel::Kind::attention || k.kind == workload::Kernel::Kind::attention_backward)
        t.attention += seconds;
    }
  return t;
}

FamilyTimes measured_layers(const std::string& name) {
  const auto doc = config::Document::load(kSource / "bench/gpu/results/h200-sxm-2026-12-04-layers.json");
  for (const auto& r : doc.root().get("sections")->get("torch_layers")->items()) {
    if (r.get("name")->scalar() != name) continue;
    const auto families = *r.get("layers")->get("profile")->get("by_family_s");
    return {std::stod(families.get("gemm")->scalar()), std::stod(families.get("attention")->scalar())};
  }
  FAIL("no measured layers " << name);
  return {};
}
}  // namespace

TEST_CASE("GPT layers on an H200: the model's GEMM and attention time against the measured kernels") {
  const std::vector<std::pair<std::string, std::string>> cudnn_bf16 = {
      {"implementation.flash_attention", "true"}, {"implementation.attention_kernel", "cudnn"},
      {"implementation.dropout", "false"},        {"parallel.precision", "bf16"},
      {"parallel.sequence_parallel", "false"},    {"parallel.overlap_tensor_parallel_comm", "false"},
      {"parallel.recompute", "none"}};
  auto with = [&](std::vector<std::pair<std::string, std::string>> extra) {
    extra.insert(extra.end(), cudnn_bf16.begin(), cudnn_bf16.end());
    return extra;
  };
  const struct {
    const char* name;
    const char* scenario;
    std::vector<std::pair<std::string, std::string>> overrides;
    int layers;
    double gemm_low, gemm_high;  // the model's GEMM time over the measured one
  } cases[] = {
      // GPT-3 175B's tensor-8 shard at micro-batch 1: GEMMs are 82% of the kernels' time and the
      // board holds its sustained clock (1,575 MHz in the layers, 1,515 MHz for the GEMMs alone):
      // the sustained rate holds.
      {"gpt3-175b-tp8", "scenarios/validation/korthikanti-175b-full.yaml", with({{"parallel.micro_batch", "1"}}), 4, 0.97, 1.03},
      // Megatron-Core's 7.1B at tensor 2 and 1.7B at tensor 1 (sequence 4,096): their GEMMs are 71%
      // and 59% of the kernels' time, the board draws its limit at a higher clock (1,635 and
      // 1,755 MHz against 1,545 and 1,590 for the GEMMs alone) and the GEMMs run 6% and 17% faster
      // than the sustained rate the model takes: the model is conservative there.
      {"mcore-7.1b-tp2", "scenarios/crosscheck/megatron-core-h100-7.1b.yaml", with({}), 8, 1.02, 1.10},
      {"mcore-1.7b", "scenarios/crosscheck/megatron-core-h100-1.7b.yaml", with({}), 24, 1.10, 1.22},
  };
  for (const auto& c : cases) {
    const FamilyTimes model = model_layers(c.scenario, c.overrides, c.layers);
    const FamilyTimes measured = measured_layers(c.name);
    MESSAGE(std::string(c.name) << ": GEMMs model " << model.gemm * 1e3 << " ms, measured " << measured.gemm * 1e3
                   << " ms; attention model " << model.attention * 1e3 << " ms, measured " << measured.attention * 1e3 << " ms");
    CHECK(model.gemm / measured.gemm > c.gemm_low);
    CHECK(model.gemm / measured.gemm < c.gemm_high);
    // The attention (cuDNN's kernels with their small pre- and post-processing kernels, which the
    // model folds into its two) within 15%.
    CHECK(std::abs(model.attention / measured.attention - 1) < 0.15);
  }
}
