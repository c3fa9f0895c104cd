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

namespace {

const char* kind_name(core::ErrorKind kind) {
  switch (kind) {
    case core::ErrorKind::usage:
      return "usage";
    case core::ErrorKind::io:
      return "io";
    case core::ErrorKind::data:
      return "data";
    case core::ErrorKind::interrupted:
      return "interrupted";
  }
  return "data";
}

}  // namespace

void add_error_fields(core::Json& json, const core::Error& error) {
  json.set("exit_code", static_cast<std::int64_t>(error.exit_code()));
  json.set("kind", kind_name(error.kind()));
  json.set("message", core::describe(error));
  json.set("subject", error.subject());
  json.set("why", error.why());
  json.set("hint", error.hint());
}

}  // namespace swath::cli
