// Error kinds → exit codes, and the one format of user-facing error messages.
#include "core/errors.hpp"

namespace swath::core {

namespace {
std::string join_message(const std::string& what_part, const std::string& why) {
  return why.empty() ? what_part : what_part + ": " + why;
}
}  // namespace

Error::Error(ErrorKind kind, std::string what_part, std::string why, std::string hint)
    : std::runtime_error(join_message(what_part, why)),
      kind_(kind),
      subject_(std::move(what_part)),
      why_(std::move(why)),
      hint_(std::move(hint)) {}

ExitCode Error::exit_code() const {
  switch (kind_) {
    case ErrorKind::usage:
      return ExitCode::usage;
    case ErrorKind::interrupted:
      return ExitCode::interrupted;
    case ErrorKind::io:
    case ErrorKind::data:
      return ExitCode::failure;
  }
  return ExitCode::failure;
}

std::string describe(const Error& error) {
  std::string text = error.what();
  if (!error.hint().empty()) text += " (hint: " + error.hint() + ")";
  return text;
}

std::pair<std::string, std::string> split_hint(const std::string& described) {
  const auto at = described.rfind(" (hint: ");
  if (at == std::string::npos || !described.ends_with(")")) return {described, ""};
  return {described.substr(0, at), described.substr(at + 8, described.size() - at - 9)};
}

}  // namespace swath::core
