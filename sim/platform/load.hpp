// platform/load: reads a platform YAML file (and the catalogs it names) into a Platform.
//
// Owns: the platform schema (see docs/platform-format.md), catalog look-up with `extends`, and the
// cross-field checks (a network that cannot connect, NIC counts, ...). Every problem is collected
// and thrown at once as config::ConfigError. Depends on: config/, platform/platform.hpp.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "config/document.hpp"
#include "platform/platform.hpp"

namespace trainsim::platform {

// Loads a platform file. Throws config::ConfigError listing every problem found.
Platform load_platform(const std::filesystem::path& file);

// Same, from an already parsed document. `overrides`, when given, is a map with the same keys as
// a platform file (plus `file`, which names it): a scenario's `platform:` section and its --set
// values. Its `network` and `facility` fields are merged over the file's; a `gpu`/`node` map
// without `extends` is merged over the file's entry, a name or a map with `extends` replaces it.
Platform load_platform(const config::Document& document, const config::Value* overrides = nullptr);

// Every GPU of a catalog file, each resolved through its `extends` chain. Throws
// config::ConfigError listing every problem.
std::vector<GpuSpec> load_gpu_catalog(const std::filesystem::path& catalog_file);

}  // namespace trainsim::platform
