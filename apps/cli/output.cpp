// Command output to stdout or to a file.
#include "cli/output.hpp"

#include <cerrno>
#include <cstring>
#include <iostream>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "core/text.hpp"

namespace swath::cli {

namespace {
bool stdout_used = false;
}  // namespace

bool emitted_to_stdout() { return stdout_used; }

void emit(const std::string& given, const std::string& path) {
  // What others read (--json reports are JSON, which is UTF-8): a file name in Latin-1 shows as U+FFFD here.
  const std::string text = core::valid_utf8(given);
  if (path.empty() || path == "-") {
    stdout_used = true;
    errno = 0;
    std::cout << text << std::flush;
    if (!std::cout) {  // stdout redirected to a full disk, a closed pipe: the result did not arrive
      const int err = errno != 0 ? errno : EIO;
      throw core::IoError("cannot write to standard output", std::strerror(err),
                          err == ENOSPC ? "free space on the device or write elsewhere" : "");
    }
    return;
  }
  core::write_file_atomic(path, text);
}

}  // namespace swath::cli
