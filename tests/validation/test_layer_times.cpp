// The compute model plus tensor-parallel communication against a measured layer: Korthikanti et
// al. 2022, Table 4 — one layer of the 22B GPT (h 6144, 64 heads, s 2048, tensor 8, micro-batch
// 4, A100 80GB): 7.7 ms forward, 11.9 ms backward without recomputation; backward 19.5 ms with
// full recomputation and 13.2 ms with selective recomputation; with sequence parallelism 7.2 ms
// forward, 11.8 ms backward, and 13.1 ms backward with selective recomputation.
#include <doctest/doctest.h>

#include "approx.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "approx.hpp"
#include "scenario/scenario.hpp"
#include "topology/topology.hpp"
#include "compute/kernel_time.hpp"
#include "training/costs.hpp"
#include "workload/ops.hpp"

using namespace trainsim;

namespace {
scenario::Scenario scenario_22b(const char* recompute, const char* sequence_parallel = "false",
                                const char* distribute_saved_activations = "false", const char* overlap_tp = "false") {
  auto file = std::filesystem::path(TRAINSIM_SOURCE_DIR) / "scenarios/validation/korthikanti-22b-full.yaml";
  // One layer, as the paper measures it (the whole 48-layer model does not fit without recomputation).
  return scenario::load_scenario(file, {{"parallel.recompute", recompute},
                                        {"parallel.sequence_parallel", sequence_parallel},
                                        {"implementation.distribute_saved_activations", distribute_saved_activations},
                                        {"parallel.overlap_tensor_parallel_comm", overlap_tp},
                                        {"model.layers", "1"}});
}

training::LayerPassTimes layer_22b(const char* recompute, const char* sequence_parallel = "false",
                                   const char* distribute_saved_activations = "false", const char* overlap_tp = "false") {
  auto s = scenario_22b(recompute, sequence_parallel, distribute_saved_activations, overlap_tp);
  topology::Topology t(s.platform);
  return training::layer_pass_times(s, t, 0);
}
}  // namespace

TEST_CASE("a 22B GPT layer on 8 A100s takes Korthikanti et al.'s measured times within 15%") {
  auto none = layer_22b("none"), full = layer_22b("full"), selective = layer_22b("selective");
  std::printf("22B layer: forward %.2f ms (published 7.7), backward %.2f ms (11.9), "
              "backward with full recomputation %.2f ms (19.5), with selective %.2f ms (13.2)\n",
              none.forward.value() * 1e3, none.backward.value() * 1e3, full.backward.value() * 1e3,
              selective.backward.value() * 1e3);
  CHECK(none.forward.value() == trainsim::test::rel(7.7e-3).epsilon(0.15));
  CHECK(none.backward.value() == trainsim::test::rel(11.9e-3).epsilon(0.15));
  CHECK(full.backward.value() == trainsim::test::rel(19.5e-3).epsilon(0.15));
  CHECK(selective.backward.value() == trainsim::test::rel(13.2e-3).epsilon(0.15));
}

TEST_CASE("sequence parallelism saves a 22B layer's forward time but not its backward, as Korthikanti et al. measured") {
  // Table 4: forward 7.7 -> 7.2 ms (norms and dropouts on 1/8 of the tokens), backward 11.9 ->
  // 11.8 ms and 13.2 -> 13.1 ms with selective recomputation: the backward re-gathers of the
  // sequence-sharded inputs cost about what the smaller norms save.
  auto none = layer_22b("none"), sp = layer_22b("none", "true");
  auto selective = layer_22b("selective"), selective_sp = layer_22b("selective", "true");
  std::printf("22B layer with sequence parallelism: forward %.2f ms (published 7.2), backward %.2f ms (11.8), "
              "backward with selective recomputation %.2f ms (13.1)\n",
              sp.forward.value() * 1e3, sp.backward.value() * 1e3, selective_sp.backward.value() * 1e3);
  CHECK(sp.forward.value() == trainsim::test::rel(7.2e-3).epsilon(0.15));
  CHECK(sp.backward.value() == trainsim::test::rel(11.8e-3).epsilon(0.15));
  CHECK(selective_sp.backward.value() == trainsim::test::rel(13.1e-3).epsilon(0.15));
  // The published differences: forward -6.5%, backward -0.8%. The model must reproduce that the
  // forward gains clearly and the backward gains (or loses) at most 3%.
  CHECK(sp.forward.value() < 0.97 * none.forward.value());
  CHECK(std::abs(sp.backward.value() / none.backward.value() - 1.0) < 0.03);
  CHECK(std::abs(selective_sp.backward.value() / selective.backward.value() - 1.0) < 0.03);
}

TEST_CASE("distributed saved activations add one all-gather of the layer input (half a TP all-reduce) to the recomputing backward") {
  auto full = layer_22b("full"), distributed = layer_22b("full", "false", "true");
  const double all_reduce = full.forward_comm.value() / 2;  // the forward runs two
  CHECK(distributed.backward_comm.value() - full.backward_comm.value() == trainsim::test::rel(0.5 * all_reduce, 1e-9));
  CHECK(distributed.forward.value() == trainsim::test::rel(full.forward.value(), 1e-12));
}

TEST_CASE("overlapped TP communication exposes c/t beside a longer GEMM, c - g' + g'/t beside a shorter one, plus the GEMM's cost") {
  // Megatron-Core's --tp-comm-overlap: each sequence-parallel collective (c, half an all-reduce)
  // pipelined in t = 8 chunks with its GEMM, which Transformer Engine runs as its method says (g'):
  // QKV and MLP up in t chunks beside 1 SM of copy-engine ring exchange, the projection and MLP
  // down in 4 chunks beside a 16-SM reduce-scatter. The pass counts the GEMM alone (g), so each
  // pair exposes max(c, g') + min(c, g')/t - g. Forward: the four linears' GEMMs.
  const auto plain = layer_22b("none", "true"), overlapped = layer_22b("none", "true", "false", "true");
  const double c = plain.forward_comm.value() / 4, t = 8;  // the forward runs four halves
  const auto s = scenario_22b("none", "true", "false", "true");
  compute::KernelModel km(s.platform.gpu, s.plan.precision);
  double expected = 0, gemm_cost = 0;
  int linears = 0;
  for (const auto& k : workload::layer_forward_kernels(s.model, s.plan, s.implementation, 0))
    if (k.name == "QKV" || k.name == "attention projection" || k.name == "MLP up" || k.name == "MLP down") {
      const bool column = k.name == "QKV" || k.name == "MLP up";
      const double g = km.time(k).time.value();
      const double g_beside = std::max(g, km.time_beside_communication(k, column ? 8 : 4, column ? 1 : 16).value());
      expected += std::max(c, g_beside) + std::min(c, g_beside) / t - g;
      gemm_cost += g_beside - g;
      ++linears;
    }
  REQUIRE(linears == 4);
  CHECK(gemm_cost > 0);  // chunks and held SMs slow the GEMMs
  CHECK(overlapped.forward_comm.value() == trainsim::test::rel(expected, 1e-9));
  // The slowed GEMMs draw the power limit, the rest of the exposed time the collectives' load.
  const double u = plain.forward_comm_busy / plain.forward_comm;
  CHECK(overlapped.forward_comm_busy.value() == trainsim::test::rel((expected - gemm_cost) * u + gemm_cost, 1e-9));
  // Net of what it costs the GEMMs the overlap still wins time on this layer (A100, 8,192 tokens
  // in chunks of 1,024): it hides about a third of the forward's and half the backward's.
  MESSAGE("exposed forward " << overlapped.forward_comm.value() / plain.forward_comm.value() << ", backward "
                             << overlapped.backward_comm.value() / plain.backward_comm.value() << " of the TP communication");
  CHECK(overlapped.forward_comm.value() < 0.8 * plain.forward_comm.value());
  CHECK(overlapped.backward_comm.value() < 0.8 * plain.backward_comm.value());
  CHECK(overlapped.forward.value() - overlapped.forward_comm.value() ==
        trainsim::test::rel(plain.forward.value() - plain.forward_comm.value(), 1e-9));  // same compute
  // What the overlap hides is reported: exposed + hidden = the communication without overlap.
  CHECK(overlapped.forward_comm.value() + overlapped.forward_comm_hidden.value() ==
        trainsim::test::rel(plain.forward_comm.value(), 1e-9));
  CHECK(overlapped.backward_comm.value() + overlapped.backward_comm_hidden.value() ==
        trainsim::test::rel(plain.backward_comm.value(), 1e-9));
  CHECK(plain.forward_comm_hidden.value() == 0);
  CHECK(plain.backward_comm_hidden.value() == 0);
}

TEST_CASE("a layer's TP all-reduces load the GPU with the HBM traffic of NCCL's ring: 5.5 S per all-reduce on 8 ranks") {
  // Two all-reduces of S = b s h 16-bit values in the forward (micro-batch 4, s 2048, h 6144);
  // NCCL's ring moves 2S + 4(n-1)/n S = 5.5 S through each GPU's HBM per all-reduce
  // (collectives.hpp) while it lasts: a bandwidth fraction w = 2 x 5.5 S / (forward_comm x 2,039
  // GB/s), and the load the power law measured on an H200 gives it (compute::PowerLaw).
  auto none = layer_22b("none");
  const double S = 2.0 * 4 * 2048 * 6144;
  const double load = none.forward_comm_busy / none.forward_comm;
  const double w = 2 * 5.5 * S / (none.forward_comm.value() * 2039e9);
  CHECK(load == trainsim::test::rel(compute::PowerLaw{}.memory_share(w), 1e-9));
  // A 101 MB all-reduce reaches ~173 GB/s of bus bandwidth on 8 A100s (the measured size ramp,
  // docs/network-model.md); 5.5/1.75 of that through HBM is ~27% of 2,039 GB/s, which draws ~22%
  // of the dynamic power range above the wait power.
  CHECK(w == trainsim::test::rel(0.27, 0.05));
  CHECK(load == trainsim::test::rel(0.22, 0.05));
  // The backward's all-reduces (and a full recomputation's) load the GPU the same way.
  auto full = layer_22b("full");
  CHECK(full.backward_comm_busy / full.backward_comm == trainsim::test::rel(load, 1e-9));
}

TEST_CASE("memory of the 22B and 175B models matches Korthikanti et al.'s Figure 1 within 5%") {
  // Figure 1 (values as encoded by Calculon's validation set): parameters + optimizer states and
  // activations per GPU in GiB without recomputation and with selective recomputation + SP:
  // 22B 45.56, 59.25 -> 9.56; 175B 45.56, 66.84 -> 12.35.
  struct Row {
    const char* file;
    double states, activations_none, activations_selective_sp;
  };
  for (Row row : {Row{"korthikanti-22b-full.yaml", 45.56, 59.25, 9.56}, Row{"korthikanti-175b-full.yaml", 45.56, 66.84, 12.35}}) {
    CAPTURE(row.file);
    auto file = std::filesystem::path(TRAINSIM_SOURCE_DIR) / "scenarios/validation" / row.file;
    // Loading checks the plan against HBM, which these configurations exceed without
    // recomputation: compute the breakdown directly from the loaded (fitting) scenario instead.
    auto s = scenario::load_scenario(file);
    auto none = s.plan, selective = s.plan;
    none.recompute = workload::Recomputation::none;
    none.sequence_parallel = false;
    selective.recompute = workload::Recomputation::selective;
    selective.sequence_parallel = true;
    auto m_none = workload::memory_per_gpu(s.model, none, s.implementation);
    auto m_sel = workload::memory_per_gpu(s.model, selective, s.implementation);
    const double gib = 1024.0 * 1024 * 1024;
    double states = (m_none.weights + m_none.gradients + m_none.optimizer).value() / gib;
    std::printf("%s: states %.2f GiB (published %.2f), activations %.2f (%.2f) -> %.2f (%.2f)\n", row.file, states,
                row.states, m_none.activations.value() / gib, row.activations_none, m_sel.activations.value() / gib,
                row.activations_selective_sp);
    CHECK(states == test::rel(row.states, 0.05));
    CHECK(m_none.activations.value() / gib == test::rel(row.activations_none, 0.05));
    CHECK(m_sel.activations.value() / gib == test::rel(row.activations_selective_sp, 0.05));
  }
}

TEST_CASE("uneven pipeline stages give each stage its own layers: 5 + 14 x 6 + 7 of GPT-3's 96") {
  auto file = std::filesystem::path(TRAINSIM_SOURCE_DIR) / "scenarios/validation/megatron-readme-175b-1024.yaml";
  auto s = scenario::load_scenario(file, {{"parallel.first_stage_layers", "5"}, {"parallel.last_stage_layers", "7"}});
  topology::Topology t(s.platform);
  const auto job = training::make_training_job(s, t, 2);
  REQUIRE(job.costs.size() == 16);
  CHECK(job.costs[0][0].gradient_buckets == 5);
  CHECK(job.costs[1][0].gradient_buckets == 6);
  CHECK(job.costs[15][0].gradient_buckets == 7);
  // A middle stage's passes are 6 layers; the first stage's 5 layers plus the embedding are shorter
  CHECK(job.costs[0][0].forward.value() < job.costs[1][0].forward.value());
  CHECK(job.costs[2][0].forward.value() == trainsim::test::rel(job.costs[1][0].forward.value(), 1e-12));
}

TEST_CASE("a fused transformer layer on an H100 in FP8 against Transformer Engine's getting-started benchmark") {
  // NVIDIA/TransformerEngine, docs/getting_started (getting_started_pytorch.py and its saved
  // output, "on an NVIDIA H100 GPU"): te.TransformerLayer (hidden 4096, FFN 16384 GeLU, 32 heads,
  // sequence 2048, batch 8, causal attention with dropout 0.1, hidden dropout 0.1) under FP8
  // DelayedScaling, forward + backward: 21.670 ms. TE picks cuDNN's fused attention on Hopper
  // ("FusedAttention preference on Hopper+", attention/dot_product_attention/utils.py). The same
  // fused kernels as the model's layer (norm fused into the next linear, bias-dropout-add); the
  // benchmark's BF16 rows use unfused PyTorch dropouts and adds and are not compared.
  auto file = std::filesystem::path(TRAINSIM_SOURCE_DIR) / "tests/data/scenarios/te-getting-started-h100.yaml";
  auto s = scenario::load_scenario(file, {{"parallel.precision", "fp8"}});
  topology::Topology t(s.platform);
  auto l = training::layer_pass_times(s, t, 0);
  const double ms = (l.forward + l.backward).value() * 1e3;
  MESSAGE("TE TransformerLayer, FP8, H100: model " << ms << " ms, measured 21.670 ms");
  CHECK(ms == trainsim::test::rel(21.670).epsilon(0.10));
}
