// Tests for platform/: the bundled catalog and platforms load, extends works, bad files fail with
// locations and reasons.
#include <doctest/doctest.h>

#include <algorithm>

#include "approx.hpp"

#include <cmath>
#include <filesystem>

#include "config/diagnostics.hpp"
#include "platform/load.hpp"

using namespace trainsim;
using trainsim::test::rel;

namespace {
const std::filesystem::path kPlatforms = std::filesystem::path(TRAINSIM_SOURCE_DIR) / "platforms";
const std::filesystem::path kData = std::filesystem::path(TRAINSIM_TEST_DATA_DIR) / "platforms";

config::Diagnostics errors_of(const std::filesystem::path& file) {
  try {
    platform::load_platform(file);
  } catch (const config::ConfigError& e) {
    return e.diagnostics();
  }
  return {};
}

// The first error of the DGX A100 platform amended by `overrides` (a scenario's platform section).
std::string first_error_with(const char* overrides) {
  auto file = config::Document::load(kPlatforms / "dgx-a100-1024.yaml");
  auto doc = config::Document::parse(overrides, "scenario.yaml");
  try {
    platform::load_platform(file, &doc.root());
  } catch (const config::ConfigError& e) {
    return e.diagnostics().items().at(0).to_string();
  }
  return "";
}
}  // namespace

TEST_CASE("every bundled platform loads without errors") {
  for (const auto& entry : std::filesystem::directory_iterator(kPlatforms)) {
    if (entry.path().extension() != ".yaml") continue;
    CAPTURE(entry.path().string());
    CHECK_NOTHROW(platform::load_platform(entry.path()));
  }
}

TEST_CASE("a platform lists the values its files give as estimates, section by section") {
  // The GPT-3 V100 platform: the V100's price, the DGX-1's idle host power, the EDR switch's power
  // and price are estimates (platforms/catalog, platforms/v100-10k.yaml); its GEMM rate is
  // measured (DeepBench), so it is not listed. The A10's GEMM rate is an estimate.
  const auto v100 = platform::load_platform(kPlatforms / "v100-10k.yaml").estimated_inputs;
  for (const char* input : {"gpu.price", "node.host_idle_power", "network.switch_power", "costs.switch_price"})
    CHECK(std::find(v100.begin(), v100.end(), input) != v100.end());
  CHECK(std::find(v100.begin(), v100.end(), "gpu.gemm_efficiency") == v100.end());
  const auto a10 = platform::load_platform(kPlatforms / "a10-pcie-64.yaml").estimated_inputs;
  CHECK(std::find(a10.begin(), a10.end(), "gpu.gemm_efficiency") != a10.end());
  // The H100's price is a press estimate; the H800 extends the H100 with a published price of its
  // own, which clears the mark. Datasheet and measured figures are never listed.
  const auto h100 = platform::load_platform(kPlatforms / "h100-16k.yaml").estimated_inputs;
  const auto h800 = platform::load_platform(kPlatforms / "h800-1024.yaml").estimated_inputs;
  CHECK(std::find(h100.begin(), h100.end(), "gpu.price") != h100.end());
  CHECK(std::find(h800.begin(), h800.end(), "gpu.price") == h800.end());
  CHECK(std::find(h100.begin(), h100.end(), "gpu.gemm_efficiency") == h100.end());
}

TEST_CASE("the A100 platform has the datasheet figures: 312 TFLOP/s bf16, 600 GB/s NVLink, 80 GiB") {
  auto p = platform::load_platform(kPlatforms / "dgx-a100-1024.yaml");
  CHECK(p.gpu_count() == 1024);
  CHECK(p.gpu.peak_for(platform::Precision::bf16)->value() == rel(312e12));
  CHECK(p.gpu.nvlink_bandwidth.value() == rel(600e9));
  CHECK(p.gpu.nvlink_per_direction().value() == rel(300e9));
  CHECK(p.gpu.memory.value() == rel(80.0 * (1 << 30)));
  // 200 Gb/s HDR = 25 GB/s per NIC.
  CHECK(p.node.nic_bandwidth.value() == rel(25e9));
}

TEST_CASE("the A800 extends the A100: same compute, NVLink 400 GB/s instead of 600 GB/s") {
  auto a100 = platform::load_platform(kPlatforms / "dgx-a100-1024.yaml");
  auto a800 = platform::load_platform(kPlatforms / "dgx-a800-1024.yaml");
  CHECK(a800.gpu.peak_for(platform::Precision::bf16)->value() == a100.gpu.peak_for(platform::Precision::bf16)->value());
  CHECK(a800.gpu.nvlink_bandwidth.value() == rel(400e9));
  CHECK(a800.gpu.price->currency == "CNY");
}

TEST_CASE("a what-if GPU is a few lines over a catalog entry") {
  auto p = platform::load_platform(kData / "a100-nvlink-400.yaml");
  CHECK(p.gpu.nvlink_bandwidth.value() == rel(400e9));
  CHECK(p.gpu.max_power.value() == rel(400));
  CHECK(p.node.nics == 4);
  CHECK(p.node.gpus == 8);
}

TEST_CASE("PCIe x16 bandwidth per direction follows the PCI-SIG rates and encodings") {
  // Gen4: 16 GT/s x 16 lanes x 128/130 / 8 = 31.5 GB/s; Gen3: 15.75 GB/s.
  CHECK(platform::pcie_x16_bandwidth(4).value() == rel(31.5077e9).epsilon(1e-4));
  CHECK(platform::pcie_x16_bandwidth(3).value() == rel(15.7538e9).epsilon(1e-4));
}

TEST_CASE("an unknown GPU name is an error at its line and column with a suggestion") {
  auto d = errors_of(kData / "unknown-gpu.yaml");
  REQUIRE(d.items().size() == 1);
  CHECK(d.items()[0].where.line == 3);
  CHECK(d.items()[0].where.column == 6);
  CHECK(d.items()[0].message.find("did you mean 'A100-SXM4-80GB'") != std::string::npos);
}

TEST_CASE("a fabric of several leaves without spines does not connect and says so") {
  auto d = errors_of(kData / "disconnected.yaml");
  REQUIRE(d.items().size() == 1);
  CHECK(d.items()[0].message.find("expected spines >= 1") != std::string::npos);
}

TEST_CASE("all problems of a file are reported together: a typo, a zero bandwidth, a missing unit") {
  auto d = errors_of(kData / "many-errors.yaml");
  CHECK(d.items().size() == 3);
  std::string all = d.to_string();
  CHECK(all.find("many-errors.yaml:5:3: error: unknown key 'nvlink_bandwith'") != std::string::npos);
  CHECK(all.find("did you mean 'nvlink_bandwidth'") != std::string::npos);
  CHECK(all.find("many-errors.yaml:13:19: error: 'link_bandwidth'") != std::string::npos);
  CHECK(all.find("greater than zero") != std::string::npos);
  CHECK(all.find("many-errors.yaml:15:19: error: 'switch_latency'") != std::string::npos);
}

TEST_CASE("cluster peak and maximum IT power follow from the per-GPU and per-node figures") {
  auto p = platform::load_platform(kPlatforms / "dgx-a100-1024.yaml");
  // 1,024 x 312 TFLOP/s = 319.5 PFLOP/s bf16.
  CHECK(platform::cluster_peak(p, platform::Precision::bf16).value() == rel(1024 * 312e12));
  CHECK(platform::cluster_peak(p, platform::Precision::fp8).value() == 0.0);
  // 1,024 x 400 W + 128 x 3,300 W (DGX A100: 6.5 kW system max) = 832 kW.
  CHECK(platform::max_it_power(p).value() == rel(1024 * 400.0 + 128 * 3300.0));
}

TEST_CASE("overrides amend a platform file field by field, as a scenario's --set does") {
  auto file = config::Document::load(kPlatforms / "dgx-a100-1024.yaml");
  auto overrides = config::Document::parse(
      "file: dgx-a100-1024.yaml\ngpu:\n  nvlink_bandwidth: 400 GB/s\nnetwork:\n  nodes: 64\n", "scenario.yaml");
  auto p = platform::load_platform(file, &overrides.root());
  CHECK(p.gpu.nvlink_bandwidth.value() == rel(400e9));
  CHECK(p.gpu.max_power.value() == rel(400));  // still the A100's
  CHECK(p.gpu_count() == 512);
  CHECK(p.network.spines == 16);
}

TEST_CASE("an override naming another catalog GPU replaces the GPU, a typo in an override is located") {
  auto file = config::Document::load(kPlatforms / "dgx-a100-1024.yaml");
  auto swap = config::Document::parse("gpu: A800-SXM4-80GB\n", "scenario.yaml");
  CHECK(platform::load_platform(file, &swap.root()).gpu.nvlink_bandwidth.value() == rel(400e9));
  auto typo = config::Document::parse("network:\n  nodez: 64\n", "scenario.yaml");
  try {
    platform::load_platform(file, &typo.root());
    FAIL("expected an error");
  } catch (const config::ConfigError& e) {
    CHECK(e.diagnostics().items().at(0).to_string().find("scenario.yaml:2:3: error: unknown key 'nodez'") == 0);
  }
}

TEST_CASE("the intra-node size ramp interpolates measured nccl-tests bus bandwidth in log size") {
  auto p = platform::load_platform(kPlatforms / "dgx-a100-1024.yaml");
  const double top = 231.58;  // 8 GiB, GB/s (ND A100 v4)
  const double MiB = 1024.0 * 1024;
  CHECK(p.node.intra_size_efficiency(units::Bytes(128 * MiB)) == rel(174.18 / top));
  // 96 MiB lies log2(1.5) = 0.585 of the way from 64 MiB (166.63) to 128 MiB (174.18).
  CHECK(p.node.intra_size_efficiency(units::Bytes(96 * MiB)) ==
        rel((166.63 + std::log2(1.5) * (174.18 - 166.63)) / top));
  // Below the smallest measured size the bandwidth falls in proportion to the size (latency bound).
  CHECK(p.node.intra_size_efficiency(units::Bytes(0.5 * MiB)) == rel(36.22 / top * 0.5));
  CHECK(p.node.intra_size_efficiency(units::Bytes(64 * 1024 * MiB)) == 1.0);
  // The A800 node extends the DGX A100 entry and inherits its ramp.
  auto a800 = platform::load_platform(kPlatforms / "dgx-a800-1024.yaml");
  CHECK(a800.node.intra_busbw_curve.size() == p.node.intra_busbw_curve.size());
}

TEST_CASE("reliability figures are read with their units: Llama 3's 50,700 GPU-hours, Tectonic's 2 TB/s") {
  auto p = platform::load_platform(kPlatforms / "h100-16k.yaml");
  REQUIRE(p.reliability);
  CHECK(p.reliability->gpu_mtbf.value() == rel(50700 * 3600.0));
  CHECK(p.reliability->checkpoint_write_bandwidth.value() == rel(2e12));
  CHECK(p.reliability->restart_time.value() == rel(600.0));
  CHECK(!platform::load_platform(kPlatforms / "v100-10k.yaml").reliability);  // optional
}

TEST_CASE("an incomplete reliability section names what is missing and what is wrong") {
  auto d = errors_of(kData / "reliability-incomplete.yaml");
  REQUIRE(!d.ok());
  const std::string all = d.to_string();
  CHECK(all.find("missing required key 'checkpoint_read_bandwidth' in reliability") != std::string::npos);
  CHECK(all.find("reliability-incomplete.yaml:22:17: error: 'restart_time': \"10 mins\" is not a duration") !=
        std::string::npos);
}

TEST_CASE("a storage section gives the storage system's power") {
  auto p = platform::load_platform(kData / "with-storage.yaml");
  REQUIRE(p.storage);
  CHECK(p.storage->power.value() == rel(30e3));
  CHECK(!platform::load_platform(kPlatforms / "dgx-a100-1024.yaml").storage);
}

TEST_CASE("an FP8 peak needs its own sustained GEMM efficiency, the H100's is Azure's cuBLASLt figure") {
  // Azure/AI-benchmarking-guide, ND H100 v5: cuBLASLt FP8, random data, 16384^3: 1377.3 of 1979 TFLOP/s.
  auto h100 = platform::load_platform(kPlatforms / "h100-16k.yaml").gpu;
  CHECK(h100.gemm_efficiency_for(platform::Precision::fp8) == rel(0.696));
  CHECK(h100.gemm_efficiency_for(platform::Precision::bf16) == rel(0.698));  // measured on an H200 SXM (same SMs)
  CHECK(first_error_with("gpu:\n  peak:\n    fp8: 624 TFLOP/s\n").find("has an fp8 peak but no fp8_gemm_efficiency") !=
        std::string::npos);
  CHECK(first_error_with("gpu:\n  fp8_gemm_efficiency: 0.7\n").find("is given but its peak has no fp8 rate") !=
        std::string::npos);
}

TEST_CASE("a GPU's wait power lies between its rest power and its TDP, the H100's is the median of in-job readings") {
  // NVIDIA/nccl#1550 (152, 129, 137, 135 W) and NVIDIA NeMo#9291 (~100 W): median 135 W; rest 70 W.
  auto h100 = platform::load_platform(kPlatforms / "h100-16k.yaml").gpu;
  CHECK(h100.wait_power.value() == rel(135));
  CHECK(h100.idle_power.value() == rel(70));
  const std::string below_rest = first_error_with("gpu:\n  wait_power: 50 W\n");
  CHECK(below_rest.find("wait_power of gpu") != std::string::npos);
  CHECK(below_rest.find("expected idle <= wait < max") != std::string::npos);
}

TEST_CASE("attention figures carry the sequence they were measured at, a positive length") {
  // The H100's figures are the FlashAttention-3 paper's at sequence 8k; the H200's were measured at
  // 8,192 (docs/compute-model.md); the A100's are taken at the FA2 paper's longest, 16k.
  for (const auto& gpu : platform::load_gpu_catalog(kPlatforms / "catalog/gpus.yaml")) {
    if (gpu.name == "H100-SXM5-80GB" || gpu.name == "H200-SXM-141GB")
      CHECK(gpu.attention_efficiency.at("flash2").sequence == 8192);
    if (gpu.name == "A100-SXM4-80GB") CHECK(gpu.attention_efficiency.at("flash2").sequence == 16384);
  }
  CHECK(first_error_with("gpu:\n  attention_efficiency:\n    flash2: {forward: 0.7, backward: 0.6, sequence: 0}\n")
            .find("sequence") != std::string::npos);
  CHECK(first_error_with("gpu:\n  attention_efficiency:\n    flash2: {forward: 0.7, backward: 0.6, sequence: 4096}\n") == "");
}

TEST_CASE("a leaf with more ports than its switch has is an error that says how many nodes fit") {
  // dgx-a100-1024: rail leaves of 16 nodes take 16 NIC ports and 16 uplinks; a 24-port switch
  // takes 12 of each at 1:1, and 16 NIC ports at 2:1 (16 + 8).
  const std::string e = first_error_with("network:\n  switch_ports: 24\n");
  CHECK(e.find("dgx-a100-1024.yaml:") != std::string::npos);
  CHECK(e.find("16 ports towards the NICs and 16 uplinks") != std::string::npos);
  CHECK(e.find("expected nodes_per_leaf <= 12") != std::string::npos);
  CHECK(first_error_with("network:\n  switch_ports: 24\n  oversubscription: 2\n  spines: 8\n").empty());
  CHECK(first_error_with("network:\n  switch_ports: 40\n").empty());
}

TEST_CASE("more spines than a leaf has uplinks is an error: a spine needs a cable from every leaf") {
  const std::string e = first_error_with("network:\n  spines: 32\n");  // 16 uplinks per rail leaf
  CHECK(e.find("spines (32) exceed each leaf's 16 uplinks") != std::string::npos);
  CHECK(e.find("expected spines <= 16") != std::string::npos);
}
