// Done records: named per job and task, read back per job.
#include "worker/done_record.hpp"

#include <algorithm>
#include <filesystem>

#include "core/errors.hpp"
#include "core/files.hpp"

namespace swath::worker {

std::string done_record_name(const std::string& job, const std::string& task) {
  return "swath-records/" + job + "/" + task + ".json";
}

std::vector<core::Json> read_records(const std::string& output_dir, const std::string& job) {
  namespace fs = std::filesystem;
  std::vector<std::string> paths;
  std::error_code ec;
  for (fs::directory_iterator it(output_dir + "/swath-records/" + job, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() == ".json") paths.push_back(it->path().string());
  }
  std::sort(paths.begin(), paths.end());
  std::vector<core::Json> out;
  for (const auto& path : paths) {
    try {
      auto json = core::Json::parse(core::read_file(path));
      if (json.is_object()) out.push_back(std::move(json));
    } catch (const core::DataError&) {}
  }
  return out;
}

}  // namespace swath::worker
