#include "compute/kernel_time.hpp"

#include <queue>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace trainsim::compute {

namespace {
// Output tile of one thread block. cuBLAS/CUTLASS pick among several; 128 x 128 is the common
// large-GEMM tile on Ampere and Hopper and the one NVIDIA's guide uses to explain quantization.
constexpr double kTileM = 128, kTileN = 128;

// Output tiles of a (batched) GEMM.
double tile_count(double m, double n, double batch) {
  return std::ceil(m / kTileM) * std::ceil(n / kTileN) * batch;
}
// The shortest inner dimension a split-k piece keeps. Measured on an H200 (bench/gpu/results/
// h200-sxm-2026-12-04-shapes.json): GEMMs of 32-128 tiles with k of 16k-131k ran at 650-713
// TFLOP/s and at the power limit, i.e. split to fill 132 SMs; where the library stops splitting
// is not measured: pieces of at least 1,024 (a tile's fixed cost, ~90 of k on the same GPU, then
// stays under 10%) is the model's assumption.
constexpr double kSplitKMin = 1024;

units::FlopRate precision_peak(const platform::GpuSpec& gpu, workload::TrainingPrecision precision) {
  std::optional<units::FlopRate> rate = gpu.peak_for(tensor_precision(precision));
  if (!rate) throw std::invalid_argument(gpu.name + " has no peak rate for the training precision");
  return *rate;
}
}  // namespace

platform::Precision tensor_precision(workload::TrainingPrecision precision) {
  switch (precision) {
    case workload::TrainingPrecision::bf16: return platform::Precision::bf16;
    case workload::TrainingPrecision::fp16: return platform::Precision::fp16;
    case workload::TrainingPrecision::fp8: return platform::Precision::fp8;
  }
  return platform::Precision::bf16;
}

double AccessEfficiency::factor(workload::Kernel::Access a) const {
  switch (a) {
    case workload::Kernel::Access::streaming: return 1.0;
    case workload::Kernel::Access::normalization: return normalization;
    case workload::Kernel::Access::normalization_backward: return normalization_backward;
    case workload::Kernel::Access::softmax: return softmax;
    case workload::Kernel::Access::dropout: return dropout;
  }
  return 1.0;
}

double PowerLaw::memory_share(double bandwidth_fraction) const {
  if (!(bandwidth_fraction > 0)) return 0;
  return std::min(1.0, memory_scale * std::pow(bandwidth_fraction, memory_exponent));
}

double AttentionSequenceLaw::factor(double sequence, double reference, bool backward) const {
  if (!(reference > 0) || !(sequence > 0)) return 1.0;
  const double s0 = backward ? backward_s0 : forward_s0;
  return (1 + s0 / reference) / (1 + s0 / sequence);
}

KernelModel::KernelModel(const platform::GpuSpec& gpu, workload::TrainingPrecision precision,
                         workload::AttentionKernel attention, AccessEfficiency access, PowerLaw power,
                         AttentionSequenceLaw sequence_law)
    : peak_(precision_peak(gpu, precision)),
      half_precision_peak_(gpu.half_precision_peak()),
      half_precision_gemm_efficiency_(gpu.gemm_efficiency),
      attention_kernel_(attention),
      gpu_name_(gpu.name),
      memory_bandwidth_(gpu.memory_bandwidth),
      gemm_efficiency_(gpu.gemm_efficiency_for(tensor_precision(precision))),
      memory_efficiency_(gpu.memory_efficiency),
      launch_(gpu.kernel_launch),
      sms_(gpu.sms),
      access_(access),
      power_(power),
      sequence_law_(sequence_law) {
  if (auto it = gpu.attention_efficiency.find(workload::to_string(attention)); it != gpu.attention_efficiency.end())
    attention_ = it->second;
}

double AttentionGrid::efficiency(double batch_heads, double sequence, bool backward, int sms) const {
  if (!(batch_heads > 0) || !(sequence > 0) || sms < 1) return 1.0;
  const long heads = std::max(1L, std::lround(batch_heads));
  const long blocks = static_cast<long>(std::ceil(sequence / block));
  // Each SM's finishing time; the next block goes to the SM that frees first.
  std::priority_queue<double, std::vector<double>, std::greater<>> free_at;
  for (int i = 0; i < sms; ++i) free_at.push(0.0);
  double work = 0, makespan = 0;
  for (long h = 0; h < heads; ++h)
    for (long b = 0; b < blocks; ++b) {
      const double w = static_cast<double>(backward ? blocks - b : b + 1);
      const double done = free_at.top() + w;
      free_at.pop();
      free_at.push(done);
      work += w;
      makespan = std::max(makespan, done);
    }
  return work / (sms * makespan);
}

units::FlopRate KernelModel::attention_rate(bool backward, double sequence, double grid_share) const {
  if (!attention_)
    throw std::invalid_argument(gpu_name_ + " has no measured efficiency for the " +
                                workload::to_string(attention_kernel_) + " attention kernel");
  return half_precision_peak_ * (backward ? attention_->backward : attention_->forward) *
         sequence_law_.factor(sequence, attention_->sequence, backward) * grid_share;
}

double KernelModel::attention_grid_share(bool backward, double sequence, double batch_heads) const {
  // The catalog's figure holds for its own grid; a figure without one is taken as that of a grid
  // that fills the GPU evenly.
  const double reference = attention_ && attention_->batch_heads > 0 && attention_->sequence > 0
                               ? grid_.efficiency(attention_->batch_heads, attention_->sequence, backward, sms_)
                               : 1.0;
  return grid_.efficiency(batch_heads, sequence, backward, sms_) / reference;
}

double KernelModel::split_k_units(double m, double n, double batch, double k) const {
  const double tiles = tile_count(m, n, batch);
  if (tiles >= sms_) return tiles;
  const double splits = std::max(1.0, std::min(std::floor(sms_ / tiles), std::floor(k / kSplitKMin)));
  return tiles * splits;
}

double KernelModel::quantization_efficiency(double m, double n, double batch, double k) const {
  // Tile quantization: the output is covered by whole tiles; wave quantization: tiles (or their
  // split-k pieces) run in waves of one per SM, and a partial last wave leaves SMs idle.
  const double tiles = tile_count(m, n, batch);
  const double tile_eff = (m * n * batch) / (tiles * kTileM * kTileN);
  const double units = split_k_units(m, n, batch, k);
  const double waves = units / sms_;
  const double wave_eff = waves / std::ceil(waves);
  return tile_eff * wave_eff;
}

KernelTime KernelModel::time(const workload::Kernel& k) const {
  KernelTime t;
  const double memory_eff = memory_efficiency_ * access_.factor(k.access);
  const units::Seconds memory = k.bytes / (memory_bandwidth_ * memory_eff);
  if (k.kind == workload::Kernel::Kind::memory) {
    t.time = memory + launch_;
    t.memory_bound = true;
    t.efficiency = memory_eff;
    t.utilization = memory_utilization(k.bytes, t.time);
    return t;
  }
  // A fused attention kernel runs at its measured share of the 16-bit peak (at the catalog's
  // sequence and grid; less at shorter sequences, AttentionSequenceLaw, and on grids that spread
  // unevenly over the SMs, AttentionGrid), a GEMM at the sustained large-GEMM share less its tile
  // and wave quantization.
  const bool attention = k.kind == workload::Kernel::Kind::attention ||
                         k.kind == workload::Kernel::Kind::attention_backward;
  // Only linear layers' GEMMs run in the training precision when it is FP8 (Transformer Engine);
  // the others (attention scores, LM head, router) stay 16-bit.
  // An attention kernel's m is its sequence (queries; its n the keys).
  const bool backward = k.kind == workload::Kernel::Kind::attention_backward;
  const double grid_share = attention ? attention_grid_share(backward, k.m, k.batch) : 1.0;
  const units::Seconds math =
      attention ? k.flops / attention_rate(backward, k.m, grid_share)
                : k.flops / ((k.linear ? peak_ * gemm_efficiency_ : half_precision_peak_ * half_precision_gemm_efficiency_) *
                             quantization_efficiency(k.m, k.n, k.batch, k.k));
  t.memory_bound = memory > math;
  t.time = std::max(math, memory) + launch_;
  const bool sixteen_bit = attention || !k.linear;
  t.efficiency = (k.flops / t.time) / (sixteen_bit ? half_precision_peak_ : peak_);
  // The sustained large-GEMM rate is power-limited: with random operands an A100 throttles its
  // clock at its 400 W limit and reaches 257 of 312 TFLOP/s, 295 with all-zero operands (H. He,
  // "Strangely, matrix multiplications on GPUs run faster when given predictable data", 2024).
  // A kernel that keeps the tensor cores busy draws the power limit whatever its rate (PowerLaw):
  // its load is the share of its time it computes, the launch gap at the wait power, times the
  // share of SMs its first wave fills, plus what its HBM traffic draws (a GEMM near the ridge
  // point was measured at the limit too), at most 1.
  // An attention kernel's SMs are busy the share of its time its grid keeps them (relative to the
  // measured grid, which drew the limit).
  const double occupancy = attention ? std::min(1.0, grid_share)
                                     : std::min(1.0, split_k_units(k.m, k.n, k.batch, k.k) / sms_);
  t.utilization = std::min(1.0, occupancy * (math / t.time) +
                                    memory_utilization(k.bytes, t.time));
  return t;
}

units::Seconds KernelModel::time_beside_communication(const workload::Kernel& k, int chunks, int sms_held) const {
  if (chunks < 1 || sms_held < 0) throw std::invalid_argument("a GEMM beside communication needs a chunk and no negative SMs");
  KernelModel left = *this;
  left.sms_ = std::max(1, sms_ - sms_held);  // a GPU with fewer SMs than the communication asks keeps one
  const double share = static_cast<double>(left.sms_) / sms_;  // the SMs left do that share of the work per clock
  left.peak_ = peak_ * share;
  left.half_precision_peak_ = half_precision_peak_ * share;
  workload::Kernel piece = k;
  piece.m = k.m / chunks;
  piece.flops = k.flops / static_cast<double>(chunks);
  piece.bytes = k.bytes / static_cast<double>(chunks);
  return left.time(piece).time * static_cast<double>(chunks);
}

double KernelModel::memory_utilization(units::Bytes traffic, units::Seconds time) const {
  if (!(time.value() > 0)) return 0;
  return power_.memory_share((traffic / time) / memory_bandwidth_);
}

units::Seconds KernelModel::total(const std::vector<workload::Kernel>& kernels) const {
  units::Seconds sum(0);
  for (const auto& k : kernels) sum += time(k).time;
  return sum;
}

units::Seconds KernelModel::busy(const std::vector<workload::Kernel>& kernels) const {
  units::Seconds sum(0);
  for (const auto& k : kernels) {
    KernelTime t = time(k);
    sum += t.time * t.utilization;
  }
  return sum;
}

}  // namespace trainsim::compute
