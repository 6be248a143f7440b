#include "sweep/sweep.hpp"

#include <cstdio>
#include <sstream>

namespace trainsim::sweep {

namespace {
// RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled; line breaks
// (multi-line error messages) become " | " so that one point stays one line.
std::string field(const std::string& text) {
  std::string flat;
  for (char c : text) {
    if (c == '\n') flat += " | ";
    else if (c != '\r') flat += c;
  }
  while (flat.size() >= 3 && flat.compare(flat.size() - 3, 3, " | ") == 0) flat.resize(flat.size() - 3);
  if (flat.find_first_of(",\"") == std::string::npos) return flat;
  std::string quoted = "\"";
  for (char c : flat) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

std::string join(const std::vector<std::string>& fields) {
  std::string line;
  for (std::size_t i = 0; i < fields.size(); ++i) line += (i ? "," : "") + fields[i];
  return line;
}

std::vector<std::string> leading(int point, const std::vector<scenario::Override>& values, const char* status) {
  std::vector<std::string> f{std::to_string(point)};
  for (const auto& [path, value] : values) f.push_back(field(value));
  f.push_back(status);
  return f;
}

// The figures after the axis values and the status, in this order.
const char* const kFigures[] = {"gpus",
                                "iteration_time_s",
                                "tokens_per_s",
                                "mfu",
                                "time_to_train_days",
                                "time_to_train_with_failures_days",
                                "goodput",
                                "energy_mwh",
                                "energy_with_failures_mwh",
                                "average_it_power_kw",
                                "cost_total",
                                "cost_with_failures_total",
                                "cost_currency",
                                "carbon_t",
                                "memory_per_gpu_gib",
                                "summary",
                                "error"};
constexpr std::size_t kFigureCount = sizeof kFigures / sizeof kFigures[0];
}  // namespace

std::vector<std::vector<scenario::Override>> points(const std::vector<scenario::SweepAxis>& axes) {
  std::vector<std::vector<scenario::Override>> out{{}};
  for (const auto& axis : axes) {
    std::vector<std::vector<scenario::Override>> next;
    for (const auto& prefix : out)
      for (const auto& value : axis.values) {
        next.push_back(prefix);
        next.back().emplace_back(axis.path, value);
      }
    out = std::move(next);
  }
  return axes.empty() ? std::vector<std::vector<scenario::Override>>{} : out;
}

std::string table_header(const std::vector<scenario::SweepAxis>& axes) {
  std::vector<std::string> f{"point"};
  for (const auto& axis : axes) f.push_back(field(axis.path));
  f.push_back("status");
  for (const char* name : kFigures) f.push_back(name);
  return join(f);
}

std::string table_row(int point, const std::vector<scenario::Override>& values, const results::RunResult& r,
                      const std::string& summary_file) {
  std::vector<std::string> f = leading(point, values, "ok");
  f.push_back(std::to_string(r.gpus));
  f.push_back(number(r.breakdown.iteration.value()));
  f.push_back(number(r.tokens_per_s));
  f.push_back(number(r.mfu));
  f.push_back(number(r.time_to_train.value() / 86400.0));
  f.push_back(r.reliability ? number(r.reliability->outcome.expected.value() / 86400.0) : "");
  f.push_back(r.reliability ? number(r.reliability->outcome.goodput) : "");
  f.push_back(number(r.energy.total.value() / 3.6e9));
  f.push_back(r.reliability ? number(r.reliability->expected_energy.value() / 3.6e9) : "");
  f.push_back(number(r.energy.average_it_power.value() / 1e3));
  f.push_back(r.cost ? number(r.cost->total) : "");
  f.push_back(r.reliability && r.reliability->expected_cost ? number(r.reliability->expected_cost->total) : "");
  f.push_back(r.cost ? field(r.cost->currency) : "");
  f.push_back(number(r.carbon.value() / 1e3));
  f.push_back(number(r.memory.total().value() / (1024.0 * 1024.0 * 1024.0)));
  f.push_back(field(summary_file));
  f.push_back("");
  return join(f);
}

std::string failed_row(int point, const std::vector<scenario::Override>& values, const std::string& error) {
  std::vector<std::string> f = leading(point, values, "error");
  for (std::size_t i = 0; i + 1 < kFigureCount; ++i) f.push_back("");
  f.push_back(field(error));
  return join(f);
}

}  // namespace trainsim::sweep
