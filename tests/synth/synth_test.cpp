// Synthetic scenes: the plan is a pure function of the seed, straddling objects cross window edges,
// and the written scene and truth are byte-identical for a seed.
#include <doctest/doctest.h>

#include <gdal_priv.h>

#include <algorithm>
#include <filesystem>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "support/scratch.hpp"
#include "synth/prng.hpp"
#include "synth/synth.hpp"
#include "vector/layer.hpp"

using namespace swath;

TEST_CASE("synth: the PRNG is xoshiro256** seeded by splitmix64 (reference values)") {
  std::uint64_t state = 0;
  CHECK(synth::splitmix64(state) == 0xE220A8397B1DCDAFULL);
  synth::Rng a(42), b(42), c(43);
  const auto first = a.next();
  CHECK(first == b.next());
  CHECK(first != c.next());
  for (int i = 0; i < 1000; ++i) {
    const double u = a.uniform();
    REQUIRE(u >= 0.0);
    REQUIRE(u < 1.0);
  }
}

TEST_CASE("synth: plan depends on the seed only, objects stay inside and apart") {
  synth::SynthOptions o;
  o.width = 1024;
  o.height = 768;
  const auto a = synth::plan_objects(o);
  const auto b = synth::plan_objects(o);
  REQUIRE(a.size() == b.size());
  CHECK(a.size() == 1024 * 768 / 40000);
  for (std::size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].cx == b[i].cx);
    CHECK(a[i].cls == "ship");
    CHECK(a[i].cx > 0);
    CHECK(a[i].cx < 1024);
  }
  o.seed = 2;
  CHECK(synth::plan_objects(o)[0].cx != a[0].cx);
}

namespace {
// Edges of windows of `size` with `overlap` along `length`, as tile and detect lay them.
std::vector<double> edges_along(std::int64_t length, std::int64_t size, std::int64_t overlap) {
  std::vector<double> edges;
  for (std::int64_t start = 0; start < length; start += size - overlap) {
    if (start > 0) edges.push_back(static_cast<double>(start));
    if (start + size < length) edges.push_back(static_cast<double>(start + size));
  }
  return edges;
}

bool crosses_an_edge(const synth::SynthObject& obj, const std::vector<double>& x_edges,
                     const std::vector<double>& y_edges) {
  const double half_x =
      std::abs(std::sin(obj.heading)) * obj.length / 2 + std::abs(std::cos(obj.heading)) * obj.width / 2;
  const double half_y =
      std::abs(std::cos(obj.heading)) * obj.length / 2 + std::abs(std::sin(obj.heading)) * obj.width / 2;
  const auto cut = [](double centre, double half, const std::vector<double>& edges) {
    return std::any_of(edges.begin(), edges.end(), [&](double e) { return centre - half < e && centre + half > e; });
  };
  return cut(obj.cx, half_x, x_edges) || cut(obj.cy, half_y, y_edges);
}
}  // namespace

TEST_CASE("synth: --straddle puts every object across a window edge") {
  synth::SynthOptions o;
  o.width = 1024;
  o.height = 1024;
  o.straddle_window = 256;
  o.straddle_overlap = 32;
  auto objects = synth::plan_objects(o);
  REQUIRE(objects.size() > 10);
  for (const auto& obj : objects) CHECK(crosses_an_edge(obj, edges_along(1024, 256, 32), edges_along(1024, 256, 32)));

  // A scene no longer than the window one way: every object across an edge the other way.
  o.height = 256;
  o.straddle_window = 512;
  o.straddle_overlap = 0;
  o.seed = 3;
  objects = synth::plan_objects(o);
  REQUIRE(objects.size() >= 4);
  REQUIRE(edges_along(256, 512, 0).empty());
  for (const auto& obj : objects) CHECK(crosses_an_edge(obj, edges_along(1024, 512, 0), {}));
}

TEST_CASE("synth: --objects counts ships or vehicles; the 4-band scene's ponds come on top and are counted apart") {
  test::ScratchDir dir;
  synth::SynthOptions o;
  o.kind = synth::Kind::optical;
  o.bands = 4;
  o.width = 1024;
  o.height = 1024;
  o.objects = 3;
  o.output = dir / "p.tif";
  const auto result = synth::synthesize(o);
  CHECK(result.objects == 3);
  CHECK(result.ponds >= 1);
  CHECK(static_cast<std::int64_t>(vector::read_layer(result.truth_path).features.size()) ==
        result.objects + result.ponds);
  CHECK(synth::to_json(result).at("ponds").as_int() == result.ponds);
}

TEST_CASE("synth: same seed, same bytes; truth in WGS84 with one box per object") {
  test::ScratchDir dir;
  for (const auto kind : {synth::Kind::sar, synth::Kind::optical}) {
    synth::SynthOptions o;
    o.kind = kind;
    o.width = 300;
    o.height = 200;
    o.output = dir / "a.tif";
    const auto a = synth::synthesize(o);
    o.output = dir / "b.tif";
    synth::synthesize(o);
    CHECK(core::read_file(dir / "a.tif") == core::read_file(dir / "b.tif"));
    CHECK(a.truth_path == dir / "a.truth.geojson");
    const auto truth = vector::read_layer(a.truth_path);
    CHECK(static_cast<std::int64_t>(truth.features.size()) == a.objects);
    CHECK(a.objects > 0);
    const auto box = vector::envelope(truth.features[0].shape);
    CHECK(box.min_x > 3.0);  // longitude first (RFC 7946), near 3-5° E
    CHECK(box.min_x < 5.0);
    CHECK(box.min_y > 51.0);
    auto ds = GDALDatasetUniquePtr(GDALDataset::Open((dir / "a.tif").c_str(), GDAL_OF_RASTER));
    REQUIRE(ds);
    CHECK(ds->GetRasterCount() == (kind == synth::Kind::sar ? 1 : 3));
    CHECK(ds->GetRasterBand(1)->GetRasterDataType() == (kind == synth::Kind::sar ? GDT_UInt16 : GDT_Byte));
  }
}

TEST_CASE("synth: bad --size and --kind are usage errors") {
  CHECK_THROWS_AS(synth::parse_size("12x"), core::UsageError);
  CHECK_THROWS_AS(synth::parse_size("8x8"), core::UsageError);
  CHECK(synth::parse_size("640x480") == std::pair<std::int64_t, std::int64_t>{640, 480});
  CHECK_THROWS_AS(synth::parse_kind("lidar"), core::UsageError);
  CHECK(synth::parse_kind("SAR") == synth::Kind::sar);  // any case, as detect --detector CFAR
}

TEST_CASE("synth: 4-band optical adds NIR and ponds; SAR has one band only") {
  test::ScratchDir dir;
  synth::SynthOptions o;
  o.kind = synth::Kind::optical;
  o.bands = 4;
  o.width = 600;
  o.height = 600;
  o.output = dir / "nir.tif";
  synth::synthesize(o);
  auto ds = GDALDatasetUniquePtr(GDALDataset::Open(o.output.c_str(), GDAL_OF_RASTER));
  REQUIRE(ds);
  CHECK(ds->GetRasterCount() == 4);
  CHECK(std::string(ds->GetRasterBand(4)->GetDescription()) == "nir");
  const auto truth = vector::read_layer(dir / "nir.truth.geojson");
  const int cls = truth.field_index("class");
  CHECK(std::any_of(truth.features.begin(), truth.features.end(), [&](const vector::Feature& f) {
    return f.values[static_cast<std::size_t>(cls)].as_string() == "water";
  }));
  o.kind = synth::Kind::sar;
  CHECK_THROWS_AS(synth::synthesize(o), core::UsageError);
}

TEST_CASE("synth: --objects below zero or beyond what the scene can hold is a usage error naming the value") {
  test::ScratchDir dir;
  synth::SynthOptions o;
  o.width = 64;
  o.height = 64;
  o.output = dir / "a.tif";
  o.objects = -7;  // was taken as "from the area"
  CHECK_THROWS_WITH_AS(synth::synthesize(o), doctest::Contains("--objects -7"), core::UsageError);
  o.objects = 100000000;  // was planned for hours (200 tries per missing object), deaf to Ctrl-C
  CHECK_THROWS_WITH_AS(synth::synthesize(o), doctest::Contains("expected 0 to 64 for a 64x64 scene"), core::UsageError);
  CHECK_FALSE(std::filesystem::exists(o.output));
  o.objects = 64;  // the most allowed: planned quickly, as many as fit
  CHECK(synth::synthesize(o).objects < 64);
}

TEST_CASE("synth: a stop request is heard while a crowded scene is planned") {
  synth::SynthOptions o;
  o.width = 256;
  o.height = 256;
  o.objects = 1024;  // far more than fit: the planner tries 200 placements per missing object
  int polls = 0;
  o.stop = [&] { return ++polls > 1; };
  CHECK_THROWS_AS(synth::plan_objects(o), core::Interrupted);
  CHECK(polls == 2);
}

TEST_CASE("synth: -o must name a GeoTIFF (.tif or .tiff); another extension would mislabel its bytes") {
  test::ScratchDir dir;
  synth::SynthOptions o;
  o.width = 64;
  o.height = 64;
  o.output = dir / "scene.png";  // was a GeoTIFF written as scene.png, exit 0
  CHECK_THROWS_WITH_AS(synth::synthesize(o), doctest::Contains("swath synth writes a GeoTIFF"), core::UsageError);
  CHECK_FALSE(std::filesystem::exists(o.output));
  o.output = dir / "scene.TIFF";
  CHECK(synth::synthesize(o).scene_path == o.output);
}
