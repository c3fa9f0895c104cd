// Command output to stdout or to a file.
#include "cli/output.hpp"

#include <iostream>

#include "core/files.hpp"

namespace swath::cli {

void emit(const std::string& text, const std::string& path) {
  if (path.empty() || path == "-") {
    std::cout << text << std::flush;
    return;
  }
  core::write_file_atomic(path, text);
}

}  // namespace swath::cli
