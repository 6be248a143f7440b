#include "io/atomic_file.hpp"

#include <unistd.h>

#include <fstream>
#include <stdexcept>
#include <system_error>

namespace trainsim::io {

void write_atomically(const std::filesystem::path& destination,
                      const std::function<void(const std::filesystem::path& temporary)>& write) {
  std::filesystem::path temporary = destination;
  temporary += ".tmp." + std::to_string(::getpid());
  try {
    write(temporary);
    std::filesystem::rename(temporary, destination);
  } catch (const std::exception& e) {
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
    throw std::runtime_error("cannot write " + destination.string() + ": " + e.what());
  }
}

void write_file_atomically(const std::filesystem::path& destination, const std::function<void(std::ostream&)>& write) {
  write_atomically(destination, [&](const std::filesystem::path& temporary) {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error("cannot create " + temporary.string());
    write(out);
    out.flush();
    if (!out) throw std::runtime_error("cannot write " + temporary.string());
  });
}

}  // namespace trainsim::io
