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

// Same, from an already parsed (and possibly --set modified) document. `section` is the map that
// holds the platform (the document root for a platform file).
Platform load_platform(const config::Document& document, const config::Value& section);

// The names in the catalogs a platform file refers to (for listing and suggestions).
std::vector<std::string> catalog_gpu_names(const std::filesystem::path& catalog_file);

}  // namespace trainsim::platform
