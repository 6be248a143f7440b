// sweep/sweep: what-if sweeps over a scenario: the points of its `sweep:` axes and the table of
// their results.
//
// Owns: the Cartesian product of the axes as --set overrides (the first axis varies slowest), and
// the rows of the sweep table (CSV, docs/summary-format.md): per point its axis values, whether it
// ran, and its headline figures. Running the points is the CLI's job (one process per point:
// SimGrid allows one engine per process). Depends on: scenario/, results/.
#pragma once

#include <string>
#include <vector>

#include "results/run_result.hpp"
#include "scenario/scenario.hpp"

namespace trainsim::sweep {

// Every combination of the axes' values, each as the --set overrides that make it.
std::vector<std::vector<scenario::Override>> points(const std::vector<scenario::SweepAxis>& axes);

// The table's header line, then one line per point (without the trailing newline).
std::string table_header(const std::vector<scenario::SweepAxis>& axes);
std::string table_row(int point, const std::vector<scenario::Override>& values, const results::RunResult& r,
                      const std::string& summary_file);
std::string failed_row(int point, const std::vector<scenario::Override>& values, const std::string& error);

}  // namespace trainsim::sweep
