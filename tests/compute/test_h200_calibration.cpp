// Tests for compute/kernel_time and the GPU power model against this project's own measurements on
// one NVIDIA H200 SXM (bench/gpu/calibrate.py, 2026-12-04; the readings, with clocks and versions,
// are bench/gpu/results/h200-sxm-2026-12-04.json). Which figures they set and which they check is
// in docs/compute-model.md ("Measured on an H200") and docs/energy-model.md.
#include <doctest/doctest.h>

#include "approx.hpp"
#include "compute/kernels.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "compute/kernel_time.hpp"
#include "config/document.hpp"
#include "platform/load.hpp"

using namespace trainsim;
using trainsim::test::flash_attention;
using trainsim::test::gemm;

namespace {
const std::filesystem::path kSource = TRAINSIM_SOURCE_DIR;

config::Document readings() {
  return config::Document::load(kSource / "bench/gpu/results/h200-sxm-2026-12-04.json");
}
config::Value at(const config::Value& v, const std::string& key) {
  auto child = v.get(key);
  REQUIRE_MESSAGE(child.has_value(), "the readings have no '" << key << "'");
  return *child;
}
double number(const config::Value& v, const std::string& key) { return std::stod(at(v, key).scalar()); }

platform::GpuSpec catalog_gpu(const std::string& name) {
  for (auto& gpu : platform::load_gpu_catalog(kSource / "platforms/catalog/gpus.yaml"))
    if (gpu.name == name) return gpu;
  FAIL("no GPU " << name << " in the catalog");
  return {};
}

struct MeasuredGemm {
  std::string layer, gemm, pass;
  double m, n, k, seconds;
};
// The GEMMs of training layers (the cubes aside), with fast accumulation where FP8 has the choice.
std::vector<MeasuredGemm> training_gemms(const std::string& precision) {
  std::vector<MeasuredGemm> rows;
  for (const auto& r : at(at(at(readings().root(), "sections"), "gemm"), precision).items()) {
    if (at(r, "layer").scalar() == "cube") continue;
    if (auto fast = r.get("fast_accum"); fast && fast->scalar() != "true") continue;
    rows.push_back({at(r, "layer").scalar(), at(r, "gemm").scalar(), at(r, "pass").scalar(), number(r, "m"),
                    number(r, "n"), number(r, "k"), number(r, "seconds")});
  }
  return rows;
}

// (model TFLOP/s / measured) - 1 for each GEMM: positive where the model is fast.
std::vector<double> errors(const compute::KernelModel& model, const std::vector<MeasuredGemm>& rows) {
  std::vector<double> e;
  for (const auto& r : rows) e.push_back(r.seconds / model.time(gemm(r.m, r.n, r.k)).time.value() - 1);
  return e;
}
double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}
long within(const std::vector<double>& e, double bound) {
  return std::count_if(e.begin(), e.end(), [&](double x) { return std::abs(x) < bound; });
}
std::string percent(double x) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(1) << std::showpos << 100 * x << "%";
  return s.str();
}

std::map<std::string, config::Value> power_rows() {
  std::map<std::string, config::Value> rows;
  for (const auto& r : at(at(readings().root(), "sections"), "power").items()) rows.emplace(at(r, "workload").scalar(), r);
  return rows;
}
}  // namespace

TEST_CASE("the H100's BF16 GEMM rate is the median of 60 training GEMMs measured on an H200 SXM") {
  // Forward, data- and weight-gradient GEMMs of five layers (Transformer Engine's 5B benchmark
  // layer, GPT-3 175B and Llama 70B at tensor 8, OPT-175B's 8 sequences, a 1.7B GPT), random
  // data, sustained at the 700 W limit. The H100 SXM has the same SMs, limit and clocks; its
  // gemm_efficiency (0.698) is their median once tile and wave quantization are taken out, so the
  // median error is ~0 by construction and the spread is what the tile and wave model predicts.
  const auto rows = training_gemms("bf16");
  REQUIRE(rows.size() == 60);
  const compute::KernelModel model(catalog_gpu("H100-SXM5-80GB"), workload::TrainingPrecision::bf16);
  const auto e = errors(model, rows);
  std::map<std::string, std::pair<double, double>> by_layer;  // measured and model ms per layer
  for (size_t i = 0; i < rows.size(); ++i) {
    by_layer[rows[i].layer].first += 1e3 * rows[i].seconds;
    by_layer[rows[i].layer].second += 1e3 * rows[i].seconds / (1 + e[i]);
  }
  MESSAGE("| layer (12 GEMMs) | measured ms | model ms | error |");
  for (const auto& [layer, t] : by_layer) {
    MESSAGE("| " << layer << " | " << t.first << " | " << t.second << " | " << percent(t.first / t.second - 1) << " |");
    CHECK(std::abs(t.first / t.second - 1) < 0.05);
  }
  MESSAGE("median " << percent(median(e)) << ", " << within(e, 0.10) << " of 60 within 10%, range "
                    << percent(*std::min_element(e.begin(), e.end())) << " to "
                    << percent(*std::max_element(e.begin(), e.end())));
  CHECK(std::abs(median(e)) < 0.01);
  CHECK(within(e, 0.10) >= 55);
  CHECK(within(e, 0.30) == 60);  // the worst: a thin 2048 x 1536 output (GPT-3's projection dgrad)
}

TEST_CASE("the H200's FP8 GEMM rate is its measured median, a few percent under the H100's Azure figure") {
  const auto rows = training_gemms("fp8");
  REQUIRE(rows.size() == 24);
  const compute::KernelModel h200(catalog_gpu("H200-SXM-141GB"), workload::TrainingPrecision::fp8);
  const auto e = errors(h200, rows);
  CHECK(std::abs(median(e)) < 0.01);
  CHECK(within(e, 0.12) >= 20);
  CHECK(within(e, 0.20) == 24);
  // The H100's figure (Azure's cuBLASLt 16384^3 on an H100 SXM, 0.696) runs these 5% fast.
  const compute::KernelModel h100(catalog_gpu("H100-SXM5-80GB"), workload::TrainingPrecision::fp8);
  const double h100_median = median(errors(h100, rows));
  MESSAGE("FP8 on the H200's shapes: H200 figure median " << percent(median(e)) << ", H100 figure "
                                                          << percent(h100_median));
  CHECK(h100_median == doctest::Approx(0.05).epsilon(0.5));
}

TEST_CASE("the H200's fused attention and streaming figures are its measured ones") {
  const auto doc = readings();
  const auto sections = at(doc.root(), "sections");
  const auto h200 = catalog_gpu("H200-SXM-141GB");
  for (const auto& r : at(sections, "attention").items()) {
    if (!r.get("fwd_s")) continue;  // a backend that failed on the machine
    const std::string backend = at(r, "backend").scalar();
    const double s = number(r, "seq"), d = number(r, "head_dim"), bh = number(r, "batch") * number(r, "heads");
    const compute::KernelModel km(h200, workload::TrainingPrecision::bf16,
                                  backend == "cudnn" ? workload::AttentionKernel::cudnn : workload::AttentionKernel::flash2);
    const double fwd = number(r, "fwd_s") / km.time(flash_attention(s, d, bh, false)).time.value() - 1;
    const double bwd = number(r, "bwd_s") / km.time(flash_attention(s, d, bh, true)).time.value() - 1;
    MESSAGE(backend << " s " << s << " d " << d << ": model forward " << percent(fwd) << ", backward " << percent(bwd));
    // At 8,192 the catalog's figures themselves; shorter ones through compute::AttentionSequenceLaw;
    // head dimension 64 is not modelled (the sweep's test below).
    if (d != 128) continue;
    CHECK(std::abs(fwd) < (s == 8192 ? 0.02 : 0.05));
    CHECK(std::abs(bwd) < (s == 8192 ? 0.02 : 0.05));
  }
  for (const auto& r : at(sections, "memory").items()) {
    if (at(r, "kernel").scalar() != "copy_1GiB") continue;
    workload::Kernel copy;
    copy.kind = workload::Kernel::Kind::memory;
    copy.bytes = units::Bytes(number(r, "bytes"));
    const compute::KernelModel km(h200, workload::TrainingPrecision::bf16);
    CHECK(km.time(copy).time.value() == trainsim::test::rel(number(r, "seconds")).epsilon(0.01));
  }
}

TEST_CASE("fused attention over sequences of 1,024 to 16,384: the sequence law against the H200's sweep") {
  // bench/gpu/sweep_shapes.py: FlashAttention-2 and cuDNN through PyTorch, 32,768 tokens of 2,048
  // channels per call, causal. The law's two constants (s0 ~ 400 keys forward, ~1,100 backward)
  // were fitted to the head-dimension-128 rows; both kernels share them.
  const auto doc = config::Document::load(kSource / "bench/gpu/results/h200-sxm-2026-12-04-shapes.json");
  const auto h200 = catalog_gpu("H200-SXM-141GB");
  std::vector<double> fitted;
  for (const auto& r : at(at(doc.root(), "sections"), "attention").items()) {
    if (!r.get("fwd_s")) continue;
    const std::string backend = at(r, "backend").scalar();
    const bool causal = at(r, "causal").scalar() == "true";
    const double s = number(r, "seq"), d = number(r, "head_dim"), bh = number(r, "batch") * number(r, "heads");
    const compute::KernelModel km(h200, workload::TrainingPrecision::bf16,
                                  backend == "cudnn" ? workload::AttentionKernel::cudnn : workload::AttentionKernel::flash2);
    // The model's kernel is causal (half the products); a full one does twice the work.
    const double work = causal ? 1.0 : 2.0;
    const double fwd = number(r, "fwd_s") / (work * km.time(flash_attention(s, d, bh, false)).time.value()) - 1;
    const double bwd = number(r, "bwd_s") / (work * km.time(flash_attention(s, d, bh, true)).time.value()) - 1;
    const std::string label = backend + (causal ? " causal" : " full");
    MESSAGE(label << " s " << s << " d " << d << ": model forward "
                    << percent(fwd) << ", backward " << percent(bwd));
    if (causal && d == 128) {
      CHECK(std::abs(fwd) < 0.06);
      CHECK(std::abs(bwd) < 0.06);
      fitted.push_back(std::abs(fwd));
      fitted.push_back(std::abs(bwd));
    }
  }
  REQUIRE(fitted.size() == 20);
  CHECK(median(fitted) < 0.03);
  // Not modelled (docs/compute-model.md, known limits): head dimension 64 runs 10-25% slower than
  // 128 at the same FLOP; without the causal mask the kernels run 5-10% faster per FLOP.
}

TEST_CASE("fused attention over few heads: the grid model against the H200's small-grid sweep") {
  // bench/gpu/layer_check.py (attention_grid): one sequence of 4-128 heads at 2,048-8,192, causal,
  // head dimension 128, FlashAttention-2 and cuDNN through PyTorch. Without the grid model the
  // kernels' speed fell 2-5x from 128 heads to 4 at the same FLOP rate in the model (rms error over
  // these 112 readings 68-110%); with it (compute::AttentionGrid) the errors below. cuDNN's
  // backward at 2,048 with 12 heads or fewer stays 40-80% too fast in the model: a block alone on
  // its SM runs ~1.5x slower per key block than blocks that share SMs, which the model does not
  // describe (docs/compute-model.md, known limits). This sweep ran on a second lease, its large
  // grids 4-8% off the catalog's figures (cuDNN faster, FlashAttention-2 slower), which is within
  // the run-to-run spread of these kernels.
  const auto doc = config::Document::load(kSource / "bench/gpu/results/h200-sxm-2026-12-04-layers-2.json");
  const auto h200 = catalog_gpu("H200-SXM-141GB");
  std::vector<double> errors;
  int known_misses = 0;
  for (const auto& r : at(at(doc.root(), "sections"), "attention_grid").items()) {
    if (!r.get("fwd_s") || at(r, "causal").scalar() != "true") continue;
    const std::string backend = at(r, "backend").scalar();
    const double s = number(r, "seq"), bh = number(r, "batch") * number(r, "heads");
    const compute::KernelModel km(h200, workload::TrainingPrecision::bf16,
                                  backend == "cudnn" ? workload::AttentionKernel::cudnn : workload::AttentionKernel::flash2);
    for (const bool backward : {false, true}) {
      const double measured = number(r, backward ? "bwd_s" : "fwd_s");
      const double error = km.time(flash_attention(s, 128, bh, backward)).time.value() / measured - 1;
      MESSAGE(backend << std::string(backward ? " backward" : " forward") << " s " << s << " heads " << bh << ": model " << percent(error));
      if (backend == "cudnn" && backward && s == 2048 && bh <= 12) {
        ++known_misses;
        CHECK(error < -0.2);  // the model fast, as documented; should it stop being so, update the docs
        continue;
      }
      errors.push_back(std::abs(error));
      CHECK_MESSAGE(std::abs(error) < 0.3, backend << std::string(backward ? " backward" : " forward") << " s " << s << " heads " << bh
                                                    << ": model " << percent(error));
    }
  }
  CHECK(known_misses == 3);
  REQUIRE(errors.size() == 109);
  CHECK(median(errors) < 0.1);
}

TEST_CASE("GEMMs with fewer output tiles than SMs split their inner dimension and fill the H200") {
  // bench/gpu/sweep_shapes.py: 32-128 tiles with k of 16k-131k ran at 650-713 TFLOP/s and drew
  // 690-711 W: cuBLAS splits k. The model's split-k pieces give their time and power.
  const auto doc = config::Document::load(kSource / "bench/gpu/results/h200-sxm-2026-12-04-shapes.json");
  const auto h200 = catalog_gpu("H200-SXM-141GB");
  const compute::KernelModel km(h200, workload::TrainingPrecision::bf16);
  const double wait = h200.wait_power.value(), max = h200.max_power.value();
  for (const auto& r : at(at(doc.root(), "sections"), "few_tiles").items()) {
    const double m = number(r, "m"), n = number(r, "n"), k = number(r, "k");
    const auto t = km.time(gemm(m, n, k));
    const double error = number(r, "seconds") / t.time.value() - 1;
    const double watts = wait + (max - wait) * t.utilization;
    MESSAGE(m << " x " << n << " x " << k << ": model " << percent(error) << " in rate, " << watts << " W against "
              << number(r, "watts") << " W");
    CHECK(std::abs(error) < 0.08);
    CHECK(watts == doctest::Approx(number(r, "watts")).epsilon(0.03));
  }
  // Without the split, 64 tiles on 132 SMs would run at half the rate.
  CHECK(km.quantization_efficiency(1024, 1024, 1, 65536) > 0.9);
  CHECK(km.quantization_efficiency(1024, 1024, 1, 1024) == doctest::Approx(64.0 / 132));
}

TEST_CASE("GEMMs beside communication: chunks and held SMs against the H200's readings") {
  // calibrate.py: each layer GEMM split into 2, 4 or 8 GEMMs of m/t rows; and GEMMs started while
  // k CTAs that each hold an SM spin (no memory traffic) or copy through HBM, as NCCL's do.
  const auto doc = readings();
  const auto sections = at(doc.root(), "sections");
  const compute::KernelModel km(catalog_gpu("H200-SXM-141GB"), workload::TrainingPrecision::bf16);
  std::vector<double> chunk_errors;
  for (const auto& r : at(sections, "chunks").items()) {
    const double m = number(r, "m"), n = number(r, "n"), k = number(r, "k");
    for (int t : {2, 4, 8}) {
      const double measured = number(r, "chunks" + std::to_string(t) + "_s") / number(r, "whole_s");
      const double model = km.time_beside_communication(gemm(m, n, k), t, 0) / km.time(gemm(m, n, k)).time;
      chunk_errors.push_back(model / measured - 1);
    }
  }
  REQUIRE(chunk_errors.size() == 48);
  MESSAGE("chunked GEMMs, model against measured slowdown: median " << percent(median(chunk_errors)) << ", "
                                                                     << within(chunk_errors, 0.10) << " of 48 within 10%");
  CHECK(std::abs(median(chunk_errors)) < 0.05);
  CHECK(within(chunk_errors, 0.10) >= 30);
  CHECK(within(chunk_errors, 0.40) == 48);  // the model's one tile shape: see docs, known limits
  for (const auto& r : at(at(sections, "interference"), "gemm").items()) {
    const double m = number(r, "m"), n = number(r, "n"), k = number(r, "k");
    const double alone = km.time(gemm(m, n, k)).time.value();
    const bool many_waves = m * n / (128.0 * 128.0) > 8 * 132;
    for (const char* held : {"16", "32"}) {
      const double model = km.time_beside_communication(gemm(m, n, k), 1, std::stoi(held)).value() / alone;
      const double spin = number(at(r, "with_spin"), held) / number(r, "alone_s");
      const double copy = number(at(r, "with_copy"), held) / number(r, "alone_s");
      MESSAGE(m << " x " << n << " x " << k << ", " << std::string(held) << " SMs held: model x" << model << ", measured x" << spin
                << " (spinning), x" << copy << " (copying)");
      // GEMMs of many waves: the waves over the SMs left, within 10%. A GEMM of a few waves
      // (GPT-3's at micro-batch 1) lost more, ~x1.56 for any SMs held: the model under-charges it.
      if (many_waves) CHECK(model == doctest::Approx(spin).epsilon(0.10));
      CHECK(model > 1.05);
    }
  }
}

TEST_CASE("the GPU power model against the H200's measured board power: waiting, GEMMs, attention, memory streams") {
  // P = wait + (max - wait) x load (docs/energy-model.md), max 700 W. The rest and wait powers are
  // the catalog's readings; the loads come from the kernel model and compute::PowerLaw, whose
  // memory law was fitted to the three memory-stream readings (checked here to 2%); the GEMM and
  // attention readings check that a kernel filling the GPU draws the limit whatever its rate.
  const auto h200 = catalog_gpu("H200-SXM-141GB");
  const double wait = h200.wait_power.value(), max = h200.max_power.value();
  const auto rows = power_rows();
  auto watts = [&](const std::string& name) { return number(rows.at(name), "watts"); };
  auto power = [&](double load) { return wait + (max - wait) * load; };

  CHECK(h200.idle_power.value() == doctest::Approx(watts("rest_before_context")).epsilon(0.02));
  std::vector<double> in_context = {watts("context_idle"), watts("context_idle_after"), watts("spin_1_ctas"),
                                    watts("spin_16_ctas")};
  CHECK(wait == doctest::Approx(median(in_context)).epsilon(0.01));

  const compute::KernelModel km(h200, workload::TrainingPrecision::bf16);
  for (const char* stream : {"hbm_copy_2GiB", "copy_kernel_8_ctas", "copy_kernel_32_ctas"}) {
    const double load = km.memory_utilization(units::Bytes(number(rows.at(stream), "bytes_per_s")), units::Seconds(1));
    MESSAGE(std::string(stream) << ": model " << power(load) << " W, measured " << watts(stream) << " W");
    CHECK(power(load) == doctest::Approx(watts(stream)).epsilon(0.02));
  }
  // The 1024^3 loop is left out: Python's launch rate, not the GPU, bounded it (13 us per call).
  const struct { const char* name; double m, n, k; } gemms[] = {
      {"gemm_bf16_8192x8192x8192", 8192, 8192, 8192},   {"gemm_bf16_4096x4096x4096", 4096, 4096, 4096},
      {"gemm_bf16_2048x2048x2048", 2048, 2048, 2048},   {"gemm_bf16_16384x128x16384", 16384, 128, 16384},
      {"gemm_bf16_15872x16384x4096", 15872, 16384, 4096}};
  for (const auto& g : gemms) {
    const double load = km.time(gemm(g.m, g.n, g.k)).utilization;
    MESSAGE(std::string(g.name) << ": model " << power(load) << " W, measured " << watts(g.name) << " W");
    CHECK(power(load) == doctest::Approx(watts(g.name)).epsilon(0.03));
  }
  const compute::KernelModel fp8(h200, workload::TrainingPrecision::fp8);
  CHECK(power(fp8.time(gemm(8192, 8192, 8192)).utilization) == doctest::Approx(watts("gemm_fp8_8192")).epsilon(0.03));
  for (auto kernel : {workload::AttentionKernel::flash2, workload::AttentionKernel::cudnn}) {
    const compute::KernelModel attention(h200, workload::TrainingPrecision::bf16, kernel);
    const auto f = attention.time(flash_attention(8192, 128, 64, false));
    const auto b = attention.time(flash_attention(8192, 128, 64, true));
    const double load = (f.time * f.utilization + b.time * b.utilization) / (f.time + b.time);
    const std::string name = std::string("attention_") + workload::to_string(kernel) + "_fwd_bwd";
    MESSAGE(name << ": model " << power(load) << " W, measured " << watts(name) << " W");
    CHECK(power(load) == doctest::Approx(watts(name)).epsilon(0.03));
  }
}
