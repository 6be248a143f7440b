// config/reader: typed, checked reading of one YAML map, collecting every error.
//
// Owns: the rules every loader follows — values carry units, numbers respect their bounds, keys
// that nobody asked for are errors (with a "did you mean"), missing required keys are errors. A
// Reader may stack several maps ("layers", most specific first) so that an entry can extend a
// catalog entry and override some of its fields; each value keeps the location of the layer it came
// from. Depends on: config/document.hpp, units/.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "config/document.hpp"
#include "units/quantity.hpp"

namespace trainsim::config {

enum class Need { required, optional };
enum class Sign { any, positive, non_negative };

class Reader {
public:
  // `what` names the map in messages ("gpu 'A100-SXM4-80GB'", "network").
  Reader(std::vector<Value> layers, Diagnostics& diagnostics, std::string what);
  Reader(const Value& map, Diagnostics& diagnostics, std::string what)
      : Reader(std::vector<Value>{map}, diagnostics, std::move(what)) {}

  // Each getter marks the key as known, reports a problem (missing, wrong unit, out of bounds) to
  // the Diagnostics and returns nullopt on any problem.
  std::optional<std::string> string(const std::string& key, Need need);
  std::optional<std::string> choice(const std::string& key, Need need, const std::vector<std::string>& allowed);
  std::optional<long long> integer(const std::string& key, Need need, long long min, long long max);
  std::optional<double> number(const std::string& key, Need need, double min, double max);
  std::optional<bool> boolean(const std::string& key, Need need);
  std::optional<units::Bytes> bytes(const std::string& key, Need need, Sign sign = Sign::positive);
  std::optional<units::Bandwidth> bandwidth(const std::string& key, Need need, Sign sign = Sign::positive);
  std::optional<units::Seconds> seconds(const std::string& key, Need need, Sign sign = Sign::non_negative);
  std::optional<units::FlopRate> flop_rate(const std::string& key, Need need, Sign sign = Sign::positive);
  std::optional<units::Watts> watts(const std::string& key, Need need, Sign sign = Sign::non_negative);
  std::optional<units::Area> area(const std::string& key, Need need, Sign sign = Sign::positive);
  std::optional<units::Money> money(const std::string& key, Need need);
  std::optional<units::EnergyPrice> energy_price(const std::string& key, Need need);
  std::optional<units::CarbonIntensity> carbon_intensity(const std::string& key, Need need);

  // A nested map, as a Reader over the same key in every layer (so nested fields merge too).
  std::optional<Reader> map(const std::string& key, Need need);
  // The raw value of a key (first layer that has it), marked as known. For sequences and names.
  std::optional<Value> value(const std::string& key, Need need);
  bool has(const std::string& key) const;
  // The keys whose values are estimates: a layer may list, under `estimates:`, keys whose values
  // (its own, or inherited from an entry it extends) are estimates rather than measured or
  // datasheet figures. A mark holds unless a more specific layer sets the value itself, so an
  // entry that extends a catalog entry and gives its own value, or a --set override, clears it.
  // Naming a key that neither the layer nor what it extends sets is an error. Marks `estimates`
  // as known.
  std::vector<std::string> estimates();
  std::vector<std::string> keys() const;  // of every layer, first occurrence order, no repeats

  // Reports, for every layer, each key that no getter asked for. Call once, after all getters.
  void reject_unknown_keys();

  Location location() const;  // where this map starts in the most specific layer
  Location location_of(const std::string& key) const;  // where the value for key is written
  Location key_location(const std::string& key) const; // where the key itself is written
  Diagnostics& diagnostics() { return *diagnostics_; }
  const std::string& what() const { return what_; }
  void error(const Location& where, const std::string& message) { diagnostics_->error(where, message); }

private:
  std::optional<Value> find(const std::string& key);
  template <class T>
  std::optional<T> parsed(const std::string& key, Need need, const char* kind,
                          const std::function<T(const std::string&)>& parse);
  bool check_sign(const std::string& key, double v, Sign sign, const std::string& shown);

  std::vector<Value> layers_;
  Diagnostics* diagnostics_;
  std::string what_;
  std::vector<std::string> known_;
};

// "a, b, c": the words joined for messages.
std::string join(const std::vector<std::string>& words);

// Closest candidate to `word` by edit distance, or "" when nothing is close (for "did you mean").
std::string closest(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace trainsim::config
