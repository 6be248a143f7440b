// scenario/load: the scenario schema, model presets, overrides and cluster resizing; the checks that
// need model, plan and platform together are in scenario/feasibility.
#include <algorithm>
#include <cmath>

#include "config/catalog.hpp"
#include "config/reader.hpp"
#include "platform/load.hpp"
#include "scenario/feasibility.hpp"
#include "scenario/scenario.hpp"
#include "units/parse.hpp"

namespace trainsim::scenario {

using config::Diagnostics;
using config::Document;
using config::Need;
using config::Reader;
using config::Sign;
using config::Value;
using namespace workload;

namespace {

template <class Enum>
std::optional<Enum> pick(Reader& r, const std::string& key, const std::vector<std::pair<std::string, Enum>>& options) {
  std::vector<std::string> names;
  for (const auto& o : options) names.push_back(o.first);
  auto chosen = r.choice(key, Need::optional, names);
  if (!chosen) return std::nullopt;
  for (const auto& o : options)
    if (o.first == *chosen) return o.second;
  return std::nullopt;
}

TransformerModel read_model(Reader& r, const std::string& name) {
  TransformerModel m;
  m.name = name;
  r.value("extends", Need::optional);
  r.string("description", Need::optional);
  if (auto own = r.string("name", Need::optional)) m.name = *own;
  auto i = [&](const char* key, Need need, long long max) { return static_cast<int>(r.integer(key, need, 1, max).value_or(1)); };
  m.layers = i("layers", Need::required, 100000);
  m.hidden = i("hidden", Need::required, 1 << 22);
  m.heads = i("heads", Need::required, 1 << 16);
  m.kv_heads = r.has("kv_heads") ? i("kv_heads", Need::required, 1 << 16) : m.heads;
  m.ffn_hidden = i("ffn_hidden", Need::required, 1 << 24);
  m.vocab = i("vocab", Need::required, 1 << 24);
  m.sequence = i("sequence", Need::required, 1 << 24);
  m.activation = pick<Activation>(r, "activation", {{"gelu", Activation::gelu}, {"relu", Activation::relu}, {"swiglu", Activation::swiglu}}).value_or(Activation::gelu);
  m.norm = pick<Norm>(r, "norm", {{"layernorm", Norm::layernorm}, {"rmsnorm", Norm::rmsnorm}}).value_or(Norm::layernorm);
  m.position = pick<PositionEmbedding>(r, "position", {{"learned", PositionEmbedding::learned}, {"rotary", PositionEmbedding::rotary}, {"alibi", PositionEmbedding::alibi}})
                   .value_or(PositionEmbedding::learned);
  m.tied_embeddings = r.boolean("tied_embeddings", Need::optional).value_or(true);
  m.biases = r.boolean("biases", Need::optional).value_or(true);
  if (auto moe = r.map("moe", Need::optional)) {
    m.moe.experts = static_cast<int>(moe->integer("experts", Need::required, 1, 1 << 16).value_or(0));
    m.moe.top_k = static_cast<int>(moe->integer("top_k", Need::required, 1, 1 << 10).value_or(1));
    m.moe.every = static_cast<int>(moe->integer("every", Need::optional, 1, 1 << 10).value_or(1));
    m.moe.capacity_factor = moe->number("capacity_factor", Need::optional, 0.1, 100).value_or(1.0);
    moe->reject_unknown_keys();
  }
  if (m.hidden % m.heads != 0)
    r.error(r.location_of("heads"), "hidden size " + std::to_string(m.hidden) + " is not a multiple of the " +
                                        std::to_string(m.heads) + " heads (expected hidden = heads x head size)");
  if (m.heads % m.kv_heads != 0)
    r.error(r.location_of("kv_heads"), "kv_heads " + std::to_string(m.kv_heads) + " does not divide heads " +
                                           std::to_string(m.heads) + " (grouped-query attention shares K/V among heads)");
  r.reject_unknown_keys();
  return m;
}

ParallelPlan read_plan(Reader& r) {
  ParallelPlan p;
  auto i = [&](const char* key, Need need, long long min, long long max, int fallback) {
    return static_cast<int>(r.integer(key, need, min, max).value_or(fallback));
  };
  p.data = i("data", Need::required, 1, 1 << 24, 1);
  p.tensor = i("tensor", Need::optional, 1, 1 << 12, 1);
  p.pipeline = i("pipeline", Need::optional, 1, 1 << 12, 1);
  p.expert = i("expert", Need::optional, 1, 1 << 16, 1);
  p.sequence_parallel = r.boolean("sequence_parallel", Need::optional).value_or(false);
  p.micro_batch = i("micro_batch", Need::required, 1, 1 << 20, 1);
  p.global_batch = i("global_batch", Need::required, 1, 1 << 26, 1);
  p.schedule = pick<PipelineSchedule>(r, "schedule", {{"1f1b", PipelineSchedule::one_f_one_b}, {"interleaved", PipelineSchedule::interleaved}})
                   .value_or(PipelineSchedule::one_f_one_b);
  p.virtual_stages = i("virtual_stages", Need::optional, 1, 1 << 10, 1);
  if (auto n = r.integer("first_stage_layers", Need::optional, 0, 1 << 20)) p.first_stage_layers = static_cast<int>(*n);
  if (auto n = r.integer("last_stage_layers", Need::optional, 0, 1 << 20)) p.last_stage_layers = static_cast<int>(*n);
  p.zero_stage = i("zero_stage", Need::optional, 0, 3, 0);
  p.recompute = pick<Recomputation>(r, "recompute", {{"none", Recomputation::none}, {"selective", Recomputation::selective}, {"full", Recomputation::full}})
                    .value_or(Recomputation::none);
  p.precision = pick<TrainingPrecision>(r, "precision", {{"bf16", TrainingPrecision::bf16}, {"fp16", TrainingPrecision::fp16}, {"fp8", TrainingPrecision::fp8}})
                    .value_or(TrainingPrecision::bf16);
  p.overlap_gradient_reduction = r.boolean("overlap_gradient_reduction", Need::optional).value_or(true);
  p.overlap_parameter_gather = r.boolean("overlap_parameter_gather", Need::optional).value_or(false);
  p.overlap_tensor_parallel_comm = r.boolean("overlap_tensor_parallel_comm", Need::optional).value_or(false);
  p.data_parallel_algorithm =
      pick<DataParallelAlgorithm>(r, "data_parallel_algorithm",
                                  {{"auto", DataParallelAlgorithm::automatic}, {"ring", DataParallelAlgorithm::ring},
                                   {"hierarchical", DataParallelAlgorithm::hierarchical},
                                   {"pipelined", DataParallelAlgorithm::pipelined}, {"tree", DataParallelAlgorithm::tree}})
          .value_or(DataParallelAlgorithm::automatic);
  r.reject_unknown_keys();
  return p;
}

Implementation read_implementation(std::optional<Reader> r) {
  Implementation o;
  o.reserved = units::Bytes(2.0 * units::gibi);  // default: CUDA context, NCCL buffers, allocator slack
  if (!r) return o;
  o.flash_attention = r->boolean("flash_attention", Need::optional).value_or(false);
  if (auto kernel = pick<AttentionKernel>(*r, "attention_kernel",
                                          {{"flash2", AttentionKernel::flash2},
                                           {"flash3", AttentionKernel::flash3},
                                           {"cudnn", AttentionKernel::cudnn}})) {
    o.attention_kernel = *kernel;
    if (!o.flash_attention)
      r->error(r->location_of("attention_kernel"),
               "attention_kernel names the fused kernel that flash attention runs (expected flash_attention: true, "
               "or no attention_kernel)");
  }
  o.dropout = r->boolean("dropout", Need::optional).value_or(true);
  o.distribute_saved_activations = r->boolean("distribute_saved_activations", Need::optional).value_or(false);
  o.kernels = pick<LayerKernels>(*r, "kernels", {{"megatron", LayerKernels::megatron}, {"metaseq", LayerKernels::metaseq}})
                  .value_or(LayerKernels::megatron);
  o.all_reduce_sharded_gradients =
      pick<bool>(*r, "gradient_reduction", {{"reduce_scatter", false}, {"all_reduce", true}}).value_or(false);
  o.gradient_accumulation = pick<GradientAccumulation>(*r, "gradient_accumulation",
                                                       {{"fused", GradientAccumulation::fused},
                                                        {"into_grad", GradientAccumulation::into_grad},
                                                        {"into_buffer", GradientAccumulation::into_buffer},
                                                        {"convert_then_add", GradientAccumulation::convert_then_add}})
                                .value_or(GradientAccumulation::fused);
  o.fp8_scaling = pick<Fp8Scaling>(*r, "fp8_scaling", {{"delayed", Fp8Scaling::delayed}, {"current", Fp8Scaling::current}})
                      .value_or(Fp8Scaling::delayed);
  o.state.gradients = r->number("gradient_bytes", Need::optional, 1, 8).value_or(o.state.gradients);
  if (auto reserved = r->bytes("reserved_memory", Need::optional, Sign::non_negative)) o.reserved = *reserved;
  r->reject_unknown_keys();
  return o;
}

}  // namespace

namespace {
std::optional<long long> whole_number(const std::optional<Value>& v) {
  if (!v || !v->is_scalar()) return std::nullopt;
  try {
    std::size_t used = 0;
    const long long n = std::stoll(v->scalar(), &used);
    if (used == v->scalar().size() && n > 0) return n;
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

// A scenario's `platform.file`, relative to the scenario file's folder unless absolute.
std::filesystem::path platform_path(const Value& file_entry, const std::filesystem::path& scenario_file) {
  std::filesystem::path path = file_entry.scalar();
  return path.is_relative() ? scenario_file.parent_path() / path : path;
}

// `cluster.gpus` (the what-if "half the cluster"): the platform resized to gpus / GPUs-per-node
// nodes and the data-parallel degree to gpus / (tensor x pipeline), by rewriting
// platform.network.nodes and parallel.data before the scenario is read. Only when both divide:
// otherwise nothing is rewritten and check_cluster_size() reports why. Returns whether it did.
bool resize_cluster(Document& doc, const std::filesystem::path& file) {
  const auto cluster = doc.root().get("cluster");
  const auto gpus = cluster && cluster->is_map() ? whole_number(cluster->get("gpus")) : std::nullopt;
  const auto section = doc.root().get("platform");
  const auto platform_file = section && section->is_map() ? section->get("file") : std::nullopt;
  if (!gpus || !platform_file) return false;
  const long long total = *gpus;  // a plain copy: GCC 12 cannot see that the optional is set below
  int per_node = 0;
  try {  // errors in the platform are reported when the scenario reads it
    per_node = platform::load_platform(Document::load(platform_path(*platform_file, file)), &*section).node.gpus;
  } catch (const config::ConfigError&) {
    return false;
  }
  const auto plan = doc.root().get("parallel");
  auto degree = [&](const char* key) {
    return plan && plan->is_map() ? whole_number(plan->get(key)).value_or(1) : 1;
  };
  const long long model_parallel = degree("tensor") * degree("pipeline");
  if (per_node <= 0 || total % per_node != 0 || total % model_parallel != 0) return false;
  doc.set("platform.network.nodes", std::to_string(total / per_node), "cluster.gpus");
  doc.set("parallel.data", std::to_string(total / model_parallel), "cluster.gpus");
  return true;
}

// `sweep:` maps dotted --set paths to lists of values: `cluster.gpus: [512, 1024]`.
std::vector<SweepAxis> read_sweep(const Value& v, Diagnostics& d) {
  std::vector<SweepAxis> axes;
  if (!v.is_map()) {
    d.error(v.location(), "'sweep' must map --set paths to lists of values (e.g. cluster.gpus: [512, 1024])");
    return axes;
  }
  for (const auto& path : v.keys()) {
    const Value values = *v.get(path);
    if (path.rfind("sweep", 0) == 0) {
      d.error(v.key_location(path), "a sweep cannot vary its own axes ('" + path + "')");
      continue;
    }
    SweepAxis axis{path, {}};
    for (const auto& item : values.is_sequence() ? values.items() : std::vector<Value>{})
      if (item.is_scalar()) axis.values.push_back(item.scalar());
    if (!values.is_sequence() || axis.values.empty() || axis.values.size() != values.items().size()) {
      d.error(values.location(), "sweep axis '" + path + "' needs a non-empty list of plain values (expected e.g. [" +
                                     "400 GB/s, 600 GB/s])");
      continue;
    }
    axes.push_back(std::move(axis));
  }
  return axes;
}

void check_cluster_size(const Scenario& s, Reader& root) {
  auto cluster = root.map("cluster", Need::optional);
  if (!cluster) return;
  const auto gpus = cluster->integer("gpus", Need::required, 1, 1LL << 24);
  cluster->reject_unknown_keys();
  if (!gpus || !root.diagnostics().ok()) return;
  const long long per_node = s.platform.node.gpus, model_parallel = 1LL * s.plan.tensor * s.plan.pipeline;
  auto problem = [&](const std::string& why) {
    root.error(cluster->location_of("gpus"), "cluster.gpus " + std::to_string(*gpus) + " " + why);
  };
  if (*gpus % per_node != 0)
    problem("is not a multiple of the " + std::to_string(per_node) + " GPUs per " + s.platform.node.name +
            " node (expected a multiple of " + std::to_string(per_node) + ")");
  else if (*gpus % model_parallel != 0)
    problem("is not a multiple of tensor x pipeline = " + std::to_string(model_parallel) +
            " (expected a multiple, so that data parallelism can take the rest)");
}
}  // namespace

long long Scenario::iterations() const {
  if (training.iterations) return *training.iterations;
  double tokens_per_iteration = double(plan.global_batch) * model.sequence;
  return static_cast<long long>(std::ceil(training.tokens.value_or(0) / tokens_per_iteration));
}

std::optional<Override> parse_override(const std::string& text) {
  auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0) return std::nullopt;
  std::string value = text.substr(eq + 1);
  if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front())
    value = value.substr(1, value.size() - 2);
  return Override{text.substr(0, eq), value};
}

Scenario load_scenario(const std::filesystem::path& file, const std::vector<Override>& overrides) {
  Document doc = Document::load(file);
  // The run's length is tokens or iterations: overriding one replaces the file's other (overriding
  // both is still the error below).
  auto overridden = [&](const std::string& path) {
    return std::any_of(overrides.begin(), overrides.end(), [&](const Override& o) { return o.first == path; });
  };
  for (const auto& [one, other] : {std::pair{"training.tokens", "training.iterations"},
                                   std::pair{"training.iterations", "training.tokens"}})
    if (overridden(one) && !overridden(other)) doc.erase(other);
  for (const auto& [path, value] : overrides) doc.set(path, value, "--set " + path);
  const bool resized = resize_cluster(doc, file);
  Diagnostics d;
  Scenario s;
  s.file = file;
  s.scenario_yaml = overrides.empty() && !resized ? doc.text() : doc.dump();
  Reader root(doc.root(), d, "scenario");
  s.name = root.string("name", Need::required).value_or("");
  root.string("description", Need::optional);

  // The platform: a file, amended by the rest of the `platform:` map.
  if (auto section = root.value("platform", Need::required)) {
    auto path = section->get("file");
    if (!section->is_map() || !path) {
      d.error(section->location(), "'platform' must be a map with 'file: PLATFORM.yaml' (and optional overrides)");
    } else {
      try {
        Document platform_doc = Document::load(platform_path(*path, file));
        s.platform_yaml = platform_doc.text();
        s.platform = platform::load_platform(platform_doc, &*section);
      } catch (const config::ConfigError& e) {
        for (const auto& item : e.diagnostics().items()) d.error(item.where, item.message);
      }
    }
  }

  config::Catalogs catalogs;
  if (auto c = root.value("catalog", Need::optional)) catalogs.load(*c, d);
  catalogs.check_sections({"models"}, d);
  std::string model_name;
  if (root.value("model", Need::required))
    if (auto layers = config::entry_layers({doc.root()}, "model", catalogs, "models", "model", d, model_name)) {
      Reader r(*layers, d, "model '" + model_name + "'");
      s.model = read_model(r, model_name);
    }
  if (auto r = root.map("parallel", Need::required)) s.plan = read_plan(*r);
  s.implementation = read_implementation(root.map("implementation", Need::optional));
  if (auto r = root.map("training", Need::required)) {
    s.training.tokens = r->number("tokens", Need::optional, 1, 1e18);
    s.training.iterations = r->integer("iterations", Need::optional, 1, 1LL << 40);
    s.training.seed = static_cast<std::uint64_t>(r->integer("seed", Need::optional, 0, 1LL << 62).value_or(1));
    s.training.checkpoint_interval = r->seconds("checkpoint_interval", Need::optional, Sign::positive);
    if (s.training.checkpoint_interval && !s.platform.reliability)
      d.error(r->location_of("checkpoint_interval"),
              "checkpoint_interval needs failures to trade against (expected a reliability: section in the platform, "
              "docs/reliability-model.md)");
    if (s.training.tokens.has_value() == s.training.iterations.has_value())
      d.error(r->location(), "training needs exactly one of 'tokens' or 'iterations'");
    r->reject_unknown_keys();
  }
  if (auto v = root.value("validation", Need::optional)) {
    // One published figure (a map) or several (a list of maps).
    for (const auto& item : v->is_sequence() ? v->items() : std::vector<Value>{*v}) {
      Reader r(item, d, "validation");
      PublishedFigure f;
      f.source = r.string("source", Need::required).value_or("");
      f.metric = r.choice("metric", Need::required,
                          {"hardware_tflops_per_gpu", "model_tflops_per_gpu", "iteration_time_s", "time_to_train_days",
                           "tokens_per_s", "energy_mwh", "carbon_t", "peak_node_power_kw"})
                     .value_or("");
      f.value = r.number("published", Need::required, 0, 1e30).value_or(0);
      f.bound = r.number("bound", Need::optional, 0, 10);
      f.bound_reason = r.string("bound_reason", Need::optional).value_or("");
      if (f.bound.has_value() != !f.bound_reason.empty())
        d.error(r.location(), "a validation 'bound' and its 'bound_reason' go together (expected both: the "
                              "bound on |error| as a fraction and why this figure is not held to the target)");
      r.reject_unknown_keys();
      s.published.push_back(f);
    }
  }
  if (auto a = root.value("assumptions", Need::optional))
    for (const auto& item : a->items()) s.assumptions.push_back(item.scalar());
  if (auto v = root.value("sweep", Need::optional)) s.sweep = read_sweep(*v, d);
  check_cluster_size(s, root);
  root.reject_unknown_keys();
  if (d.ok()) check_feasibility(s, root);
  d.throw_if_any();
  return s;
}

}  // namespace trainsim::scenario
