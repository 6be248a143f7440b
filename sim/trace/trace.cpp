// trace/trace: HDF5 writer (C API of HDF5 1.10, serial). Every call is checked; a failure throws
// and the temporary file is removed, so no half-written trace is left that looks complete.
#include "trace/trace.hpp"

#include "io/atomic_file.hpp"

#include <algorithm>
#include <cstddef>
#include <stdexcept>

#include <hdf5.h>

namespace trainsim::trace {

namespace {
// Owns one HDF5 identifier and closes it with the right function.
class Handle {
public:
  Handle(hid_t id, herr_t (*close)(hid_t), const char* what) : id_(id), close_(close) {
    if (id_ < 0) throw std::runtime_error(std::string("HDF5: cannot ") + what);
  }
  ~Handle() {
    if (id_ >= 0) close_(id_);
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  operator hid_t() const { return id_; }

private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

void check(herr_t status, const char* what) {
  if (status < 0) throw std::runtime_error(std::string("HDF5: cannot ") + what);
}

hid_t string_type() {
  hid_t t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, H5T_VARIABLE);
  H5Tset_cset(t, H5T_CSET_UTF8);
  return t;
}

void attr_string(hid_t where, const char* name, const std::string& value) {
  Handle type(string_type(), H5Tclose, "create a string type");
  Handle space(H5Screate(H5S_SCALAR), H5Sclose, "create a scalar space");
  Handle attr(H5Acreate2(where, name, type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose, name);
  const char* text = value.c_str();
  check(H5Awrite(attr, type, &text), name);
}

template <class T>
void attr_scalar(hid_t where, const char* name, hid_t type, T value) {
  Handle space(H5Screate(H5S_SCALAR), H5Sclose, "create a scalar space");
  Handle attr(H5Acreate2(where, name, type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose, name);
  check(H5Awrite(attr, type, &value), name);
}

// A chunked, shuffled and gzip-compressed dataset of `dims` (first dimension extensible).
void write_dataset(hid_t where, const char* name, hid_t type, const std::vector<hsize_t>& dims, const void* data) {
  std::vector<hsize_t> max(dims), chunk(dims);
  max[0] = H5S_UNLIMITED;
  const hsize_t row = std::max<hsize_t>(1, dims.size() > 1 ? dims[1] : 1);
  chunk[0] = std::max<hsize_t>(1, std::min<hsize_t>(std::max<hsize_t>(dims[0], 1), std::max<hsize_t>(1, 65536 / row)));
  for (std::size_t i = 1; i < chunk.size(); ++i) chunk[i] = std::max<hsize_t>(1, chunk[i]);
  Handle space(H5Screate_simple(int(dims.size()), dims.data(), max.data()), H5Sclose, name);
  Handle props(H5Pcreate(H5P_DATASET_CREATE), H5Pclose, "create dataset properties");
  check(H5Pset_chunk(props, int(chunk.size()), chunk.data()), "set chunking");
  check(H5Pset_shuffle(props), "set shuffle");
  check(H5Pset_deflate(props, 4), "set compression");
  Handle set(H5Dcreate2(where, name, type, space, H5P_DEFAULT, props, H5P_DEFAULT), H5Dclose, name);
  if (dims[0] > 0) check(H5Dwrite(set, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), name);
}

hid_t event_kind_type() {
  hid_t t = H5Tenum_create(H5T_NATIVE_UINT8);
  for (int k = 0; k < engine::kEventKinds; ++k) {
    std::uint8_t value = static_cast<std::uint8_t>(k);
    H5Tenum_insert(t, engine::to_string(static_cast<engine::EventKind>(k)), &value);
  }
  return t;
}

struct EventRow {
  std::int32_t rank, node;
  std::uint8_t kind;
  double start, end, flops, bytes;
  std::int32_t stage, microbatch, chunk, iteration;
};

void write_events(hid_t file, const TraceInput& in) {
  std::vector<EventRow> rows;
  rows.reserve(in.events.size());
  for (const auto& e : in.events)
    rows.push_back({e.rank, e.rank < int(in.node_of_rank.size()) ? in.node_of_rank[e.rank] : -1,
                    static_cast<std::uint8_t>(e.kind), e.start, e.end, e.flops, e.bytes, e.stage, e.microbatch, e.chunk,
                    e.iteration});
  std::stable_sort(rows.begin(), rows.end(), [](const EventRow& a, const EventRow& b) {
    return a.start != b.start ? a.start < b.start : a.rank < b.rank;
  });
  Handle kind(event_kind_type(), H5Tclose, "create the event kind type");
  check(H5Tcommit2(file, "event_kind", kind, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "store the event kind type");
  Handle type(H5Tcreate(H5T_COMPOUND, sizeof(EventRow)), H5Tclose, "create the event type");
  check(H5Tinsert(type, "rank", HOFFSET(EventRow, rank), H5T_NATIVE_INT32), "event.rank");
  check(H5Tinsert(type, "node", HOFFSET(EventRow, node), H5T_NATIVE_INT32), "event.node");
  check(H5Tinsert(type, "kind", HOFFSET(EventRow, kind), kind), "event.kind");
  check(H5Tinsert(type, "start", HOFFSET(EventRow, start), H5T_NATIVE_DOUBLE), "event.start");
  check(H5Tinsert(type, "end", HOFFSET(EventRow, end), H5T_NATIVE_DOUBLE), "event.end");
  check(H5Tinsert(type, "flops", HOFFSET(EventRow, flops), H5T_NATIVE_DOUBLE), "event.flops");
  check(H5Tinsert(type, "bytes", HOFFSET(EventRow, bytes), H5T_NATIVE_DOUBLE), "event.bytes");
  check(H5Tinsert(type, "stage", HOFFSET(EventRow, stage), H5T_NATIVE_INT32), "event.stage");
  check(H5Tinsert(type, "microbatch", HOFFSET(EventRow, microbatch), H5T_NATIVE_INT32), "event.microbatch");
  check(H5Tinsert(type, "chunk", HOFFSET(EventRow, chunk), H5T_NATIVE_INT32), "event.chunk");
  check(H5Tinsert(type, "iteration", HOFFSET(EventRow, iteration), H5T_NATIVE_INT32), "event.iteration");
  write_dataset(file, "events", type, {hsize_t(rows.size())}, rows.data());
}

void write_series(hid_t file, const TraceInput& in) {
  const auto& s = in.samples;
  const hsize_t steps = s.time.size();
  Handle power(H5Gcreate2(file, "power", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose, "create /power");
  attr_scalar(power, "interval_s", H5T_NATIVE_DOUBLE, s.interval_s);
  attr_scalar(power, "pue", H5T_NATIVE_DOUBLE, in.pue);
  write_dataset(power, "time", H5T_NATIVE_DOUBLE, {steps}, s.time.data());
  write_dataset(power, "node_watts", H5T_NATIVE_FLOAT, {steps, hsize_t(std::max(in.nodes, 1))}, in.node_watts.data());
  if (in.per_gpu_power)
    write_dataset(power, "gpu_watts", H5T_NATIVE_FLOAT, {steps, hsize_t(std::max(s.gpus, 1))}, s.gpu_watts.data());
  Handle links(H5Gcreate2(file, "links", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose, "create /links");
  write_dataset(links, "time", H5T_NATIVE_DOUBLE, {steps}, s.time.data());
  const hsize_t classes = s.link_classes.size();
  write_dataset(links, "utilization", H5T_NATIVE_FLOAT, {steps, std::max<hsize_t>(classes, 1)}, s.link_utilization.data());
  std::vector<const char*> names;
  for (const auto& n : s.link_classes) names.push_back(n.c_str());
  Handle str(string_type(), H5Tclose, "create a string type");
  write_dataset(links, "classes", str, {classes}, names.data());
  write_dataset(links, "capacity_bytes_per_s", H5T_NATIVE_DOUBLE, {classes}, s.link_capacity.data());
}

void write_file(const std::filesystem::path& path, const TraceInput& in) {
  Handle file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose, "create the file");
  attr_scalar(file, "schema_version", H5T_NATIVE_INT64, kSchemaVersion);
  attr_string(file, "trainsim_version", in.trainsim_version);
  attr_string(file, "created", in.created);
  attr_scalar(file, "seed", H5T_NATIVE_INT64, in.seed);
  attr_string(file, "scenario_name", in.scenario_name);
  attr_string(file, "platform_name", in.platform_name);
  attr_string(file, "scenario_yaml", in.scenario_yaml);
  attr_string(file, "platform_yaml", in.platform_yaml);
  attr_scalar(file, "tensor_symmetry", H5T_NATIVE_INT64, in.tensor_symmetry);
  {
    Handle summary(H5Gcreate2(file, "summary", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose, "create /summary");
    attr_string(summary, "json", in.summary_json);
    attr_scalar(summary, "iteration_time_s", H5T_NATIVE_DOUBLE, in.iteration_time_s);
    attr_scalar(summary, "tokens_per_s", H5T_NATIVE_DOUBLE, in.tokens_per_s);
    attr_scalar(summary, "mfu", H5T_NATIVE_DOUBLE, in.mfu);
    attr_scalar(summary, "time_to_train_s", H5T_NATIVE_DOUBLE, in.time_to_train_s);
    attr_scalar(summary, "carbon_kg", H5T_NATIVE_DOUBLE, in.carbon_kg);
    attr_scalar(summary, "memory_per_gpu_bytes", H5T_NATIVE_DOUBLE, in.memory_per_gpu_bytes);
    attr_scalar(summary, "gpus", H5T_NATIVE_INT64, in.gpus);
    attr_scalar(summary, "iterations", H5T_NATIVE_INT64, in.iterations);
  }
  write_events(file, in);
  write_series(file, in);
  check(H5Fflush(file, H5F_SCOPE_GLOBAL), "flush the file");
}
}  // namespace

void write_trace(const std::filesystem::path& destination, const TraceInput& input) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // errors become exceptions, not stderr dumps
  io::write_atomically(destination, [&](const std::filesystem::path& temporary) { write_file(temporary, input); });
}

}  // namespace trainsim::trace
