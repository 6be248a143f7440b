// A simulated run's failures: the platform's reliability figures, the model's checkpoint and the
// simulated time to train combined as reliability/ says (docs/reliability-model.md).
#include <doctest/doctest.h>

#include <filesystem>

#include "approx.hpp"
#include "config/diagnostics.hpp"
#include "power/energy.hpp"
#include "reliability/reliability.hpp"
#include "scenario/scenario.hpp"
#include "topology/topology.hpp"
#include "training/run.hpp"
#include "workload/memory.hpp"
#include "workload/model.hpp"

using namespace trainsim;
using test::rel;

namespace {
const std::filesystem::path kValidation = std::filesystem::path(TRAINSIM_SOURCE_DIR) / "scenarios/validation";
}

TEST_CASE("a run on a platform with reliability figures reports its interruptions, checkpoints and goodput") {
  // The 22B model on one DGX A100 node (dgx-a100-1024.yaml: 8,090 GPU-hours per interruption,
  // checkpoints written at 273 GB/s and read at 1 TB/s, 10 minutes to restart), 20,000 iterations.
  const auto s = scenario::load_scenario(kValidation / "korthikanti-22b-full.yaml", {{"training.iterations", "20000"}});
  const auto r = training::run_scenario(s);
  REQUIRE(r.reliability);
  const auto& f = *r.reliability;
  CHECK(f.job_mtbf.value() == rel(8090 * 3600.0 / 8));
  const double checkpoint = 14.0 * workload::count_parameters(s.model).total;  // 16-bit weights + fp32 Adam state
  CHECK(f.checkpoint.value() == rel(checkpoint));
  CHECK(f.checkpoint_write.value() == rel(checkpoint / 273e9));
  CHECK(f.restart.value() == rel(600 + checkpoint / 1e12));
  reliability::Inputs in{r.time_to_train, f.job_mtbf, f.checkpoint_write, f.restart, std::nullopt};
  const auto expected = reliability::expected_run(in);
  CHECK(f.outcome.optimal);
  CHECK(f.outcome.expected.value() == rel(expected.expected.value()));
  CHECK(f.outcome.goodput < 1.0);
  CHECK(f.outcome.goodput > 0.9);  // one interruption per ~6 weeks of this node
  // energy with failures: lost work at the run's average IT power, checkpoint writes with the GPUs
  // waiting in the job, restarts at idle IT power, x PUE
  const topology::Topology t(s.platform);
  const double overhead = r.energy.average_it_power.value() * f.outcome.lost_work.value() +
                          power::waiting_it_power(s.platform, t, r.gpus).value() * f.outcome.checkpointing.value() +
                          power::idle_it_power(s.platform, t, r.gpus).value() * f.outcome.restarting.value();
  CHECK(f.expected_energy.value() == rel(r.energy.total.value() + overhead * s.platform.facility.pue));
  CHECK(f.expected_energy.value() < r.energy.total.value() / f.outcome.goodput);  // stalls draw less than training
  REQUIRE(f.expected_cost);
  REQUIRE(r.cost);
  CHECK(f.expected_cost->total > r.cost->total);  // the hardware is held T_w instead of T_s
}

TEST_CASE("a checkpoint interval is refused on a platform that describes no failures, and used where it does") {
  const auto v100 = std::filesystem::path(TRAINSIM_SOURCE_DIR) / "scenarios/validation/gpt3-175b-v100-patterson.yaml";
  try {
    scenario::load_scenario(v100, {{"training.checkpoint_interval", "1 h"}});
    FAIL("accepted");
  } catch (const config::ConfigError& e) {
    CHECK(std::string(e.what()).find("checkpoint_interval needs failures to trade against") != std::string::npos);
  }
  const auto s = scenario::load_scenario(kValidation / "korthikanti-22b-full.yaml", {{"training.checkpoint_interval", "2 h"}});
  REQUIRE(s.training.checkpoint_interval);
  CHECK(s.training.checkpoint_interval->value() == rel(7200.0));
}

TEST_CASE("Llama 3 405B's failure rate, storage and checkpoint are consistent with its reported >90% effective training time") {
  // Llama 3 paper (2024), section 3.3: 16,384 H100s, one unexpected interruption per 50,700
  // GPU-hours (h100-16k.yaml), checkpoints to Tectonic at 2 TB/s; the 405B model: 126 layers,
  // hidden 16,384, 128 heads (8 KV), SwiGLU 53,248, vocabulary 128,256, untied embeddings. The
  // restart time is the platform's assumption (10 minutes): this is a consistency check, not a
  // validation (docs/reliability-model.md).
  workload::TransformerModel llama3;
  llama3.layers = 126, llama3.hidden = 16384, llama3.heads = 128, llama3.kv_heads = 8, llama3.ffn_hidden = 53248;
  llama3.vocab = 128256, llama3.sequence = 8192;
  llama3.activation = workload::Activation::swiglu, llama3.norm = workload::Norm::rmsnorm;
  llama3.position = workload::PositionEmbedding::rotary, llama3.tied_embeddings = false, llama3.biases = false;
  const double params = workload::count_parameters(llama3).total;
  CHECK(params == rel(405e9).epsilon(0.01));
  const double checkpoint = 14 * params;
  reliability::Inputs in;
  in.failure_free = units::Seconds(54 * 86400.0);
  in.job_mtbf = units::Seconds(50700 * 3600.0 / 16384);
  in.checkpoint_write = units::Seconds(checkpoint / 2e12);
  in.restart = units::Seconds(600 + checkpoint / 2e12);
  const auto o = reliability::expected_run(in);
  MESSAGE("Llama 3 405B: job MTBF " << in.job_mtbf.value() / 3600 << " h, checkpoint " << checkpoint / 1e12
                                    << " TB every " << o.interval.value() << " s, goodput " << o.goodput);
  CHECK(o.goodput > 0.90);
  CHECK(o.goodput < 0.95);
}
