// Manifest lines → batches: which file each line's task reads depends on the kind (see the header).
#include "fleet/manifest_batches.hpp"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "core/json_lines.hpp"
#include "core/text.hpp"
#include "fleet/plan_steps.hpp"
#include "raster/fingerprint.hpp"
#include "tiling/manifest_reader.hpp"

namespace swath::fleet {

namespace {

namespace fs = std::filesystem;

std::string value_text(const core::Json& value) { return value.is_string() ? value.as_string() : value.dump(); }

// The raster a line comes from: swath tile writes "scene"; hand-made manifests may say "input".
std::string scene_of(const tiling::ManifestLine& line) {
  return line.scene.empty() ? core::string_field(line.json, "input") : line.scene;
}

// "size 32, overlap 0, edge pad": the grid a header's options give (what a tile task's indices select in).
std::string grid_text(const tiling::ManifestHeader& header) {
  std::string out;
  for (const char* key : {"size", "overlap", "edge"}) {
    const auto* value = header.options.is_object() ? header.options.find(key) : nullptr;
    out += (out.empty() ? "" : ", ") + std::string(key) + " " + (value == nullptr ? "(none)" : value_text(*value));
  }
  return out;
}

class Batcher {
 public:
  Batcher(const std::string& path, std::string kind, std::size_t per_batch, std::function<void(ManifestBatch&&)> sink)
      : manifest_(core::resolved_path(path)), kind_(std::move(kind)), per_batch_(per_batch), sink_(std::move(sink)) {}

  // A header governs the lines after it: their scenes are looked up in it. A tile task re-tiles the grid of the
  // manifest's first header, so a later header on another grid (manifests concatenated) is refused.
  void header(tiling::ManifestHeader header) {
    resolved_.clear();
    const auto* grid = header.json.find("grid");
    if ((kind_ == "tile" || kind_ == "detect") && grid != nullptr && *grid == core::Json("xyz")) {
      throw core::UsageError(header.where,
                             "a web-map pyramid's manifest: its z/x/y tiles are made from all its scenes at once, "
                             "warped to WebMercator",
                             kind_ == "tile" ? "enqueue its scenes with --kind tile --grid xyz"
                                             : "detect on chips (swath tile without --grid xyz) or on the scenes");
    }
    if (kind_ == "tile" && first_grid_ && grid_text(header) != *first_grid_) {
      throw core::UsageError(header.where,
                             "a header on the grid " + grid_text(header) + " after one on " + *first_grid_,
                             "a manifest's tile tasks re-tile one grid: enqueue each manifest as its own input");
    }
    if (!first_grid_) first_grid_ = grid_text(header);
    header_ = std::move(header);
  }

  void line(tiling::ManifestLine line) {
    std::string other;
    const std::string* input = &other;  // a tile line's scene: its resolved path, not copied per line
    if (kind_ == "detect") {
      refuse_failed_tile(line);
      if (!line.has_file()) return;  // a blank tile has no file
      other = core::resolved_path(line.tile_file());
      refuse_missing_tile(other, line);
    } else if (kind_ == "tile") {
      const auto& scene = scene_path(line);
      input = &scene.path;
      // A tile task's indices select tiles of every scene it has: one scene per batch.
      if (!batch_.inputs.empty() && batch_.inputs.front() != *input) flush();
      batch_.fingerprint = scene.fingerprint;
    } else {
      other = scene_of(line);
      other = other.empty() ? manifest_ : core::resolved_path(other);
    }
    // A detect task's inputs pair with its lines (one file each); other kinds read each input once.
    if (kind_ == "detect" || std::find(batch_.inputs.begin(), batch_.inputs.end(), *input) == batch_.inputs.end())
      batch_.inputs.push_back(*input);
    if (kind_ == "detect") {
      batch_.lines.push_back(detect_label(line));
    } else if (kind_ != "tile") {
      batch_.lines.push_back(std::move(line.json));
    } else if (line.index && *line.index >= 0) {
      batch_.indices.push_back(*line.index);
    } else {
      throw core::UsageError(line.where, "has no grid \"index\"",
                             "a tile task re-tiles by grid index: enqueue a manifest "
                             "written by `swath tile`");
    }
    if (batch_.size() >= per_batch_) flush();
  }

  void finish() { flush(); }

 private:
  // What a detection says of the tile it was found in, as `swath detect` on the manifest says it: the line's id
  // (its `window`) and scene (its `scene`); and the SHA-256 the line records, which the worker checks as `swath
  // detect` does (a tile changed after tiling would be detected as if it were its window).
  static core::Json detect_label(const tiling::ManifestLine& line) {
    core::Json label = core::Json::object();
    if (!line.id.empty()) label.set("id", line.id);
    if (!line.scene.empty()) label.set("scene", line.scene);
    if (!line.sha256.empty()) label.set("sha256", line.sha256);
    return label;
  }

  // Every task holding it would be dead-lettered ("no such file"), after a worker took it.
  static void refuse_missing_tile(const std::string& path, const tiling::ManifestLine& line) {
    std::error_code ec;
    if (core::is_vsi_path(path) || fs::is_regular_file(path, ec)) return;
    const bool there = fs::exists(path, ec);
    throw core::UsageError(line.where,
                           "its tile file '" + path + "' " +
                               (there ? "is not a file"
                                : ec  ? "cannot be looked up: " + ec.message()
                                      : std::string("does not exist")),
                           "a tile's \"path\" is relative to the manifest's directory: enqueue the manifest where "
                           "swath tile wrote it, with its tiles, or tile again");
  }

  // `swath detect` reports a failed tile as not examined and writes the rest; a task cannot do both (it commits or
  // fails), and skipping the tile would lose its area without a word.
  static void refuse_failed_tile(const tiling::ManifestLine& line) {
    if (line.status != "failed") return;
    const auto* error = line.json.find("error");
    throw core::UsageError(line.where,
                           (line.id.empty() ? std::string("its tile") : "tile '" + line.id + "'") +
                               " failed when tiled (" +
                               (error != nullptr && error->is_string() ? error->as_string() : "no reason recorded") +
                               "): no task could examine it",
                           "tile again (swath tile --resume remakes failed tiles) and enqueue the new manifest, or "
                           "run swath detect on it, which reports the failed tiles and detects in the rest");
  }

  struct ResolvedScene {
    std::string path;
    std::string fingerprint;  // the header's, checked against the file (ManifestBatch::fingerprint)
  };

  // Resolved once per scene name and header (a manifest has many lines per scene): valid until the next header.
  const ResolvedScene& scene_path(const tiling::ManifestLine& line) {
    const std::string& scene = line.scene.empty() ? input_of(line) : line.scene;
    if (scene.empty())
      throw core::UsageError(line.where, "names no scene", "a tile task re-reads the scene of each line");
    if (const auto known = resolved_.find(scene); known != resolved_.end()) return known->second;
    return resolved_[scene] = resolve_scene(scene, line.where);
  }
  // A hand-made line's "input" (scene_of's other half), kept while its path is looked up.
  const std::string& input_of(const tiling::ManifestLine& line) {
    input_ = core::string_field(line.json, "input");
    return input_;
  }

  ResolvedScene resolve_scene(const std::string& scene, const std::string& where) const {
    const std::string what = where + ": scene '" + scene + "'";
    const auto* described = header_ ? header_->scene(scene) : nullptr;
    if (described != nullptr && !described->source.empty()) {
      std::string path = described->source_path();
      if (core::is_vsi_path(path) || fs::is_regular_file(path)) {
        auto fingerprint = refuse_other_content(*described, path, what);
        return {std::move(path), std::move(fingerprint)};
      }
      throw core::UsageError(what, "its source '" + described->source + "' (from the manifest's header) is not a file",
                             "a relative source is taken relative to the current directory: run enqueue where "
                             "`swath tile` ran, or enqueue the scenes themselves with --shards N");
    }
    std::string path = core::resolved_path(scene);
    if (core::is_vsi_path(path) || fs::is_regular_file(path)) return {std::move(path), ""};
    throw core::UsageError(
        what, "is not a file, nor a scene with a \"source\" in the manifest's header",
        "enqueue a manifest written by this version of `swath tile` (its header names each scene's "
        "source, relative ones taken relative to the current directory), or the scenes with --shards N");
  }

  // The tasks re-cut the tiles the manifest lists, under their ids: from another file of that name (another
  // directory's), or the scene rewritten since, they would be other tiles under those ids. Returns the fingerprint
  // the tasks carry, for the worker to check again (the scene may change while they wait): "" when none is known.
  static std::string refuse_other_content(const tiling::ManifestScene& described, const std::string& path,
                                          const std::string& what) {
    const auto* recorded = described.json.find("fingerprint");
    if (recorded == nullptr || !recorded->is_string()) return "";  // hand-made or older: nothing to compare
    const auto actual = raster::scene_fingerprint(path);
    if (!actual) return "";
    if (*actual == recorded->as_string()) return *actual;
    // A manifest of a swath before sidecars counted: the file's own fingerprint (workers accept it too).
    if (raster::file_fingerprint(path) == recorded->as_string()) return recorded->as_string();
    throw core::UsageError(what,
                           "'" + path + "' is not the file the manifest's tiles were cut from (its fingerprint " +
                               *actual + " is not the header's " + recorded->as_string() +
                               "): another file of that name, or the scene rewritten since",
                           "run enqueue where `swath tile` ran (relative sources are taken from the current "
                           "directory), or enqueue the scene itself with --shards N to tile it anew");
  }

  void flush() {
    if (batch_.size() == 0) return;
    ManifestBatch full = std::move(batch_);
    batch_ = {};
    sink_(std::move(full));
  }

  std::string manifest_;
  std::string kind_;
  std::size_t per_batch_;
  std::optional<tiling::ManifestHeader> header_;  // the one the lines read now follow
  std::optional<std::string> first_grid_;
  std::map<std::string, ResolvedScene, std::less<>> resolved_;  // scene name → file, under header_
  std::string input_;
  ManifestBatch batch_;
  std::function<void(ManifestBatch&&)> sink_;
};

// The manifest's entries parsed on a second thread, a chunk ahead of the one batching them: parsing JSON is most
// of the work of planning a big manifest, and Redis waits for the whole plan (docs/queue.md, "The tile and detect
// kinds"). The entries come in file order; an error comes after the entries read before it, as the reader raised it.
class ReadAhead {
 public:
  ReadAhead(const std::string& path, const std::string& kind) : reader_(kept(path, kind)), thread_([this] { run(); }) {}
  ReadAhead(const ReadAhead&) = delete;
  ReadAhead& operator=(const ReadAhead&) = delete;
  ~ReadAhead() {
    {
      const std::lock_guard lock(mutex_);
      stop_ = true;
    }
    changed_.notify_all();
    thread_.join();
  }

  // The next entry; nullopt at the end.
  std::optional<tiling::ManifestEntry> next() {
    while (at_ == chunk_.entries.size()) {
      if (chunk_.error) std::rethrow_exception(chunk_.error);
      if (chunk_.last) return std::nullopt;
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [&] { return !ready_.empty(); });
      chunk_ = std::move(ready_.front());
      ready_.pop_front();
      at_ = 0;
      lock.unlock();
      changed_.notify_all();
    }
    return std::move(chunk_.entries[at_++]);
  }

 private:
  static constexpr std::size_t chunk_entries = 4096, chunks_ahead = 4;  // ~6 MB of a swath tile manifest
  struct Chunk {
    std::vector<tiling::ManifestEntry> entries;
    std::exception_ptr error;
    bool last = false;
  };

  // A tile task reads a line's scene and grid index only ("input" for hand-made lines): a line's other members,
  // most of its bytes, are not built.
  static tiling::ManifestReader kept(const std::string& path, const std::string& kind) {
    tiling::ManifestReader reader(path);
    if (kind == "tile") reader.keep_only({"scene", "input", "index"});
    return reader;
  }

  void run() {
    for (bool last = false; !last;) {
      Chunk chunk;
      chunk.entries.reserve(chunk_entries);
      try {
        while (chunk.entries.size() < chunk_entries) {
          auto entry = reader_.next();
          if (!entry) {
            chunk.last = true;
            break;
          }
          chunk.entries.push_back(std::move(*entry));
        }
      } catch (...) {
        chunk.error = std::current_exception();
        chunk.last = true;
      }
      last = chunk.last;
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [&] { return stop_ || ready_.size() < chunks_ahead; });
      if (stop_) return;  // the batching side gave up (an error of its own)
      ready_.push_back(std::move(chunk));
      lock.unlock();
      changed_.notify_all();
    }
  }

  tiling::ManifestReader reader_;  // used by the thread only, once it runs
  Chunk chunk_;                    // the one being handed out
  std::size_t at_ = 0;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Chunk> ready_;
  bool stop_ = false;
  std::thread thread_;  // last: starts once the rest is built
};

}  // namespace

core::Json for_each_batch(const std::string& path, const std::string& kind, std::size_t per_batch,
                          const std::function<void(const core::Json& header, ManifestBatch&& batch)>& on_batch) {
  core::Json first_header;
  // Tile batches before the first header, held until it comes (or the end): their grid is the header's.
  std::vector<ManifestBatch> early;
  Batcher batcher(path, kind, std::max<std::size_t>(per_batch, 1), [&](ManifestBatch&& batch) {
    if (first_header.is_null() && kind == "tile") {
      early.push_back(std::move(batch));
    } else {
      on_batch(first_header, std::move(batch));
    }
  });
  ReadAhead reader(path, kind);
  for (std::size_t read = 1; auto entry = reader.next(); ++read) {
    if (read % 4096 == 0) stop_if_asked();
    if (auto* line = std::get_if<tiling::ManifestLine>(&*entry)) {
      batcher.line(std::move(*line));
      continue;
    }
    auto& header = std::get<tiling::ManifestHeader>(*entry);
    if (first_header.is_null()) first_header = header.json;
    batcher.header(std::move(header));
    for (auto& batch : early) on_batch(first_header, std::move(batch));
    early.clear();
  }
  batcher.finish();
  for (auto& batch : early) on_batch(first_header, std::move(batch));
  return first_header;
}

Manifest read_manifest(const std::string& path, const std::string& kind, std::size_t per_batch) {
  Manifest manifest;
  manifest.header = for_each_batch(path, kind, per_batch, [&](const core::Json&, ManifestBatch&& batch) {
    manifest.batches.push_back(std::move(batch));
  });
  return manifest;
}

core::Json manifest_task_options(const std::string& kind, const core::Json& options, const core::Json& given,
                                 const core::Json& header, const std::string& manifest) {
  const auto* grid = header.is_object() ? header.find("options") : nullptr;
  if (kind != "tile" || grid == nullptr || !grid->is_object()) return options;
  core::Json out = options;
  for (const char* key : {"size", "overlap", "edge"}) {
    const auto* value = grid->find(key);
    if (value == nullptr) continue;
    if (const auto* mine = given.find(key);
        mine != nullptr && core::to_lower(value_text(*mine)) != core::to_lower(value_text(*value))) {
      throw core::UsageError("--options " + std::string(key) + " " + value_text(*mine),
                             "the manifest '" + manifest + "' lists the tiles of " + key + " " + value_text(*value) +
                                 ", and its tasks re-tile that grid",
                             "drop " + std::string(key) + " from --options: tasks from a manifest take its grid");
    }
    out.set(key, *value);
  }
  return out;
}

}  // namespace swath::fleet
