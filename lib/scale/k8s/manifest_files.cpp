// Writes built manifests into their directory, all of them or none: a half-emitted set would deploy half a system.
#include <filesystem>

#include "core/files.hpp"
#include "scale/k8s/manifests.hpp"

namespace swath::scale::k8s {

std::vector<std::string> write_manifests(const std::vector<Manifest>& manifests, const std::string& dir) {
  std::error_code ec;
  const bool existed = std::filesystem::exists(dir, ec);
  core::ensure_writable_directory(dir);
  std::vector<std::string> paths;
  try {
    core::StagedFiles staged;
    for (const auto& m : manifests) {
      const std::string path = (std::filesystem::path(dir) / m.file_name).string();  // "k8s/" gave "k8s//x.yaml"
      staged.write(path, m.yaml);
      paths.push_back(path);
    }
    staged.commit();
  } catch (...) {
    if (!existed) std::filesystem::remove(dir, ec);  // the directory this run made, if nothing went in (a full disk)
    throw;
  }
  return paths;
}

}  // namespace swath::scale::k8s
