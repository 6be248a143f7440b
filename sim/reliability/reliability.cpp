#include "reliability/reliability.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace trainsim::reliability {

using units::Seconds;

units::Seconds young_interval(units::Seconds checkpoint_write, units::Seconds job_mtbf) {
  return units::Seconds(std::sqrt(2.0 * checkpoint_write.value() * job_mtbf.value()));
}

units::Seconds daly_interval(units::Seconds checkpoint_write, units::Seconds job_mtbf) {
  const double delta = checkpoint_write.value(), M = job_mtbf.value();
  if (delta >= 2 * M) return job_mtbf;
  const double x = delta / (2 * M);
  return units::Seconds(std::sqrt(2 * delta * M) * (1 + std::sqrt(x) / 3 + x / 9) - delta);
}

units::Seconds daly_expected_time(units::Seconds failure_free, units::Seconds interval, units::Seconds checkpoint_write,
                                  units::Seconds restart, units::Seconds job_mtbf) {
  const double M = job_mtbf.value(), tau = interval.value();
  // expm1 keeps the reliable limit exact: M (e^(x/M) - 1) -> x as M grows.
  return units::Seconds(M * std::exp(restart.value() / M) * std::expm1((tau + checkpoint_write.value()) / M) *
                        failure_free.value() / tau);
}

Outcome expected_run(const Inputs& in) {
  if (!(in.job_mtbf.value() > 0)) throw std::invalid_argument("reliability: the job's MTBF must be positive");
  if (in.interval && !(in.interval->value() > 0))
    throw std::invalid_argument("reliability: the checkpoint interval must be positive");
  Outcome out;
  out.optimal = !in.interval;
  out.interval = in.interval ? *in.interval : daly_interval(in.checkpoint_write, in.job_mtbf);
  if (out.interval.value() > 0) {
    out.expected = daly_expected_time(in.failure_free, out.interval, in.checkpoint_write, in.restart, in.job_mtbf);
  } else {  // free checkpoints (delta = 0): checkpoint continuously, lose nothing but the restarts
    out.expected = units::Seconds(in.failure_free.value() * std::exp(in.restart.value() / in.job_mtbf.value()));
  }
  out.expected_failures = out.expected.value() / in.job_mtbf.value();
  out.goodput = out.expected.value() > 0 ? in.failure_free.value() / out.expected.value() : 1.0;
  const double segments = out.interval.value() > 0 ? in.failure_free.value() / out.interval.value() : 0;
  out.checkpointing = in.checkpoint_write * segments;
  out.restarting = in.restart * out.expected_failures;
  const Seconds extra = out.expected - in.failure_free;
  out.lost_work = units::Seconds(std::max(0.0, (extra - out.checkpointing - out.restarting).value()));
  return out;
}

}  // namespace trainsim::reliability
