// Vector output: format by extension, byte-identical GeoPackage/FlatGeobuf/GeoJSON, round trips, reprojection.
#include <doctest/doctest.h>

#include <gdal_priv.h>

#include <cmath>
#include <filesystem>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "support/scratch.hpp"
#include "vector/antimeridian.hpp"
#include "vector/layer.hpp"
#include "vector/ogr_shape.hpp"

using namespace swath;

namespace {
vector::Layer sample_layer(int n) {
  vector::Layer layer;
  layer.name = "detections";
  layer.crs_wkt = vector::epsg_wkt(32631);
  layer.fields = {{"class", vector::FieldKind::string}, {"score", vector::FieldKind::real}};
  layer.metadata = core::Json::Object{{"provenance", "p"}};
  for (int i = 0; i < n; ++i) {
    const double x = 560000 + 50.0 * i;
    layer.features.push_back(
        {vector::box_shape({x, 5810000, x + 20, 5810010}), {core::Json("ship"), core::Json(0.5 + 0.01 * i)}});
  }
  return layer;
}

// A GeoPackage holding empty layers of these names and geometry types, in this order.
void gpkg_with_layers(const std::string& path,
                      std::initializer_list<std::pair<const char*, OGRwkbGeometryType>> layers) {
  GDALDatasetUniquePtr ds(
      GetGDALDriverManager()->GetDriverByName("GPKG")->Create(path.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
  REQUIRE(ds);
  for (const auto& [name, type] : layers) REQUIRE(ds->CreateLayer(name, nullptr, type) != nullptr);
}
}  // namespace

TEST_CASE("vector: the extension picks the format; others are refused with the supported list") {
  CHECK(vector::format_for_path("a/b.GPKG") == vector::Format::gpkg);
  CHECK(vector::format_for_path("b.fgb") == vector::Format::fgb);
  CHECK(vector::format_for_path("b.geojson") == vector::Format::geojson);
  try {
    vector::format_for_path("out.shp");
    FAIL("expected a UsageError");
  } catch (const core::UsageError& e) {
    CHECK(std::string(e.what()).find("'.shp'") != std::string::npos);
    CHECK(e.hint().find(".gpkg") != std::string::npos);
  }
  CHECK_THROWS_AS(vector::format_for_path("dir.x/out"), core::UsageError);
}

TEST_CASE("vector: writing twice gives identical bytes, and reading gives the features back") {
  test::ScratchDir dir;
  for (const std::string ext : {"gpkg", "fgb", "geojson"}) {
    CAPTURE(ext);
    const auto layer = sample_layer(5);
    vector::write_layer(dir / ("a." + ext), layer);
    vector::write_layer(dir / ("b." + ext), layer);
    CHECK(core::read_file(dir / ("a." + ext)) == core::read_file(dir / ("b." + ext)));
    auto back = vector::read_layer(dir / ("a." + ext));
    REQUIRE(back.features.size() == 5);
    vector::reproject(back, vector::epsg_wkt(32631));
    double min_x = 1e18;
    for (const auto& f : back.features) min_x = std::min(min_x, vector::envelope(f.shape).min_x);
    CHECK(min_x == doctest::Approx(560000).epsilon(1e-7));
    CHECK(back.field_index("score") >= 0);
  }
  CHECK(core::read_file(dir / "a.gpkg").find("\"provenance\":\"p\"") != std::string::npos);
  CHECK(std::filesystem::exists(dir / "a.fgb.swath.json"));
  const auto geojson = core::read_file(dir / "a.geojson");
  CHECK(geojson.find("\"swath\":{\"provenance\":\"p\"}") != std::string::npos);
}

TEST_CASE("vector: an empty layer is still a valid file with its fields") {
  test::ScratchDir dir;
  for (const std::string ext : {"gpkg", "fgb", "geojson"}) {
    CAPTURE(ext);
    vector::write_layer(dir / ("e." + ext), sample_layer(0));
    const auto back = vector::read_layer(dir / ("e." + ext));
    CHECK(back.features.empty());
  }
}

TEST_CASE("vector: a file of several layers is refused, naming them, rather than read by its first") {
  test::ScratchDir dir;
  const std::string path = dir / "two.gpkg";
  gpkg_with_layers(path, {{"aaa", wkbPolygon}, {"detections", wkbPolygon}});
  CHECK_THROWS_WITH_AS(vector::read_layer(path),
                       doctest::Contains("it has 2 layers with geometry ('aaa', 'detections')"), core::DataError);
  // An attribute-only table beside one layer with geometry is no other layer of features.
  const std::string one = dir / "one.gpkg";
  gpkg_with_layers(one, {{"notes", wkbNone}, {"detections", wkbPolygon}});
  CHECK(vector::read_layer(one).name == "detections");
}

TEST_CASE("vector: reading a missing or non-vector file names it") {
  test::ScratchDir dir;
  CHECK_THROWS_WITH_AS(vector::read_layer(dir / "nope.gpkg"), doctest::Contains("no such file"), core::IoError);
  test::write_text(dir / "junk.geojson", "not json");
  CHECK_THROWS_AS(vector::read_layer(dir / "junk.geojson"), core::IoError);
  test::write_text(dir / "empty.geojson", "");  // an output cut short, a redirect that failed: said as such
  CHECK_THROWS_WITH_AS(vector::read_layer(dir / "empty.geojson"), doctest::Contains("it is empty (0 bytes)"),
                       core::IoError);
}

TEST_CASE("vector: a ring left open keeps its last corner; a closed ring is read without its closing point") {
  test::ScratchDir dir;
  const auto diamond = [&](const std::string& name, bool closed) {
    test::write_text(dir / name, std::string(R"({"type":"FeatureCollection","features":[{"type":"Feature",)") +
                                     R"("properties":{},"geometry":{"type":"Polygon","coordinates":[[[0,1],[1,0],)" +
                                     R"([0,-1],[-1,0])" + (closed ? ",[0,1]" : "") + "]]}}]}");
    return vector::read_layer(dir / name).features.at(0).shape.at(0).at(0);
  };
  const auto open = diamond("open.geojson", false);
  CHECK(open.size() == 4);  // was 3: the corner at (-1, 0) dropped, the box halved
  CHECK(open.back() == vector::Point{-1, 0});
  CHECK(diamond("closed.geojson", true) == open);
}

TEST_CASE("vector: a box across the antimeridian is written as two polygons, one each side, and read as one") {
  const vector::Ring box{{179.99, 10}, {-179.99, 10}, {-179.99, 10.01}, {179.99, 10.01}};
  const auto parts = vector::cut_at_antimeridian(box);
  REQUIRE(parts.size() == 2);
  for (const auto& p : parts[0]) CHECK((p[0] >= 179.99 && p[0] <= 180));
  for (const auto& p : parts[1]) CHECK((p[0] >= -180 && p[0] <= -179.99));
  const vector::Ring plain{{10, 10}, {11, 10}, {11, 11}, {10, 11}};
  CHECK(vector::cut_at_antimeridian(plain) == std::vector<vector::Ring>{plain});
  // A 0-360 scene's box past 180: brought within ±180, cut there.
  const auto past = vector::cut_at_antimeridian({{179.95, 0}, {180.05, 0}, {180.05, 1}, {179.95, 1}});
  REQUIRE(past.size() == 2);
  for (const auto& part : past) {
    for (const auto& p : part) CHECK((p[0] >= -180 && p[0] <= 180));
  }
  // A box east of the antimeridian whose west edge came out as +180: one box, from -180.
  const auto edge = vector::cut_at_antimeridian({{180, 0}, {-179.9, 0}, {-179.9, 1}, {180, 1}});
  REQUIRE(edge.size() == 1);
  for (const auto& p : edge.front()) CHECK((p[0] >= -180 && p[0] <= -179.9));
  // Eastward from -180 the other way round: cut at -180, still two parts.
  CHECK(vector::cut_at_antimeridian({{-179.99, 5}, {179.99, 5}, {179.99, 6}, {-179.99, 6}}).size() == 2);

  test::ScratchDir dir;
  vector::Layer layer;
  layer.crs_wkt = vector::wgs84_wkt();
  layer.fields = {{"class", vector::FieldKind::string}};
  layer.features.push_back({vector::Shape{{box}}, {core::Json("ship")}});
  layer.features.push_back({vector::Shape{{plain}}, {core::Json("ship")}});
  vector::write_layer(dir / "a.geojson", layer);
  const auto text = core::read_file(dir / "a.geojson");
  CHECK(text.find("\"MultiPolygon\"") != std::string::npos);
  CHECK(text.find("[180,10]") != std::string::npos);
  CHECK(text.find("[-180,10]") != std::string::npos);
  const auto back = vector::read_layer(dir / "a.geojson");
  CHECK(back.features.size() == 2);  // the cut box is one feature again
}

namespace {
double area_of(const vector::Polygon& polygon) {
  double area = 0;
  for (std::size_t i = 0; i < polygon.size(); ++i) area += (i ? -1 : 1) * std::abs(vector::signed_area(polygon[i]));
  return area;
}
}  // namespace

TEST_CASE("vector: holes and shapes of several polygons are written and read back, with RFC 7946's winding") {
  test::ScratchDir dir;
  const vector::Polygon holed{vector::box_ring({560000, 5810000, 560010, 5810010}),
                              vector::box_ring({560003, 5810003, 560006, 5810006})};
  const vector::Shape corners{{vector::box_ring({560100, 5810000, 560101, 5810001})},
                              {vector::box_ring({560101, 5810001, 560102, 5810002})}};
  vector::Layer layer;
  layer.crs_wkt = vector::epsg_wkt(32631);
  layer.fields = {{"class", vector::FieldKind::string}};
  layer.features.push_back({{holed}, {core::Json("lake")}});
  layer.features.push_back({corners, {core::Json("lake")}});
  for (const std::string ext : {"gpkg", "fgb", "geojson"}) {
    CAPTURE(ext);
    vector::write_layer(dir / ("s." + ext), layer);
    auto back = vector::read_layer(dir / ("s." + ext));
    REQUIRE(back.features.size() == 2);  // one feature each, not one per polygon
    if (back.features[0].shape.size() > 1) std::swap(back.features[0], back.features[1]);  // FlatGeobuf sorts them
    REQUIRE(back.features[0].shape.size() == 1);
    REQUIRE(back.features[0].shape[0].size() == 2);
    CHECK(back.features[1].shape.size() == 2);
    if (ext == "geojson") {
      CHECK(vector::signed_area(back.features[0].shape[0][0]) > 0);  // exterior counter-clockwise
      CHECK(vector::signed_area(back.features[0].shape[0][1]) < 0);  // hole clockwise
    }
    vector::reproject(back, layer.crs_wkt);
    CHECK(area_of(back.features[0].shape[0]) == doctest::Approx(91).epsilon(1e-3));
  }
  CHECK(core::read_file(dir / "s.geojson").find("\"MultiPolygon\"") != std::string::npos);
  // A layer of single polygons stays a layer of polygons (the bytes of existing outputs do not change).
  layer.features.pop_back();
  vector::write_layer(dir / "one.geojson", layer);
  CHECK(core::read_file(dir / "one.geojson").find("\"MultiPolygon\"") == std::string::npos);
}

TEST_CASE("vector: a polygon with a hole across the antimeridian is cut into valid parts of the same area") {
  const vector::Polygon holed{{{179.9, 10}, {-179.9, 10}, {-179.9, 10.2}, {179.9, 10.2}},
                              {{179.95, 10.05}, {179.95, 10.15}, {-179.95, 10.15}, {-179.95, 10.05}}};
  const auto parts = vector::cut_at_antimeridian(holed);
  REQUIRE(parts.size() == 2);
  double area = 0;
  for (const auto& part : parts) {
    for (const auto& ring : part) {
      for (const auto& p : ring) CHECK((p[0] >= -180 && p[0] <= 180));
    }
    area += area_of(part);
  }
  CHECK(area == doctest::Approx(0.2 * 0.2 - 0.1 * 0.1).epsilon(1e-6));
  // A hole wholly on one side stays a hole of that side's part.
  const vector::Polygon east_hole{holed[0], {{-179.96, 10.05}, {-179.96, 10.15}, {-179.92, 10.15}, {-179.92, 10.05}}};
  const auto cut = vector::cut_at_antimeridian(east_hole);
  REQUIRE(cut.size() == 2);
  CHECK(cut[0].size() + cut[1].size() == 3);
  // A C shape across the line comes out in three parts (two west, one east), and is read back as one object round 180.
  const vector::Polygon c_shape{{{179.9, 0},
                                 {-179.9, 0},
                                 {-179.9, 0.1},
                                 {179.95, 0.1},
                                 {179.95, 0.2},
                                 {-179.9, 0.2},
                                 {-179.9, 0.3},
                                 {179.9, 0.3}}};
  const auto thirds = vector::cut_at_antimeridian(c_shape);
  CHECK(thirds.size() == 3);
  test::ScratchDir dir;
  vector::Layer layer;
  layer.crs_wkt = vector::wgs84_wkt();
  layer.features.push_back({{c_shape}, {}});
  vector::write_layer(dir / "c.geojson", layer);
  const auto back = vector::read_layer(dir / "c.geojson");
  REQUIRE(back.features.size() == 1);
  const auto box = vector::envelope(back.features[0].shape);
  CHECK(box.min_x == doctest::Approx(179.9));
  CHECK(box.max_x == doctest::Approx(180.1));
  // Not across: the hole keeps its place next to the exterior.
  const vector::Polygon near{{{170, 0}, {171, 0}, {171, 1}, {170, 1}}, {{170.2, 0.2}, {170.2, 0.8}, {170.8, 0.8}}};
  CHECK(vector::cut_at_antimeridian(near) == std::vector<vector::Polygon>{near});
}

TEST_CASE("vector: a layer in a local CRS cannot be reprojected: the message names the layer and says why") {
  auto layer = sample_layer(1);
  layer.name = "truth";
  layer.crs_wkt = R"(LOCAL_CS["pixel",UNIT["metre",1]])";
  try {
    vector::reproject(layer, vector::wgs84_wkt());
    FAIL("expected a DataError");
  } catch (const core::DataError& e) {
    const std::string text = e.what();
    CHECK_MESSAGE(text.find("layer 'truth': no transformation from its CRS ('pixel')") != std::string::npos, text);
    CHECK(text.find("a local or engineering CRS has no place on Earth") != std::string::npos);
  }
}

TEST_CASE("vector: regions of pieces — a lake's pieces are one, a pond in its hole touching it at a corner another") {
  // A 10 x 10 lake round a hole (3..7) with a notch of lake at its west wall; the pond in the hole meets the notch at
  // (4, 6) only. Piece a is the whole lake, b its west part (another window), c the pond.
  const vector::Polygon lake{vector::box_ring({0, 0, 10, 10}), {{3, 3}, {7, 3}, {7, 7}, {4, 7}, {4, 6}, {3, 6}}};
  const vector::Polygon west{{{0, 0}, {5, 0}, {5, 3}, {3, 3}, {3, 6}, {4, 6}, {4, 7}, {5, 7}, {5, 10}, {0, 10}}};
  const vector::Polygon pond{vector::box_ring({4, 5, 5, 6})};
  const auto regions = vector::regions_of({{lake}, {west}, {pond}}, {"a", "b", "c"});
  REQUIRE(regions.polygons.size() == 2);
  REQUIRE(regions.owner.size() == 3);
  CHECK(regions.owner[0] == regions.owner[1]);
  CHECK(regions.owner[2] != regions.owner[0]);
  const auto& united = regions.polygons[static_cast<std::size_t>(regions.owner[0])];
  CHECK(united.size() == 2);
  CHECK(vector::area({united}) == doctest::Approx(85));
  CHECK(vector::is_valid({united}));
  CHECK(vector::area({regions.polygons[static_cast<std::size_t>(regions.owner[2])]}) == doctest::Approx(1));
}

TEST_CASE("vector: regions of one raster's pieces — an island ring in a lake's hole keeps its own hole, not the lake") {
  // A 20 x 20 lake round a 12 x 12 hole with a notch of lake at (4..5, 14..15); in the hole an island ring (5..15 x
  // 5..14) round its own hole (8..12 x 8..11), meeting the notch at (5, 14) only. Pieces: the whole lake, the lake's
  // west part (another window), the island: all of one file, so united by exteriors with the holes put back.
  const vector::Polygon lake{vector::box_ring({0, 0, 20, 20}),
                             {{4, 4}, {16, 4}, {16, 16}, {4, 16}, {4, 15}, {5, 15}, {5, 14}, {4, 14}}};
  const vector::Polygon west{
      {{0, 0}, {10, 0}, {10, 4}, {4, 4}, {4, 14}, {5, 14}, {5, 15}, {4, 15}, {4, 16}, {10, 16}, {10, 20}, {0, 20}}};
  const vector::Polygon island{vector::box_ring({5, 5, 15, 14}), vector::box_ring({8, 8, 12, 11})};
  const auto regions = vector::regions_of({{lake}, {west}, {island}}, {"f.tif\na", "f.tif\nb", "f.tif\nc"});
  REQUIRE(regions.polygons.size() == 2);
  CHECK(regions.owner[0] == regions.owner[1]);
  REQUIRE(regions.owner[2] >= 0);
  CHECK(regions.owner[2] != regions.owner[0]);
  const auto& united = regions.polygons[static_cast<std::size_t>(regions.owner[0])];
  CHECK(united.size() == 2);  // its exterior and its hole: the island's hole is the island's
  CHECK(vector::is_valid({united}));
  CHECK(vector::area({united}) == doctest::Approx(400 - 143));
  const auto& ring = regions.polygons[static_cast<std::size_t>(regions.owner[2])];
  CHECK(ring.size() == 2);
  CHECK(vector::area({ring}) == doctest::Approx(90 - 12));
}

TEST_CASE("vector: an EPSG code PROJ does not know is an error naming it, not an empty CRS") {
  CHECK_FALSE(vector::epsg_wkt(32631).empty());
  CHECK_THROWS_WITH_AS(vector::epsg_wkt(999999), doctest::Contains("EPSG:999999: PROJ does not know it"),
                       core::DataError);
}
