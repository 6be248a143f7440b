// compute/kernel_time: how long a kernel takes on a GPU.
//
// Owns: the compute model — time = max(FLOP / (peak x efficiency(shape)), bytes / (HBM bandwidth
// x memory efficiency)) + launch overhead — where a GEMM's efficiency is the GPU's measured
// maximum achievable matmul efficiency times NVIDIA's tile- and wave-quantization factors for its
// shape (NVIDIA "Matrix Multiplication Background User's Guide"). Calibration figures live in the
// GPU catalog with their sources (docs/compute-model.md). Depends on: platform/, workload/ops.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "platform/platform.hpp"
#include "units/quantity.hpp"
#include "workload/ops.hpp"
#include "workload/plan.hpp"

namespace trainsim::compute {

// The GPU tensor precision a training precision's GEMMs run in (the catalog's peak.<precision>).
platform::Precision tensor_precision(workload::TrainingPrecision precision);

struct KernelTime {
  units::Seconds time{0};
  bool memory_bound = false;
  double efficiency = 0;  // achieved fraction of peak FLOP/s (GEMM) or of HBM bandwidth (memory)
  // How busy the GPU is, the share of its dynamic power range it draws (docs/energy-model.md): a
  // compute-bound GEMM, its FLOP/s over the sustained large-GEMM rate (peak x gemm_efficiency),
  // at which the GPU sits at its power limit; otherwise the achieved fraction of HBM bandwidth.
  double utilization = 0;
};

// Bandwidth a memory-bound kernel reaches, relative to the GPU's streaming figure
// (memory_efficiency), by how it accesses memory. Measured on microbenchmarks of the kernels
// Megatron-LM used in 2021-22 (docs/compute-model.md has the sources):
struct AccessEfficiency {
  double normalization = 0.58 / 0.85;           // Apex FusedLayerNorm forward, 896 of 1555 GB/s (A100)
  double normalization_backward = 0.37 / 0.85;  // its backward, 572 of 1555 GB/s
  double softmax = 0.79 / 0.85;                 // fused softmax, ~714 of 900 GB/s (V100, Substation)
  double dropout = 0.61 / 0.85;                 // PyTorch dropout (Philox), 953 of 1555 GB/s (A100)
  double factor(workload::Kernel::Access a) const;
};

class KernelModel {
public:
  // `attention`: the fused attention kernel that flash-attention layers run; its measured
  // efficiency comes from the GPU's catalog entry (an attention kernel timed on a GPU without that
  // figure throws std::invalid_argument; scenario/ refuses such a plan first).
  KernelModel(const platform::GpuSpec& gpu, workload::TrainingPrecision precision,
              workload::AttentionKernel attention = workload::AttentionKernel::flash2, AccessEfficiency access = {});

  KernelTime time(const workload::Kernel& k) const;
  units::Seconds total(const std::vector<workload::Kernel>& kernels) const;
  // Sum over kernels of time x utilization: busy seconds, for the mean utilization of a pass.
  units::Seconds busy(const std::vector<workload::Kernel>& kernels) const;
  // The load of a GPU that moves `traffic` bytes through its HBM in `time` (a communication
  // kernel, say): the achieved fraction of the HBM bandwidth, as for a memory-bound kernel, capped at 1.
  double memory_utilization(units::Bytes traffic, units::Seconds time) const;
  // The GEMM efficiency factor of a shape (tile x wave quantization), before the GPU's maximum.
  double quantization_efficiency(double m, double n, double batch) const;
  units::FlopRate peak() const { return peak_; }

private:
  units::FlopRate attention_rate(bool backward) const;

  units::FlopRate peak_;
  units::FlopRate half_precision_peak_;              // attention kernels run in 16 bits
  double half_precision_gemm_efficiency_;            // and draw power against the 16-bit GEMM rate
  std::optional<platform::AttentionEfficiency> attention_;
  workload::AttentionKernel attention_kernel_;
  std::string gpu_name_;
  units::Bandwidth memory_bandwidth_;
  double gemm_efficiency_;
  double memory_efficiency_;
  units::Seconds launch_;
  int sms_;
  AccessEfficiency access_;
};

}  // namespace trainsim::compute
