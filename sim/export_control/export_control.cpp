#include "export_control/export_control.hpp"

#include <algorithm>

#include "config/reader.hpp"

namespace trainsim::export_control {

namespace {
int bit_length(platform::Precision p) {
  switch (p) {
    case platform::Precision::fp64: return 64;
    case platform::Precision::fp32: return 32;
    case platform::Precision::tf32: return 32;  // TF32 operands are stored in 32 bits
    case platform::Precision::bf16: return 16;
    case platform::Precision::fp16: return 16;
    case platform::Precision::fp8: return 8;
    case platform::Precision::int8: return 8;
  }
  return 0;
}
}  // namespace

Metrics metrics(const platform::GpuSpec& gpu) {
  Metrics m;
  for (const auto& [precision, rate] : gpu.peak) {
    // 2 x MacTOPS = the dense rate in tera-operations per second.
    double tpp = rate.value() / 1e12 * bit_length(precision);
    // Ties go to the shortest operand (int8/fp8), the form public analyses quote.
    if (tpp >= m.tpp) m.tpp = tpp, m.tpp_precision = platform::to_string(precision);
  }
  if (gpu.die_area) m.density = m.tpp / (gpu.die_area->value() * 1e6);  // m^2 -> mm^2
  m.interconnect = gpu.nvlink_bandwidth;
  return m;
}

bool Clause::matches(const Metrics& m) const {
  if (tpp_min && !(m.tpp >= *tpp_min)) return false;
  if (tpp_max && !(m.tpp < *tpp_max)) return false;
  if (density_min && !(m.density && *m.density >= *density_min)) return false;
  if (density_max && !(m.density && *m.density < *density_max)) return false;
  if (interconnect_min && !(m.interconnect >= *interconnect_min)) return false;
  return true;
}

std::string RuleSet::verdict(const Metrics& m) const {
  for (const auto& c : clauses)
    if (c.matches(m)) return c.verdict;
  return otherwise;
}

RuleSet load_rule_set(const std::filesystem::path& file) {
  using config::Need;
  config::Document doc = config::Document::load(file);
  config::Diagnostics d;
  config::Reader root(doc.root(), d, "rule set");
  RuleSet rs;
  rs.name = root.string("name", Need::required).value_or("");
  rs.source = root.string("source", Need::required).value_or("");
  rs.otherwise = root.string("otherwise", Need::optional).value_or("not controlled");
  if (auto clauses = root.value("clauses", Need::required)) {
    for (const auto& item : clauses->items()) {
      config::Reader r(item, d, "clause");
      Clause c;
      c.verdict = r.string("verdict", Need::required).value_or("");
      c.tpp_min = r.number("tpp_at_least", Need::optional, 0, 1e9);
      c.tpp_max = r.number("tpp_below", Need::optional, 0, 1e9);
      c.density_min = r.number("density_at_least", Need::optional, 0, 1e9);
      c.density_max = r.number("density_below", Need::optional, 0, 1e9);
      c.interconnect_min = r.bandwidth("interconnect_at_least", Need::optional);
      r.reject_unknown_keys();
      rs.clauses.push_back(c);
    }
    if (!clauses->is_sequence()) d.error(clauses->location(), "'clauses' must be a list of clauses");
  }
  root.reject_unknown_keys();
  d.throw_if_any();
  return rs;
}

std::vector<RuleSet> load_rule_sets(const std::filesystem::path& folder) {
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(folder))
    if (e.path().extension() == ".yaml") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  std::vector<RuleSet> out;
  for (const auto& f : files) out.push_back(load_rule_set(f));
  return out;
}

}  // namespace trainsim::export_control
