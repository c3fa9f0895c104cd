// What a previous run left: its manifest and journal records, so --resume redoes only what is missing.
#pragma once

#include <map>
#include <string>

#include "tiling/manifest.hpp"

namespace swath::tiling {

class PreviousRun {
 public:
  // Reads `manifest_name` and its journal in `output_dir`; keeps the records written under
  // `options_hash` (later ones win). Missing files, foreign headers and a torn last line are skipped.
  static PreviousRun load(const std::string& output_dir, const std::string& manifest_name, const std::string& options_hash);

  // The record of `id` a resumed run may keep: written with a file whose size and SHA-256 still match, or blank.
  // Reads the file to hash it, so call it from a parallel stage.
  const TileRecord* reusable(const std::string& id, const std::string& output_dir) const;
  std::size_t size() const { return records_.size(); }
  std::size_t ignored_files() const { return ignored_files_; }

 private:
  void read(const std::string& path, const std::string& options_hash);
  std::map<std::string, TileRecord, std::less<>> records_;
  std::size_t ignored_files_ = 0;
};

}  // namespace swath::tiling
