// export_control: which export rules a GPU falls under.
//
// Owns: Total Processing Performance (TPP = 2 x MacTOPS x operand bit length, the largest over
// precisions, with dense rates: 2 x MacTOPS is the datasheet's dense TOPS/TFLOPS), performance
// density (TPP / die area in mm^2), and rule sets as data (platforms/export-rules/*.yaml): ordered
// clauses whose first match gives the verdict. Depends on: platform/, config/ (rule files).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "platform/platform.hpp"
#include "units/quantity.hpp"

namespace trainsim::export_control {

struct Metrics {
  double tpp = 0;                      // TOPS x bit length (dimensionless, as the rules state it)
  std::string tpp_precision;           // the precision that gives the largest TPP
  std::optional<double> density;       // TPP per mm^2 of die area (unknown without die area)
  units::Bandwidth interconnect{0};    // aggregate bidirectional chip-to-chip rate (NVLink)
};
Metrics metrics(const platform::GpuSpec& gpu);

// A clause: every bound that is set must hold. Lower bounds inclusive, upper bounds exclusive.
struct Clause {
  std::string verdict;  // e.g. "controlled (3A090.a)"
  std::optional<double> tpp_min, tpp_max, density_min, density_max;
  std::optional<units::Bandwidth> interconnect_min;
  bool matches(const Metrics& m) const;
};

struct RuleSet {
  std::string name;        // "US BIS, October 2023"
  std::string source;
  std::vector<Clause> clauses;
  std::string otherwise = "not controlled";
  std::string verdict(const Metrics& m) const;
};

// Loads one rule file (throws config::ConfigError with locations), or every *.yaml of a folder,
// sorted by file name.
RuleSet load_rule_set(const std::filesystem::path& file);
std::vector<RuleSet> load_rule_sets(const std::filesystem::path& folder);

}  // namespace trainsim::export_control
