// config/diagnostics: errors that point into the user's files.
//
// Owns: Location (file, 1-based line and column), the Diagnostics list that a loader fills with
// every problem it finds (so a user sees them all at once, gem5-style) and ConfigError, thrown
// when a load ends with errors. Depends on: the standard library only.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace trainsim::config {

struct Location {
  std::string file;  // as the user named it
  int line = 0;      // 1-based; 0 when unknown (e.g. a value from --set)
  int column = 0;    // 1-based
  std::string to_string() const;  // "file:line:col" (or just "file")
};

struct Diagnostic {
  Location where;
  std::string message;  // says what is wrong and what is expected
  std::string to_string() const { return where.to_string() + ": error: " + message; }
};

class Diagnostics {
public:
  void error(Location where, std::string message) { items_.push_back({std::move(where), std::move(message)}); }
  bool ok() const { return items_.empty(); }
  const std::vector<Diagnostic>& items() const { return items_; }
  std::string to_string() const;  // one diagnostic per line
  // Throws ConfigError with everything collected so far, if anything was.
  void throw_if_any() const;

private:
  std::vector<Diagnostic> items_;
};

class ConfigError : public std::runtime_error {
public:
  explicit ConfigError(Diagnostics d) : std::runtime_error(d.to_string()), diagnostics_(std::move(d)) {}
  const Diagnostics& diagnostics() const { return diagnostics_; }

private:
  Diagnostics diagnostics_;
};

}  // namespace trainsim::config
