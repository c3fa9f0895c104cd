// detect_scene: the grid's windows of one scene through the ordered pipeline; each window read with the
// detector's context, from blocks decoded once and shared between neighbouring windows.
#include "detect/scene_pass.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>

#include "core/errors.hpp"
#include "detect/merge.hpp"
#include "detect/to_map.hpp"
#include "detect/valid_pixels.hpp"
#include "log/logger.hpp"
#include "pipeline/ordered_pipeline.hpp"
#include "raster/shared_blocks.hpp"
#include "tiling/grid.hpp"

namespace swath::detect {

namespace {

using Clock = std::chrono::steady_clock;

struct Job {
  tiling::GridWindow grid;
  core::Window read;  // the window plus the detector's context, inside the scene
  std::string id;
  log::Context log_context;
};

struct JobResult {
  std::string id;
  std::vector<Candidate> candidates;
  std::string error;
  double seconds = 0;
};

// The window a job reads: its grid cell plus the detector's context, inside the scene.
core::Window read_window(const tiling::GridWindow& cell, std::int64_t margin, const core::Window& whole) {
  const auto& w = cell.source;
  return core::Window{w.x - margin, w.y - margin, w.width + 2 * margin, w.height + 2 * margin}.intersect(whole);
}

// What the windows read, as the grid's column and row spans: the same windows as read_window's, not listed.
raster::GridSpans read_spans(const tiling::Grid& grid, std::int64_t margin, const core::Window& whole) {
  raster::GridSpans spans;
  for (std::int64_t c = 0; c < grid.columns(); ++c) {
    const auto w = read_window(grid.at(c), margin, whole);
    spans.columns.emplace_back(w.x, w.width);
  }
  for (std::int64_t r = 0; r < grid.rows(); ++r) {
    const auto w = read_window(grid.at(r * grid.columns()), margin, whole);
    spans.rows.emplace_back(w.y, w.height);
  }
  return spans;
}

// A context of millions of pixels (a size in metres over a pixel of micrometres) would read most of the scene for
// every window, over the memory budget.
void refuse_window_over_budget(const Scene& scene, std::int64_t margin, std::int64_t read_width,
                               std::int64_t read_height, std::size_t per_item, const DetectOptions& options) {
  if (per_item <= static_cast<std::size_t>(options.resources.max_memory / 2)) return;  // the pipeline's share
  throw core::UsageError(
      "scene '" + scene.input.label + "'",
      "one " + std::to_string(options.window) + "-px window with the detector's context of " + std::to_string(margin) +
          " px each side (pixel size " + fmt::format("{:.4g}", scene.prepared.measure.pixel_metres()) + " m) reads " +
          std::to_string(read_width) + "x" + std::to_string(read_height) + " px (" + std::to_string(per_item >> 20) +
          " MiB of work memory), over half of --max-memory (the pipeline's share)",
      "check the scene's pixel size and the detector's context (cfar: --background, in metres unless "
      "--cfar-units pixels), or raise --max-memory");
}

}  // namespace

void detect_scene(const Scene& scene, const Detector& detector, const DetectOptions& options, DetectReport& report,
                  std::vector<Detection>& found) {
  const auto& info = scene.prepared.info;
  const auto& measure = scene.prepared.measure;
  const tiling::Grid grid(info.width, info.height, {options.window, options.overlap, tiling::Edge::shrink});
  const std::int64_t margin = detector.margin(measure);
  const core::Window whole{0, 0, info.width, info.height};
  auto bands = detector.bands(measure);
  const raster::NoDataRule no_data = no_data_rule(info, bands, detector.read_type());  // may add the alpha band
  // What one window reads, its context included: the memory bound per pipeline token.
  const std::int64_t read_width = std::min(info.width, options.window + 2 * margin);
  const std::int64_t read_height = std::min(info.height, options.window + 2 * margin);
  const auto per_item = static_cast<std::size_t>(read_width * read_height) * (bands.size() * 4 + 24);
  refuse_window_over_budget(scene, margin, read_width, read_height, per_item, options);
  const std::vector<double> fill(bands.size(), 0.0);
  // Neighbouring windows share blocks (overlap, context margin): decode each once, whichever thread needs it.
  const raster::SharedBlockReader reader(scene.input.path, info, bands, detector.read_type(),
                                         raster::ChunkPlan(info, read_spans(grid, margin, whole)),
                                         static_cast<std::size_t>(options.resources.max_memory / 4));

  const pipeline::Limits limits{
      options.resources.threads,
      pipeline::tokens_for_memory(options.resources.max_memory / 2, per_item, options.resources.threads), options.stop};
  std::int64_t next = 0;
  const auto base_context = log::current().with({{"scene", scene.input.label}});
  auto source = [&]() -> std::optional<Job> {
    if (next >= grid.count()) return std::nullopt;
    const auto cell = grid.at(next);
    Job job{cell, read_window(cell, margin, whole), {}, {}};
    ++next;
    job.id = scene.input.tile.empty() ? job.grid.id()
                                      : (grid.count() == 1 ? scene.input.tile : scene.input.tile + "/" + job.grid.id());
    job.log_context = base_context.with({{"tile", job.id}});
    return job;
  };
  auto work = [&](Job& job) {
    JobResult result{job.id, {}, {}, 0};
    try {
      const auto block = reader.read(job.read, fill);
      const auto start = Clock::now();
      const auto data_mask =
          detector.uses_data_mask() ? raster::data_mask(no_data, block) : std::vector<std::uint8_t>{};
      result.candidates = on_data(detector.detect({block, job.grid.source, data_mask}, measure), block, no_data);
      mark_cut_sides(result.candidates, job.grid.source, detector.seam_slack());
      result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    } catch (const core::Error& e) {
      result.error = core::describe(e);
    }
    return result;
  };
  auto sink = [&](JobResult& result) {
    ++report.windows;
    report.detect_seconds += result.seconds;
    if (!result.error.empty()) {
      log::get("detect")->warn("window failed: {}", result.error);
      report.failures.push_back(scene.input.label + " " + result.id + ": " + result.error);
      return;
    }
    for (const auto& c : result.candidates)
      found.push_back(
          to_map(c, scene.prepared.to_map, scene.input.label, scene.input.path, result.id, detector.seam_slack()));
  };
  // One line per scene; a manifest's tiles (thousands of small inputs) say it only at debug level.
  log::get("detect")->log(scene.input.tile.empty() ? spdlog::level::info : spdlog::level::debug,
                          "scene '{}': {} windows of {} px", scene.input.label, grid.count(), options.window);
  if (!pipeline::run_ordered(limits, source, work, sink)) throw_interrupted(report.windows);
}

[[noreturn]] void throw_interrupted(std::int64_t windows_done) {
  log::get("detect")->warn("interrupted after {} window(s): nothing written", windows_done);
  throw core::Interrupted("detection interrupted");
}

}  // namespace swath::detect
