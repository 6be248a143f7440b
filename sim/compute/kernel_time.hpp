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
  // GEMM or fused attention kernel, the share of its time it computes (at the power limit
  // whatever its rate; the launch gap aside) times the share of SMs it fills, plus
  // PowerLaw::memory_share of the fraction of HBM bandwidth its bytes take, at most 1; a
  // memory-bound kernel, that memory share alone.
  double utilization = 0;
};

// The share of a GPU's dynamic power range (max_power - wait_power) a kernel draws, measured on an
// H200 SXM at its 700 W limit (bench/gpu/calibrate.py; bench/gpu/results/h200-sxm-2026-12-04.json;
// docs/energy-model.md). Every GEMM that filled the GPU drew 680-695 W whatever its rate (476 to
// 708 TFLOP/s in BF16, FP8 too) and so did FlashAttention-2 and cuDNN's fused attention (685 and
// 693 W at a third and a half of the BF16 peak): the clock gives way, not the power. Streams
// through HBM drew less: 161, 228 and 461 W at 6%, 23% and 89% of its bandwidth (119 W waiting),
// which share = scale x fraction^exponent meets within 1.5% in watts.
struct PowerLaw {
  double memory_scale = 0.633;
  double memory_exponent = 0.792;
  double memory_share(double bandwidth_fraction) const;
};

// How a fused attention kernel's efficiency falls with shorter sequences: each query tile pays a
// fixed cost worth s0 keys (loading it, the causal diagonal's partial block, the epilogue), so the
// efficiency at sequence s is e(s_ref) (1 + s0 / s_ref) / (1 + s0 / s), s_ref the catalog figure's
// sequence. Fitted to FlashAttention-2 and cuDNN on an H200 SXM, causal, head dimension 128,
// sequence 1,024-16,384 (bench/gpu/results/h200-sxm-2026-12-04-shapes.json): both kernels want
// s0 ~ 400 forward and ~1,100 backward (docs/compute-model.md).
struct AttentionSequenceLaw {
  double forward_s0 = 410;
  double backward_s0 = 1100;
  double factor(double sequence, double reference, bool backward) const;
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

// How evenly a fused attention call's work spreads over the SMs. The kernels give each thread
// block one block of 128 queries (forward) or keys (backward) of one sequence and head, one block
// per SM at a time, handed out in launch order (a head's blocks in turn); under the causal mask a
// block's work is the number of 128-key (query) blocks it meets, 1 to n forward and n to 1
// backward. The efficiency is the work over SMs x the makespan of that list schedule: near 1 for
// many heads and long sequences, as low as 0.26 for 4 heads at 2,048. Checked against
// FlashAttention-2 and cuDNN on an H200 over 4-128 heads at sequence 2,048-8,192
// (bench/gpu/results/h200-sxm-2026-12-04-layers-2.json; docs/compute-model.md).
struct AttentionGrid {
  double block = 128;
  double efficiency(double batch_heads, double sequence, bool backward, int sms) const;
};

class KernelModel {
public:
  // `attention`: the fused attention kernel that flash-attention layers run; its measured
  // efficiency comes from the GPU's catalog entry (an attention kernel timed on a GPU without that
  // figure throws std::invalid_argument; scenario/ refuses such a plan first).
  KernelModel(const platform::GpuSpec& gpu, workload::TrainingPrecision precision,
              workload::AttentionKernel attention = workload::AttentionKernel::flash2, AccessEfficiency access = {},
              PowerLaw power = {}, AttentionSequenceLaw sequence_law = {});

  KernelTime time(const workload::Kernel& k) const;
  // A GEMM run as `chunks` GEMMs of m / chunks rows each while a communication kernel holds
  // `sms_held` of the GPU's SMs: how Transformer Engine's userbuffers overlap runs the GEMMs beside
  // tensor-parallel collectives. The chunks lose their own tile and wave quantization, and the
  // GEMM runs its waves on the SMs that are left (measured on an H200: docs/compute-model.md).
  units::Seconds time_beside_communication(const workload::Kernel& k, int chunks, int sms_held) const;
  units::Seconds total(const std::vector<workload::Kernel>& kernels) const;
  // Sum over kernels of time x utilization: busy seconds, for the mean utilization of a pass.
  units::Seconds busy(const std::vector<workload::Kernel>& kernels) const;
  // The load of a GPU that moves `traffic` bytes through its HBM in `time` (a communication
  // kernel, say): as for a memory-bound kernel, PowerLaw::memory_share of the achieved fraction of
  // the HBM bandwidth, capped at 1.
  double memory_utilization(units::Bytes traffic, units::Seconds time) const;
  // The GEMM efficiency factor of a shape (tile x wave quantization), before the GPU's maximum.
  // With fewer output tiles than SMs and a long inner dimension k, the library splits k so that
  // the pieces fill the GPU (split_k_units).
  double quantization_efficiency(double m, double n, double batch, double k = 0) const;
  // The units of work a GEMM's waves are made of: its output tiles, times the pieces its inner
  // dimension is split into when the tiles alone leave SMs idle.
  double split_k_units(double m, double n, double batch, double k) const;
  units::FlopRate peak() const { return peak_; }

private:
  // The kernel's rate at `sequence` on a grid whose share of the catalog grid's efficiency is given.
  units::FlopRate attention_rate(bool backward, double sequence, double grid_share) const;
  // The grid's efficiency relative to that of the catalog figure's measurement (AttentionGrid).
  double attention_grid_share(bool backward, double sequence, double batch_heads) const;

  units::FlopRate peak_;
  units::FlopRate half_precision_peak_;              // attention kernels run in 16 bits
  double half_precision_gemm_efficiency_;
  std::optional<platform::AttentionEfficiency> attention_;
  workload::AttentionKernel attention_kernel_;
  std::string gpu_name_;
  units::Bandwidth memory_bandwidth_;
  double gemm_efficiency_;
  double memory_efficiency_;
  units::Seconds launch_;
  int sms_;
  AccessEfficiency access_;
  PowerLaw power_;
  AttentionSequenceLaw sequence_law_;
  AttentionGrid grid_;
};

}  // namespace trainsim::compute
