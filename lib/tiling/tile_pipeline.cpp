// The three stages of `swath tile` over pipeline::run_ordered, and what each tile's outcome becomes.
#include "tiling/tile_pipeline.hpp"

#include <chrono>
#include <deque>
#include <exception>
#include <functional>
#include <future>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "core/sha256.hpp"
#include "log/logger.hpp"
#include "pipeline/ordered_pipeline.hpp"
#include "tiling/inputs_in_output.hpp"
#include "tiling/tile_writer.hpp"

namespace swath::tiling {

namespace {

struct TileJob {
  std::size_t scene = 0;
  GridWindow cell;
  log::Context log_context;
};

struct TileOutcome {
  std::size_t scene = 0;
  GridWindow cell;
  TileStatus status = TileStatus::written;
  bool cancelled = false;  // abandoned before any output: no record
  bool reused = false;
  std::uint64_t bytes = 0;
  std::string sha256;
  std::string error;
  std::future<void> written;  // a written tile's file, in place once ready
};

// The source: selected cells of each scene in turn, in grid order.
class CellSource {
 public:
  explicit CellSource(const TileRun& run) : run_(run) {}
  std::optional<TileJob> operator()() {
    while (scene_ < run_.scenes.size()) {
      const auto& scene = run_.scenes[scene_];
      next_ = run_.selection.next_from(next_, scene.grid.count());
      if (next_ < scene.grid.count()) {
        TileJob job{scene_, scene.grid.at(next_++), {}};
        job.log_context = log::current().with({{"scene", scene.name}, {"tile", job.cell.id()}});
        return job;
      }
      ++scene_;
      next_ = 0;
    }
    return std::nullopt;
  }

 private:
  const TileRun& run_;
  std::size_t scene_ = 0;
  std::int64_t next_ = 0;
};

// Seconds (wall and CPU) of the tiling threads' own stages, summed over threads.
struct Clocks {
  StageClock read, encode, hash, sink;
};

// Reads, encodes and hashes one tile into `out`, and queues its file with `writer`.
void make_tile(const TileRun& run, const TileScene& scene, const GridWindow& cell, TileWriter& writer, Clocks& clocks,
               TileOutcome& out) {
  auto started = StagePoint::now();
  const auto lap = [&started](StageClock& clock) {
    const auto now = StagePoint::now();
    clock.add(started, now);
    started = now;
  };
  auto block = scene.reader->read(cell.window, scene.read_bands, scene.info.data_type, scene.fill, scene.layout);
  lap(clocks.read);
  if (is_blank(block, cell.source, scene.blank_rule, run.options.skip_blank)) {
    out.status = TileStatus::blank;
    return;
  }
  if (scene.scale) block = scale_to_byte(block, scene.output_bands, scene.ranges, scene.blank_rule.nodata);
  EncodedTile encoded = scene.templates->encode(block, scene.output_bands, scene.look,
                                                {scene.georef->tile_transform(cell.window), tile_id(scene.name, cell)});
  lap(clocks.encode);
  out.bytes = encoded.bytes().size();
  out.sha256 = core::sha256_hex(encoded.bytes());
  lap(clocks.hash);
  out.written = writer.submit(run.options.output_dir + "/" + tile_relative_path(scene.name, cell, run.options.format),
                              std::move(encoded));
}

TileOutcome work(const TileRun& run, const std::function<bool()>& stop, TileWriter& writer, Clocks& clocks,
                 TileJob& job) {
  TileOutcome out;
  out.scene = job.scene;
  out.cell = job.cell;
  if (stop()) {
    out.cancelled = true;
    return out;
  }
  const TileScene& scene = run.scenes[job.scene];
  if (run.previous != nullptr) {
    if (const TileRecord* kept = run.previous->reusable(tile_id(scene.name, job.cell), run.options.output_dir,
                                                        tile_relative_path(scene.name, job.cell, run.options.format))) {
      out.reused = true;
      out.status = kept->status;
      out.bytes = kept->bytes;
      out.sha256 = kept->sha256;
      return out;
    }
  }
  try {
    make_tile(run, scene, job.cell, writer, clocks, out);
    return out;
  } catch (const core::DataError& e) {  // this tile's pixels: record it and go on; output errors stop the run
    // A scene replaced mid-run fails every tile after it: one error for the run, not a warning per tile.
    refuse_changed_since(scene.path, scene.stamp, run.options.report_files);
    out.status = TileStatus::failed;
    out.error = core::describe(e);
    log::get("tile")->warn("tile failed: {}", out.error);
    return out;
  }
}

// Manifest lines wait here, in tile order, until their tile's file is in place, so the sink never blocks
// on a write (it would idle its core) and no line names a file that is not complete.
class PendingRecords {
 public:
  explicit PendingRecords(ManifestWriter& manifest) : manifest_(manifest) {}
  void add(TileRecord record, std::future<void> written) {
    queue_.push_back({std::move(record), std::move(written)});
    flush(false);
  }
  // Moves the lines whose files are in place (all of them, waiting, when `wait`) into the manifest. A tile whose
  // write failed gets no line, and the tiles after it still do: they were being written when it failed, and each
  // that landed is complete under its final name (a journal without it would leave it to no run: --resume would
  // redo it, --overwrite of other options never remove it).
  void flush(bool wait) {
    while (!queue_.empty()) {
      auto& front = queue_.front();
      if (front.written.valid()) {
        if (!wait && front.written.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return;
        bool landed = true;
        try {
          front.written.get();
        } catch (const core::IoError&) {
          if (!failure_) failure_ = std::current_exception();
          landed = false;
        }
        // Not within the try: a journal that cannot be written is the run's end, not one tile's.
        if (landed) manifest_.add(front.record);
      } else {
        manifest_.add(front.record);
      }
      queue_.pop_front();
    }
  }
  // The first failed write's IoError, once the lines of every tile that did land are in.
  void rethrow_failure() const {
    if (failure_) std::rethrow_exception(failure_);
  }

 private:
  struct Pending {
    TileRecord record;
    std::future<void> written;  // invalid: nothing to wait for (blank, failed, kept)
  };
  ManifestWriter& manifest_;
  std::deque<Pending> queue_;
  std::exception_ptr failure_;
};

TileRecord record_of(const TileRun& run, const TileOutcome& out) {
  const TileScene& scene = run.scenes[out.scene];
  TileRecord record;
  record.id = tile_id(scene.name, out.cell);
  record.scene = scene.name;
  record.status = out.status;
  record.cell = out.cell;
  if (out.status == TileStatus::written) record.path = tile_relative_path(scene.name, out.cell, run.options.format);
  record.bounds = scene.georef->crs_bounds(out.cell.window);
  record.bounds_wgs84 = scene.georef->wgs84_bounds(out.cell.window);
  record.bytes = out.bytes;
  record.sha256 = out.sha256;
  record.error = out.error;
  return record;
}

void count(const TileRecord& record, const TileOutcome& out, bool report_files, TileReport& report) {
  if (out.reused) ++report.reused;
  if (!out.reused && out.status != TileStatus::failed) report.pixels += out.cell.source.pixels();
  switch (out.status) {
    case TileStatus::written:
      if (!out.reused) ++report.written;
      report.bytes += out.bytes;
      if (report_files) report.files.push_back({record.path, out.sha256, out.bytes});
      break;
    case TileStatus::blank:
      if (!out.reused) ++report.blank;
      break;
    case TileStatus::failed:
      report.add_failure(record.id, out.error);
      break;
  }
}

}  // namespace

bool run_tile_pipeline(const TileRun& run, TileReport& report) {
  const auto start = std::chrono::steady_clock::now();
  std::size_t bytes_per_item = 1;
  for (const auto& scene : run.scenes) bytes_per_item = std::max(bytes_per_item, scene.bytes_per_tile());
  const WriterLimits shape = writer_limits(pipeline::resolve_threads(run.options.resources.threads),
                                           run.options.resources.max_memory, bytes_per_item);
  TileWriter writer(shape.threads, shape.max_queued);
  // A failed write stops the run as a stop request does: tiles in flight finish (their lines go in), no more start.
  const std::function<bool()> stop = [&] { return writer.failed() || (run.options.stop && run.options.stop()); };
  const pipeline::Limits limits{
      run.options.resources.threads,
      pipeline::tokens_for_memory(run.options.resources.max_memory, bytes_per_item, run.options.resources.threads),
      stop};
  pipeline::Progress progress{0, report.planned, 0, 0, 0, "tiles"};
  if (run.progress != nullptr) run.progress->started(progress);
  bool abandoned = false;
  PendingRecords pending(run.manifest);
  Clocks clocks;
  StageClock drain;
  std::size_t open_scene = 0;  // scenes before this one have had all their tiles sunk

  const auto sink = [&](TileOutcome& out) {
    const Timed timed(clocks.sink);
    // The sink runs in source order: once a tile of a later scene arrives, no work on the earlier ones is left.
    for (; open_scene < out.scene; ++open_scene) run.scenes[open_scene].reader->release_handles();
    if (out.cancelled) {
      abandoned = true;
      return;
    }
    TileRecord record = record_of(run, out);
    count(record, out, run.options.report_files, report);
    pending.add(std::move(record), std::move(out.written));
    progress.done = report.written + report.reused + report.blank + report.failed;
    progress.failed = report.failed;
    progress.pixels = report.pixels;
    progress.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (run.progress != nullptr) run.progress->advanced(progress);
  };
  bool finished = false;
  try {
    finished = pipeline::run_ordered(
        limits, CellSource(run), [&](TileJob& job) { return work(run, stop, writer, clocks, job); }, sink);
    const Timed timed(drain);
    pending.flush(true);
    pending.rethrow_failure();
  } catch (...) {
    if (run.progress != nullptr) run.progress->finished(progress);  // a terminal's bar ends its line before the error
    throw;
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const auto& waits = writer.times();
  const auto stage = [](const StageClock& clock) { return StageTime{clock.wall_seconds(), clock.cpu_seconds()}; };
  report.stages = {stage(clocks.read),      stage(clocks.encode), stage(clocks.hash), stage(clocks.sink),
                   stage(waits.queue_wait), stage(waits.write),   stage(waits.idle),  stage(drain),
                   writer.writers()};
  progress.seconds = report.seconds;
  if (run.progress != nullptr) run.progress->finished(progress);
  return finished && !abandoned;
}

}  // namespace swath::tiling
