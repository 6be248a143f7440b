// Benchmark (not a test): wall time, peak memory and SimGrid activity counts of
// engine::simulate_training on the bundled platforms, for the performance targets of
// docs/simulation.md ("Performance"), with the GPU energy of the last iteration (energy plugin on,
// as in every training simulation). Each case runs in its own forked process (SimGrid allows one
// engine per process, P2), whose peak RSS comes back through wait4().
// usage: trainsim_bench_train [CASE ...]   (no argument: every case; run pinned: taskset -c 0)
// The costs are round numbers of the right order for GPT-3 175B on A100s (not the compute model's):
// what is measured here is the simulator, not the model.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "engine/train.hpp"
#include "platform/load.hpp"
#include "topology/topology.hpp"

using namespace trainsim;

namespace {

struct Case {
  const char* name;
  const char* platform;
  engine::TrainingJob job;
};

engine::TrainingJob gpt3_like(int data, int pipeline, int chunks, int micro_batches, double stage_gradient_bytes) {
  engine::TrainingJob job;
  job.data = data, job.tensor = 8, job.pipeline = pipeline, job.chunks = chunks, job.micro_batches = micro_batches;
  engine::StageCosts c;
  c.forward = units::Seconds(0.15);
  c.backward = units::Seconds(0.35);
  c.forward_tp_comm = units::Seconds(0.02);
  c.backward_tp_comm = units::Seconds(0.04);
  c.activation_bytes = units::Bytes(6e6);  // b s h x 2 bytes / t = 1 x 2048 x 12288 x 2 / 8
  c.gradient_bytes = units::Bytes(stage_gradient_bytes / chunks);
  c.parameter_bytes = c.gradient_bytes / 2.0;  // ZeRO's gather: 16-bit weights, fp32 gradients
  c.gradient_buckets = 96 / (pipeline * chunks);  // one bucket per layer
  c.forward_utilization = 0.7;  // a round figure: GEMMs near peak, attention and elementwise below
  c.backward_utilization = 0.7;
  job.costs.assign(pipeline, std::vector<engine::StageCosts>(chunks, c));
  job.optimizer.assign(pipeline, units::Seconds(0.05));
  job.optimizer_utilization = 0.3;  // memory-bound elementwise update
  job.iterations = 2;
  return job;
}

std::vector<Case> cases() {
  std::vector<Case> out;
  auto add = [&](const char* name, const char* platform, engine::TrainingJob job) {
    out.push_back({name, platform, std::move(job)});
  };
  engine::TrainingJob g = gpt3_like(16, 8, 2, 96, 2.7e9);
  add("gpt3-1024", "dgx-a100-1024.yaml", g);
  g.overlap_reduction = true;
  add("gpt3-1024-overlap", "dgx-a100-1024.yaml", g);
  g.reduction = engine::GradientReduction::reduce_scatter_all_gather;
  add("gpt3-1024-zero1-overlap", "dgx-a100-1024.yaml", g);
  engine::TrainingJob k = gpt3_like(80, 16, 1, 20, 1.35e9);
  add("a100-10k", "a100-10k.yaml", k);
  k.overlap_reduction = true;
  add("a100-10k-overlap", "a100-10k.yaml", k);
  return out;
}

int run_case(const Case& c) {
  const auto path = std::string(TRAINSIM_SOURCE_DIR) + "/platforms/" + c.platform;
  topology::Topology topology(platform::load_platform(path));
  const auto r = engine::simulate_training(topology, c.job);
  const auto& b = r.last;
  std::printf("| %s | %d | %.3f s | %.3f | %.3f | %.3f | %.3f | %.3f | %.1f MJ | %.3f | %llu | %zu | %.2f s |", c.name,
              c.job.data * c.job.tensor * c.job.pipeline, b.iteration.value(), b.compute.value(), b.tp_comm.value(),
              b.pipeline_wait.value(), b.dp_exposed.value(), b.optimizer.value(), r.energy.gpu.value() / 1e6,
              r.energy.gpu_busy_fraction, static_cast<unsigned long long>(r.activities), r.actors,
              r.wall_time.value());
  std::fflush(stdout);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::printf("| case | GPUs | iteration (sim) | compute | tp | pipeline wait | dp exposed | optimizer | "
              "GPU energy | busy | activities | actors | wall (simulate_training) | wall (process) | peak RSS |\n");
  std::printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  std::fflush(stdout);
  for (const Case& c : cases()) {
    bool wanted = argc == 1;
    for (int i = 1; i < argc; ++i) wanted |= std::strcmp(argv[i], c.name) == 0;
    if (!wanted) continue;
    timespec t0{}, t1{};
    clock_gettime(CLOCK_MONOTONIC, &t0);
    const pid_t pid = fork();
    if (pid == 0) _exit(run_case(c));
    int status = 0;
    rusage usage{};
    wait4(pid, &status, 0, &usage);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    const double wall = double(t1.tv_sec - t0.tv_sec) + 1e-9 * double(t1.tv_nsec - t0.tv_nsec);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) std::printf("| %s | failed |", c.name);
    std::printf(" %.2f s | %ld MiB |\n", wall, usage.ru_maxrss / 1024);
    std::fflush(stdout);
  }
  return 0;
}
