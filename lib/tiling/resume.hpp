// What a previous run left: its manifest and journal records, so --resume redoes only what is missing.
#pragma once

#include <map>
#include <set>
#include <string>

#include "core/json.hpp"
#include "tiling/manifest.hpp"

namespace swath::tiling {

class PreviousRun {
 public:
  // Reads `manifest_name` and its journal in `output_dir`; keeps the records written under the options hash
  // of `header` (this run's manifest header) for scenes described there exactly as in `header` (size, bands,
  // type, grid, fingerprint): a scene replaced by another of the same name, rewritten in place, or without a
  // fingerprint, is redone. Later records win. Missing files, foreign headers and a torn last line are skipped. The
  // fingerprint hashes the sizes and ends of the file and its sidecars only (raster::scene_fingerprint): a same-size
  // rewrite confined to the middle of a large file, or of a VRT's source, is not detected.
  static PreviousRun load(const std::string& output_dir, const std::string& manifest_name, const core::Json& header);

  // The record of `id` a resumed run may keep: blank, or written at `path` (relative to `output_dir`, the
  // tile's own path) with a file whose size and SHA-256 still match. Reads the file to hash it, so call it
  // from a parallel stage.
  const TileRecord* reusable(const std::string& id, const std::string& output_dir, const std::string& path) const;
  std::size_t size() const { return records_.size(); }
  std::size_t ignored_files() const { return ignored_files_; }
  // Scenes whose previous description differs from this run's: none of their records is kept.
  const std::set<std::string>& changed_scenes() const { return changed_scenes_; }

 private:
  void read(const std::string& path, const core::Json& header);
  std::map<std::string, TileRecord, std::less<>> records_;
  std::size_t ignored_files_ = 0;
  std::set<std::string> changed_scenes_;
  std::set<std::string> matched_scenes_;
};

}  // namespace swath::tiling
