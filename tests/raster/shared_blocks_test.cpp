// SharedBlockReader on real tiled GeoTIFFs: the same pixels as WindowReader, each chunk decoded once from many threads.
#include <doctest/doctest.h>

#include <gdal_priv.h>

#include <oneapi/tbb/parallel_for.h>

#include <algorithm>
#include <atomic>
#include <utility>

#include "core/errors.hpp"
#include "raster/shared_blocks.hpp"
#include "support/rasters.hpp"
#include "support/scratch.hpp"

using namespace swath;

namespace {

raster::SceneInfo info_of(const std::string& path) {
  auto dataset = raster::open_scene(path);
  return raster::describe_scene(*dataset, path);
}

// Overlapping windows with a context margin, as detect reads them: stride 48, side 64 + 2 * 8, clipped.
std::vector<core::Window> detect_like_windows(const raster::SceneInfo& info) {
  std::vector<core::Window> out;
  const core::Window whole{0, 0, info.width, info.height};
  for (std::int64_t y = 0; y < info.height; y += 48) {
    for (std::int64_t x = 0; x < info.width; x += 48)
      out.push_back(core::Window{x - 8, y - 8, 80, 80}.intersect(whole));
  }
  return out;
}

// The same windows as the grid's column and row spans.
raster::GridSpans detect_like_spans(const raster::SceneInfo& info) {
  raster::GridSpans spans;
  const auto span = [](std::int64_t start, std::int64_t scene) {
    const std::int64_t from = std::max<std::int64_t>(0, start - 8);
    return std::pair{from, std::min(scene, start + 72) - from};
  };
  for (std::int64_t x = 0; x < info.width; x += 48) spans.columns.push_back(span(x, info.width));
  for (std::int64_t y = 0; y < info.height; y += 48) spans.rows.push_back(span(y, info.height));
  return spans;
}

}  // namespace

TEST_CASE("chunk plan: a grid's spans count the uses of every chunk as its listed windows do") {
  raster::SceneInfo info;
  info.width = 1300;
  info.height = 700;
  info.block_width = 128;
  info.block_height = 64;
  const raster::ChunkPlan listed(info, detect_like_windows(info));
  const raster::ChunkPlan spans(info, detect_like_spans(info));
  REQUIRE(spans.columns() * spans.rows() == listed.columns() * listed.rows());
  for (std::int64_t chunk = 0; chunk < listed.columns() * listed.rows(); ++chunk) {
    CAPTURE(chunk);
    CHECK(spans.uses(chunk) == listed.uses(chunk));
  }
}

TEST_CASE("chunk plan: whole blocks of at least 256 pixels, at most the scene, and the windows needing each") {
  raster::SceneInfo info;
  info.width = 1000;
  info.height = 600;
  info.block_width = 128;
  info.block_height = 128;
  raster::ChunkPlan tiled(info, {{0, 0, 300, 10}, {250, 250, 10, 10}, {-50, -50, 40, 40}});
  CHECK(tiled.chunk_width() == 256);
  CHECK(tiled.chunk_height() == 256);
  CHECK(tiled.columns() == 4);
  CHECK(tiled.rows() == 3);
  CHECK(tiled.chunks_of({0, 0, 300, 10}) == std::vector<std::int64_t>{0, 1});
  CHECK(tiled.chunks_of({250, 250, 10, 10}) == std::vector<std::int64_t>{0, 1, 4, 5});
  CHECK(tiled.chunks_of({-50, -50, 40, 40}).empty());  // wholly outside: padding only
  CHECK(tiled.uses(0) == 2);
  CHECK(tiled.uses(5) == 1);
  CHECK(tiled.uses(11) == 0);
  CHECK(tiled.chunk_window(11) == core::Window{768, 512, 232, 88});  // clipped to the scene

  info.block_width = 1000;  // one-row strips become 256-row chunks, not 600 chunks
  info.block_height = 1;
  raster::ChunkPlan strips(info, std::vector<core::Window>{});
  CHECK(strips.chunk_width() == 1000);
  CHECK(strips.chunk_height() == 256);
  info.block_width = 4096;  // a block larger than the scene: the scene
  info.block_height = 4096;
  CHECK(raster::ChunkPlan(info, raster::GridSpans{}).chunk_width() == 1000);
}

TEST_CASE("shared blocks: overlapping windows from 4 threads equal WindowReader's, each chunk decoded once") {
  test::ScratchDir dir;
  test::SceneSpec spec;
  spec.width = 700;
  spec.height = 520;
  spec.pixel = [](int b, int x, int y) { return b * 1000 + (x * 7 + y * 13) % 997; };
  spec.creation_options = {"TILED=YES", "BLOCKXSIZE=128", "BLOCKYSIZE=128", "COMPRESS=DEFLATE"};
  const auto path = test::make_scene(dir / "scene.tif", spec);
  const auto info = info_of(path);
  const auto windows = detect_like_windows(info);
  const std::vector<int> bands{3, 1};
  const raster::SharedBlockReader shared(path, info, bands, GDT_Float32, raster::ChunkPlan(info, windows), 64u << 20);
  const raster::WindowReader plain(path, info);
  std::atomic<int> mismatches{0};
  tbb::parallel_for(std::size_t{0}, windows.size(), [&](std::size_t i) {
    const auto a = shared.read(windows[i], {0, 0});
    const auto b = plain.read(windows[i], bands, GDT_Float32, {0, 0});
    if (a.data != b.data) ++mismatches;
  });
  CHECK(mismatches == 0);
  const raster::ChunkPlan plan(info, windows);
  CHECK(shared.decoded_chunks() == static_cast<std::size_t>(plan.columns() * plan.rows()));
  // Planned as detect plans them, from the grid's spans: each chunk decoded once too (none freed before its last use).
  const raster::SharedBlockReader from_spans(path, info, bands, GDT_Float32,
                                             raster::ChunkPlan(info, detect_like_spans(info)), 64u << 20);
  tbb::parallel_for(std::size_t{0}, windows.size(), [&](std::size_t i) {
    if (from_spans.read(windows[i], {0, 0}).data != plain.read(windows[i], bands, GDT_Float32, {0, 0}).data)
      ++mismatches;
  });
  CHECK(mismatches == 0);
  CHECK(from_spans.decoded_chunks() == static_cast<std::size_t>(plan.columns() * plan.rows()));

  // Windows reaching outside the scene are padded with the fill value, as WindowReader pads them.
  const core::Window edge{650, 500, 80, 40};
  const raster::SharedBlockReader padded(path, info, bands, GDT_UInt16, raster::ChunkPlan(info, std::vector{edge}),
                                         64u << 20);
  CHECK(padded.read(edge, {5, 6}).data == plain.read(edge, bands, GDT_UInt16, {5, 6}).data);
}

TEST_CASE("shared blocks: a tiny budget drops unused chunks and decodes them again, pixels unchanged") {
  test::ScratchDir dir;
  test::SceneSpec spec;
  spec.width = 600;
  spec.height = 600;
  spec.bands = 1;
  spec.creation_options = {"TILED=YES", "BLOCKXSIZE=256", "BLOCKYSIZE=256"};
  const auto path = test::make_scene(dir / "scene.tif", spec);
  const auto info = info_of(path);
  const auto windows = detect_like_windows(info);
  const raster::SharedBlockReader shared(path, info, {1}, GDT_UInt16, raster::ChunkPlan(info, windows), 1);
  const raster::WindowReader plain(path, info);
  for (const auto& w : windows) REQUIRE(shared.read(w, {0}).data == plain.read(w, {1}, GDT_UInt16, {0}).data);
  const raster::ChunkPlan plan(info, windows);
  CHECK(shared.decoded_chunks() > static_cast<std::size_t>(plan.columns() * plan.rows()));
}

TEST_CASE("shared blocks: a corrupt block fails every window that needs it, and only those") {
  test::ScratchDir dir;
  test::SceneSpec spec;
  spec.width = 768;
  spec.height = 256;
  spec.bands = 1;
  spec.creation_options = {"TILED=YES", "BLOCKXSIZE=256", "BLOCKYSIZE=256", "COMPRESS=DEFLATE"};
  const auto path = test::make_scene(dir / "scene.tif", spec);
  test::corrupt_block(path, 1, 0);
  const auto info = info_of(path);
  const std::vector<core::Window> windows{{0, 0, 200, 100}, {200, 0, 100, 100}, {300, 0, 100, 100}, {600, 0, 100, 100}};
  const raster::SharedBlockReader shared(path, info, {1}, GDT_UInt16, raster::ChunkPlan(info, windows), 64u << 20);
  CHECK_NOTHROW(shared.read(windows[0], {0}));
  CHECK_THROWS_AS(shared.read(windows[1], {0}), core::DataError);
  CHECK_THROWS_AS(shared.read(windows[2], {0}), core::DataError);  // the same failed chunk: not decoded again
  CHECK_NOTHROW(shared.read(windows[3], {0}));
  CHECK(shared.decoded_chunks() == 3);
}

TEST_CASE("shared blocks: a window that shares a chunk with a corrupt strip, not the strip itself, is read") {
  test::ScratchDir dir;
  test::SceneSpec spec;
  spec.width = 300;
  spec.height = 600;
  spec.bands = 1;
  spec.creation_options = {"BLOCKYSIZE=2", "COMPRESS=DEFLATE"};  // strips of 2 rows: chunks of 256 rows
  const auto path = test::make_scene(dir / "scene.tif", spec);
  test::corrupt_block(path, 0, 200);  // rows 400-401, in the chunk of rows 256-511
  const auto info = info_of(path);
  const std::vector<core::Window> windows{{0, 200, 100, 100}, {0, 350, 100, 100}, {100, 250, 100, 100}};
  const raster::SharedBlockReader shared(path, info, {1}, GDT_UInt16, raster::ChunkPlan(info, windows), 64u << 20);
  const raster::WindowReader plain(path, info);
  CHECK(shared.read(windows[0], {0}).data == plain.read(windows[0], {1}, GDT_UInt16, {0}).data);  // rows 200-299
  CHECK_THROWS_WITH_AS(shared.read(windows[1], {0}), doctest::Contains("cannot read window 100x100+0+350"),
                       core::DataError);  // its own window named, not the chunk's
  CHECK(shared.read(windows[2], {0}).data == plain.read(windows[2], {1}, GDT_UInt16, {0}).data);  // rows 250-349
}
