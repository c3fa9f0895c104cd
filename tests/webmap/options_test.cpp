// Which flags a grid reads: the other grid's flags are refused rather than ignored.
#include <doctest/doctest.h>

#include "core/errors.hpp"
#include "settings/schema.hpp"
#include "webmap/options.hpp"

using namespace swath;

namespace {

config::Config with_flags(const std::vector<std::pair<std::string, std::string>>& flags) {
  config::Config config = settings::defaults();
  for (const auto& [key, flag_and_value] : flags) {
    const auto space = flag_and_value.find(' ');
    config.set(key, flag_and_value.substr(space + 1), {config::Layer::flag, flag_and_value.substr(0, space)});
  }
  return config;
}

}  // namespace

TEST_CASE("webmap options: a flag the chosen grid would ignore is refused, naming it") {
  CHECK_THROWS_WITH_AS(
      webmap::refuse_other_grid_flags(with_flags({{"webmap.grid", "--grid xyz"}, {"tile.size", "--size 512"}})),
      doctest::Contains("--size with --grid xyz"), core::UsageError);
  CHECK_THROWS_WITH_AS(
      webmap::refuse_other_grid_flags(with_flags({{"webmap.grid", "--grid xyz"}, {"tile.edge", "--edge shrink"}})),
      doctest::Contains("--edge with --grid xyz"), core::UsageError);
  CHECK_THROWS_WITH_AS(webmap::refuse_other_grid_flags(with_flags({{"webmap.zoom", "--zoom 3"}})),
                       doctest::Contains("--zoom: it applies to a web-map pyramid (--grid xyz) only"),
                       core::UsageError);
  CHECK_THROWS_AS(webmap::refuse_other_grid_flags(with_flags({{"webmap.tile_size", "--tile-size 512"}})),
                  core::UsageError);
  // Each grid's own flags pass; so does --grid chips given on its own.
  CHECK_NOTHROW(webmap::refuse_other_grid_flags(
      with_flags({{"webmap.grid", "--grid xyz"}, {"webmap.zoom", "--zoom 3"}, {"tile.format", "--format JPEG"}})));
  CHECK_NOTHROW(webmap::refuse_other_grid_flags(
      with_flags({{"webmap.grid", "--grid chips"}, {"tile.size", "--size 512"}, {"tile.overlap", "--overlap 8"}})));
}

TEST_CASE(
    "webmap options: a config file may serve both grids; for a task kind other than tile every webmap flag is "
    "refused") {
  config::Config config = settings::defaults();
  config.load_yaml("tile:\n  size: 512\nwebmap:\n  grid: xyz\n  zoom: 3\n", "both.yaml");
  CHECK_NOTHROW(webmap::refuse_other_grid_flags(config));
  config.set("tile.overlap", "8", {config::Layer::flag, "--overlap"});
  CHECK_THROWS_WITH_AS(webmap::refuse_other_grid_flags(config),
                       doctest::Contains("--overlap with grid xyz (file both.yaml:4)"), core::UsageError);

  CHECK_NOTHROW(webmap::refuse_other_grid_flags(settings::defaults(), false));
  CHECK_THROWS_WITH_AS(webmap::refuse_other_grid_flags(with_flags({{"webmap.grid", "--grid xyz"}}), false),
                       doctest::Contains("web-map options are for tile tasks"), core::UsageError);
}

TEST_CASE("webmap options: the refusal names where the grid was chosen; enqueue's --options grid counts") {
  config::Config config = settings::defaults();
  config.load_environment({"SWATH_WEBMAP__GRID=xyz"});
  config.set("tile.size", "256", {config::Layer::flag, "--size"});
  CHECK_THROWS_WITH_AS(webmap::refuse_other_grid_flags(config),
                       doctest::Contains("--size with grid xyz (env SWATH_WEBMAP__GRID): it applies to chips"),
                       core::UsageError);
  // enqueue --options '{"grid":"xyz"}' --zoom 10: a pyramid's flag, not refused.
  CHECK_NOTHROW(webmap::refuse_other_grid_flags(with_flags({{"webmap.zoom", "--zoom 10"}}), true, "xyz"));
  CHECK_THROWS_AS(webmap::refuse_other_grid_flags(with_flags({{"webmap.zoom", "--zoom 10"}}), true, "chips"),
                  core::UsageError);
  // Two grids, or no grid at all: named, not taken for chips.
  CHECK_THROWS_WITH_AS(webmap::refuse_other_grid_flags(with_flags({{"webmap.grid", "--grid xyz"}}), true, "chips"),
                       doctest::Contains("--grid xyz with \"grid\":\"chips\" in --options"), core::UsageError);
  CHECK_THROWS_WITH_AS(webmap::refuse_other_grid_flags(with_flags({{"webmap.zoom", "--zoom 3"}}), true, "hex"),
                       doctest::Contains("--options: grid \"hex\""), core::UsageError);
}

TEST_CASE("webmap: -o names an archive by its .pmtiles extension in any case") {
  CHECK(webmap::is_archive_path("out.pmtiles"));
  CHECK(webmap::is_archive_path("out.PMTiles"));  // was written as a directory of tiles
  CHECK(webmap::is_archive_path("dir/X.PMTILES"));
  CHECK_FALSE(webmap::is_archive_path(".pmtiles"));
  CHECK_FALSE(webmap::is_archive_path("out.pmtiles.d"));
  CHECK_FALSE(webmap::is_archive_path("tiles"));
}
