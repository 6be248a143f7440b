// units/parse: reads quantities written with their unit ("400 GB/s", "200 Gb/s", "80 GiB",
// "2.5 us", "700 W", "0.429 kg/kWh") and formats them back for people.
//
// Owns: the one place where unit prefixes are interpreted. Decimal prefixes (k, M, G, T, P) are
// powers of 10, binary ones (Ki, Mi, Gi, Ti) powers of 2; "b" is a bit and "B" a byte. Everything
// returned is SI (bytes, seconds, FLOP/s, W, J). Depends on: units/quantity.hpp.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include "units/quantity.hpp"

namespace trainsim::units {

// Thrown when a text is not a valid quantity of the asked kind. what() explains what was expected,
// e.g. `"400 GB" is not a bandwidth: expected a number and a unit such as "400 GB/s" or "200 Gb/s"`.
class UnitError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

Bytes parse_bytes(std::string_view text);                 // "80 GiB", "8M", "1.5 TB", "512 b"
Bandwidth parse_bandwidth(std::string_view text);         // "400 GB/s", "200 Gb/s", "25 GBps", "100 Gbps"
Seconds parse_seconds(std::string_view text);             // "2 us", "1.5 ms", "3 h", "10 days", "4 years"
FlopRate parse_flop_rate(std::string_view text);          // "312 TFLOP/s", "19.5 TFLOPS"
Watts parse_watts(std::string_view text);                 // "700 W", "6.5 kW"
Joules parse_joules(std::string_view text);               // "1287 MWh", "3.6 MJ"
Area parse_area(std::string_view text);                   // "826 mm^2", "8.14 cm2"
CarbonIntensity parse_carbon_intensity(std::string_view text);  // "0.429 kg/kWh", "550 g/kWh"
Money parse_money(std::string_view text);                 // "10000 USD", "1.2e5 CNY"
EnergyPrice parse_energy_price(std::string_view text);    // "0.08 USD/kWh", "0.6 CNY/kWh"

// Human-readable forms used by the CLI and docs (decimal prefixes, like datasheets).
std::string format_bytes(Bytes b);            // "80 GB", "1.07 GB"
std::string format_bytes_binary(Bytes b);     // "80 GiB": memory capacities, as nvidia-smi counts them
std::string format_bandwidth(Bandwidth bw);   // "300 GB/s"
std::string format_seconds(Seconds t);        // "12.3 us", "4.56 s", "11.8 min", "34.2 days"
std::string format_flop_rate(FlopRate r);     // "312 TFLOP/s"
std::string format_watts(Watts p);            // "700 W", "6.5 MW"
std::string format_joules(Joules e);
std::string format_fixed(double value, int decimals);  // "12.35": plain numbers in tables          // "1287 MWh" (energy is quoted in Wh multiples)

}  // namespace trainsim::units
