// tiling::ManifestReader on what tile_scenes writes and on hand-made manifests: one header rule, one path rule.
#include <doctest/doctest.h>

#include <filesystem>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "raster/fingerprint.hpp"
#include "support/rasters.hpp"
#include "support/scratch.hpp"
#include "support/tile_helpers.hpp"
#include "tiling/manifest_reader.hpp"

using namespace swath;
namespace fs = std::filesystem;

namespace {

std::vector<tiling::ManifestEntry> entries(const std::string& path,
                                           core::MalformedLines malformed = core::MalformedLines::refuse) {
  tiling::ManifestReader reader(path, malformed);
  std::vector<tiling::ManifestEntry> out;
  while (auto entry = reader.next()) out.push_back(std::move(*entry));
  return out;
}

const tiling::ManifestLine& line_at(const std::vector<tiling::ManifestEntry>& all, std::size_t i) {
  return std::get<tiling::ManifestLine>(all.at(i));
}

}  // namespace

TEST_CASE("manifest reader: swath tile's header and lines, each tile's file beside the manifest") {
  test::ScratchDir dir;
  test::SceneSpec spec;
  spec.width = 64;
  spec.height = 32;
  spec.nodata = 0;
  spec.pixel = [](int b, int x, int y) { return x < 32 ? 0 : b * 1000 + x + y; };
  const auto scene = test::make_scene(dir / "sea.tif", spec);
  auto options = test::tile_options(scene, dir / "out", 32);
  options.skip_blank = 1.0;
  (void)tiling::tile_scenes(options);

  const auto all = entries(dir / "out/tiles.jsonl");
  REQUIRE(all.size() == 3);
  const auto& header = std::get<tiling::ManifestHeader>(all[0]);
  CHECK(header.schema == "swath.tiles/1");
  CHECK(header.where == "manifest " + (dir / "out/tiles.jsonl") + ":1");
  CHECK(header.options.at("size").as_int() == 32);
  REQUIRE(header.scenes.size() == 1);
  CHECK(header.scenes[0].name == "sea");
  CHECK(header.scenes[0].source == scene);
  CHECK(header.scene("sea") == &header.scenes[0]);
  CHECK(header.scene("land") == nullptr);

  const auto& blank = line_at(all, 1);
  CHECK(blank.id == "sea/r000000_c000000");
  CHECK(blank.status == "blank");
  CHECK_FALSE(blank.has_file());
  CHECK(blank.index == 0);
  const auto& written = line_at(all, 2);
  CHECK(written.where.ends_with("tiles.jsonl:3"));
  CHECK(written.scene == "sea");
  CHECK(written.index == 1);
  CHECK(written.has_file());
  CHECK(written.path == "sea/r000000_c000001.tif");
  CHECK(written.tile_file() == dir / "out/sea/r000000_c000001.tif");
  CHECK(written.bytes == static_cast<std::int64_t>(fs::file_size(written.file)));
  CHECK(written.sha256 == raster::sha256_file_hex(written.file));
  const auto record = written.record();
  REQUIRE(record.has_value());
  CHECK(record->id == written.id);
  CHECK(record->cell.index == 1);
}

TEST_CASE("manifest reader: the header is the line with \"schema\", whatever else it holds") {
  test::ScratchDir dir;
  // detect's reader used to take a header holding "path" for a tile; the fleet's never did.
  test::write_text(
      dir / "m.jsonl",
      "{\"schema\":\"swath.tiles/1\",\"path\":\"t0.tif\"}\n{\"id\":\"a\",\"path\":\"t1.tif\"}\n{\"scenes\":[]}\n");
  const auto all = entries(dir / "m.jsonl");
  REQUIRE(all.size() == 3);
  CHECK(std::holds_alternative<tiling::ManifestHeader>(all[0]));
  CHECK(line_at(all, 1).file == dir / "t1.tif");
  CHECK(std::holds_alternative<tiling::ManifestLine>(all[2]));  // no "schema": not a header, however it looks
}

TEST_CASE("manifest reader: hand-made lines — relative, absolute and /vsi paths, ids from the file name") {
  test::ScratchDir dir;
  test::write_text(
      dir / "sub/m.jsonl",
      "{\"path\":\"./a/../t0.tif\"}\n{\"tile_id\":\"x1\",\"path\":\"/data/t1.tif\"}\n"
      "{\"id\":\"y2\",\"path\":\"/vsis3/bucket/t2.tif\",\"status\":\"written\"}\n{\"id\":\"z3\",\"status\":\"failed\"}\n"
      "{\"id\":\"w4\",\"status\":\"written\"}\n");
  const auto all = entries(dir / "sub/m.jsonl");
  REQUIRE(all.size() == 5);
  CHECK(line_at(all, 0).file == dir / "sub/t0.tif");  // relative to the manifest's directory, lexically normal
  CHECK(line_at(all, 0).id == "t0");                  // no id: the file's name
  CHECK(line_at(all, 0).has_file());                  // no status: a file
  CHECK(line_at(all, 1).file == "/data/t1.tif");
  CHECK(line_at(all, 1).id == "x1");
  CHECK(line_at(all, 2).file == "/vsis3/bucket/t2.tif");
  CHECK(line_at(all, 2).id == "y2");
  CHECK_FALSE(line_at(all, 3).has_file());
  CHECK_FALSE(line_at(all, 3).record().has_value());  // not a whole record: --resume keeps nothing of it
  CHECK_THROWS_WITH_AS(line_at(all, 4).tile_file(), doctest::Contains("m.jsonl:5: no \"path\""), core::DataError);
}

TEST_CASE("manifest reader: a torn line is an error naming it, or passed over for a journal; headers only") {
  test::ScratchDir dir;
  test::write_text(dir / "j.jsonl",
                   "{\"schema\":\"swath.tiles/1\",\"options\":{\"size\":32}}\n{\"id\":\"a\",\"path\":\"schema.tif\"}\n"
                   "{\"schema\":\"swath.tiles/1\",\"options\":{\"size\":64}}\n{\"id\":\"b\",\"pa");
  CHECK_THROWS_WITH_AS(entries(dir / "j.jsonl"), doctest::Contains("j.jsonl:4: not JSON"), core::DataError);
  CHECK(entries(dir / "j.jsonl", core::MalformedLines::skip).size() == 3);
  tiling::ManifestReader headers(dir / "j.jsonl", core::MalformedLines::skip);
  CHECK(headers.next_header()->options.at("size").as_int() == 32);
  CHECK(headers.next_header()->options.at("size").as_int() == 64);
  CHECK_FALSE(headers.next_header().has_value());
  CHECK_THROWS_WITH_AS(tiling::ManifestReader(dir / "none.jsonl"), doctest::Contains("cannot read manifest"),
                       core::IoError);
}

TEST_CASE("manifest reader: a scene's source is taken relative to the current directory") {
  const auto header = tiling::ManifestHeader::from(core::Json::parse(
      R"({"schema":"swath.tiles/1","scenes":[{"name":"a","source":"in/a.tif"},{"name":"b"},{"source":"c.tif"},7]})"));
  REQUIRE(header.scenes.size() == 2);
  CHECK(header.scenes[0].source_path() == (fs::current_path() / "in/a.tif").lexically_normal().string());
  CHECK(header.scenes[1].source_path().empty());
}

TEST_CASE("manifest reader: a status none of written, blank or failed is refused naming its line") {
  test::ScratchDir dir;
  // Was: read as a tile without a file, and passed over (detect looked at 13 of 16 tiles without a word).
  for (const std::string status : {"weird", "WRITTEN"}) {
    CAPTURE(status);
    test::write_text(dir / "m.jsonl", "{\"id\":\"a\",\"path\":\"a.tif\"}\n{\"id\":\"b\",\"status\":\"" + status +
                                          "\",\"path\":\"b.tif\"}\n");
    const std::string expected = "m.jsonl:2: status '" + status + "' is none of written, blank or failed";
    CHECK_THROWS_WITH_AS(entries(dir / "m.jsonl"), doctest::Contains(expected.c_str()), core::DataError);
  }
}
