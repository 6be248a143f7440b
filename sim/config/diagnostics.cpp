#include "config/diagnostics.hpp"

namespace trainsim::config {

std::string Location::to_string() const {
  if (line <= 0) return file;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

std::string Diagnostics::to_string() const {
  std::string out;
  for (const auto& d : items_) out += d.to_string() + "\n";
  return out;
}

void Diagnostics::throw_if_any() const {
  if (!ok()) throw ConfigError(*this);
}

}  // namespace trainsim::config
