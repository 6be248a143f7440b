// cli/nccl_tests: `trainsim nccl-tests`, a simulated NVIDIA nccl-tests run.
//
// Output follows nccl-tests (github.com/NVIDIA/nccl-tests, src/common.cu): a '#' header, one row
// per size with size (B), count (elements), type, redop, root, time (us), algbw (GB/s) and busbw
// (GB/s), then "# Avg bus bandwidth". Only the out-of-place columns exist (a simulation has no
// in-place variant and no #wrong), so busbw is the last column and scripts that read nccl-tests
// columns by position still find size, count, time, algbw and busbw where they expect them.
#include <cstdio>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>

#include "cli/commands.hpp"
#include "config/diagnostics.hpp"
#include "engine/run_collectives.hpp"
#include "platform/load.hpp"
#include "units/parse.hpp"

namespace trainsim::cli {
namespace {

using collectives::Operation;

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

constexpr const char* kUsage =
    "usage: trainsim nccl-tests --platform FILE --op all_reduce|reduce_scatter|all_gather|all_to_all|broadcast\n"
    "                           --gpus N --min-bytes 8M --max-bytes 8G\n"
    "                           [--algo auto|ring|hierarchical|pipelined|tree] [--fidelity auto|exact|aggregated]\n";

struct Args {
  std::string platform;
  Operation op = Operation::all_reduce;
  int gpus = 0;
  double min_bytes = 0, max_bytes = 0;
  collectives::Algorithm algo = collectives::Algorithm::automatic;
  collectives::Fidelity fidelity = collectives::Fidelity::automatic;
};

template <class T>
T parsed(std::optional<T> value, const std::string& flag, const std::string& text, const char* expected) {
  if (!value) throw UsageError(flag + ": '" + text + "' is not valid (expected " + expected + ")");
  return *value;
}

// nccl-tests takes plain byte counts ("-b 8") as well as suffixed ones ("8M", binary).
double parse_size(const std::string& text) {
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos) return std::stod(text);
  return units::parse_bytes(text).value();
}

Args parse_args(int argc, char** argv) {
  std::map<std::string, std::string> flags;
  for (int i = 1; i < argc; ++i) {
    std::string word = argv[i];
    if (word.rfind("--", 0) != 0) throw UsageError("unexpected argument '" + word + "'");
    if (auto eq = word.find('='); eq != std::string::npos) {
      flags[word.substr(0, eq)] = word.substr(eq + 1);
    } else {
      if (i + 1 >= argc) throw UsageError(word + " needs a value");
      flags[word] = argv[++i];
    }
  }
  const std::set<std::string> known = {"--platform", "--op", "--gpus", "--min-bytes", "--max-bytes", "--algo",
                                       "--fidelity"};
  for (const auto& [flag, value] : flags)
    if (!known.count(flag)) throw UsageError("unknown option " + flag);
  for (const char* required : {"--platform", "--op", "--gpus", "--min-bytes", "--max-bytes"})
    if (!flags.count(required)) throw UsageError(std::string("missing ") + required);

  Args a;
  a.platform = flags["--platform"];
  a.op = parsed(collectives::parse_operation(flags["--op"]), "--op", flags["--op"],
                "all_reduce, reduce_scatter, all_gather, all_to_all or broadcast");
  if (a.op == Operation::send) throw UsageError("--op: nccl-tests has no 'send' test here (expected a collective)");
  try {
    std::size_t used = 0;
    a.gpus = std::stoi(flags["--gpus"], &used);
    if (used != flags["--gpus"].size()) throw std::invalid_argument("trailing characters");
    a.min_bytes = parse_size(flags["--min-bytes"]);
    a.max_bytes = parse_size(flags["--max-bytes"]);
  } catch (const units::UnitError& e) {
    throw UsageError(e.what());
  } catch (const std::exception&) {
    throw UsageError("--gpus: '" + flags["--gpus"] + "' is not a whole number");
  }
  if (a.min_bytes < 1 || a.max_bytes < a.min_bytes)
    throw UsageError("sizes: expected 1 B <= --min-bytes <= --max-bytes");
  if (flags.count("--algo"))
    a.algo = parsed(collectives::parse_algorithm(flags["--algo"]), "--algo", flags["--algo"], "auto, ring, hierarchical, pipelined or tree");
  if (flags.count("--fidelity"))
    a.fidelity = parsed(collectives::parse_fidelity(flags["--fidelity"]), "--fidelity", flags["--fidelity"],
                        "auto, exact or aggregated");
  return a;
}

// nccl-tests' redop and root columns: reductions print "sum" and root -1; others "none".
const char* redop_of(Operation op) {
  return op == Operation::all_reduce || op == Operation::reduce_scatter ? "sum" : "none";
}

// "exact", or "exact, aggregated" when auto fidelity changes with the size.
template <class Get>
std::string distinct(const engine::RunReport& report, Get get) {
  std::string out;
  std::set<std::string> seen;
  for (const auto& r : report.results)
    if (seen.insert(get(r)).second) out += (out.empty() ? "" : ", ") + std::string(get(r));
  return out;
}

void print_table(const Args& a, const platform::Platform& p, const std::vector<double>& sizes,
                 const engine::RunReport& report) {
  std::printf("# trainsim nccl-tests (simulated with SimGrid): %s on %d of %d GPUs of %s\n",
              collectives::to_string(a.op), a.gpus, p.gpu_count(), p.name.c_str());
  std::printf("# nGpus %d (%s, %d per node) minBytes %.0f maxBytes %.0f step: 2(factor)\n", a.gpus,
              p.gpu.name.c_str(), p.node.gpus, a.min_bytes, a.max_bytes);
  std::printf("# algorithm: %s  fidelity: %s\n",
              distinct(report, [](const auto& r) { return collectives::to_string(r.algorithm); }).c_str(),
              distinct(report, [](const auto& r) { return collectives::to_string(r.fidelity); }).c_str());
  std::printf("#\n");
  std::printf("# %10s  %12s  %8s  %6s  %6s  %9s  %7s  %7s\n", "size", "count", "type", "redop", "root", "time",
              "algbw", "busbw");
  std::printf("# %10s  %12s  %8s  %6s  %6s  %9s  %7s  %7s\n", "(B)", "(elements)", "", "", "", "(us)", "(GB/s)",
              "(GB/s)");
  const double factor = collectives::bus_bandwidth_factor(a.op, a.gpus);
  const int root = a.op == Operation::broadcast ? 0 : -1;
  double busbw_sum = 0;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    const double t = report.results[i].duration.value();
    const double algbw = sizes[i] / t / 1e9;  // nccl-tests: GB/s = 1e9 bytes/s, algbw = S / t
    busbw_sum += algbw * factor;
    std::printf("  %10.0f  %12.0f  %8s  %6s  %6d  %9.2f  %7.2f  %7.2f\n", sizes[i], sizes[i] / 4, "float",
                redop_of(a.op), root, t * 1e6, algbw, algbw * factor);
  }
  std::printf("# Avg bus bandwidth    : %g\n", busbw_sum / sizes.size());
  std::printf("#\n# %zu sizes in one simulation: %.3f s wall time (platform build %.3f s)\n", sizes.size(),
              report.wall_time.value(), report.build_time.value());
}

}  // namespace

int run_nccl_tests(int argc, char** argv) {
  Args args;
  platform::Platform p;
  try {
    args = parse_args(argc, argv);
    p = platform::load_platform(args.platform);
  } catch (const UsageError& e) {
    std::cerr << "trainsim nccl-tests: " << e.what() << "\n" << kUsage;
    return 2;
  } catch (const config::ConfigError& e) {
    std::cerr << e.what();
    return 1;
  }
  if (args.gpus < 2 || args.gpus > p.gpu_count()) {
    std::cerr << "trainsim nccl-tests: --gpus " << args.gpus << " is out of range: platform " << p.name << " has "
              << p.gpu_count() << " GPUs (expected 2 to " << p.gpu_count() << ")\n";
    return 2;
  }
  std::vector<double> sizes;
  for (double s = args.min_bytes; s <= args.max_bytes; s *= 2) sizes.push_back(s);

  topology::Topology topology(p);
  std::vector<int> gpus(args.gpus);
  for (int g = 0; g < args.gpus; ++g) gpus[g] = g;  // the first N GPUs: nodes filled in order
  std::vector<engine::CollectiveRequest> requests;
  for (double s : sizes) {
    engine::CollectiveRequest r;
    r.spec.op = args.op;
    r.spec.size = units::Bytes(s);
    r.spec.algorithm = args.algo;
    r.spec.fidelity = args.fidelity;
    r.gpus = gpus;
    requests.push_back(std::move(r));
  }
  engine::RunReport report;
  try {
    report = engine::run_collectives(topology, requests);
  } catch (const std::invalid_argument& e) {
    std::cerr << "trainsim nccl-tests: " << e.what() << "\n";
    return 2;
  }
  print_table(args, p, sizes, report);
  return 0;
}

}  // namespace trainsim::cli
