// The fleet's option round trip: config → task options (enqueue) → config → TileOptions / DetectOptions (worker).
#include <doctest/doctest.h>

#include <filesystem>

#include "core/errors.hpp"
#include "detect/run.hpp"
#include "fleet/handlers.hpp"
#include "fleet/options.hpp"
#include "fleet/task_check.hpp"
#include "settings/schema.hpp"
#include "tiling/options.hpp"

using namespace swath;

namespace {

queue::Task task_of(const std::string& kind, core::Json options) {
  queue::Task task;
  task.kind = kind;
  task.options = std::move(options);
  return task;
}

}  // namespace

TEST_CASE("fleet options: a tile task rebuilds exactly the options `swath tile` builds from the same config") {
  config::Config config = settings::defaults();
  config.load_yaml(
      "tile:\n  size: 256\n  overlap: 16\n  edge: shrink\n  format: PNG\n  bands: [3, 2, 1]\n"
      "  scale: 0,4000\n  skip_blank: 0.5\n  creation_options: [ZLEVEL=9]\n",
      "test.yaml");
  const auto recorded =
      fleet::task_options(config, "tile", core::Json::Object{{"only_indices", core::Json::Array{1, 2}}});
  CHECK(recorded.at("size").as_int() == 256);
  CHECK(recorded.at("only_indices").as_array().size() == 2);
  const auto local = tiling::options_from(config);
  const auto fleet = tiling::options_from(fleet::config_from_task(task_of("tile", recorded), "tile"));
  CHECK(tiling::output_options_json(fleet).dump() == tiling::output_options_json(local).dump());
  CHECK(fleet.shard.count == 1);
}

TEST_CASE("fleet options: a detect task rebuilds the detect section, so the provenance hash is the same") {
  config::Config config = settings::defaults();
  config.set("detect.cfar_pfa", "1e-7", {config::Layer::flag, "--pfa"});
  config.set("detect.merge_threshold", "0.35", {config::Layer::flag, "--merge-threshold"});
  const auto recorded = fleet::task_options(config, "detect", core::Json::Object{{"output_format", "geojson"}});
  const auto fleet = detect::options_from(fleet::config_from_task(task_of("detect", recorded), "detect"));
  const auto local = detect::options_from(config);
  CHECK(fleet.config.dump() == local.config.dump());
  CHECK(fleet.cfar.pfa == local.cfar.pfa);
}

TEST_CASE("detect options: an empty CFAR class name is refused, naming where it was set (was: every detection of ''") {
  config::Config config = settings::defaults();
  config.set("detect.cfar_class", " ", {config::Layer::env, "SWATH_DETECT__CFAR_CLASS"});
  CHECK_THROWS_WITH_AS(detect::options_from(config),
                       doctest::Contains("SWATH_DETECT__CFAR_CLASS detect.cfar_class ' ': an empty class name"),
                       core::UsageError);
  // A task's too, at enqueue (the options recorded) and on a worker.
  const auto recorded = fleet::task_options(settings::defaults(), "detect", core::Json::Object{{"cfar_class", ""}});
  CHECK_THROWS_AS(detect::options_from(fleet::config_from_task(task_of("detect", recorded), "detect")),
                  core::UsageError);
  // Only cfar reads it: an index run with that config is not refused.
  config.set("detect.detector", "index", {config::Layer::flag, "--detector"});
  config.set("detect.index", "ndwi", {config::Layer::flag, "--index"});
  CHECK_NOTHROW(detect::options_from(config));
}

TEST_CASE("fleet options: unknown keys and wrong values are refused, naming the key") {
  config::Config config = settings::defaults();
  CHECK_THROWS_WITH_AS(fleet::task_options(config, "tile", core::Json::Object{{"sise", 1}}),
                       doctest::Contains("unknown tile option 'sise'"), core::UsageError);
  CHECK_THROWS_AS(fleet::task_options(config, "tile", core::Json::Object{{"overlap", "x"}}), core::UsageError);
  CHECK_THROWS_AS(fleet::config_from_task(task_of("tile", core::Json::Object{{"size", core::Json::Object{}}}), "tile"),
                  core::DataError);
  CHECK_THROWS_AS(fleet::config_from_task(
                      task_of("tile", core::Json::Object{{"creation_options", core::Json::Array{"A=1,2"}}}), "tile"),
                  core::DataError);
  CHECK(fleet::manifest_name("abc") == "tiles.abc.jsonl");
  CHECK(fleet::detections_name("abc", "gpkg") == "detections.abc.gpkg");
}

TEST_CASE("fleet options: a relative model card is recorded as an absolute path (workers run elsewhere)") {
  config::Config config = settings::defaults();
  config.set("detect.model", "models/card.yaml", {config::Layer::flag, "--model"});
  const auto recorded = fleet::task_options(config, "detect", core::Json::object());
  CHECK(recorded.at("model").as_string() == (std::filesystem::current_path() / "models/card.yaml").string());
}

TEST_CASE(
    "fleet task check: one check per kind; its refusal is a usage error at enqueue and a worded dead letter on a worker") {
  config::Config config = settings::defaults();
  auto tile = task_of("tile", fleet::task_options(config, "tile", core::Json::Object{{"bands", "0"}}));
  tile.inputs = {"/data/scene.tif"};
  tile.output = "/data/out";
  CHECK_THROWS_WITH_AS(fleet::tile_task_options(tile, fleet::Audience::enqueue),
                       doctest::Contains("task option bands: bad band '0'"), core::UsageError);
  try {
    (void)fleet::tile_task_options(tile, fleet::Audience::worker);
    FAIL("a worker must refuse band 0");
  } catch (const core::DataError& e) {
    CHECK(e.why() == "bands are numbered from 1");
    CHECK(e.hint().find("--") == std::string::npos);  // nothing for a worker's operator to pass
    CHECK(e.hint().find("enqueue the work again") != std::string::npos);
  }
  tile = task_of("tile", fleet::task_options(config, "tile", core::Json::object()));
  tile.inputs = {"/data/.hidden.tif"};
  tile.output = "/data/out";
  CHECK_THROWS_WITH_AS(fleet::tile_task_options(tile, fleet::Audience::worker),
                       doctest::Contains("hidden directory '.hidden'"), core::DataError);

  auto detect = task_of("detect", fleet::task_options(config, "detect", core::Json::Object{{"detector", "onnx"}}));
  detect.id = "t1";
  detect.inputs = {"/data/scene.tif"};
  try {
    (void)fleet::detect_task_options(detect, fleet::Audience::worker);
    FAIL("onnx without a model card must be refused");
  } catch (const core::DataError& e) {
    CHECK(e.why() == "no model card given");
    CHECK(e.hint().find("--model") == std::string::npos);
  }
  try {
    (void)fleet::detect_task_options(detect, fleet::Audience::enqueue);
    FAIL("onnx without a model card must be refused at enqueue");
  } catch (const core::UsageError& e) {
    CHECK(e.hint().find(R"(--options '{"model":"CARD.yaml"}')") != std::string::npos);
  }
  detect.options.set("detector", "cfar");
  detect.options.set("output_format", "fgb");
  CHECK(fleet::detect_task_options(detect, fleet::Audience::worker).output == "detections.t1.fgb");
}

TEST_CASE("fleet options: a pyramid task (grid xyz) refuses --options keys only chips read, which it would ignore") {
  config::Config config = settings::defaults();
  CHECK_THROWS_WITH_AS(fleet::task_options(config, "tile", core::Json::Object{{"grid", "xyz"}, {"size", 512}}),
                       doctest::Contains("tile option 'size' with grid xyz"), core::UsageError);
  CHECK_THROWS_AS(fleet::task_options(config, "tile", core::Json::Object{{"grid", "xyz"}, {"skip_blank", 0.5}}),
                  core::UsageError);
  const auto pyramid =
      fleet::task_options(config, "tile", core::Json::Object{{"grid", "xyz"}, {"zoom", "2-4"}, {"format", "JPEG"}});
  CHECK(pyramid.at("zoom").as_string() == "2-4");
  // Chips take them, as before.
  CHECK(fleet::task_options(config, "tile", core::Json::Object{{"size", 512}}).at("size").as_int() == 512);
}

TEST_CASE("fleet options: \"grid\":\"chips\" is the chips' options; a web-map key without xyz says so") {
  config::Config config = settings::defaults();
  const auto chips = fleet::task_options(config, "tile", core::Json::Object{{"grid", "chips"}, {"size", 64}});
  CHECK(chips.find("grid") == nullptr);
  CHECK(chips.at("size").as_int() == 64);
  CHECK_THROWS_WITH_AS(fleet::task_options(config, "tile", core::Json::Object{{"grid", "hex"}}),
                       doctest::Contains("--options: grid \"hex\""), core::UsageError);
  CHECK_THROWS_WITH_AS(fleet::task_options(config, "tile", core::Json::Object{{"zoom", "10"}}),
                       doctest::Contains("tile option 'zoom': it applies to a web-map pyramid only"), core::UsageError);
}

TEST_CASE("fleet options: the grid flags are checked with the --options grid counted, for every kind") {
  config::Config flags = settings::defaults();
  flags.set("webmap.grid", "xyz", {config::Layer::flag, "--grid"});
  CHECK_THROWS_WITH_AS(fleet::task_options(flags, "tile", core::Json::Object{{"grid", "chips"}}),
                       doctest::Contains("--grid xyz with \"grid\":\"chips\" in --options"), core::UsageError);
  CHECK(fleet::task_options(flags, "tile", core::Json::Object{{"grid", "xyz"}}).at("grid").as_string() == "xyz");
  CHECK_THROWS_WITH_AS(fleet::task_options(settings::defaults(), "tile", core::Json::Object{{"grid", 5}}),
                       doctest::Contains("--options: grid 5"), core::UsageError);
  CHECK_THROWS_WITH_AS(fleet::task_options(settings::defaults(), "tile", core::Json::Object{{"grid", ""}}),
                       doctest::Contains("--options: grid \"\""), core::UsageError);
  // Kinds other than tile take no web-map flag; their own options are recorded as given.
  CHECK_THROWS_WITH_AS(fleet::task_options(flags, "detect", core::Json::object()), doctest::Contains("--grid"),
                       core::UsageError);
  CHECK_THROWS_AS(fleet::task_options(flags, "noop", core::Json::object()), core::UsageError);
  const core::Json noop{core::Json::Object{{"sleep_ms", 5}}};
  CHECK(fleet::task_options(settings::defaults(), "noop", noop) == noop);
}

TEST_CASE("fleet options: a key given by a flag and in --options with another value is refused") {
  config::Config flags = settings::defaults();
  flags.set("webmap.grid", "xyz", {config::Layer::flag, "--grid"});
  flags.set("webmap.zoom", "6-7", {config::Layer::flag, "--zoom"});
  CHECK_THROWS_WITH_AS(fleet::task_options(flags, "tile", core::Json::Object{{"zoom", "5-8"}}),
                       doctest::Contains("--zoom 6-7 with \"zoom\":\"5-8\" in --options: two values for zoom"),
                       core::UsageError);
  CHECK(fleet::task_options(flags, "tile", core::Json::Object{{"zoom", "6-7"}}).at("zoom").as_string() == "6-7");
  config::Config size = settings::defaults();
  size.set("tile.size", "256", {config::Layer::flag, "--size"});
  CHECK_THROWS_AS(fleet::task_options(size, "tile", core::Json::Object{{"size", 512}}), core::UsageError);
  CHECK(fleet::task_options(size, "tile", core::Json::Object{{"size", 256}}).at("size").as_int() == 256);
}

TEST_CASE("fleet options: a shard from the config, the environment or --options is refused (it would queue a share)") {
  config::Config config = settings::defaults();
  CHECK_THROWS_WITH_AS(fleet::task_options(config, "tile", core::Json::Object{{"shard", "0/2"}}),
                       doctest::Contains("--options: shard \"0/2\""), core::UsageError);
  CHECK_NOTHROW((void)fleet::task_options(config, "tile", core::Json::Object{{"shard", ""}}));
  config.load_environment({"SWATH_TILE__SHARD=1/3"});
  CHECK_THROWS_WITH_AS(fleet::task_options(config, "tile", core::Json::object()),
                       doctest::Contains("tile.shard 1/3 (env SWATH_TILE__SHARD)"), core::UsageError);
  config::Config from_file = settings::defaults();
  from_file.load_yaml("tile:\n  shard: 1/2\n", "test.yaml");
  CHECK_THROWS_AS(fleet::task_options(from_file, "tile", core::Json::object()), core::UsageError);
}

TEST_CASE("fleet options: creation options in another order are the same work, locally and in the fleet") {
  std::vector<std::string> recorded;
  for (const std::string list : {"[PREDICTOR=2, COMPRESS=DEFLATE]", "[COMPRESS=DEFLATE, PREDICTOR=2]"}) {
    config::Config config = settings::defaults();
    config.load_yaml("tile:\n  creation_options: " + list + "\n", "test.yaml");
    const auto options = fleet::task_options(config, "tile", core::Json::object());
    recorded.push_back(options.dump());  // a task's id hashes these
    const auto local = tiling::options_from(config);
    const auto fleet = tiling::options_from(fleet::config_from_task(task_of("tile", options), "tile"));
    CHECK(tiling::output_options_json(fleet).dump() == tiling::output_options_json(local).dump());
    CHECK(local.creation_options == std::vector<std::string>{"COMPRESS=DEFLATE", "PREDICTOR=2"});
  }
  CHECK(recorded[0] == recorded[1]);
}
