// cost/cost: what a training run costs, and what the cluster costs to build.
//
// Owns: converting prices into the platform's reporting currency with explicit exchange rates;
// purchase prices (GPUs, servers, switches, the rest of the datacenter derived from the servers'
// share of the build) pro-rated to the run's wall-clock time over each lifetime; electricity at the
// facility's price; or a cloud price per GPU-hour. Depends on: platform/, units/.
#pragma once

#include <string>

#include "platform/platform.hpp"
#include "units/quantity.hpp"

namespace trainsim::cost {

// Purchase prices of the whole build (not pro-rated): the seed article's arithmetic.
struct BuildCost {
  double gpus = 0;      // every GPU of the cluster
  double servers = 0;   // servers including their GPUs
  double network = 0;   // switches
  double building = 0;  // the rest of the datacenter: servers / share - servers - network
  double total = 0;
};

struct RunCost {
  std::string currency;
  bool cloud = false;
  // Ownership: capital pro-rated to the run, plus electricity.
  double gpus = 0, servers = 0, network = 0, building = 0, electricity = 0;
  double cloud_rental = 0;  // cloud: GPU-hours x price
  double total = 0;
};

// Converts to the reporting currency; throws std::invalid_argument naming a missing rate.
double to_currency(const units::Money& m, const platform::CostSpec& c);

BuildCost build_cost(const platform::Platform& p, int switches);
RunCost run_cost(const platform::Platform& p, int switches, int gpus, units::Seconds run_time, units::Joules facility_energy);

}  // namespace trainsim::cost
