// Runs a computation in a forked child process and brings its result back through a pipe.
// SimGrid allows one engine per process, so tests that compare simulations run each in a child.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace trainsim::test {

// `compute` returns the child's result as raw bytes; the parent gets them back, or an exception
// when the child failed (threw, crashed or wrote nothing).
template <class F>
std::string bytes_from_child(F compute) {
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    close(fds[0]);
    int status = 0;
    try {
      const std::string bytes = compute();
      if (write(fds[1], bytes.data(), bytes.size()) != static_cast<ssize_t>(bytes.size())) status = 2;
    } catch (...) {
      status = 1;
    }
    close(fds[1]);
    _exit(status);  // no doctest teardown in the child
  }
  close(fds[1]);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) out.append(buf, std::size_t(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) throw std::runtime_error("the child process failed");
  return out;
}

// A trivially copyable value computed in a child.
template <class T, class F>
T value_from_child(F compute) {
  static_assert(std::is_trivially_copyable_v<T>);
  const std::string bytes = bytes_from_child([&] {
    const T v = compute();
    return std::string(reinterpret_cast<const char*>(&v), sizeof v);
  });
  if (bytes.size() != sizeof(T)) throw std::runtime_error("the child process returned a short result");
  T v;
  std::copy(bytes.begin(), bytes.end(), reinterpret_cast<char*>(&v));
  return v;
}

// A vector of doubles computed in a child.
template <class F>
std::vector<double> doubles_from_child(F compute) {
  const std::string bytes = bytes_from_child([&] {
    const std::vector<double> v = compute();
    return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(double));
  });
  std::vector<double> v(bytes.size() / sizeof(double));
  std::copy(bytes.begin(), bytes.begin() + v.size() * sizeof(double), reinterpret_cast<char*>(v.data()));
  return v;
}

}  // namespace trainsim::test
