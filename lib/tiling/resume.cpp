// Loading previous records and checking the files they name.
#include "tiling/resume.hpp"

#include <sys/stat.h>

#include <fstream>

#include "core/errors.hpp"
#include "core/sha256.hpp"

namespace swath::tiling {

PreviousRun PreviousRun::load(const std::string& output_dir, const std::string& manifest_name, const std::string& options_hash) {
  PreviousRun run;
  run.read(output_dir + "/" + manifest_name, options_hash);
  run.read(journal_path(output_dir, manifest_name), options_hash);  // newer than the manifest when both exist
  return run;
}

void PreviousRun::read(const std::string& path, const std::string& options_hash) {
  std::ifstream in(path);
  if (!in) return;
  std::string text;
  bool accepted = false;  // records count only after a header with the same options hash
  while (std::getline(in, text)) {
    try {
      const auto line = core::Json::parse(text);
      if (line.find("schema") != nullptr) {
        const auto* provenance = line.find("provenance");
        const auto* hash = provenance != nullptr ? provenance->find("options_hash") : nullptr;
        accepted = hash != nullptr && hash->is_string() && hash->as_string() == options_hash;
        if (!accepted) ++ignored_files_;
        continue;
      }
      if (!accepted) continue;
      if (auto record = parse_record(line)) records_.insert_or_assign(record->id, std::move(*record));
    } catch (const core::Error&) {
      // A line torn by a kill, or a hand-edited one: that tile is redone.
    }
  }
}

const TileRecord* PreviousRun::reusable(const std::string& id, const std::string& output_dir) const {
  const auto it = records_.find(id);
  if (it == records_.end()) return nullptr;
  const TileRecord& record = it->second;
  if (record.status == TileStatus::blank) return &record;
  if (record.status != TileStatus::written) return nullptr;
  const std::string path = output_dir + "/" + record.path;
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0 || static_cast<std::uint64_t>(info.st_size) != record.bytes) return nullptr;
  try {
    return core::sha256_file_hex(path) == record.sha256 ? &record : nullptr;
  } catch (const core::Error&) {
    return nullptr;
  }
}

}  // namespace swath::tiling
