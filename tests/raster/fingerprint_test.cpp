// file_fingerprint: content only (size and both ends), deterministic, through VSI; scene_fingerprint: all its files.
#include <doctest/doctest.h>

#include <cpl_vsi.h>

#include <string>

#include "core/errors.hpp"
#include "core/sha256.hpp"
#include "raster/fingerprint.hpp"
#include "support/rasters.hpp"
#include "support/scratch.hpp"

using namespace swath;

namespace {

void write_vsimem(const std::string& path, const std::string& content) {
  VSILFILE* file = VSIFOpenL(path.c_str(), "wb");
  REQUIRE(file != nullptr);
  REQUIRE(VSIFWriteL(content.data(), 1, content.size(), file) == content.size());
  VSIFCloseL(file);
}

std::string patterned(std::size_t size) {
  std::string text(size, '\0');
  for (std::size_t i = 0; i < size; ++i) text[i] = static_cast<char>((i * 31 + i / 977) % 251);
  return text;
}

}  // namespace

TEST_CASE("fingerprint: same bytes give the same fingerprint wherever they are; other bytes another") {
  test::ScratchDir dir;
  const std::string content = patterned(5000);
  test::write_text(dir / "a.tif", content);
  write_vsimem("/vsimem/fingerprint/b.tif", content);
  const auto a = raster::file_fingerprint(dir / "a.tif");
  REQUIRE(a);
  CHECK(a->rfind("sha256:", 0) == 0);
  CHECK(a->size() == 7 + 64);
  CHECK(raster::file_fingerprint("/vsimem/fingerprint/b.tif") == a);
  std::string changed = content;
  changed[2500] ^= 1;  // a small file is hashed whole: a change anywhere counts
  test::write_text(dir / "a.tif", changed);
  CHECK(raster::file_fingerprint(dir / "a.tif") != a);
  CHECK_FALSE(raster::file_fingerprint(dir / "missing.tif"));
  CHECK_FALSE(raster::file_fingerprint(dir.path()));
  VSIUnlink("/vsimem/fingerprint/b.tif");
}

TEST_CASE("fingerprint: a large file is known by its size and ends") {
  const std::string path = "/vsimem/fingerprint/large.tif";
  const std::size_t edge = 1000;
  std::string content = patterned(10 * edge);
  write_vsimem(path, content);
  const auto original = raster::file_fingerprint(path, edge);
  auto with = [&](const std::string& text) {
    write_vsimem(path, text);
    return raster::file_fingerprint(path, edge);
  };
  std::string head = content, tail = content, middle = content;
  head[edge - 1] ^= 1;
  tail[content.size() - edge] ^= 1;
  middle[5 * edge] ^= 1;
  CHECK(with(head) != original);
  CHECK(with(tail) != original);
  CHECK(with(content + "x") != original);
  CHECK(with(middle) == original);  // the documented blind spot: same size, same ends
  CHECK(with(content) == original);
  VSIUnlink(path.c_str());
}

TEST_CASE("sha256_file_hex: files through GDAL's virtual file system") {
  const std::string path = "/vsimem/sha256_test.bin";
  VSILFILE* f = VSIFOpenL(path.c_str(), "wb");
  VSIFWriteL("abc", 1, 3, f);
  VSIFCloseL(f);
  CHECK(raster::sha256_file_hex(path) == core::sha256_hex("abc"));
  VSIUnlink(path.c_str());
  CHECK_THROWS_AS(raster::sha256_file_hex("/vsimem/missing.bin"), core::IoError);
}

TEST_CASE("scene fingerprint: a scene's sidecars count (a world file), and a subdataset's file; a VRT's sources not") {
  test::ScratchDir dir;
  const auto plain = test::make_scene(dir / "plain.tif", {.width = 32, .height = 32, .bands = 1});
  CHECK(raster::scene_fingerprint(plain) == raster::file_fingerprint(plain));  // one file: as ever, same bytes

  // A VRT is known by its XML (and sidecars): its sources are not read, so one rewritten behind it is not seen (the
  // README says so).
  const auto source = test::make_scene(dir / "src.tif", {.width = 32, .height = 32, .bands = 1});
  test::write_text(dir / "mosaic.vrt", R"(<VRTDataset rasterXSize="32" rasterYSize="32">
  <VRTRasterBand dataType="UInt16" band="1">
    <SimpleSource><SourceFilename relativeToVRT="1">src.tif</SourceFilename><SourceBand>1</SourceBand></SimpleSource>
  </VRTRasterBand>
</VRTDataset>
)");
  const auto vrt = dir / "mosaic.vrt";
  CHECK(raster::scene_fingerprint(vrt) == raster::file_fingerprint(vrt));
  CHECK(raster::scene_fingerprint(source) == raster::file_fingerprint(source));

  // A scene placed by its world file: moving the .tfw moves the scene, whose .tif is untouched.
  const auto placed = test::make_scene(dir / "w.tif", {.width = 32, .height = 32, .bands = 1, .georeferenced = false});
  test::write_text(dir / "w.tfw", "10\n0\n0\n-10\n500005\n4000005\n");
  const auto here = raster::scene_fingerprint(placed);
  const auto file = raster::file_fingerprint(placed);
  test::write_text(dir / "w.tfw", "10\n0\n0\n-10\n600005\n4000005\n");
  CHECK(raster::file_fingerprint(placed) == file);
  CHECK(raster::scene_fingerprint(placed) != here);

  // Sources named after the VRT are no sidecars of it (m.vrt over m.1.tif); a world file in another case is one.
  test::make_scene(dir / "m.1.tif", {.width = 32, .height = 32, .bands = 1});
  test::write_text(dir / "m.vrt", R"(<VRTDataset rasterXSize="32" rasterYSize="32">
  <VRTRasterBand dataType="UInt16" band="1">
    <SimpleSource><SourceFilename relativeToVRT="1">m.1.tif</SourceFilename><SourceBand>1</SourceBand></SimpleSource>
  </VRTRasterBand>
</VRTDataset>
)");
  CHECK(raster::scene_fingerprint(dir / "m.vrt") == raster::file_fingerprint(dir / "m.vrt"));
  const auto upper =
      test::make_scene(dir / "b.v2.tif", {.width = 32, .height = 32, .bands = 1, .georeferenced = false});
  test::write_text(dir / "B.V2.TFW", "10\n0\n0\n-10\n500005\n4000005\n");
  const auto placed_upper = raster::scene_fingerprint(upper);
  REQUIRE(placed_upper);
  CHECK(*placed_upper != *raster::file_fingerprint(upper));
  test::write_text(dir / "B.V2.TFW", "10\n0\n0\n-10\n600005\n4000005\n");
  CHECK(raster::scene_fingerprint(upper) != placed_upper);

  // A subdataset's name is no file: known by its name and its file's content.
  const auto subdataset = "GTIFF_DIR:1:" + plain;
  const auto first = raster::scene_fingerprint(subdataset);
  REQUIRE(first);
  CHECK(*first != *raster::file_fingerprint(plain));
  test::make_scene(plain, {.width = 32, .height = 32, .bands = 1, .pixel = [](int, int, int y) { return y; }});
  CHECK(raster::scene_fingerprint(subdataset) != first);
  CHECK_FALSE(raster::scene_fingerprint(dir / "missing.tif"));
}
