// Finding other runs' manifests and journals by their headers, and removing what they listed.
#include "tiling/other_runs.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "tiling/manifest_reader.hpp"
#include "tiling/scene_identity.hpp"

namespace swath::tiling {

namespace {

namespace fs = std::filesystem;

// "tiles.jsonl" → "tiles": the family's manifests are "tiles.jsonl" and "tiles.<anything>.jsonl".
bool in_family(const std::string& name, const std::string& stem) {
  return name == stem + ".jsonl" || (name.rfind(stem + ".", 0) == 0 && name.ends_with(".jsonl"));
}

bool is_journal(const std::string& name) { return name.ends_with(".journal"); }

// Reads `path` with `read(reader)`, torn lines passed over; a file that cannot be read lists nothing.
template <class Read>
void read_tolerantly(const std::string& path, Read&& read) {
  try {
    ManifestReader reader(path, core::MalformedLines::skip);
    read(reader);
  } catch (const core::IoError&) {
    // Unreadable, or a read failed part-way: what it lists (beyond what was read) is not known, so not touched.
  }
}

std::string scene_list(const ManifestHeader& header) {
  std::string names;
  for (const auto& scene : header.scenes) names += (names.empty() ? "" : ",") + scene.name;
  return names;
}

// "size 32, format GTiff": the options of `side` that `other` does not share.
std::string differences(const std::map<std::string, std::string>& side,
                        const std::map<std::string, std::string>& other) {
  std::string out;
  std::set<std::string> keys;
  for (const auto& [key, value] : side) keys.insert(key);
  for (const auto& [key, value] : other) keys.insert(key);
  for (const auto& key : keys) {
    const auto here = side.find(key);
    const auto there = other.find(key);
    if (here != side.end() && there != other.end() && here->second == there->second) continue;
    // An empty value is an option left to its default (a pyramid's zooms: the scene's own).
    const std::string shown = here == side.end() ? "(none)" : here->second.empty() ? "(default)" : here->second;
    out += (out.empty() ? "" : ", ") + key + " " + shown;
  }
  return out.empty() ? "no options recorded" : out;
}

// "<scene>/r000000_c000000.<ext>" with a plain scene directory: the only names swath gives tiles.
bool tile_shaped(const std::string& path) {
  const auto slash = path.find('/');
  if (slash == std::string::npos || slash == 0 || path[0] == '.' || path.find('/', slash + 1) != std::string::npos)
    return false;
  const std::string name = path.substr(slash + 1);
  const auto dot = name.find('.');
  if (dot != 15 || name[0] != 'r' || name[7] != '_' || name[8] != 'c') return false;
  for (const std::size_t i : {1, 2, 3, 4, 5, 6, 9, 10, 11, 12, 13, 14}) {
    if (name[i] < '0' || name[i] > '9') return false;
  }
  const std::string extension = name.substr(dot + 1);
  return extension == "tif" || extension == "png" || extension == "jpg" || extension == "webp";
}

// A chips manifest's scenes that `ours` does not name ("" when none).
std::string dropped_scenes(const ManifestHeader& theirs, const ManifestHeader& ours) {
  std::string names;
  for (const auto& scene : theirs.scenes) {
    if (ours.scene(scene.name) == nullptr) names += (names.empty() ? "'" : ", '") + scene.name + "'";
  }
  return names;
}

bool is_pyramid(const std::map<std::string, std::string>& options) {
  const auto grid = options.find("grid");
  return grid != options.end() && grid->second == "xyz";
}

}  // namespace

std::map<std::string, std::string> tile_set_options(const core::Json& header) {
  std::map<std::string, std::string> out;
  const auto* options = header.find("options");
  if (options == nullptr || !options->is_object()) return out;
  // --co A --co B is --co B --co A's tile set (with_canonical_creation_options).
  const core::Json sorted = with_canonical_creation_options(*options);
  for (const auto& [key, value] : sorted.as_object()) {
    if (key == "skip_blank") continue;
    out[key] = value.is_string() ? value.as_string() : value.dump();
  }
  // A web-map tile is composited from every scene, the later on top: other scenes or another order make other
  // tiles at the same z/x/y. (A chip tile belongs to one scene's directory, so chips need no such entry.)
  if (const auto* grid = header.find("grid"); grid != nullptr && grid->is_string() && grid->as_string() == "xyz") {
    out["scenes"] = scene_list(ManifestHeader::from(header));
  }
  return out;
}

OtherRuns OtherRuns::find(const std::string& output_dir, const std::string& manifest_name, const core::Json& header,
                          bool overwrite, const std::string& replaced) {
  OtherRuns runs;
  runs.dir_ = output_dir;
  const std::string stem = manifest_name.substr(0, manifest_name.find('.'));
  // Numbers as the files spell them: this run's header goes through the same text.
  const auto ours = tile_set_options(core::Json::parse(header.dump()));
  const auto our_header = ManifestHeader::from(header);
  // Also what an --overwrite run stopped half-way set aside of that manifest (.tiles.replaced[-N].jsonl.journal).
  const std::string set_aside = replaced.size() > 6 ? "." + replaced.substr(0, replaced.size() - 6) + ".replaced" : "";
  const auto replaces = [&](const std::string& name) {
    return !replaced.empty() && (name == replaced || name == "." + replaced + ".journal" ||
                                 (name.rfind(set_aside, 0) == 0 && is_journal(name)));
  };
  // Another tile set: other options, a scene of one of this run's names that is not this run's scene, or (the
  // manifest this run replaces) scenes this run leaves out.
  std::string dropped;  // the first such file's scenes, for the message
  std::string changed;  // the first such file's other scene, for the message
  const auto is_other = [&](const ManifestHeader& theirs, const std::string& name) {
    if (tile_set_options(theirs.json) != ours) return true;
    if (const auto other_scene = changed_scene(theirs, our_header); !other_scene.empty()) {
      if (changed.empty()) changed = other_scene;
      return true;
    }
    if (!replaces(name) || is_pyramid(ours)) return false;  // a pyramid's options name its scenes already
    const auto left_out = dropped_scenes(theirs, our_header);
    if (!left_out.empty() && dropped.empty()) dropped = left_out;
    return !left_out.empty();
  };
  std::error_code ec;
  std::vector<std::string> names;
  for (fs::directory_iterator it(output_dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    const bool journal =
        name.size() > 9 && name[0] == '.' && is_journal(name) && in_family(name.substr(1, name.size() - 9), stem);
    if ((journal || in_family(name, stem)) && it->is_regular_file(ec)) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  // A live run's journal (locked while it writes): neither its manifest is this run's to write nor its tiles to
  // replace.
  std::set<std::string> live;
  for (const auto& name : names) {
    if (is_journal(name) && core::locked_by_another(output_dir + "/" + name)) live.insert(name);
  }
  const auto refuse_live = [&](const std::string& name, const std::string& what) {
    throw core::UsageError("output '" + output_dir + "'", "another run is writing there now (" + name + ")" + what,
                           "wait for it to finish, or choose another -o");
  };
  if (!replaced.empty() && live.count("." + replaced + ".journal") != 0) {
    refuse_live("." + replaced + ".journal", ": both would write " + replaced);
  }
  for (const auto& name : names) {
    // Is it another tile set? A manifest's header is its first line; a journal gains one per --resume.
    const auto other = [&](const ManifestHeader& theirs) {
      if (theirs.schema != "swath.tiles/1" || !is_other(theirs, name)) return false;
      auto options = tile_set_options(theirs.json);
      if (options == ours && changed_scene(theirs, our_header).empty())
        options["scenes"] = scene_list(theirs);  // only its scenes differ
      runs.found_.push_back({name, std::move(options)});
      return true;
    };
    read_tolerantly(output_dir + "/" + name, [&](ManifestReader& reader) {
      if (is_journal(name)) {
        while (auto theirs = reader.next_header()) {
          if (other(*theirs)) break;
        }
      } else if (auto first = reader.next(); first && std::holds_alternative<ManifestHeader>(*first)) {
        other(std::get<ManifestHeader>(*first));
      }
    });
  }
  if (runs.found_.empty()) return runs;
  for (const auto& found : runs.found_) {
    if (is_pyramid(found.options) && !is_pyramid(ours)) {
      throw core::UsageError("output '" + output_dir + "'",
                             "it holds a web-map pyramid (" + found.file +
                                 "): chips would mix with it, and --overwrite replaces chips only",
                             "choose another -o, or remove that pyramid first");
    }
  }
  for (const auto& found : runs.found_) {
    if (live.count(found.file) != 0)
      refuse_live(found.file,
                  ", with other options: replacing its tiles now would leave its manifest listing files that are gone");
  }
  if (!overwrite) {
    const auto& first = runs.found_.front();
    if (first.options == ours) {  // same options: one of its scenes is not this run's scene of that name
      throw core::UsageError(
          "output '" + output_dir + "'",
          "its " + first.file + " lists the tiles of " + changed + ": the two scenes' tiles would mix under one name",
          is_pyramid(ours) ? "choose another -o, or remove that pyramid first (--grid xyz has no --overwrite)"
                           : "--overwrite replaces that run's tiles with this run's; or choose another -o");
    }
    if (!is_pyramid(ours) && !is_pyramid(first.options) && first.options.count("scenes") != 0) {  // fewer scenes
      throw core::UsageError("output '" + output_dir + "'",
                             "its " + first.file + " lists the tiles of scene(s) " + dropped +
                                 " this run does not name: replacing it would leave their tiles listed nowhere",
                             "name those scenes too (their tiles are kept), or --overwrite to remove their tiles, or "
                             "choose another -o");
    }
    throw core::UsageError(
        "output '" + output_dir + "'",
        "it holds the tiles of a run with other options (" + first.file + ": " + differences(first.options, ours) +
            "; this run: " + differences(ours, first.options) + ")",
        is_pyramid(ours) ? std::string("choose another -o, or remove ") +
                               (is_pyramid(first.options) ? "that pyramid" : "those chips") +
                               " first (--grid xyz has no --overwrite)"
                         : "--overwrite replaces that run's tiles with this run's; or choose another -o");
  }
  // The tiles each file lists, under the header they follow (a torn line lists nothing: its tile, if any, stays).
  for (const auto& name : names) {
    read_tolerantly(output_dir + "/" + name, [&](ManifestReader& reader) {
      bool other = false;
      while (auto entry = reader.next()) {
        if (const auto* theirs = std::get_if<ManifestHeader>(&*entry)) {
          other = is_other(*theirs, name);
          continue;
        }
        const auto& line = std::get<ManifestLine>(*entry);
        if (line.path.empty() || !line.bytes) continue;
        if (other)
          runs.tiles_[line.path] = static_cast<std::uint64_t>(*line.bytes);
        else
          runs.protected_.insert(line.path);
      }
    });
  }
  return runs;
}

OtherRuns::Removed OtherRuns::remove(const std::function<bool(const std::string&)>& ours,
                                     const std::set<std::string>& kept) const {
  Removed removed;
  std::set<std::string> scene_dirs;
  for (const auto& [path, bytes] : tiles_) {
    if (ours(path) || protected_.count(path) != 0) continue;
    const std::string full = dir_ + "/" + path;
    struct stat info {};
    if (::lstat(full.c_str(), &info) != 0) continue;  // gone already (another shard of this run removed it)
    if (!tile_shaped(path) || !S_ISREG(info.st_mode) || static_cast<std::uint64_t>(info.st_size) != bytes) {
      removed.warnings.push_back("left '" + full + "': not the tile an earlier run's manifest recorded there");
      continue;
    }
    if (::unlink(full.c_str()) == 0) {
      ++removed.tiles;
      scene_dirs.insert(path.substr(0, path.find('/')));
    } else if (errno != ENOENT) {
      removed.warnings.push_back("cannot remove '" + full + "': " + std::strerror(errno));
    }
  }
  for (const auto& found : found_) {
    std::vector<std::string> names{found.file};
    if (!is_journal(found.file)) names.push_back(found.file.substr(0, found.file.size() - 6) + ".geojson");
    for (const auto& name : names) {
      if (kept.count(name) != 0) continue;
      if (::unlink((dir_ + "/" + name).c_str()) == 0) removed.files.push_back(name);
    }
  }
  for (const auto& scene : scene_dirs) ::rmdir((dir_ + "/" + scene).c_str());  // only if empty
  return removed;
}

void refuse_other_shard_counts(const std::string& output_dir, const std::string& manifest_name, std::int64_t count,
                               const std::string& hint, const std::set<std::string>& replaced, bool unsharded_counts) {
  // tiles.shard-I-of-N.jsonl, and the fleet's tiles.<task>.shard-I-of-N.jsonl.
  const std::string family = manifest_name.substr(0, manifest_name.find('.')) + ".";
  const auto run_in = [](const std::string& n) { return n == "1" ? std::string("unsharded") : "in " + n + " shards"; };
  const auto a_run = [](const std::string& n) {
    return n == "1" ? std::string("an unsharded run") : "a run in " + n + " shards";
  };
  std::error_code ec;
  for (fs::directory_iterator it(output_dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    // Replaced by this run, or set aside by an --overwrite stopped half-way (.NAME.replaced.jsonl.journal): not listed.
    if (replaced.count(name) != 0 || name.find(".replaced") != std::string::npos) continue;
    if (!name.empty() && name[0] == '.' && is_journal(name)) name = name.substr(1, name.size() - 9);
    std::string theirs;
    if (unsharded_counts && name == manifest_name) {
      theirs = "1";
    } else {
      const auto shard = name.rfind(".shard-");
      const auto of = shard == std::string::npos ? shard : name.find("-of-", shard);
      if (name.rfind(family, 0) != 0 || of == std::string::npos || !name.ends_with(".jsonl")) continue;
      theirs = name.substr(of + 4, name.find('.', of) - of - 4);
    }
    if (theirs == std::to_string(count)) continue;
    throw core::UsageError("output '" + output_dir + "'",
                           "it holds the tiles of " + a_run(theirs) + " (" + it->path().filename().string() +
                               "), this one is " + run_in(std::to_string(count)) +
                               ": their tiles would be listed twice",
                           hint);
  }
}

}  // namespace swath::tiling
