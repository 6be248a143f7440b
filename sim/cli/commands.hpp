// cli/commands: the subcommands of the trainsim executable. Each takes the arguments after its
// name (argv[0] is the subcommand name) and returns the process exit code: 0 success, 1 invalid
// input (errors printed to stderr), 2 wrong usage.
#pragma once

namespace trainsim::cli {

int run_validate(int argc, char** argv);      // trainsim validate FILE...
int run_platform(int argc, char** argv);      // trainsim platform describe FILE [--dot FILE]
int run_nccl_tests(int argc, char** argv);    // trainsim nccl-tests --platform FILE --op ... (engine/)
int run_run(int argc, char** argv);           // trainsim run SCENARIO.yaml [--summary F] [--set p=v]
int run_sweep(int argc, char** argv);         // trainsim sweep SCENARIO.yaml -o DIR [-j N] [--set p=v]
int run_export_check(int argc, char** argv);  // trainsim export-check PLATFORM|CATALOG [--rules DIR]

}  // namespace trainsim::cli
