// Checks of where an output goes, made before any work: its directory, and whether it is also an input.
#include "core/files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/errors.hpp"

namespace swath::core {

namespace fs = std::filesystem;

std::string parent_directory_problem(const std::string& path) {
  const auto parent = std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (parent.empty() || std::filesystem::is_directory(parent, ec)) {
    // Outputs are made beside their final name and renamed: a directory one cannot write into (permissions, a
    // read-only mount) fails only then, after the work.
    const std::string dir = parent.empty() ? "." : parent.string();
    // The effective credentials (AT_EACCESS), as the write will use: access() asks about the real user.
    if (::faccessat(AT_FDCWD, dir.c_str(), W_OK | X_OK, AT_EACCESS) != 0) {
      return "the directory '" + dir + "' is not writable here: " + std::strerror(errno);
    }
    return "";
  }
  if (std::filesystem::exists(parent, ec)) return "'" + parent.string() + "' is not a directory";
  if (ec) return "'" + parent.string() + "' cannot be looked up: " + ec.message();
  return "the directory '" + parent.string() + "' does not exist";
}

namespace {
// The directory entry `path` names: its directory resolved, its own name kept (a link is the link).
fs::path entry_of(const std::string& path) {
  std::error_code ec;
  const fs::path absolute = fs::absolute(path, ec);
  const fs::path parent = fs::weakly_canonical(absolute.parent_path(), ec);
  return (ec ? absolute.parent_path() : parent) / absolute.filename();
}
}  // namespace

bool writes_over(const std::string& output, const std::string& input) {
  if (output.empty() || output == "-" || input.empty()) return false;
  const fs::path target = entry_of(output);
  if (target == entry_of(input)) return true;
  std::error_code ec;
  const fs::path read = fs::weakly_canonical(input, ec);  // through links: the file actually read
  if (ec) return false;
  if (target == read) return true;
  // An output that is a link to an input: the rename would replace the link, but who names it means the input.
  std::error_code link_ec;
  if (!fs::is_symlink(target, link_ec)) return false;
  const fs::path through = fs::weakly_canonical(target, link_ec);
  return !link_ec && through == read;
}

void refuse_output_is_input(const std::string& flag, const std::string& output,
                            const std::vector<std::string>& inputs) {
  for (const auto& input : inputs) {
    if (!writes_over(output, input)) continue;
    const std::string also = input == output ? "" : " ('" + input + "')";
    throw UsageError(flag + " '" + output + "'",
                     "it is also an input" + also + ": writing it would destroy what is read", "write to another file");
  }
}

}  // namespace swath::core
