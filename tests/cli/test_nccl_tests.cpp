// Tests for `trainsim nccl-tests` (cli/nccl_tests.cpp), called in a child process so that its
// SimGrid engine and its stdout/stderr stay out of the test runner.
#include <doctest/doctest.h>

#include "approx.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.hpp"

namespace {

struct Outcome {
  int rc = -1;
  std::string out, err;
};

std::string slurp(int fd) {
  std::string text;
  char buf[4096];
  for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) text.append(buf, n);
  return text;
}

Outcome nccl_tests(std::vector<std::string> args) {
  args.insert(args.begin(), "nccl-tests");
  int out[2], err[2];
  REQUIRE(pipe(out) == 0);
  REQUIRE(pipe(err) == 0);
  std::fflush(stdout);  // or the child would print the runner's buffered output a second time
  std::fflush(stderr);
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    dup2(out[1], 1);
    dup2(err[1], 2);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const int rc = trainsim::cli::run_nccl_tests(static_cast<int>(args.size()), argv.data());
    std::fflush(stdout);
    std::fflush(stderr);
    _exit(rc);
  }
  close(out[1]);
  close(err[1]);
  Outcome o;
  o.out = slurp(out[0]);  // small outputs: reading one pipe after the other cannot dead-lock here
  o.err = slurp(err[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  o.rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return o;
}

const std::string kA100 = std::string(TRAINSIM_SOURCE_DIR) + "/platforms/dgx-a100-1024.yaml";

}  // namespace

TEST_CASE("nccl-tests prints one row per size, doubling from min to max, with busbw as the last column") {
  auto o = nccl_tests({"--platform", kA100, "--op", "all_reduce", "--gpus", "16", "--min-bytes", "8M", "--max-bytes",
                       "64M"});
  REQUIRE(o.rc == 0);
  CHECK(o.err.empty());
  std::istringstream lines(o.out);
  std::vector<double> sizes;
  double last_busbw = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream row(line);
    double size, count, root, time, algbw, busbw;
    std::string type, redop;
    REQUIRE(static_cast<bool>(row >> size >> count >> type >> redop >> root >> time >> algbw >> busbw));
    CHECK(type == "float");
    CHECK(count == size / 4);  // 4-byte floats
    CHECK(algbw == trainsim::test::rel(size / (time * 1e-6) / 1e9).epsilon(0.01));  // algbw = S / t
    CHECK(busbw == trainsim::test::rel(algbw * 2 * 15 / 16).epsilon(0.01));          // all-reduce: 2(n-1)/n
    sizes.push_back(size);
    last_busbw = busbw;
  }
  // "8M" is nccl-tests' binary 8 MiB: 8, 16, 32, 64 MiB
  CHECK(sizes == std::vector<double>{8 << 20, 16 << 20, 32 << 20, 64 << 20});
  CHECK(last_busbw > 0);
  CHECK(o.out.find("# Avg bus bandwidth") != std::string::npos);
  CHECK(o.out.find("algorithm: pipelined") != std::string::npos);
}

TEST_CASE("nccl-tests refuses more GPUs than the platform has, with exit 2 and nothing on stdout") {
  auto o = nccl_tests({"--platform", kA100, "--op", "all_reduce", "--gpus", "2048", "--min-bytes", "8M", "--max-bytes",
                       "8M"});
  CHECK(o.rc == 2);
  CHECK(o.out.empty());
  CHECK(o.err.find("has 1024 GPUs") != std::string::npos);
  auto one = nccl_tests({"--platform", kA100, "--op", "all_reduce", "--gpus", "1", "--min-bytes", "8M", "--max-bytes",
                         "8M"});
  CHECK(one.rc == 2);
  CHECK(one.out.empty());
}

TEST_CASE("nccl-tests reports a bad platform file with its location on stderr and exit 1") {
  auto o = nccl_tests({"--platform", std::string(TRAINSIM_TEST_DATA_DIR) + "/platforms/unknown-gpu.yaml", "--op",
                       "all_reduce", "--gpus", "8", "--min-bytes", "8M", "--max-bytes", "8M"});
  CHECK(o.rc == 1);
  CHECK(o.out.empty());
  CHECK(o.err.find("unknown-gpu.yaml:3:6: error: unknown GPU") != std::string::npos);
}

TEST_CASE("nccl-tests rejects unknown operations and options with usage and exit 2") {
  auto o = nccl_tests({"--platform", kA100, "--op", "allreduce", "--gpus", "8", "--min-bytes", "8M", "--max-bytes", "8M"});
  CHECK(o.rc == 2);
  CHECK(o.out.empty());
  CHECK(o.err.find("--op: 'allreduce' is not valid") != std::string::npos);
  auto a2a = nccl_tests({"--platform", kA100, "--op", "all_to_all", "--algo", "hierarchical", "--gpus", "16",
                         "--min-bytes", "8M", "--max-bytes", "8M"});
  CHECK(a2a.rc == 2);
  CHECK(a2a.out.empty());
}
