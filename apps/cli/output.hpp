// Where a command's result goes: stdout, or a file written atomically (-o).
#pragma once

#include <string>

namespace swath::cli {

// Writes `text` to stdout when `path` is empty or "-", else atomically to `path` (IoError on failure).
void emit(const std::string& text, const std::string& path = {});

// Whether emit() wrote anything to stdout in this process (a command that fails after printing its own summary).
bool emitted_to_stdout();

}  // namespace swath::cli
