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

std::string bytes_for(int i) { return std::string(static_cast<std::size_t>(5000 + i * 37), static_cast<char>('a' + i % 26)); }

}  // namespace

TEST_CASE("tile writer: every queued tile lands with its bytes, from two writer threads") {
  test::ScratchDir dir;
  std::vector<std::future<void>> written;
  {
    tiling::TileWriter writer(2, 8);
    for (int i = 0; i < 40; ++i) written.push_back(writer.submit(dir / ("t" + std::to_string(i) + ".bin"), tile_of(bytes_for(i))));
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
    for (int i = 0; i < 200; ++i) written.push_back(writer.submit(dir / ("t" + std::to_string(i) + ".bin"), tile_of(bytes_for(i))));
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

TEST_CASE("tile writer: with no threads it writes on the caller's thread, and its errors still come through the future") {
  test::ScratchDir dir;
  tiling::TileWriter writer(0, 1);
  auto done = writer.submit(dir / "t.bin", tile_of("z"));
  CHECK(done.wait_for(std::chrono::seconds(0)) == std::future_status::ready);
  CHECK(core::read_file(dir / "t.bin") == "z");
  auto missing = writer.submit(dir / "no-such-dir/t.bin", tile_of("x"));
  CHECK_THROWS_AS(missing.get(), core::IoError);
}
