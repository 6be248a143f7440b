// units/quantity: typed physical quantities (SI inside, always).
//
// Owns: the value types that carry bytes, seconds, FLOP, rates, power, energy, money across module
// boundaries, and the arithmetic between them that makes physical sense (Bytes / Bandwidth ->
// Seconds, Watts * Seconds -> Joules, ...). Depends on: nothing but the standard library.
// Parsing of "400 GB/s" and friends lives in units/parse.hpp.
#pragma once

#include <string>

namespace trainsim::units {

// A double tagged with its dimension. Constructors are explicit so that a bare number never becomes
// a quantity by accident; value() returns the SI magnitude (bytes, seconds, FLOP, W, J, ...).
template <class Tag>
class Quantity {
public:
  constexpr Quantity() = default;
  constexpr explicit Quantity(double magnitude) : value_(magnitude) {}
  constexpr double value() const { return value_; }

  constexpr Quantity operator+(Quantity o) const { return Quantity(value_ + o.value_); }
  constexpr Quantity operator-(Quantity o) const { return Quantity(value_ - o.value_); }
  constexpr Quantity operator*(double k) const { return Quantity(value_ * k); }
  constexpr Quantity operator/(double k) const { return Quantity(value_ / k); }
  constexpr double operator/(Quantity o) const { return value_ / o.value_; }  // a ratio
  Quantity& operator+=(Quantity o) { value_ += o.value_; return *this; }
  Quantity& operator-=(Quantity o) { value_ -= o.value_; return *this; }
  Quantity& operator*=(double k) { value_ *= k; return *this; }

  constexpr bool operator<(Quantity o) const { return value_ < o.value_; }
  constexpr bool operator>(Quantity o) const { return value_ > o.value_; }
  constexpr bool operator<=(Quantity o) const { return value_ <= o.value_; }
  constexpr bool operator>=(Quantity o) const { return value_ >= o.value_; }
  constexpr bool operator==(Quantity o) const { return value_ == o.value_; }
  constexpr bool operator!=(Quantity o) const { return value_ != o.value_; }

private:
  double value_ = 0.0;
};

template <class Tag>
constexpr Quantity<Tag> operator*(double k, Quantity<Tag> q) { return q * k; }

struct BytesTag {};
struct SecondsTag {};
struct FlopsTag {};
struct FlopRateTag {};
struct BandwidthTag {};
struct WattsTag {};
struct JoulesTag {};
struct AreaTag {};
struct MassTag {};

using Bytes = Quantity<BytesTag>;          // bytes (8 bits)
using Seconds = Quantity<SecondsTag>;      // seconds
using Flops = Quantity<FlopsTag>;          // floating-point operations (a count, not a rate)
using FlopRate = Quantity<FlopRateTag>;    // FLOP per second
using Bandwidth = Quantity<BandwidthTag>;  // bytes per second
using Watts = Quantity<WattsTag>;          // watts
using Joules = Quantity<JoulesTag>;        // joules
using Area = Quantity<AreaTag>;            // square metres
using Mass = Quantity<MassTag>;            // kilograms (CO2e)

// The combinations that have a physical meaning. Anything else does not compile.
constexpr Seconds operator/(Bytes b, Bandwidth bw) { return Seconds(b.value() / bw.value()); }
constexpr Bandwidth operator/(Bytes b, Seconds t) { return Bandwidth(b.value() / t.value()); }
constexpr Bytes operator*(Bandwidth bw, Seconds t) { return Bytes(bw.value() * t.value()); }
constexpr Bytes operator*(Seconds t, Bandwidth bw) { return bw * t; }
constexpr Seconds operator/(Flops f, FlopRate r) { return Seconds(f.value() / r.value()); }
constexpr FlopRate operator/(Flops f, Seconds t) { return FlopRate(f.value() / t.value()); }
constexpr Flops operator*(FlopRate r, Seconds t) { return Flops(r.value() * t.value()); }
constexpr Flops operator*(Seconds t, FlopRate r) { return r * t; }
constexpr Joules operator*(Watts p, Seconds t) { return Joules(p.value() * t.value()); }
constexpr Joules operator*(Seconds t, Watts p) { return p * t; }
constexpr Watts operator/(Joules e, Seconds t) { return Watts(e.value() / t.value()); }

// Grid carbon intensity: kilograms of CO2-equivalent per joule of electricity (SI), usually
// written per kWh in YAML ("0.429 kg/kWh").
struct CarbonIntensity {
  double kg_per_joule = 0.0;
  Mass operator*(Joules e) const { return Mass(kg_per_joule * e.value()); }
};

// An amount of money in a named currency ("USD", "CNY"). Currencies never mix silently:
// adding two Money values of different currencies throws std::invalid_argument.
struct Money {
  double amount = 0.0;
  std::string currency;
  Money operator+(const Money& o) const;
  Money operator*(double k) const { return Money{amount * k, currency}; }
};

// A price per unit of energy ("0.08 USD/kWh"), stored per joule.
struct EnergyPrice {
  double per_joule = 0.0;
  std::string currency;
  Money operator*(Joules e) const { return Money{per_joule * e.value(), currency}; }
};

// Convenience constants, so that tests and models spell magnitudes explicitly.
inline constexpr double kilo = 1e3, mega = 1e6, giga = 1e9, tera = 1e12, peta = 1e15;
inline constexpr double kibi = 1024.0, mebi = kibi * 1024.0, gibi = mebi * 1024.0, tebi = gibi * 1024.0;
inline constexpr double joules_per_kwh = 3.6e6;

}  // namespace trainsim::units
