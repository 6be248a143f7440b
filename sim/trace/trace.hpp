// trace/trace: the HDF5 trace of a run (docs/trace-format.md), the only user of HDF5.
//
// Owns: the file layout (root attributes, /summary, /events, /power, /links), the event-kind enum
// type, chunking and compression, and writing atomically (a temporary file renamed when complete).
// Depends on: engine/records.hpp (event records and samples).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "engine/records.hpp"

namespace trainsim::trace {

inline constexpr std::int64_t kSchemaVersion = 1;

struct TraceInput {
  std::string trainsim_version, created, scenario_name, platform_name, scenario_yaml, platform_yaml;
  std::int64_t seed = 0;
  std::int64_t tensor_symmetry = 1;
  std::string summary_json;
  // Scalars copied from the summary for tools that do not parse JSON.
  double iteration_time_s = 0, tokens_per_s = 0, mfu = 0, time_to_train_s = 0, carbon_kg = 0,
         memory_per_gpu_bytes = 0;
  std::int64_t gpus = 0, iterations = 0;
  std::vector<engine::Event> events;  // sorted by the writer
  std::vector<int> node_of_rank;      // node of each GPU index
  engine::Samples samples;            // GPU power and link utilisation over time
  int nodes = 0;                      // columns of node_watts
  std::vector<float> node_watts;      // time x nodes: GPUs plus non-GPU power of each node in use
  bool per_gpu_power = false;         // also write /power/gpu_watts
  double pue = 1;
};

// Writes `destination` atomically. Throws std::runtime_error naming the file on failure; the
// destination is then untouched and no temporary file is left behind.
void write_trace(const std::filesystem::path& destination, const TraceInput& input);

}  // namespace trainsim::trace
