// Relative comparison for tests. doctest's Approx adds an absolute scale of 1.0 to its tolerance,
// which makes every comparison of microseconds or milliseconds pass; rel() compares relatively.
#pragma once

#include <limits>

#include <doctest/doctest.h>

namespace trainsim::test {

// |a - b| < eps x max(|a|, |b|), and exact equality (0 == 0) passes too: the smallest normal double
// as scale keeps doctest's strict "<" from failing on two exact zeros. Chain .epsilon(e) to loosen.
inline doctest::Approx rel(double expected, double eps = 1e-9) {
  return doctest::Approx(expected).epsilon(eps).scale(std::numeric_limits<double>::min());
}

}  // namespace trainsim::test
