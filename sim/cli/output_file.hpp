// cli/output_file: writing result files so that a crash never leaves a half-written file that
// looks complete: the content goes to a temporary file in the same directory, which is renamed
// over the destination only once fully written and flushed (rename is atomic on POSIX).
#pragma once

#include <filesystem>
#include <functional>
#include <ostream>

namespace trainsim::cli {

// Calls `write` with a stream on a temporary file, then renames it to `destination`.
// Throws std::runtime_error (with the path and the reason) when the file cannot be written; the
// temporary file is removed and `destination` is left untouched.
void write_file_atomically(const std::filesystem::path& destination, const std::function<void(std::ostream&)>& write);

}  // namespace trainsim::cli
