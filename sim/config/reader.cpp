#include "config/reader.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "units/parse.hpp"

namespace trainsim::config {

namespace {

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}
}  // namespace

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : ", ") + w;
  return out;
}

std::string closest(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_distance = std::max<std::size_t>(2, word.size() / 3) + 1;
  for (const auto& c : candidates) {
    std::size_t d = edit_distance(word, c);
    if (d < best_distance) best_distance = d, best = c;
  }
  return best;
}

Reader::Reader(std::vector<Value> layers, Diagnostics& diagnostics, std::string what)
    : layers_(std::move(layers)), diagnostics_(&diagnostics), what_(std::move(what)) {}

Location Reader::location() const { return layers_.front().location(); }

bool Reader::has(const std::string& key) const {
  return std::any_of(layers_.begin(), layers_.end(), [&](const Value& l) { return l.get(key).has_value(); });
}

std::vector<std::string> Reader::keys() const {
  std::vector<std::string> out;
  for (const auto& layer : layers_)
    for (const auto& k : layer.keys())
      if (std::find(out.begin(), out.end(), k) == out.end()) out.push_back(k);
  return out;
}

std::vector<std::string> Reader::estimates() {
  known_.push_back("estimates");
  std::vector<std::string> out;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    auto list = layers_[i].get("estimates");
    if (!list) continue;
    if (!list->is_sequence()) {
      error(list->location(), "'estimates' in " + what_ + " must be a list of its own keys, e.g. [idle_power, price]");
      continue;
    }
    for (const auto& item : list->items()) {
      const std::string key = item.is_scalar() ? item.scalar() : "";
      // The key must be set here or in an entry this one extends (an inherited value can be
      // marked as an estimate for this entry).
      const bool set_here_or_below =
          std::any_of(layers_.begin() + long(i), layers_.end(), [&](const Value& l) { return l.get(key).has_value(); });
      if (!set_here_or_below) {
        std::vector<std::string> candidates;
        for (std::size_t j = i; j < layers_.size(); ++j)
          for (const auto& k : layers_[j].keys()) candidates.push_back(k);
        const std::string guess = closest(key, candidates);
        error(item.location(), "'estimates' in " + what_ + " names '" + key + "', which this entry does not set" +
                                   (guess.empty() ? " (expected one of its keys)" : " (did you mean '" + guess + "'?)"));
        continue;
      }
      const bool overridden =
          std::any_of(layers_.begin(), layers_.begin() + long(i), [&](const Value& l) { return l.get(key).has_value(); });
      // A value put in by --set has no line in a file (config/document): the user gave it.
      const bool from_set = location_of(key).line == 0;
      if (!overridden && !from_set && std::find(out.begin(), out.end(), key) == out.end()) out.push_back(key);
    }
  }
  return out;
}

Location Reader::location_of(const std::string& key) const {
  for (const auto& layer : layers_)
    if (auto v = layer.get(key)) return v->location();
  return location();
}

Location Reader::key_location(const std::string& key) const {
  for (const auto& layer : layers_)
    if (layer.get(key)) return layer.key_location(key);
  return location();
}

std::optional<Value> Reader::find(const std::string& key) {
  known_.push_back(key);
  for (const auto& layer : layers_)
    if (auto v = layer.get(key)) return v;
  return std::nullopt;
}

std::optional<Value> Reader::value(const std::string& key, Need need) {
  auto v = find(key);
  if (!v && need == Need::required) error(location(), "missing required key '" + key + "' in " + what_);
  return v;
}

template <class T>
std::optional<T> Reader::parsed(const std::string& key, Need need, const char* kind,
                                const std::function<T(const std::string&)>& parse) {
  auto v = value(key, need);
  if (!v) return std::nullopt;
  if (!v->is_scalar()) {
    error(v->location(), "'" + key + "' in " + what_ + " must be " + kind + " written as a single value");
    return std::nullopt;
  }
  try {
    return parse(v->scalar());
  } catch (const units::UnitError& e) {
    error(v->location(), "'" + key + "': " + e.what());
    return std::nullopt;
  }
}

bool Reader::check_sign(const std::string& key, double v, Sign sign, const std::string& shown) {
  if (sign == Sign::positive && !(v > 0)) {
    error(location_of(key), "'" + key + "' in " + what_ + " is " + shown + " (expected a value greater than zero)");
    return false;
  }
  if (sign == Sign::non_negative && v < 0) {
    error(location_of(key), "'" + key + "' in " + what_ + " is " + shown + " (expected zero or more)");
    return false;
  }
  return true;
}

std::optional<std::string> Reader::string(const std::string& key, Need need) {
  return parsed<std::string>(key, need, "a string", [](const std::string& s) { return s; });
}

std::optional<std::string> Reader::choice(const std::string& key, Need need, const std::vector<std::string>& allowed) {
  auto s = string(key, need);
  if (!s) return std::nullopt;
  if (std::find(allowed.begin(), allowed.end(), *s) == allowed.end()) {
    error(location_of(key), "'" + key + "' in " + what_ + " is '" + *s + "' (expected one of: " + join(allowed) + ")");
    return std::nullopt;
  }
  return s;
}

std::optional<long long> Reader::integer(const std::string& key, Need need, long long min, long long max) {
  auto s = string(key, need);
  if (!s) return std::nullopt;
  char* end = nullptr;
  long long v = std::strtoll(s->c_str(), &end, 10);
  if (s->empty() || *end != '\0') {
    error(location_of(key), "'" + key + "' in " + what_ + " is '" + *s + "' (expected an integer)");
    return std::nullopt;
  }
  if (v < min || v > max) {
    error(location_of(key), "'" + key + "' in " + what_ + " is " + *s + " (expected an integer from " +
                                std::to_string(min) + " to " + std::to_string(max) + ")");
    return std::nullopt;
  }
  return v;
}

std::optional<double> Reader::number(const std::string& key, Need need, double min, double max) {
  auto s = string(key, need);
  if (!s) return std::nullopt;
  char* end = nullptr;
  double v = std::strtod(s->c_str(), &end);
  if (s->empty() || *end != '\0' || !std::isfinite(v)) {
    error(location_of(key), "'" + key + "' in " + what_ + " is '" + *s + "' (expected a plain number)");
    return std::nullopt;
  }
  if (v < min || v > max) {
    char range[96];
    std::snprintf(range, sizeof range, "%g to %g", min, max);
    error(location_of(key), "'" + key + "' in " + what_ + " is " + *s + " (expected a number from " + range + ")");
    return std::nullopt;
  }
  return v;
}

std::optional<bool> Reader::boolean(const std::string& key, Need need) {
  auto s = choice(key, need, {"true", "false"});
  if (!s) return std::nullopt;
  return *s == "true";
}

#define TRAINSIM_UNIT_GETTER(method, Type, kind, parse_fn)                                            \
  std::optional<units::Type> Reader::method(const std::string& key, Need need, Sign sign) {           \
    auto v = parsed<units::Type>(key, need, kind, [](const std::string& s) { return units::parse_fn(s); }); \
    if (v && !check_sign(key, v->value(), sign, "'" + find(key)->scalar() + "'")) return std::nullopt; \
    return v;                                                                                          \
  }
TRAINSIM_UNIT_GETTER(bytes, Bytes, "a size", parse_bytes)
TRAINSIM_UNIT_GETTER(bandwidth, Bandwidth, "a bandwidth", parse_bandwidth)
TRAINSIM_UNIT_GETTER(seconds, Seconds, "a duration", parse_seconds)
TRAINSIM_UNIT_GETTER(flop_rate, FlopRate, "a FLOP rate", parse_flop_rate)
TRAINSIM_UNIT_GETTER(watts, Watts, "a power", parse_watts)
TRAINSIM_UNIT_GETTER(area, Area, "an area", parse_area)
#undef TRAINSIM_UNIT_GETTER

std::optional<units::Money> Reader::money(const std::string& key, Need need) {
  auto v = parsed<units::Money>(key, need, "an amount of money", [](const std::string& s) { return units::parse_money(s); });
  if (v && !check_sign(key, v->amount, Sign::non_negative, "'" + find(key)->scalar() + "'")) return std::nullopt;
  return v;
}

std::optional<units::EnergyPrice> Reader::energy_price(const std::string& key, Need need) {
  auto v = parsed<units::EnergyPrice>(key, need, "an electricity price",
                                      [](const std::string& s) { return units::parse_energy_price(s); });
  if (v && !check_sign(key, v->per_joule, Sign::non_negative, "'" + find(key)->scalar() + "'")) return std::nullopt;
  return v;
}

std::optional<units::CarbonIntensity> Reader::carbon_intensity(const std::string& key, Need need) {
  auto v = parsed<units::CarbonIntensity>(key, need, "a carbon intensity",
                                          [](const std::string& s) { return units::parse_carbon_intensity(s); });
  if (v && !check_sign(key, v->kg_per_joule, Sign::non_negative, "'" + find(key)->scalar() + "'"))
    return std::nullopt;
  return v;
}

std::optional<Reader> Reader::map(const std::string& key, Need need) {
  known_.push_back(key);
  std::vector<Value> nested;
  for (const auto& layer : layers_) {
    auto v = layer.get(key);
    if (!v) continue;
    if (!v->is_map()) {
      error(v->location(), "'" + key + "' in " + what_ + " must be a map of keys and values");
      return std::nullopt;
    }
    nested.push_back(*v);
  }
  if (nested.empty()) {
    if (need == Need::required) error(location(), "missing required section '" + key + "' in " + what_);
    return std::nullopt;
  }
  return Reader(std::move(nested), *diagnostics_, key + " of " + what_);
}

void Reader::reject_unknown_keys() {
  for (const auto& layer : layers_) {
    for (const auto& key : layer.keys()) {
      if (std::find(known_.begin(), known_.end(), key) != known_.end()) continue;
      std::vector<std::string> candidates = known_;
      std::sort(candidates.begin(), candidates.end());
      candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
      std::string hint = closest(key, candidates);
      error(layer.key_location(key), "unknown key '" + key + "' in " + what_ +
                                         (hint.empty() ? "" : " (did you mean '" + hint + "'?)") +
                                         " (expected one of: " + join(candidates) + ")");
    }
  }
}

}  // namespace trainsim::config
