// engine/settings (private to engine/): the one place where SimGrid is configured.
//
// SimGrid's defaults are not the textbook network (feasibility note P1, section 4): LV08 scales
// latency x13.01 and bandwidth x0.97, cross-traffic adds a 5% reverse flow, TCP-gamma caps a flow at
// gamma / (2 x RTT). trainsim wants latency + size / bandwidth for one flow on an idle path, with
// efficiencies stated explicitly in the platform YAML instead, so it sets CM02 (no factors),
// crosstraffic 0 and TCP-gamma 0. Every engine entry point creates its engine through make_engine.
#pragma once

#include <cstddef>
#include <memory>

#include <simgrid/s4u/Engine.hpp>

namespace trainsim::engine::detail {

struct EngineSettings {
  bool quiet = true;           // SimGrid logs only critical messages (P10)
  std::size_t actors = 0;      // how many actors the run will create (P6: guard pages)
  bool host_energy = false;    // load SimGrid's host energy plugin (GPU power, build_fabric)
};

// Creates the process's SimGrid engine (one per process: P2) with the settings above applied.
// Must run before the platform is built: SimGrid reads the models when the first zone exists, and
// the energy plugin attaches itself to hosts as they are created.
std::unique_ptr<simgrid::s4u::Engine> make_engine(const EngineSettings& settings);

}  // namespace trainsim::engine::detail
