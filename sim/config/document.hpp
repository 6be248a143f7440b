// config/document: YAML files as trees of Values that remember where they came from.
//
// Owns: loading a YAML file (the only place yaml-cpp is used), syntax errors as Diagnostics with
// file:line:col, and Value, an opaque handle on one node with its Location. Downstream modules read
// YAML only through Value and config/reader.hpp, never through yaml-cpp.
// Depends on: config/diagnostics.hpp.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/diagnostics.hpp"

namespace trainsim::config {

class Value {
public:
  bool is_map() const;
  bool is_sequence() const;
  bool is_scalar() const;
  bool is_null() const;
  Location location() const;
  const std::filesystem::path& file() const;  // the file this value was read from
  std::string scalar() const;                 // the scalar text; "" for non-scalars
  std::vector<std::string> keys() const;      // map keys in file order
  std::optional<Value> get(const std::string& key) const;  // nullopt when absent (map only)
  std::vector<Value> items() const;           // sequence elements
  Location key_location(const std::string& key) const;  // where the key itself is written

  struct Impl;
  explicit Value(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

private:
  friend class Document;
  std::shared_ptr<const Impl> impl_;
};

// A parsed YAML file. Keeps the source text (traces embed it) and the root Value.
class Document {
public:
  // Throws ConfigError (with file:line:col) when the file is missing or not valid YAML.
  static Document load(const std::filesystem::path& path);
  // Parses text as if it were the file `name` (used by tests and --set).
  static Document parse(const std::string& text, const std::filesystem::path& name);

  const Value& root() const { return root_; }
  const std::string& text() const { return text_; }
  const std::filesystem::path& path() const { return path_; }
  // The YAML of the current tree (after set()), re-emitted: comments are not kept.
  std::string dump() const;

  // Replaces (or creates) the scalar at a dotted path, e.g. "network.link_bandwidth" = "100 Gb/s".
  // The new value's location is reported as `origin` (e.g. "--set network.link_bandwidth").
  // Throws ConfigError when a path component exists but is not a map.
  void set(const std::string& dotted_path, const std::string& value, const std::string& origin);
  // Removes the key at a dotted path if it is there (nothing happens otherwise). Used where an
  // override replaces an alternative key, e.g. --set training.iterations over the file's tokens.
  void erase(const std::string& dotted_path);

private:
  Document(std::filesystem::path path, std::string text, Value root)
      : path_(std::move(path)), text_(std::move(text)), root_(std::move(root)) {}
  std::filesystem::path path_;
  std::string text_;
  Value root_;
};

}  // namespace trainsim::config
