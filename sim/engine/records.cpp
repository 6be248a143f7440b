#include "engine/records.hpp"

namespace trainsim::engine {

const char* to_string(EventKind k) {
  switch (k) {
    case EventKind::forward: return "forward";
    case EventKind::backward: return "backward";
    case EventKind::tp_comm: return "tp_comm";
    case EventKind::pp_send: return "pp_send";
    case EventKind::pp_wait: return "pp_wait";
    case EventKind::dp_reduce: return "dp_reduce";
    case EventKind::dp_gather: return "dp_gather";
    case EventKind::optimizer: return "optimizer";
    case EventKind::checkpoint: return "checkpoint";
  }
  return "?";
}

}  // namespace trainsim::engine
