// results/summary: the terminal summary and the summary JSON of a run.
#include <cmath>
#include <cstdio>
#include <string>

#include "results/run_result.hpp"
#include "units/parse.hpp"

namespace trainsim::results {

namespace {
std::string percent_of(units::Seconds part, units::Seconds whole) {
  return whole.value() > 0 ? units::format_fixed(100.0 * part.value() / whole.value(), 1) + "%" : "-";
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

// Numbers with 17 significant digits, so that JSON round-trips the simulated doubles.
std::string json_number(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}
}  // namespace

void write_summary_text(const RunResult& r, std::ostream& out) {
  const auto& b = r.breakdown;
  out << "scenario        " << r.scenario << " on " << r.platform << " (" << r.gpus << " x " << r.gpu << ")\n";
  out << "iteration       " << units::format_seconds(b.iteration) << "  (simulated " << r.simulated_iterations
      << " iterations in detail: every pipeline stage of every replica, data-parallel flows on every GPU;\n"
      << "                the whole run is extrapolated from the last; docs/simulation.md)\n";
  out << "  compute       " << units::format_seconds(b.compute) << "  " << percent_of(b.compute, b.iteration) << "\n";
  out << "  TP/EP comm    " << units::format_seconds(b.tp_comm) << "  " << percent_of(b.tp_comm, b.iteration)
      << "  (tensor/expert parallel, not overlapped";
  // Net of what the overlap costs the GEMMs beside it (docs/compute-model.md), so it can be negative.
  if (b.tp_hidden.value() > 0)
    out << "; " << units::format_seconds(b.tp_hidden) << " more assumed hidden behind GEMMs by the overlap";
  else if (b.tp_hidden.value() < 0)
    out << "; the overlap costs the GEMMs beside it " << units::format_seconds(units::Seconds(-b.tp_hidden.value())) << " more than it hides";
  out << ")\n";
  out << "  pipeline      " << units::format_seconds(b.pipeline_wait) << "  " << percent_of(b.pipeline_wait, b.iteration)
      << "  (bubble and exposed pipeline messages)\n";
  out << "  DP exposed    " << units::format_seconds(b.dp_exposed) << "  " << percent_of(b.dp_exposed, b.iteration)
      << "  (gradient reduction not hidden behind backward)\n";
  out << "  optimizer     " << units::format_seconds(b.optimizer) << "  " << percent_of(b.optimizer, b.iteration) << "\n";
  out << "throughput      " << units::format_fixed(r.tokens_per_s, 0) << " tokens/s; " << units::format_fixed(r.model_flops_per_gpu.value() / 1e12, 1)
      << " model TFLOP/s per GPU, MFU " << units::format_fixed(100 * r.mfu, 1) << "%; "
      << units::format_fixed(r.hardware_flops_per_gpu.value() / 1e12, 1) << " TFLOP/s per GPU counting recomputation\n";
  out << "memory per GPU  " << r.memory.to_string() << " (pipeline stage " << r.memory.stage << ")\n";
  out << "training run    " << r.iterations << " iterations of " << units::format_fixed(r.tokens_per_iteration, 0) << " tokens: "
      << units::format_fixed(r.time_to_train.value() / 86400.0, 2) << " days\n";
  if (r.reliability) {
    const auto& f = *r.reliability;
    const auto& o = f.outcome;
    out << "failures        job MTBF " << units::format_seconds(f.job_mtbf) << "; checkpoint "
        << units::format_bytes(f.checkpoint) << " written in " << units::format_seconds(f.checkpoint_write) << " every "
        << units::format_seconds(o.interval) << " of training (" << (o.optimal ? "Daly's optimum" : "as set")
        << "); restart " << units::format_seconds(f.restart) << "\n"
        << "                " << units::format_fixed(o.expected_failures, 0) << " interruptions expected: "
        << units::format_fixed(o.expected.value() / 86400.0, 2) << " days, goodput "
        << units::format_fixed(100 * o.goodput, 1) << "%, " << units::format_joules(f.expected_energy);
    if (f.expected_cost)
      out << ", " << units::format_fixed(f.expected_cost->total / 1e6, 2) << " M " << f.expected_cost->currency;
    out << " (energy and cost below: without failures)\n";
  }
  const auto& e = r.energy;
  out << "energy          " << units::format_joules(e.total) << " at the facility: GPUs " << units::format_joules(e.gpu)
      << ", nodes " << units::format_joules(e.node) << ", network "
      << (e.network_counted ? units::format_joules(e.network) : std::string("not described"));
  if (e.storage_counted) out << ", storage " << units::format_joules(e.storage);
  out << ", cooling and power delivery " << units::format_joules(e.facility) << "\n";
  out << "IT power        " << units::format_watts(e.average_it_power) << " average, " << units::format_watts(e.peak_it_power)
      << " peak (" << units::format_watts(e.peak_node_power) << " per node)\n";
  if (r.cost) {
    const auto& c = *r.cost;
    auto money = [&](double v) { return units::format_fixed(v / 1e6, 2) + " M " + c.currency; };
    if (c.cloud)
      out << "cost            " << money(c.total) << " of cloud rental\n";
    else
      out << "cost            " << money(c.total) << ": GPUs " << money(c.gpus) << ", servers " << money(c.servers)
          << ", network " << money(c.network) << ", building " << money(c.building) << " (amortised over the run), electricity "
          << money(c.electricity) << "\n";
  } else {
    out << "cost            not described (the platform has no costs section)\n";
  }
  out << "carbon          " << units::format_fixed(r.carbon.value() / 1000.0, 1) << " t CO2e\n";
  if (!r.estimated_inputs.empty()) {
    out << "estimated       ";
    for (std::size_t i = 0; i < r.estimated_inputs.size(); ++i) out << (i ? ", " : "") << r.estimated_inputs[i];
    out << " (platform values marked as estimates, not measurements; docs/catalog-sources.md)\n";
  }
  out << "simulation      " << units::format_fixed(r.wall_time.value(), 2) << " s wall time\n";
}

void write_summary_json(const RunResult& r, std::ostream& out) {
  const auto& b = r.breakdown;
  out << "{\n";
  out << "  \"schema_version\": " << kSummarySchemaVersion << ",\n";
  out << "  \"scenario\": " << json_string(r.scenario) << ",\n";
  out << "  \"platform\": " << json_string(r.platform) << ",\n";
  out << "  \"gpu\": " << json_string(r.gpu) << ",\n";
  out << "  \"gpus\": " << r.gpus << ",\n";
  out << "  \"iteration_time_s\": " << json_number(b.iteration.value()) << ",\n";
  out << "  \"iteration_breakdown_s\": {\"compute\": " << json_number(b.compute.value())
      << ", \"tp_comm\": " << json_number(b.tp_comm.value()) << ", \"pipeline_wait\": " << json_number(b.pipeline_wait.value())
      << ", \"dp_exposed\": " << json_number(b.dp_exposed.value()) << ", \"optimizer\": " << json_number(b.optimizer.value())
      << "},\n";
  out << "  \"tp_comm_hidden_s\": " << json_number(b.tp_hidden.value()) << ",\n";
  out << "  \"tokens_per_s\": " << json_number(r.tokens_per_s) << ",\n";
  out << "  \"model_flops_per_gpu\": " << json_number(r.model_flops_per_gpu.value()) << ",\n";
  out << "  \"hardware_flops_per_gpu\": " << json_number(r.hardware_flops_per_gpu.value()) << ",\n";
  out << "  \"mfu\": " << json_number(r.mfu) << ",\n";
  out << "  \"iterations\": " << r.iterations << ",\n";
  out << "  \"simulated_iterations\": " << r.simulated_iterations << ",\n";
  out << "  \"time_to_train_s\": " << json_number(r.time_to_train.value()) << ",\n";
  if (r.reliability) {
    const auto& f = *r.reliability;
    const auto& o = f.outcome;
    out << "  \"reliability\": {\"job_mtbf_s\": " << json_number(f.job_mtbf.value())
        << ", \"checkpoint_bytes\": " << json_number(f.checkpoint.value())
        << ", \"checkpoint_write_s\": " << json_number(f.checkpoint_write.value())
        << ", \"restart_s\": " << json_number(f.restart.value())
        << ", \"checkpoint_interval_s\": " << json_number(o.interval.value())
        << ", \"interval_optimal\": " << (o.optimal ? "true" : "false")
        << ", \"expected_failures\": " << json_number(o.expected_failures)
        << ", \"expected_time_to_train_s\": " << json_number(o.expected.value())
        << ", \"goodput\": " << json_number(o.goodput)
        << ", \"expected_energy_j\": " << json_number(f.expected_energy.value())
        << ", \"expected_cost_total\": " << (f.expected_cost ? json_number(f.expected_cost->total) : std::string("null"))
        << "},\n";
  } else {
    out << "  \"reliability\": null,\n";
  }
  out << "  \"memory_per_gpu_bytes\": " << json_number(r.memory.total().value()) << ",\n";
  out << "  \"memory_breakdown_bytes\": {\"weights\": " << json_number(r.memory.weights.value())
      << ", \"gradients\": " << json_number(r.memory.gradients.value()) << ", \"optimizer\": "
      << json_number(r.memory.optimizer.value()) << ", \"activations\": " << json_number(r.memory.activations.value())
      << ", \"reserved\": " << json_number(r.memory.reserved.value()) << "},\n";
  const auto& e = r.energy;
  out << "  \"energy_j\": {\"gpu\": " << json_number(e.gpu.value()) << ", \"node\": " << json_number(e.node.value())
      << ", \"network\": " << (e.network_counted ? json_number(e.network.value()) : std::string("null"))
      << ", \"storage\": " << (e.storage_counted ? json_number(e.storage.value()) : std::string("null"))
      << ", \"facility\": " << json_number(e.facility.value()) << ", \"total\": " << json_number(e.total.value()) << "},\n";
  out << "  \"average_it_power_w\": " << json_number(e.average_it_power.value()) << ",\n";
  out << "  \"peak_it_power_w\": " << json_number(e.peak_it_power.value()) << ",\n";
  out << "  \"peak_node_power_w\": " << json_number(e.peak_node_power.value()) << ",\n";
  if (r.cost) {
    const auto& c = *r.cost;
    out << "  \"cost\": {\"currency\": " << json_string(c.currency) << ", \"mode\": " << json_string(c.cloud ? "cloud" : "ownership")
        << ", \"gpus\": " << json_number(c.gpus) << ", \"servers\": " << json_number(c.servers) << ", \"network\": "
        << json_number(c.network) << ", \"building\": " << json_number(c.building) << ", \"electricity\": "
        << json_number(c.electricity) << ", \"cloud_rental\": " << json_number(c.cloud_rental) << ", \"total\": "
        << json_number(c.total) << "},\n";
  } else {
    out << "  \"cost\": null,\n";
  }
  out << "  \"carbon_kg\": " << json_number(r.carbon.value()) << ",\n";
  out << "  \"simulation_wall_time_s\": " << json_number(r.wall_time.value()) << ",\n";
  out << "  \"assumptions\": [";
  for (std::size_t i = 0; i < r.assumptions.size(); ++i) out << (i ? ", " : "") << json_string(r.assumptions[i]);
  out << "],\n  \"estimated_inputs\": [";
  for (std::size_t i = 0; i < r.estimated_inputs.size(); ++i) out << (i ? ", " : "") << json_string(r.estimated_inputs[i]);
  out << "]\n}\n";
}

}  // namespace trainsim::results
