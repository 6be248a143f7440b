// Relative comparison for tests. doctest's Approx adds an absolute scale of 1.0 to its tolerance,
// which makes every comparison of microseconds or milliseconds pass; rel() compares relatively.
#pragma once

#include <doctest/doctest.h>

namespace trainsim::test {

// |a - b| <= eps x max(|a|, |b|). Chain .epsilon(e) for a looser tolerance.
inline doctest::Approx rel(double expected, double eps = 1e-9) { return doctest::Approx(expected).epsilon(eps).scale(0); }

}  // namespace trainsim::test
