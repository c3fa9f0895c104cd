// Other runs' tile sets in an output directory: a run owns its directory's tiles, so it does not mix its
// tiles with those of a run made with other options; told to (--overwrite), it replaces them.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/json.hpp"

namespace swath::tiling {

// What makes a tile set a run's own: a header's options as text, all but skip_blank (which only decides which
// cells get a file, and every run already removes an earlier file at a cell it records blank); a pyramid's scenes.
std::map<std::string, std::string> tile_set_options(const core::Json& header);

// The tile set of an earlier run: the manifests and journals of `manifest_name`'s family in the output
// directory ("tiles.jsonl": tiles.jsonl, tiles.*.jsonl — shards, fleet tasks — and their .journal files)
// whose header has other options than this run's (skip_blank aside: it only decides which cells get a file,
// and a run removes an earlier file at a cell it records blank). Same-options files (a re-run, --resume, the
// other shards of this run, the fleet tasks of one enqueue) are this run's own and are left alone.
class OtherRuns {
 public:
  struct Found {
    std::string file;                            // name in the output directory
    std::map<std::string, std::string> options;  // its header's options (but skip_blank), as text
  };

  // Reads the headers of that family in `output_dir` (none: nothing found). Without `overwrite`, an other
  // run's file is a UsageError naming it, its options and this run's (`header`), with the hint --overwrite.
  // With it, the tiles those files list are read now, before this run replaces any of them.
  // `replaced`: the manifest this run writes (its journal too); one of the same options that lists scenes this run
  // does not name is another run as well, since replacing it would leave their tiles listed nowhere. With
  // `overwrite`, a web-map pyramid found by a chips run is still refused: its tiles are not chips to remove.
  static OtherRuns find(const std::string& output_dir, const std::string& manifest_name, const core::Json& header,
                        bool overwrite, const std::string& replaced = "");

  const std::vector<Found>& found() const { return found_; }

  struct Removed {
    std::int64_t tiles = 0;
    std::vector<std::string> files;     // their manifests, indexes and journals
    std::vector<std::string> warnings;  // listed tiles left alone (changed since, or of an unexpected name)
  };
  // Once this run's manifest is in place: removes the tiles the other runs listed, except those this run (any
  // shard of it) could have written — `ours(path)`: they were overwritten, or removed when blank or failed —
  // and those a same-options file lists; then those runs' manifests, indexes and journals, except `kept`
  // (the names this run's shards write, which they replace themselves); then scene directories left empty. Only a file
  // of a tile's name
  // (`<scene>/r000000_c000000.<ext>`) whose size is the one recorded is removed: never a file swath did not write.
  Removed remove(const std::function<bool(const std::string& path)>& ours, const std::set<std::string>& kept) const;

 private:
  std::string dir_;
  std::vector<Found> found_;
  std::map<std::string, std::uint64_t> tiles_;  // relative path → bytes, listed by the other runs
  std::set<std::string> protected_;             // listed by same-options files
};

// Shard manifests or journals of `manifest_name`'s family in `output_dir` (tiles.shard-I-of-M.jsonl, and the
// fleet's tiles.<task>.shard-I-of-M.jsonl) written for
// another count than `count`: shards of two counts list the same tiles twice (a merge refuses them). Throws
// UsageError naming one, with `hint`.
// `replaced`: files this run replaces (--overwrite: another run's, OtherRuns::found), not counted.
// `unsharded_counts`: `manifest_name` itself (an unsharded run's chips) counts as one shard of 1, and `count` 1 is this
// run unsharded. Not for pyramids, whose merge writes that manifest beside its shards'.
void refuse_other_shard_counts(const std::string& output_dir, const std::string& manifest_name, std::int64_t count,
                               const std::string& hint, const std::set<std::string>& replaced = {},
                               bool unsharded_counts = false);

}  // namespace swath::tiling
