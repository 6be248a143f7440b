// cli/main: the trainsim command. Dispatches to the subcommands declared in cli/commands.hpp.
#include <cstring>
#include <iostream>
#include <string>

#include "cli/commands.hpp"

namespace {
struct Subcommand {
  const char* name;
  int (*run)(int, char**);
  const char* usage;
};

const Subcommand kSubcommands[] = {
    {"run", trainsim::cli::run_run,
     "run SCENARIO.yaml [-o TRACE.h5] [--summary OUT.json] [--set path=value ...] [--iterations N]\n"
     "                              simulate a training run and print its summary"},
    {"sweep", trainsim::cli::run_sweep,
     "sweep SCENARIO.yaml -o DIR [-j N] [--set path=value ...]\n"
     "                              run every point of the scenario's sweep: axes; DIR/sweep.csv"},
    {"validate", trainsim::cli::run_validate, "validate FILE...            check platform or scenario files; print ok or every error"},
    {"platform", trainsim::cli::run_platform, "platform describe FILE [--dot OUT.dot]   summarise a platform"},
    {"export-check", trainsim::cli::run_export_check,
     "export-check PLATFORM.yaml|CATALOG.yaml [--rules DIR]   TPP, density and export-rule verdicts"},
    {"nccl-tests", trainsim::cli::run_nccl_tests,
     "nccl-tests --platform FILE --op OP --gpus N --min-bytes 8M --max-bytes 8G [--algo A] [--fidelity F]\n"
     "                              simulated nccl-tests table (OP: all_reduce, reduce_scatter, all_gather,\n"
     "                              all_to_all, broadcast)"},
};

void print_usage(std::ostream& out) {
  out << "usage: trainsim COMMAND [ARGS]\n\ncommands:\n";
  for (const auto& c : kSubcommands) out << "  " << c.usage << "\n";
  out << "  --version                   print the version\n";
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    print_usage(std::cerr);
    return 2;
  }
  std::string command = argv[1];
  if (command == "--version") {
    std::cout << "trainsim " << TRAINSIM_VERSION << "\n";
    return 0;
  }
  if (command == "help" || command == "--help" || command == "-h") {
    print_usage(std::cout);
    return 0;
  }
  for (const auto& c : kSubcommands)
    if (command == c.name) return c.run(argc - 1, argv + 1);
  std::cerr << "trainsim: unknown command '" << command << "'\n";
  print_usage(std::cerr);
  return 2;
}
