// Tests for sweep/: the points of a sweep and the rows of its table.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "sweep/sweep.hpp"

using namespace trainsim;

namespace {
std::size_t fields(const std::string& line) {  // commas outside quotes, plus one
  std::size_t n = 1;
  bool quoted = false;
  for (char c : line) {
    if (c == '"') quoted = !quoted;
    else if (c == ',' && !quoted) ++n;
  }
  return n;
}
}  // namespace

TEST_CASE("a sweep's points are every combination of its axes, the first axis varying slowest") {
  const std::vector<scenario::SweepAxis> axes{{"platform.gpu.nvlink_bandwidth", {"600 GB/s", "400 GB/s"}},
                                              {"cluster.gpus", {"512", "1024", "2048"}}};
  const auto p = sweep::points(axes);
  REQUIRE(p.size() == 6);
  CHECK(p[0] == std::vector<scenario::Override>{{"platform.gpu.nvlink_bandwidth", "600 GB/s"}, {"cluster.gpus", "512"}});
  CHECK(p[2][1].second == "2048");
  CHECK(p[3] == std::vector<scenario::Override>{{"platform.gpu.nvlink_bandwidth", "400 GB/s"}, {"cluster.gpus", "512"}});
  CHECK(sweep::points({}).empty());
}

TEST_CASE("sweep table rows have the header's columns, ran or failed, with awkward values quoted") {
  const std::vector<scenario::SweepAxis> axes{{"platform.gpu.name", {"A100, rev \"B\""}}};
  const auto header = sweep::table_header(axes);
  CHECK(header.rfind("point,platform.gpu.name,status,gpus,iteration_time_s,", 0) == 0);
  results::RunResult r;
  r.gpus = 1024;
  r.breakdown.iteration = units::Seconds(27.9);
  r.time_to_train = units::Seconds(86400 * 2.5);
  const std::vector<scenario::Override> values{{"platform.gpu.name", "A100, rev \"B\""}};
  const auto ok = sweep::table_row(7, values, r, "points/point-0007.json");
  CHECK(ok.rfind("7,\"A100, rev \"\"B\"\"\",ok,1024,27.9,", 0) == 0);
  CHECK(ok.find(",2.5,,,") != std::string::npos);  // time to train in days; no reliability figures
  CHECK(fields(ok) == fields(header));
  const auto failed = sweep::failed_row(8, values, "file.yaml:3:1: error: one\nfile.yaml:4:1: error: two\n");
  CHECK(fields(failed) == fields(header));
  CHECK(failed.find("error: one | file.yaml:4:1: error: two") != std::string::npos);  // one line per point
  CHECK(failed.find('\n') == std::string::npos);
}
