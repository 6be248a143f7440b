// Tests for reliability/: Young's and Daly's checkpoint intervals and Daly's expected run time
// against their limits and the optimality they claim (Young 1974; Daly 2006, FGCS 22(3)).
#include <doctest/doctest.h>

#include <cmath>
#include <stdexcept>

#include "approx.hpp"
#include "reliability/reliability.hpp"

using namespace trainsim;
using reliability::daly_expected_time;
using reliability::daly_interval;
using units::Seconds;

TEST_CASE("Daly's optimum interval tends to Young's sqrt(2 delta M) when checkpoints are short against the MTBF") {
  const Seconds delta(60), M(1e7);  // a minute against ~4 months
  CHECK(reliability::young_interval(delta, M).value() == test::rel(std::sqrt(2 * 60 * 1e7)));
  CHECK(daly_interval(delta, M).value() == test::rel(reliability::young_interval(delta, M).value(), 0.01));
  // and is M itself once a checkpoint takes longer than 2M (Daly 2006, eq. 37)
  CHECK(daly_interval(Seconds(3600), Seconds(1000)).value() == 1000.0);
}

TEST_CASE("Daly's optimum interval minimises his expected wall time within 1% (delta = M/100 and M/10)") {
  for (double ratio : {0.01, 0.1}) {
    CAPTURE(ratio);
    const Seconds M(3 * 3600.0), delta(ratio * 3 * 3600.0), R(600), Ts(30 * 86400.0);
    const double best = daly_interval(delta, M).value();
    double scanned = 0, lowest = INFINITY;
    for (double tau = 0.05 * best; tau < 5 * best; tau *= 1.001) {
      const double t = daly_expected_time(Ts, Seconds(tau), delta, R, M).value();
      if (t < lowest) lowest = t, scanned = tau;
    }
    CHECK(scanned == test::rel(best, 0.01));
    CHECK(daly_expected_time(Ts, Seconds(best), delta, R, M).value() == test::rel(lowest, 1e-4));
  }
}

TEST_CASE("without failures the run only pays its checkpoints: T_w -> T_s (tau + delta) / tau") {
  const Seconds Ts(1e6), tau(3600), delta(60), R(600), M(1e15);
  CHECK(daly_expected_time(Ts, tau, delta, R, M).value() == test::rel(1e6 * 3660.0 / 3600.0, 1e-6));
}

TEST_CASE("each interruption costs about the restart and half an interval of lost work when failures are rare") {
  // First order in 1/M: T_w ~ T_s (1 + delta/tau) (1 + (R + (tau + delta)/2) / M); within 0.1%
  const Seconds Ts(30 * 86400.0), tau(1800), delta(30), R(900), M(200 * 3600.0);
  const double first_order = Ts.value() * (1 + 30.0 / 1800) * (1 + (900 + (1800 + 30) / 2.0) / M.value());
  CHECK(daly_expected_time(Ts, tau, delta, R, M).value() == test::rel(first_order, 1e-3));
}

TEST_CASE("a run's outcome: Daly's interval unless one is given, failures T_w / M, goodput T_s / T_w") {
  reliability::Inputs in;
  in.failure_free = Seconds(54 * 86400.0);
  in.job_mtbf = Seconds(3.1 * 3600);
  in.checkpoint_write = Seconds(60);
  in.restart = Seconds(900);
  const auto optimal = reliability::expected_run(in);
  CHECK(optimal.optimal);
  CHECK(optimal.interval.value() == test::rel(daly_interval(in.checkpoint_write, in.job_mtbf).value()));
  CHECK(optimal.expected_failures == test::rel(optimal.expected.value() / in.job_mtbf.value()));
  CHECK(optimal.goodput == test::rel(in.failure_free.value() / optimal.expected.value()));
  CHECK(optimal.goodput < 1.0);
  in.interval = Seconds(4 * 3600.0);  // checkpointing too rarely loses more work
  const auto rare = reliability::expected_run(in);
  CHECK(!rare.optimal);
  CHECK(rare.goodput < optimal.goodput);
  in.interval = Seconds(0);
  CHECK_THROWS_AS(reliability::expected_run(in), std::invalid_argument);
}

TEST_CASE("the extra wall time splits into checkpoint writes, restarts and lost work (half an interval per failure)") {
  reliability::Inputs in;
  in.failure_free = Seconds(30 * 86400.0);
  in.job_mtbf = Seconds(200 * 3600.0);
  in.checkpoint_write = Seconds(30);
  in.restart = Seconds(900);
  in.interval = Seconds(1800);
  const auto o = reliability::expected_run(in);
  // checkpoints: T_s / tau x delta; restarts: failures x R; the rest is lost work
  CHECK(o.checkpointing.value() == test::rel(30 * 86400.0 / 1800 * 30));
  CHECK(o.restarting.value() == test::rel(o.expected_failures * 900));
  CHECK((o.checkpointing + o.restarting + o.lost_work).value() == test::rel(o.expected.value() - in.failure_free.value()));
  // first order in 1/M: each failure loses about half a segment (tau + delta)/2; within 5%
  CHECK(o.lost_work.value() == test::rel(o.expected_failures * (1800 + 30) / 2.0, 0.05));
}
