#include "cost/cost.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace trainsim::cost {

double to_currency(const units::Money& m, const platform::CostSpec& c) {
  if (m.currency == c.currency || m.amount == 0) return m.amount;
  auto it = c.exchange_rates.find(m.currency);
  if (it == c.exchange_rates.end())
    throw std::invalid_argument("no exchange rate from " + m.currency + " to " + c.currency +
                                " (expected costs.exchange_rates." + m.currency + ")");
  return m.amount * it->second;
}

namespace {
double price_or_zero(const std::optional<units::Money>& m, const platform::CostSpec& c) {
  return m ? to_currency(*m, c) : 0.0;
}
}  // namespace

BuildCost build_cost(const platform::Platform& p, int switches) {
  const platform::CostSpec& c = p.costs.value();
  BuildCost b;
  b.gpus = price_or_zero(p.gpu.price, c) * p.gpu_count();
  b.servers = b.gpus + price_or_zero(p.node.price, c) * p.network.nodes;
  b.network = price_or_zero(c.switch_price, c) * switches;
  // "Server purchases are ~30% of a datacenter's build cost": the build is servers / share; what is
  // not servers or switches is the building (power, cooling, shell).
  if (c.server_share_of_build) b.building = std::max(0.0, b.servers / *c.server_share_of_build - b.servers - b.network);
  b.total = b.servers + b.network + b.building;
  return b;
}

RunCost run_cost(const platform::Platform& p, int switches, int gpus, units::Seconds run_time, units::Joules facility_energy) {
  const platform::CostSpec& c = p.costs.value();
  RunCost r;
  r.currency = c.currency;
  if (c.cloud_gpu_hour) {
    r.cloud = true;
    r.cloud_rental = to_currency(*c.cloud_gpu_hour, c) * gpus * run_time.value() / 3600.0;
    r.total = r.cloud_rental;
    return r;
  }
  // Straight-line amortisation, pro-rated to the run's wall-clock time, for the share of the
  // cluster the run uses (whole nodes; the network and building by the share of GPUs).
  const double share = double(gpus) / p.gpu_count();
  const double nodes = std::ceil(double(gpus) / p.node.gpus);
  const BuildCost b = build_cost(p, switches);
  r.gpus = price_or_zero(p.gpu.price, c) * gpus * (run_time / c.gpu_lifetime);
  r.servers = price_or_zero(p.node.price, c) * nodes * (run_time / c.server_lifetime);
  r.network = b.network * share * (run_time / c.network_lifetime);
  r.building = b.building * share * (run_time / c.facility_lifetime);
  const units::Money electricity = p.facility.electricity_price * facility_energy;
  r.electricity = to_currency(electricity, c);
  r.total = r.gpus + r.servers + r.network + r.building + r.electricity;
  return r;
}

}  // namespace trainsim::cost
