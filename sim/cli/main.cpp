// cli/main: the trainsim command. Parses the command line and dispatches to subcommands.
#include <cstring>
#include <iostream>

int main(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[1], "--version") == 0) {
    std::cout << "trainsim " << TRAINSIM_VERSION << "\n";
    return 0;
  }
  std::cerr << "usage: trainsim --version\n";
  return 2;
}
