// Tests for export_control/: TPP and performance density from the catalog, and the verdicts of the
// October 2022 and October 2023 rules for the GPUs public analyses discuss.
#include <doctest/doctest.h>

#include <filesystem>
#include <map>

#include "approx.hpp"
#include "export_control/export_control.hpp"
#include "platform/load.hpp"

using namespace trainsim;
using trainsim::test::rel;

namespace {
const std::filesystem::path kPlatforms = std::filesystem::path(TRAINSIM_SOURCE_DIR) / "platforms";

std::map<std::string, platform::GpuSpec> catalog() {
  std::map<std::string, platform::GpuSpec> out;
  for (auto& g : platform::load_gpu_catalog(kPlatforms / "catalog/gpus.yaml")) out[g.name] = g;
  return out;
}

std::string verdict(const char* rules, const platform::GpuSpec& gpu) {
  return export_control::load_rule_set(kPlatforms / "export-rules" / rules).verdict(export_control::metrics(gpu));
}
}  // namespace

TEST_CASE("TPP is the dense rate times the bit length: A100 4992, H100 15832, H20 2368") {
  auto gpus = catalog();
  // A100: 312 TFLOP/s x 16 bits = 4992 (= 624 TOPS int8 x 8).
  CHECK(export_control::metrics(gpus.at("A100-SXM4-80GB")).tpp == rel(4992));
  // H100 SXM: 1979 TFLOP/s fp8 x 8 = 15832.
  CHECK(export_control::metrics(gpus.at("H100-SXM5-80GB")).tpp == rel(15832));
  // H20: 148 TFLOP/s x 16 = 2368 (SemiAnalysis).
  CHECK(export_control::metrics(gpus.at("H20-96GB")).tpp == rel(2368));
}

TEST_CASE("performance density is TPP per mm^2: A100 6.04, H20 2.91") {
  auto gpus = catalog();
  CHECK(*export_control::metrics(gpus.at("A100-SXM4-80GB")).density == rel(4992.0 / 826, 1e-9));
  CHECK(*export_control::metrics(gpus.at("H20-96GB")).density == rel(2368.0 / 814, 1e-9));
}

TEST_CASE("A100 and H100 are controlled under both rules") {
  auto gpus = catalog();
  for (const char* name : {"A100-SXM4-80GB", "H100-SXM5-80GB"}) {
    CAPTURE(name);
    CHECK(verdict("2022-10-us-bis.yaml", gpus.at(name)).rfind("controlled", 0) == 0);
    CHECK(verdict("2023-10-us-bis.yaml", gpus.at(name)).rfind("controlled", 0) == 0);
  }
}

TEST_CASE("A800 and H800 pass the 2022 rule (400 GB/s NVLink) and are controlled in 2023") {
  auto gpus = catalog();
  for (const char* name : {"A800-SXM4-80GB", "H800-SXM5-80GB"}) {
    CAPTURE(name);
    CHECK(verdict("2022-10-us-bis.yaml", gpus.at(name)) == "not controlled");
    CHECK(verdict("2023-10-us-bis.yaml", gpus.at(name)) == "controlled (3A090.a)");
  }
}

TEST_CASE("H20 is allowed under the 2023 rule: TPP 2368 < 2400 and density 2.91 < 3.2") {
  auto gpus = catalog();
  CHECK(verdict("2023-10-us-bis.yaml", gpus.at("H20-96GB")) == "not controlled");
}

TEST_CASE("a GPU just over the 2023 density line needs a notification") {
  platform::GpuSpec g;
  g.peak[platform::Precision::fp16] = units::FlopRate(200e12);  // TPP 3200
  g.die_area = units::Area(600e-6);                            // density 5.33
  CHECK(verdict("2023-10-us-bis.yaml", g) == "notification required (3A090.b)");
}
