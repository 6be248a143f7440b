// engine/records: what a simulation records for traces (public, no SimGrid): one Event per
// activity, and power and link-utilisation samples over time. See docs/trace-format.md.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace trainsim::engine {

// Values are the HDF5 enum values of docs/trace-format.md: keep them stable.
enum class EventKind : std::uint8_t {
  forward = 0,
  backward = 1,
  tp_comm = 2,
  pp_send = 3,
  pp_wait = 4,
  dp_reduce = 5,
  dp_gather = 6,
  optimizer = 7,
  checkpoint = 8
};
inline constexpr int kEventKinds = 9;
const char* to_string(EventKind k);

struct Event {
  std::int32_t rank = 0;  // GPU index
  EventKind kind = EventKind::forward;
  double start = 0, end = 0;  // simulated seconds
  double flops = 0, bytes = 0;
  std::int32_t stage = 0, microbatch = -1, chunk = 0, iteration = 0;
};

// Power and link utilisation, sampled every `interval_s` over the whole simulation.
struct Samples {
  double interval_s = 0;
  std::vector<double> time;              // end of each interval
  int gpus = 0;                          // columns of gpu_watts
  std::vector<float> gpu_watts;          // time x gpus, row-major: mean power over the interval
  std::vector<std::string> link_classes; // "nvlink", "pcie", "access", "uplink"
  std::vector<double> link_capacity;     // bytes/s of each class, both directions
  std::vector<float> link_utilization;   // time x classes, row-major
};

}  // namespace trainsim::engine
