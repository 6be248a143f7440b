// cli/sweep_command: `trainsim sweep SCENARIO.yaml -o DIR [-j N] [--set path=value ...]`.
//
// Runs every point of the scenario's `sweep:` axes, each in its own child process (SimGrid allows
// one engine per process), at most N at a time. Each point writes DIR/points/point-NNNN.json (the
// summary of `trainsim run --summary`); the parent writes DIR/sweep.csv, one row per point in
// point order, once all have finished. Both are written atomically. A point that cannot run (an
// infeasible plan, a bad value) is a row with status "error" and the reason; the others still run.
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "config/diagnostics.hpp"
#include "io/atomic_file.hpp"
#include "results/run_result.hpp"
#include "scenario/scenario.hpp"
#include "sweep/sweep.hpp"
#include "training/run.hpp"

namespace trainsim::cli {

namespace {
const char* kUsage = "usage: trainsim sweep SCENARIO.yaml -o DIR [-j N] [--set path=value ...]\n";

std::string point_name(int point) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "point-%04d.json", point);
  return buf;
}

// The child: load the point, simulate it, write its summary; its table row goes to `out`.
[[noreturn]] void run_point(const std::string& file, std::vector<scenario::Override> overrides,
                            const std::vector<scenario::Override>& values, int point,
                            const std::filesystem::path& dir, int out) {
  std::string row;
  int status = 0;
  overrides.insert(overrides.end(), values.begin(), values.end());
  try {
    const scenario::Scenario s = scenario::load_scenario(file, overrides);
    const results::RunResult r = training::run_scenario(s);
    const std::string name = "points/" + point_name(point);
    io::write_file_atomically(dir / name, [&](std::ostream& o) { results::write_summary_json(r, o); });
    row = sweep::table_row(point, values, r, name);
  } catch (const config::ConfigError& e) {
    row = sweep::failed_row(point, values, e.what());
    status = 1;
  } catch (const std::exception& e) {
    row = sweep::failed_row(point, values, e.what());
    status = 1;
  }
  row += "\n";
  for (std::size_t done = 0; done < row.size();) {
    const ssize_t n = write(out, row.data() + done, row.size() - done);
    if (n <= 0) _exit(2);
    done += std::size_t(n);
  }
  close(out);
  _exit(status);
}

struct Running {
  int point;
  int fd;
  std::string output;
};
}  // namespace

int run_sweep(int argc, char** argv) {
  std::string scenario_file, out_dir;
  int jobs = 1;
  std::vector<scenario::Override> overrides;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto next = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    if (arg == "-o") {
      const char* v = next();
      if (!v) return std::cerr << kUsage, 2;
      out_dir = v;
    } else if (arg == "-j") {
      const char* v = next();
      jobs = v ? std::atoi(v) : 0;
      if (jobs < 1) return std::cerr << "trainsim sweep: -j expects N >= 1\n" << kUsage, 2;
    } else if (arg == "--set") {
      const char* v = next();
      auto o = v ? scenario::parse_override(v) : std::nullopt;
      if (!o) return std::cerr << "trainsim sweep: --set expects path=value\n" << kUsage, 2;
      overrides.push_back(*o);
    } else if (!arg.empty() && arg[0] != '-' && scenario_file.empty()) {
      scenario_file = arg;
    } else {
      return std::cerr << "trainsim sweep: unexpected argument '" << arg << "'\n" << kUsage, 2;
    }
  }
  if (scenario_file.empty() || out_dir.empty()) return std::cerr << kUsage, 2;

  scenario::Scenario base;
  try {
    base = scenario::load_scenario(scenario_file, overrides);
  } catch (const config::ConfigError& e) {
    std::cerr << e.what();
    return 1;
  }
  if (base.sweep.empty()) {
    std::cerr << scenario_file << ": error: no 'sweep:' axes to run (expected e.g. sweep: {cluster.gpus: [512, 1024]})\n";
    return 1;
  }
  const auto points = sweep::points(base.sweep);
  const std::filesystem::path dir = out_dir;
  std::error_code ec;
  std::filesystem::create_directories(dir / "points", ec);
  if (ec) return std::cerr << "trainsim sweep: cannot create " << (dir / "points") << ": " << ec.message() << "\n", 1;

  const bool progress = ::isatty(STDERR_FILENO);
  std::fflush(stdout);  // a child must not print the parent's buffered output again
  std::vector<std::string> rows(points.size());
  std::map<pid_t, Running> running;
  std::size_t next_point = 0, finished = 0;
  int failed = 0;
  while (finished < points.size()) {
    while (running.size() < std::size_t(jobs) && next_point < points.size()) {
      int fds[2];
      if (pipe(fds) != 0) return std::cerr << "trainsim sweep: pipe failed\n", 1;
      const int point = static_cast<int>(next_point++);
      const pid_t pid = fork();
      if (pid < 0) return std::cerr << "trainsim sweep: fork failed\n", 1;
      if (pid == 0) {
        close(fds[0]);
        run_point(scenario_file, overrides, points[point], point, dir, fds[1]);
      }
      close(fds[1]);
      running[pid] = {point, fds[0], {}};
    }
    // Drain every running child's pipe while it runs (a row never fills a pipe, but be safe),
    // then reap whichever has exited.
    std::vector<pollfd> polls;
    for (const auto& [pid, r] : running) polls.push_back({r.fd, POLLIN, 0});
    ::poll(polls.data(), polls.size(), 200);
    for (auto& [pid, r] : running) {
      char buf[4096];
      for (const auto& p : polls)
        if (p.fd == r.fd && (p.revents & (POLLIN | POLLHUP))) {
          const ssize_t n = read(r.fd, buf, sizeof buf);
          if (n > 0) r.output.append(buf, std::size_t(n));
        }
    }
    int status = 0;
    const pid_t done = waitpid(-1, &status, WNOHANG);
    if (done <= 0) continue;
    Running r = running.at(done);
    running.erase(done);
    char buf[4096];
    for (ssize_t n; (n = read(r.fd, buf, sizeof buf)) > 0;) r.output.append(buf, std::size_t(n));
    close(r.fd);
    if (!r.output.empty() && r.output.back() == '\n') r.output.pop_back();
    const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (r.output.empty()) r.output = sweep::failed_row(r.point, points[r.point], "the point's process died");
    rows[r.point] = r.output;
    if (!ok) {
      ++failed;
      std::cerr << "point " << r.point << " failed: " << r.output << "\n";
    }
    ++finished;
    if (progress) std::fprintf(stderr, "\rsweep: %zu/%zu points", finished, points.size());
  }
  if (progress) std::fprintf(stderr, "\n");
  try {
    io::write_file_atomically(dir / "sweep.csv", [&](std::ostream& o) {
      o << sweep::table_header(base.sweep) << "\n";
      for (const auto& row : rows) o << row << "\n";
    });
  } catch (const std::exception& e) {
    std::cerr << "trainsim: " << e.what() << "\n";
    return 1;
  }
  std::cout << "wrote " << (dir / "sweep.csv").string() << ": " << points.size() << " points, " << failed
            << " failed\n";
  return failed ? 1 : 0;
}

}  // namespace trainsim::cli
