// io/atomic_file: writing output files so that a crash never leaves a half-written file that
// looks complete: the content goes to a temporary file in the same directory, which is renamed
// over the destination only once fully written (rename is atomic on POSIX). Used by every module
// that writes results (cli/, trace/). Depends on: the standard library.
#pragma once

#include <filesystem>
#include <functional>
#include <ostream>

namespace trainsim::io {

// Calls `write` with the path of a temporary file beside `destination`, then renames it to
// `destination`. Throws std::runtime_error (with the destination and the reason) when anything
// fails; the temporary file is removed and `destination` is left untouched.
void write_atomically(const std::filesystem::path& destination,
                      const std::function<void(const std::filesystem::path& temporary)>& write);

// The same for text or binary written through a stream.
void write_file_atomically(const std::filesystem::path& destination, const std::function<void(std::ostream&)>& write);

}  // namespace trainsim::io
