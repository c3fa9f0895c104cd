// TileWriter puts every tile in place with its exact bytes, reports a failed write, and leaves no partial file.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "support/scratch.hpp"
#include "tiling/tile_writer.hpp"

using namespace swath;
namespace fs = std::filesystem;

namespace {

tiling::EncodedTile tile_of(std::string bytes) {
  auto kept = std::make_shared<std::string>(std::move(bytes));
  return tiling::EncodedTile(*kept, kept);
}

std::string bytes_for(int i) {
  return std::string(static_cast<std::size_t>(5000 + i * 37), static_cast<char>('a' + i % 26));
}

}  // namespace

TEST_CASE("tile writer: every queued tile lands with its bytes, from two writer threads") {
  test::ScratchDir dir;
  std::vector<std::future<void>> written;
  {
    tiling::TileWriter writer(2, 8);
    for (int i = 0; i < 40; ++i)
      written.push_back(writer.submit(dir / ("t" + std::to_string(i) + ".bin"), tile_of(bytes_for(i))));
    for (auto& w : written) w.get();
  }
  for (int i = 0; i < 40; ++i) CHECK(core::read_file(dir / ("t" + std::to_string(i) + ".bin")) == bytes_for(i));
  CHECK(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()) == 40);
}

TEST_CASE("tile writer: a write that fails gives its IoError, naming the file, to whoever waits for it") {
  test::ScratchDir dir;
  tiling::TileWriter writer(1, 1000);
  auto missing = writer.submit(dir / "no-such-dir/t.bin", tile_of("x"));
  CHECK_THROWS_WITH_AS(missing.get(), doctest::Contains("no-such-dir/t.bin"), core::IoError);
  auto fine = writer.submit(dir / "t.bin", tile_of("y"));  // the writer goes on
  fine.get();
  CHECK(core::read_file(dir / "t.bin") == "y");
}

TEST_CASE("tile writer: destroyed with tiles still queued, it leaves only complete files and no temporaries") {
  test::ScratchDir dir;
  std::vector<std::future<void>> written;
  {
    tiling::TileWriter writer(1, 1000);
    for (int i = 0; i < 200; ++i)
      written.push_back(writer.submit(dir / ("t" + std::to_string(i) + ".bin"), tile_of(bytes_for(i))));
  }
  int complete = 0;
  for (int i = 0; i < 200; ++i) {
    const auto path = dir / ("t" + std::to_string(i) + ".bin");
    if (fs::exists(path)) {  // written: complete, and its future says so
      CHECK(core::read_file(path) == bytes_for(i));
      CHECK_NOTHROW(written[static_cast<std::size_t>(i)].get());
      ++complete;
    } else {  // dropped: its future says so instead of waiting forever
      CHECK_THROWS_AS(written[static_cast<std::size_t>(i)].get(), std::future_error);
    }
  }
  CHECK(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()) == complete);
}

TEST_CASE(
    "tile writer: with no threads it writes on the caller's thread, and its errors still come through the future") {
  test::ScratchDir dir;
  tiling::TileWriter writer(0, 1);
  auto done = writer.submit(dir / "t.bin", tile_of("z"));
  CHECK(done.wait_for(std::chrono::seconds(0)) == std::future_status::ready);
  CHECK(core::read_file(dir / "t.bin") == "z");
  auto missing = writer.submit(dir / "no-such-dir/t.bin", tile_of("x"));
  CHECK_THROWS_AS(missing.get(), core::IoError);
}

TEST_CASE("tile writer: tiles waiting while every writer is busy bring more writers, up to its cap and no further") {
  // One write at a time leaves the device idle between completions (issue 16): a burst of tiles must be
  // written by several threads at once. Submitting takes microseconds, a 256 KiB write far longer, so tiles
  // wait here; the cap still holds.
  test::ScratchDir dir;
  std::vector<std::future<void>> written;
  tiling::TileWriter writer(3, 1000);
  CHECK(writer.writers() == 1);  // one from the start; the others only when needed
  for (int i = 0; i < 64; ++i) {
    written.push_back(writer.submit(dir / ("t" + std::to_string(i) + ".bin"), tile_of(std::string(256 * 1024, 'w'))));
  }
  for (auto& w : written) w.get();
  CHECK(writer.writers() >= 2);
  CHECK(writer.writers() <= 3);
  CHECK(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()) == 64);
}

TEST_CASE("tile writer limits: two writes at once per tiling thread, its tiles within a quarter of --max-memory") {
  const std::size_t tile = 3 * 512 * 512 * 3;  // bytes_per_tile of a 3-band uint8 512-px tile
  const auto two = tiling::writer_limits(2, 256u << 20, tile);
  CHECK(two.threads == 4);  // one writer for the two tiling threads kept the device at one write at a time
  CHECK((two.threads + two.max_queued) * (tile / 2) <= (256u << 20) / 4);
  CHECK(two.max_queued >= 4);  // at least what the pipeline's tokens allowed before
  const auto one = tiling::writer_limits(1, 256u << 20, tile);
  CHECK(one.threads == 0);                                       // --threads 1 writes on its one thread
  const auto tight = tiling::writer_limits(8, 16u << 20, tile);  // memory, not threads, bounds the writer
  CHECK(tight.threads >= 1);
  CHECK(tight.max_queued >= 1);
  CHECK((tight.threads + tight.max_queued) * (tile / 2) <= std::max<std::size_t>((16u << 20) / 4, 2 * (tile / 2)));
}
