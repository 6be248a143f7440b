// Tests for cost/: the seed article's arithmetic, pro-rated amortisation, cloud pricing and
// explicit currency conversion.
#include <doctest/doctest.h>

#include <filesystem>

#include "approx.hpp"
#include "config/diagnostics.hpp"
#include "config/document.hpp"
#include "cost/cost.hpp"
#include "platform/load.hpp"
#include "topology/inventory.hpp"

using namespace trainsim;
using trainsim::test::rel;

namespace {
const std::filesystem::path kPlatforms = std::filesystem::path(TRAINSIM_SOURCE_DIR) / "platforms";
int switches(const platform::Platform& p) { return topology::fabric_inventory(p).switches(); }
}  // namespace

TEST_CASE("the seed article: 10,000 A800s at 100,000 CNY are 1 billion CNY, servers 30% of the build") {
  auto p = platform::load_platform(kPlatforms / "a800-10k.yaml");
  REQUIRE(p.gpu_count() == 10000);
  auto b = cost::build_cost(p, switches(p));
  CHECK(b.gpus == rel(1e9));  // 10,000 x 100,000 CNY
  // An 8-GPU A800 server is "over 400,000 CNY": 400,000 CNY of server around 800,000 CNY of GPUs.
  CHECK(b.servers / p.network.nodes >= 400000);
  CHECK(b.servers == rel(1e9 + 1250 * 400000.0));
  // Servers are ~30% of the build: the build is servers / 0.30 = 5 billion CNY ("over 3 billion").
  CHECK(b.total == rel(b.servers / 0.30));
  CHECK(b.total > 3e9);
  // The switches are bought as the fabric is built: 1,260 40-port HDR switches (504 rail leaves of
  // 20 nodes, 504 middle, 252 top) at the platform's price, inside the build, not added to it.
  CHECK(switches(p) == 1260);
  CHECK(b.network == rel(1260 * cost::to_currency(*p.costs->switch_price, *p.costs)));
}

TEST_CASE("capital is pro-rated to the run over each lifetime and electricity is energy x price") {
  auto p = platform::load_platform(kPlatforms / "dgx-a100-1024.yaml");
  const units::Seconds year(365.25 * 86400);
  auto r = cost::run_cost(p, switches(p), 1024, year, units::Joules(3.6e9));  // one year, 1 MWh
  // GPUs: 1,024 x 10,000 USD over 5 years -> 1/5 of the purchase.
  CHECK(r.gpus == rel(1024 * 10000.0 / 5));
  // 1 MWh at 0.08 USD/kWh.
  CHECK(r.electricity == rel(80.0));
  CHECK(r.total == rel(r.gpus + r.servers + r.network + r.building + r.electricity));
}

TEST_CASE("a cloud price replaces ownership: GPUs x hours x price per GPU-hour") {
  auto p = platform::load_platform(kPlatforms / "dgx-a100-1024.yaml");
  p.costs->cloud_gpu_hour = units::Money{4.10, "USD"};  // AWS p4d.24xlarge on demand / 8 GPUs (2023)
  auto r = cost::run_cost(p, switches(p), 1024, units::Seconds(10 * 3600.0), units::Joules(0));
  CHECK(r.cloud);
  CHECK(r.total == rel(1024 * 10 * 4.10));
}

TEST_CASE("prices convert with the platform's explicit exchange rate, and a missing rate is an error") {
  auto p = platform::load_platform(kPlatforms / "dgx-a800-1024.yaml");
  // CNY platform, A100-derived entries priced in USD converted at 7.1 CNY per USD.
  CHECK(cost::to_currency(units::Money{10, "USD"}, *p.costs) == rel(71));
  CHECK_THROWS_AS(cost::to_currency(units::Money{10, "EUR"}, *p.costs), std::invalid_argument);
}

TEST_CASE("a platform whose prices cannot be converted is rejected at load time") {
  auto doc = config::Document::load(kPlatforms / "dgx-a100-1024.yaml");
  auto overrides = config::Document::parse("costs:\n  exchange_rates:\n    JPY: 0.007\n", "override.yaml");
  // Replacing the rates drops CNY, which no price uses here: still fine. Pricing the GPU in EUR is not.
  CHECK_NOTHROW(platform::load_platform(doc, &overrides.root()));
  auto eur = config::Document::parse("gpu:\n  price: 9000 EUR\n", "override.yaml");
  CHECK_THROWS_WITH_AS(platform::load_platform(doc, &eur.root()), doctest::Contains("expected costs.exchange_rates.EUR"),
                       config::ConfigError);
}
