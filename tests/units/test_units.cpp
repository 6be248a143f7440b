// Tests for units/: parsing of every unit family, bits vs bytes, SI vs binary prefixes, and the
// typed arithmetic between quantities.
#include <doctest/doctest.h>

#include "approx.hpp"

#include "units/parse.hpp"

using namespace trainsim::units;
using trainsim::test::rel;

TEST_CASE("byte sizes distinguish decimal (GB = 1e9) from binary (GiB = 2^30) prefixes") {
  CHECK(parse_bytes("80 GB").value() == rel(80e9));
  CHECK(parse_bytes("80 GiB").value() == rel(80.0 * 1073741824.0));
  CHECK(parse_bytes("1.5TB").value() == rel(1.5e12));
  CHECK(parse_bytes("4 KiB").value() == rel(4096));
  CHECK(parse_bytes("4 kB").value() == rel(4000));
  CHECK(parse_bytes("0 B").value() == 0.0);
}

TEST_CASE("a size in bits is divided by 8") {
  CHECK(parse_bytes("8 b").value() == rel(1.0));
  CHECK(parse_bytes("16 Gbit").value() == rel(2e9));
}

TEST_CASE("nccl-tests style sizes (8M, 8G) are binary multiples, as nccl-tests parses them") {
  CHECK(parse_bytes("8M").value() == rel(8.0 * 1048576.0));
  CHECK(parse_bytes("8G").value() == rel(8.0 * 1073741824.0));
}

TEST_CASE("bandwidth in bytes per second and bits per second") {
  CHECK(parse_bandwidth("400 GB/s").value() == rel(400e9));
  // 200 Gb/s HDR InfiniBand = 25 GB/s.
  CHECK(parse_bandwidth("200 Gb/s").value() == rel(25e9));
  CHECK(parse_bandwidth("100 Gbps").value() == rel(12.5e9));
  CHECK(parse_bandwidth("25 GBps").value() == rel(25e9));
  CHECK(parse_bandwidth("1 GiB/s").value() == rel(1073741824.0));
}

TEST_CASE("durations from picoseconds to days") {
  CHECK(parse_seconds("2.5 us").value() == rel(2.5e-6));
  CHECK(parse_seconds("2.5 \xC2\xB5s").value() == rel(2.5e-6));
  CHECK(parse_seconds("130 ns").value() == rel(130e-9));
  CHECK(parse_seconds("1.5 ms").value() == rel(1.5e-3));
  CHECK(parse_seconds("3 h").value() == rel(10800));
  CHECK(parse_seconds("34 days").value() == rel(34 * 86400.0));
  CHECK(parse_seconds("4 years").value() == rel(4 * 365.25 * 86400.0));  // Julian years
}

TEST_CASE("FLOP rates, power, energy, area") {
  CHECK(parse_flop_rate("312 TFLOP/s").value() == rel(312e12));
  CHECK(parse_flop_rate("19.5 TFLOPS").value() == rel(19.5e12));
  CHECK(parse_watts("700 W").value() == rel(700));
  CHECK(parse_watts("6.5 kW").value() == rel(6500));
  // 1 kWh = 3.6 MJ.
  CHECK(parse_joules("1 kWh").value() == rel(3.6e6));
  CHECK(parse_joules("1287 MWh").value() == rel(1287 * 3.6e9));
  CHECK(parse_area("826 mm^2").value() == rel(826e-6));
}

TEST_CASE("carbon intensity, money and electricity prices") {
  // Patterson et al. 2021: 0.429 kg CO2e/kWh.
  CHECK(parse_carbon_intensity("0.429 kg/kWh").kg_per_joule == rel(0.429 / 3.6e6));
  CHECK(parse_carbon_intensity("429 g/kWh").kg_per_joule == rel(0.429 / 3.6e6));
  Money m = parse_money("100000 CNY");
  CHECK(m.amount == 100000);
  CHECK(m.currency == "CNY");
  EnergyPrice p = parse_energy_price("0.08 USD/kWh");
  CHECK((p * Joules(3.6e6)).amount == rel(0.08));
}

TEST_CASE("wrong units are rejected with the expected form in the message") {
  CHECK_THROWS_AS(parse_bandwidth("400 GB"), UnitError);
  CHECK_THROWS_AS(parse_bandwidth("400"), UnitError);
  CHECK_THROWS_AS(parse_bytes("80 GB/s"), UnitError);
  CHECK_THROWS_AS(parse_watts("700"), UnitError);
  CHECK_THROWS_AS(parse_seconds("fast"), UnitError);
  CHECK_THROWS_AS(parse_money("100 dollars"), UnitError);
  try {
    parse_bandwidth("400 GB");
  } catch (const UnitError& e) {
    CHECK(std::string(e.what()).find("\"400 GB/s\"") != std::string::npos);
  }
}

TEST_CASE("typed arithmetic: bytes over bandwidth is time, power times time is energy") {
  Seconds t = Bytes(1e9) / Bandwidth(25e9);
  CHECK(t.value() == rel(0.04));
  Joules e = Watts(400) * Seconds(10);
  CHECK(e.value() == rel(4000));
  CHECK((Flops(312e12) / FlopRate(156e12)).value() == rel(2.0));
  CHECK(Bytes(3) / Bytes(2) == rel(1.5));
}

TEST_CASE("money of different currencies does not add silently") {
  CHECK_THROWS_AS(Money({1, "USD"}) + Money({1, "CNY"}), std::invalid_argument);
  CHECK((Money{1, "USD"} + Money{2, "USD"}).amount == 3);
}

TEST_CASE("formatting uses decimal prefixes like datasheets") {
  CHECK(format_bandwidth(Bandwidth(300e9)) == "300 GB/s");
  CHECK(format_bytes(Bytes(80e9)) == "80 GB");
  CHECK(format_bytes_binary(Bytes(80.0 * gibi)) == "80 GiB");
  CHECK(format_joules(Joules(1287 * 3.6e9)) == "1287 MWh");
}

TEST_CASE("durations are shown in the largest unit that keeps them at or above one, minutes included") {
  CHECK(format_seconds(Seconds(27.9)) == "27.9 s");
  CHECK(format_seconds(Seconds(708)) == "11.8 min");
  CHECK(format_seconds(Seconds(7.9 * 3600)) == "7.9 h");
  CHECK(format_seconds(Seconds(30.79 * 86400)) == "30.8 days");
  CHECK(parse_seconds(format_seconds(Seconds(600))).value() == 600.0);  // "10 min" reads back
}
