#include "cli/output_file.hpp"

#include <fstream>
#include <stdexcept>
#include <system_error>

#include <unistd.h>

namespace trainsim::cli {

void write_file_atomically(const std::filesystem::path& destination, const std::function<void(std::ostream&)>& write) {
  std::filesystem::path temporary = destination;
  temporary += ".tmp." + std::to_string(::getpid());
  try {
    {
      std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
      if (!out) throw std::runtime_error("cannot create " + temporary.string());
      write(out);
      out.flush();
      if (!out) throw std::runtime_error("cannot write " + temporary.string());
    }
    std::filesystem::rename(temporary, destination);
  } catch (const std::exception& e) {
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
    throw std::runtime_error("cannot write " + destination.string() + ": " + e.what());
  }
}

}  // namespace trainsim::cli
