// units/parse implementation: split "number unit", look the unit up in small tables.
#include "units/parse.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <optional>
#include <utility>
#include <vector>

namespace trainsim::units {
namespace {

struct NumberAndUnit {
  double number;
  std::string unit;  // trimmed, may be empty
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::optional<NumberAndUnit> split(std::string_view text) {
  text = trim(text);
  double value = 0.0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || !std::isfinite(value)) return std::nullopt;
  std::string_view rest = trim(std::string_view(end, text.data() + text.size() - end));
  return NumberAndUnit{value, std::string(rest)};
}

[[noreturn]] void fail(std::string_view text, const char* what, const char* examples) {
  throw UnitError("\"" + std::string(text) + "\" is not " + what + ": expected a number and a unit such as " +
                  examples);
}

// Multiplier of a prefix, or nullopt. Both "k" and "K" mean 1000 (datasheets use both); "Ki" is 1024.
std::optional<double> prefix_factor(std::string_view p) {
  static const std::vector<std::pair<std::string_view, double>> table = {
      {"", 1.0},           {"k", kilo},        {"K", kilo},        {"M", mega},       {"G", giga},
      {"T", tera},         {"P", peta},        {"E", 1e18},        {"Ki", kibi},      {"Mi", mebi},
      {"Gi", gibi},        {"Ti", tebi},       {"Pi", tebi * kibi}};
  for (const auto& [name, factor] : table)
    if (name == p) return factor;
  return std::nullopt;
}

// Parses "<prefix>B" (bytes) or "<prefix>b"/"<prefix>bit" (bits) into bytes per unit.
std::optional<double> byte_unit(std::string_view u) {
  auto ends_with = [&](std::string_view suffix) {
    return u.size() >= suffix.size() && u.substr(u.size() - suffix.size()) == suffix;
  };
  for (auto [suffix, per_unit] : {std::pair<std::string_view, double>{"bits", 0.125}, {"bit", 0.125},
                                  {"B", 1.0}, {"b", 0.125}}) {
    if (!ends_with(suffix)) continue;
    auto factor = prefix_factor(u.substr(0, u.size() - suffix.size()));
    if (factor) return *factor * per_unit;
  }
  return std::nullopt;
}

// Looks a unit up in a fixed table (already including prefixes), e.g. time or energy units.
std::optional<double> table_unit(std::string_view u, const std::vector<std::pair<std::string_view, double>>& table) {
  for (const auto& [name, factor] : table)
    if (name == u) return factor;
  return std::nullopt;
}

// Parses "<prefix>W" into watts.
std::optional<double> watt_unit(std::string_view u) {
  if (u.empty() || u.back() != 'W') return std::nullopt;
  if (u == "mW") return 1e-3;
  return prefix_factor(u.substr(0, u.size() - 1));
}

std::optional<double> energy_unit(std::string_view u) {
  if (u.size() >= 2 && u.substr(u.size() - 2) == "Wh") {
    auto f = prefix_factor(u.substr(0, u.size() - 2));
    if (f) return *f * 3600.0;
    return std::nullopt;
  }
  if (!u.empty() && u.back() == 'J') return prefix_factor(u.substr(0, u.size() - 1));
  return std::nullopt;
}

bool is_currency_code(std::string_view s) {
  if (s.size() != 3) return false;
  for (char c : s)
    if (!std::isupper(static_cast<unsigned char>(c))) return false;
  return true;
}

std::string format_with(double value, const char* const* units, const double* factors, int n) {
  int chosen = 0;
  for (int i = 0; i < n; ++i)
    if (std::fabs(value) >= factors[i]) chosen = i;
  char buf[64];
  double scaled = value / factors[chosen];
  // Three significant digits, but never an exponent: "1287 MWh", not "1.29e+03 MWh".
  std::snprintf(buf, sizeof buf, std::fabs(scaled) >= 1000 ? "%.0f %s" : "%.3g %s", scaled, units[chosen]);
  return buf;
}

}  // namespace

Bytes parse_bytes(std::string_view text) {
  auto nu = split(text);
  if (nu && nu->unit.empty() == false) {
    if (auto f = byte_unit(nu->unit)) return Bytes(nu->number * *f);
  }
  // nccl-tests style sizes ("8M", "8G") are binary: nccl-tests parses its -b/-e with 1024 multiples.
  if (nu && nu->unit.size() == 1 && std::string_view("KMGT").find(nu->unit[0]) != std::string_view::npos) {
    double f = nu->unit == "K" ? kibi : nu->unit == "M" ? mebi : nu->unit == "G" ? gibi : tebi;
    return Bytes(nu->number * f);
  }
  fail(text, "a size in bytes", "\"80 GiB\", \"1.5 TB\" or \"8M\" (nccl-tests style, binary)");
}

Bandwidth parse_bandwidth(std::string_view text) {
  auto nu = split(text);
  if (nu) {
    std::string_view u = nu->unit;
    std::string_view per;
    if (u.size() > 2 && u.substr(u.size() - 2) == "/s") per = u.substr(0, u.size() - 2);
    else if (u.size() > 2 && u.substr(u.size() - 2) == "ps") per = u.substr(0, u.size() - 2);
    if (!per.empty())
      if (auto f = byte_unit(per)) return Bandwidth(nu->number * *f);
  }
  fail(text, "a bandwidth", "\"400 GB/s\" (bytes) or \"200 Gb/s\" (bits)");
}

Seconds parse_seconds(std::string_view text) {
  static const std::vector<std::pair<std::string_view, double>> table = {
      {"ps", 1e-12}, {"ns", 1e-9}, {"us", 1e-6},  {"\xC2\xB5s", 1e-6}, {"ms", 1e-3}, {"s", 1.0},
      {"min", 60.0}, {"h", 3600.0}, {"day", 86400.0}, {"days", 86400.0}, {"d", 86400.0},
      // A Julian year (365.25 days), the unit of hardware lifetimes.
      {"year", 31557600.0}, {"years", 31557600.0}, {"y", 31557600.0}};
  auto nu = split(text);
  if (nu)
    if (auto f = table_unit(nu->unit, table)) return Seconds(nu->number * *f);
  fail(text, "a duration", "\"2 us\", \"1.5 ms\", \"3 h\" or \"10 days\"");
}

FlopRate parse_flop_rate(std::string_view text) {
  auto nu = split(text);
  if (nu) {
    std::string_view u = nu->unit;
    for (std::string_view suffix : {"FLOP/s", "FLOPS", "flop/s", "FLOPs/s"}) {
      if (u.size() < suffix.size() || u.substr(u.size() - suffix.size()) != suffix) continue;
      auto f = prefix_factor(u.substr(0, u.size() - suffix.size()));
      if (f) return FlopRate(nu->number * *f);
    }
  }
  fail(text, "a FLOP rate", "\"312 TFLOP/s\" or \"19.5 TFLOPS\"");
}

Watts parse_watts(std::string_view text) {
  auto nu = split(text);
  if (nu)
    if (auto f = watt_unit(nu->unit)) return Watts(nu->number * *f);
  fail(text, "a power", "\"700 W\" or \"6.5 kW\"");
}

Joules parse_joules(std::string_view text) {
  auto nu = split(text);
  if (nu)
    if (auto f = energy_unit(nu->unit)) return Joules(nu->number * *f);
  fail(text, "an energy", "\"1287 MWh\" or \"3.6 MJ\"");
}

Area parse_area(std::string_view text) {
  static const std::vector<std::pair<std::string_view, double>> table = {
      {"mm^2", 1e-6}, {"mm2", 1e-6}, {"cm^2", 1e-4}, {"cm2", 1e-4}, {"m^2", 1.0}, {"m2", 1.0}};
  auto nu = split(text);
  if (nu)
    if (auto f = table_unit(nu->unit, table)) return Area(nu->number * *f);
  fail(text, "an area", "\"826 mm^2\"");
}

CarbonIntensity parse_carbon_intensity(std::string_view text) {
  static const std::vector<std::pair<std::string_view, double>> mass = {{"kg", 1.0}, {"g", 1e-3}, {"t", 1e3}};
  auto nu = split(text);
  if (nu) {
    auto slash = nu->unit.find('/');
    if (slash != std::string::npos) {
      auto m = table_unit(trim(std::string_view(nu->unit).substr(0, slash)), mass);
      auto e = energy_unit(trim(std::string_view(nu->unit).substr(slash + 1)));
      if (m && e) return CarbonIntensity{nu->number * *m / *e};
    }
  }
  fail(text, "a carbon intensity", "\"0.429 kg/kWh\" or \"550 g/kWh\"");
}

Money parse_money(std::string_view text) {
  auto nu = split(text);
  if (nu && is_currency_code(nu->unit)) return Money{nu->number, nu->unit};
  fail(text, "an amount of money", "\"10000 USD\" or \"100000 CNY\" (ISO 4217 code)");
}

EnergyPrice parse_energy_price(std::string_view text) {
  auto nu = split(text);
  if (nu) {
    auto slash = nu->unit.find('/');
    if (slash != std::string::npos) {
      std::string_view currency = trim(std::string_view(nu->unit).substr(0, slash));
      auto e = energy_unit(trim(std::string_view(nu->unit).substr(slash + 1)));
      if (is_currency_code(currency) && e) return EnergyPrice{nu->number / *e, std::string(currency)};
    }
  }
  fail(text, "an electricity price", "\"0.08 USD/kWh\" or \"0.6 CNY/kWh\"");
}

Money Money::operator+(const Money& o) const {
  if (currency != o.currency && amount != 0.0 && o.amount != 0.0)
    throw std::invalid_argument("cannot add " + currency + " and " + o.currency + " without a conversion rate");
  return Money{amount + o.amount, currency.empty() ? o.currency : currency};
}

std::string format_fixed(double value, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return buf;
}

std::string format_bytes(Bytes b) {
  static const char* const u[] = {"B", "kB", "MB", "GB", "TB", "PB"};
  static const double f[] = {1, kilo, mega, giga, tera, peta};
  return format_with(b.value(), u, f, 6);
}

std::string format_bytes_binary(Bytes b) {
  static const char* const u[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  static const double f[] = {1, kibi, mebi, gibi, tebi, tebi * kibi};
  return format_with(b.value(), u, f, 6);
}

std::string format_bandwidth(Bandwidth bw) {
  static const char* const u[] = {"B/s", "kB/s", "MB/s", "GB/s", "TB/s", "PB/s"};
  static const double f[] = {1, kilo, mega, giga, tera, peta};
  return format_with(bw.value(), u, f, 6);
}

std::string format_seconds(Seconds t) {
  static const char* const u[] = {"ns", "us", "ms", "s", "min", "h", "days"};
  static const double f[] = {1e-9, 1e-6, 1e-3, 1.0, 60.0, 3600.0, 86400.0};
  return format_with(t.value(), u, f, 7);
}

std::string format_flop_rate(FlopRate r) {
  static const char* const u[] = {"FLOP/s", "kFLOP/s", "MFLOP/s", "GFLOP/s", "TFLOP/s", "PFLOP/s", "EFLOP/s"};
  static const double f[] = {1, kilo, mega, giga, tera, peta, 1e18};
  return format_with(r.value(), u, f, 7);
}

std::string format_watts(Watts p) {
  static const char* const u[] = {"W", "kW", "MW", "GW"};
  static const double f[] = {1, kilo, mega, giga};
  return format_with(p.value(), u, f, 4);
}

std::string format_joules(Joules e) {
  // Training energy is quoted in MWh in the literature (Patterson et al. 2021), so no GWh.
  static const char* const u[] = {"J", "Wh", "kWh", "MWh"};
  static const double f[] = {1, 3600.0, 3.6e6, 3.6e9};
  return format_with(e.value(), u, f, 4);
}

}  // namespace trainsim::units
