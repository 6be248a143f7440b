// engine/settings: SimGrid configuration (see settings.hpp for why each value).
#include "engine/settings.hpp"

#include <string>
#include <vector>

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <simgrid/plugins/energy.h>

namespace trainsim::engine::detail {

namespace {
// Above ~30k actors, two guard-page mappings per actor exceed vm.max_map_count (65530) and SimGrid
// aborts with "Failed to protect stack" (feasibility note P6, section 7).
constexpr std::size_t kGuardPageActorLimit = 30000;

// Without guard pages SimGrid callocs each actor's 8 MiB stack. glibc serves at most M_MMAP_MAX
// (65,536) allocations by mmap, and raises its mmap threshold as mapped blocks are freed; the
// stacks beyond either come from the heap, where calloc may have to zero them. That is the memory
// cliff above ~65k actors (feasibility note, section 7): 20.6 GB and 94 s for a 102,400-GPU job.
// Mapped stacks are zero pages until touched (a few KB each) and adjacent ones merge into one
// mapping: with a fixed threshold and no count limit, the same job takes ~3 GB and ~45 s.
void map_large_blocks() {
#ifdef __GLIBC__
  mallopt(M_MMAP_THRESHOLD, 1 << 20);  // a fixed value also stops the dynamic raise
  mallopt(M_MMAP_MAX, 1 << 30);
#endif
}
}  // namespace

std::unique_ptr<simgrid::s4u::Engine> make_engine(const EngineSettings& settings) {
  // Logging is configured through argv so that it applies before the first configuration change
  // is logged ("[xbt_cfg/INFO] Configuration change" lines otherwise).
  std::vector<std::string> args = {"trainsim"};
  if (settings.quiet) args.emplace_back("--log=root.thres:critical");
  // The plugin logs one INFO line per host at exit (P10): 10k lines for a 10k-GPU job.
  if (settings.host_energy) args.emplace_back("--log=host_energy.thres:warning");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int argc = static_cast<int>(args.size());
  auto engine = std::make_unique<simgrid::s4u::Engine>(&argc, argv.data());

  simgrid::s4u::Engine::set_config("network/model:CM02");    // no latency/bandwidth factors
  simgrid::s4u::Engine::set_config("network/crosstraffic:0");  // no 5% reverse flow per transfer
  simgrid::s4u::Engine::set_config("network/TCP-gamma:0");     // no window cap gamma / (2 RTT)
  if (settings.actors > kGuardPageActorLimit) {
    simgrid::s4u::Engine::set_config("contexts/guard-size:0");
    map_large_blocks();
  }
  // Before the platform: the plugin attaches its per-host state in Host::on_creation, which fires
  // when the zone is sealed (feasibility note P4); hosts created earlier would have none.
  if (settings.host_energy) sg_host_energy_plugin_init();
  return engine;
}

}  // namespace trainsim::engine::detail
