// Tests for io/atomic_file: a file appears whole or not at all.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <sstream>
#include <stdexcept>

#include "io/atomic_file.hpp"

using namespace trainsim;

namespace {
// One directory per test case: ctest runs test cases in parallel processes.
std::filesystem::path fresh_dir(const char* name) {
  auto dir = std::filesystem::temp_directory_path() / (std::string("trainsim-atomic-") + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}
}  // namespace

TEST_CASE("a completed write leaves exactly the destination with its content") {
  auto dir = fresh_dir("complete");
  io::write_file_atomically(dir / "out.txt", [](std::ostream& out) { out << "complete\n"; });
  std::ifstream in(dir / "out.txt");
  std::stringstream text;
  text << in.rdbuf();
  CHECK(text.str() == "complete\n");
  CHECK(std::distance(std::filesystem::directory_iterator(dir), {}) == 1);
}

TEST_CASE("a write that fails half-way leaves neither the destination nor a temporary file") {
  auto dir = fresh_dir("half");
  CHECK_THROWS_WITH(io::write_file_atomically(dir / "out.txt",
                                              [](std::ostream& out) {
                                                out << "half";
                                                throw std::runtime_error("crash");
                                              }),
                    doctest::Contains("out.txt"));
  CHECK(std::filesystem::is_empty(dir));
}

TEST_CASE("a failed write keeps the previous file untouched") {
  auto dir = fresh_dir("keep");
  io::write_file_atomically(dir / "out.txt", [](std::ostream& out) { out << "old"; });
  CHECK_THROWS(io::write_file_atomically(dir / "out.txt", [](std::ostream&) { throw std::runtime_error("crash"); }));
  std::ifstream in(dir / "out.txt");
  std::string text;
  in >> text;
  CHECK(text == "old");
}
