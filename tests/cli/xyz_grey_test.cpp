// End to end: a grey (single-band) scene as a `--grid xyz` pyramid in each web format: PNG and JPEG keep one grey
// band, WEBP (whose GDAL driver takes 3 or 4 bands only) gets the grey in R, G and B, with alpha where PNG has it.
#include <doctest/doctest.h>

#include <gdal_priv.h>

#include <filesystem>
#include <map>
#include <string>

#include "support/process.hpp"
#include "support/rasters.hpp"
#include "support/scratch.hpp"

using namespace swath;
namespace fs = std::filesystem;

namespace {

// z/x/y (no extension) → path of every tile of `extension` under `root`.
std::map<std::string, std::string> tiles_of(const std::string& root, const std::string& extension) {
  std::map<std::string, std::string> out;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file() || entry.path().extension() != "." + extension) continue;
    auto relative = fs::relative(entry.path(), root);
    out[relative.replace_extension().string()] = entry.path().string();
  }
  return out;
}

GDALDatasetUniquePtr open_tile(const std::string& path) {
  return GDALDatasetUniquePtr(GDALDataset::Open(path.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY));
}

}  // namespace

TEST_CASE("tile --grid xyz: a grey scene makes PNG and JPEG grey tiles, and WEBP tiles with the grey in R, G and B") {
  test::ScratchDir dir;
  const auto scene = test::make_scene(
      dir / "grey.tif", {.width = 300, .height = 300, .bands = 1, .type = GDT_Byte, .pixel = [](int, int x, int y) {
                           return (x + 2 * y) % 251;
                         }});
  const auto run = [&](const std::string& format, const std::string& out, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"tile", scene, "-o", dir / out, "--grid", "xyz", "--zoom", "9-13", "-f", format};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto result = test::swath(args);
    REQUIRE_MESSAGE(result.exit_code == 0, (format + ": " + result.err));
  };
  run("PNG", "png");
  run("JPEG", "jpeg");
  run("WEBP", "webp", {"--co", "LOSSLESS=YES"});
  const auto png = tiles_of(dir / "png", "png");
  const auto jpeg = tiles_of(dir / "jpeg", "jpg");
  const auto webp = tiles_of(dir / "webp", "webp");
  REQUIRE(png.size() > 4);
  CHECK(jpeg.size() == png.size());
  REQUIRE(webp.size() == png.size());

  for (const auto& [key, path] : jpeg) CHECK(open_tile(path)->GetRasterCount() == 1);
  int partial = 0;
  for (const auto& [key, png_path] : png) {
    REQUIRE(webp.count(key) == 1);
    auto grey = open_tile(png_path);
    auto colour = open_tile(webp.at(key));
    REQUIRE(grey);
    REQUIRE(colour);
    const int grey_bands = grey->GetRasterCount();  // 1, or 2 with alpha on a partly covered tile
    CHECK(colour->GetRasterCount() == grey_bands + 2);
    const auto g = test::read_band(*grey, 1);
    const auto alpha = grey_bands == 2 ? test::read_band(*grey, 2) : std::vector<double>(g.size(), 255);
    if (grey_bands == 2) {
      ++partial;
      CHECK(test::read_band(*colour, 4) == alpha);
    }
    for (int b = 1; b <= 3; ++b) {
      const auto c = test::read_band(*colour, b);
      REQUIRE(c.size() == g.size());
      std::size_t differing = 0;
      for (std::size_t i = 0; i < g.size(); ++i) differing += alpha[i] != 0 && c[i] != g[i];
      CHECK_MESSAGE(differing == 0, (key + " band " + std::to_string(b)));
    }
  }
  CHECK(partial > 0);
}

TEST_CASE("tile --grid xyz: a grey scene and an RGB one in one pyramid are refused, naming only what differs") {
  test::ScratchDir dir;
  const auto pixel = [](int b, int x, int y) { return (x + y + 30 * b) % 250; };
  const auto grey =
      test::make_scene(dir / "grey.tif", {.width = 64, .height = 64, .bands = 1, .type = GDT_Byte, .pixel = pixel});
  const auto rgb =
      test::make_scene(dir / "rgb.tif", {.width = 64, .height = 64, .bands = 3, .type = GDT_Byte, .pixel = pixel});
  const auto r = test::swath({"tile", rgb, grey, "-o", dir / "map", "--grid", "xyz", "--zoom", "12-13"});
  CHECK(r.exit_code == 1);
  CHECK_MESSAGE(r.err.find("they differ in bands (3 and 1 besides alpha); one pyramid takes one band layout") !=
                    std::string::npos,
                r.err);
  CHECK(r.err.find("type (Byte and Byte)") == std::string::npos);  // was: a difference that is not there
}
