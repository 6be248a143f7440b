// config/catalog: named entries in catalog files (GPUs, nodes, models) and `extends` chains.
//
// Owns: loading the catalog files a document names, finding an entry by name with a suggestion
// when it is unknown, following `extends` (with cycle detection), and stacking the layers of an
// entry that is amended by more specific sections (a scenario over a platform file over a
// catalog). Depends on: config/document.hpp, config/diagnostics.hpp.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/document.hpp"

namespace trainsim::config {

class Catalogs {
public:
  // Loads the catalog file(s) named by `value` (a path or a list of paths, relative to the file
  // that names them). Problems are added to `d`.
  void load(const Value& value, Diagnostics& d);
  void add(Document doc) { docs_.push_back(std::make_unique<Document>(std::move(doc))); }
  // Reports keys other than `allowed_sections` at the top of each catalog file.
  void check_sections(const std::vector<std::string>& allowed_sections, Diagnostics& d) const;

  // Entry `name` of section `kind` ("gpus", "nodes", "models"), or nullopt.
  std::optional<Value> find(const std::string& kind, const std::string& name) const;
  std::vector<std::string> names(const std::string& kind) const;

private:
  std::vector<std::unique_ptr<Document>> docs_;
};

// The layers (most specific first) of entry `key` over `sections` (most specific first): a map
// without `extends` amends what less specific sections say; a name, or a map with `extends`, is
// complete and ends the stack with its catalog chain. `singular` names the kind in messages
// ("GPU"). Returns nullopt (with diagnostics) when a name cannot be resolved. `name` receives a
// display name ("A100-SXM4-80GB", "A100-SXM4-80GB (modified)").
std::optional<std::vector<Value>> entry_layers(const std::vector<Value>& sections, const std::string& key,
                                               const Catalogs& catalogs, const std::string& kind,
                                               const std::string& singular, Diagnostics& d, std::string& name);

}  // namespace trainsim::config
