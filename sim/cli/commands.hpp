// cli/commands: the subcommands of the trainsim executable. Each takes the arguments after its
// name (argv[0] is the subcommand name) and returns the process exit code: 0 success, 1 invalid
// input (errors printed to stderr), 2 wrong usage.
#pragma once

namespace trainsim::cli {

int run_validate(int argc, char** argv);           // trainsim validate FILE...
int run_platform(int argc, char** argv);           // trainsim platform describe FILE [--dot FILE]
int run_nccl_tests(int argc, char** argv);
int run_run(int argc, char** argv);
int run_export_check(int argc, char** argv);       // trainsim export-check PLATFORM|CATALOG [--rules DIR]                // trainsim run SCENARIO.yaml [--summary F] [--set p=v]         // trainsim nccl-tests --platform FILE --op ... (engine/)

}  // namespace trainsim::cli
