// Tests for trace/: the file follows docs/trace-format.md and is written atomically.
#include <doctest/doctest.h>

#include <filesystem>

#include <hdf5.h>

#include "trace/trace.hpp"

using namespace trainsim;

namespace {
trace::TraceInput small_input() {
  trace::TraceInput in;
  in.trainsim_version = "test";
  in.scenario_name = "s";
  in.scenario_yaml = "name: s\n";
  in.summary_json = "{\"gpus\": 2}";
  in.gpus = 2;
  in.node_of_rank = {0, 0};
  engine::Event late{1, engine::EventKind::backward, 2.0, 3.0, 1e12, 0, 0, 0, 0, 0};
  engine::Event early{0, engine::EventKind::forward, 0.0, 1.0, 5e11, 0, 0, 0, 0, 0};
  in.events = {late, early};
  in.samples.interval_s = 1;
  in.samples.time = {1, 2, 3};
  in.samples.gpus = 2;
  in.samples.gpu_watts = {100, 100, 400, 100, 100, 400};
  in.samples.link_classes = {"nvlink", "access"};
  in.samples.link_capacity = {6e11, 5e10};
  in.samples.link_utilization = {0, 0.5, 0.1, 0, 0, 0};
  in.nodes = 1;
  in.node_watts = {1200, 1500, 1500};
  return in;
}

std::filesystem::path temp_path(const char* name) { return std::filesystem::temp_directory_path() / name; }
}  // namespace

TEST_CASE("a trace has the schema version, the summary, sorted events with kind names, power and links") {
  auto path = temp_path("trainsim-test-trace.h5");
  trace::write_trace(path, small_input());
  hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  REQUIRE(file >= 0);
  std::int64_t version = 0;
  hid_t attr = H5Aopen(file, "schema_version", H5P_DEFAULT);
  H5Aread(attr, H5T_NATIVE_INT64, &version);
  H5Aclose(attr);
  CHECK(version == trace::kSchemaVersion);
  CHECK(H5Lexists(file, "summary", H5P_DEFAULT) > 0);
  hid_t events = H5Dopen2(file, "events", H5P_DEFAULT);
  hid_t space = H5Dget_space(events);
  hsize_t n = 0;
  H5Sget_simple_extent_dims(space, &n, nullptr);
  CHECK(n == 2);
  // The first row is the earliest event: rank 0's forward.
  hid_t type = H5Tcreate(H5T_COMPOUND, sizeof(std::int32_t));
  H5Tinsert(type, "rank", 0, H5T_NATIVE_INT32);
  std::int32_t ranks[2] = {-1, -1};
  H5Dread(events, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, ranks);
  CHECK(ranks[0] == 0);
  CHECK(ranks[1] == 1);
  // The kind column is an enum that names its values.
  hid_t kind = H5Topen2(file, "event_kind", H5P_DEFAULT);
  char name[32] = {0};
  std::uint8_t backward = 1;
  H5Tenum_nameof(kind, &backward, name, sizeof name);
  CHECK(std::string(name) == "backward");
  CHECK(H5Lexists(file, "power", H5P_DEFAULT) > 0);
  CHECK(H5Lexists(file, "links", H5P_DEFAULT) > 0);
  H5Tclose(kind);
  H5Tclose(type);
  H5Sclose(space);
  H5Dclose(events);
  H5Fclose(file);
  std::filesystem::remove(path);
}

TEST_CASE("a trace that cannot be written leaves nothing behind and says which file") {
  auto dir = temp_path("trainsim-no-such-dir");
  std::filesystem::remove_all(dir);
  auto path = dir / "run.h5";
  CHECK_THROWS_WITH(trace::write_trace(path, small_input()), doctest::Contains("run.h5"));
  CHECK(!std::filesystem::exists(dir));
}
