// Layered config: each layer's precedence, and clear errors for unknown keys, wrong types, bad YAML.
#include <doctest/doctest.h>

#include <filesystem>
#include <set>

#include "config/config.hpp"
#include "config/value_parse.hpp"
#include "core/errors.hpp"
#include "settings/schema.hpp"
#include "support/errors.hpp"
#include "support/scratch.hpp"

using namespace swath;

TEST_CASE("config: built-in defaults") {
  config::Config c = settings::defaults();
  CHECK(c.get_string("log.level") == "info");
  CHECK(c.get_int("gdal.cache_mb") == 64);
  CHECK(c.entry("gdal.cache_mb").origin.describe() == "default");
}

TEST_CASE("config: file < environment < flag, each layer recorded") {
  config::Config c = settings::defaults();
  c.load_yaml("log:\n  level: debug\ngdal:\n  cache_mb: 100\nrun:\n  threads: 3\n", "test.yaml");
  CHECK(c.get_string("log.level") == "debug");
  CHECK(c.entry("gdal.cache_mb").origin.describe() == "file test.yaml:4");

  c.load_environment({"SWATH_GDAL__CACHE_MB=200", "SWATH_RUN__THREADS=5", "PATH=/usr/bin", "SWATH_CONFIG=x.yaml"});
  CHECK(c.get_int("gdal.cache_mb") == 200);
  CHECK(c.entry("gdal.cache_mb").origin.describe() == "env SWATH_GDAL__CACHE_MB");

  c.set("gdal.cache_mb", "300", {config::Layer::flag, "--gdal-cache"});
  CHECK(c.get_int("gdal.cache_mb") == 300);
  CHECK(c.entry("gdal.cache_mb").origin.describe() == "flag --gdal-cache");
  CHECK(c.get_int("run.threads") == 5);         // env, untouched by the flag
  CHECK(c.get_string("log.level") == "debug");  // file, untouched by env
  CHECK(c.get_string("log.format") == "auto");  // default
}

TEST_CASE("config: unknown key names the file, line and a suggestion") {
  config::Config c = settings::defaults();
  const auto message = test::usage_message([&] { c.load_yaml("gdal:\n  cache_mbb: 10\n", "my.yaml"); });
  CHECK(
      message ==
      "file my.yaml:2: unknown key 'gdal.cache_mbb' (hint: did you mean 'gdal.cache_mb'? (swath config show lists every key))");
}

TEST_CASE("config: a key or section written twice in one file is refused, naming both lines") {
  config::Config c = settings::defaults();
  CHECK(test::usage_message([&] { c.load_yaml("tile:\n  size: 256\n  size: 512\n", "my.yaml"); }) ==
        "file my.yaml:3: key 'tile.size': set again (first at my.yaml:2) (hint: keep one of the two)");
  CHECK(test::usage_message([&] {
          c.load_yaml("tile:\n  size: 256\ngdal:\n  cache_mb: 8\ntile:\n  overlap: 4\n", "my.yaml");
        }) == "file my.yaml:5: key 'tile': set again (first at my.yaml:1) (hint: keep one of the two)");
  c.load_yaml("tile:\n  size: 256\nwebmap:\n  tile_size: 512\n", "ok.yaml");  // same name, other sections
  CHECK(c.get_int("tile.size") == 256);
}

TEST_CASE("config: unknown section is reported too") {
  config::Config c = settings::defaults();
  const auto message = test::usage_message([&] { c.load_yaml("lgo:\n  level: info\n", "my.yaml"); });
  CHECK(message.find("unknown key 'lgo.level'") != std::string::npos);
  CHECK(message.find("did you mean 'log.level'") != std::string::npos);
}

TEST_CASE("config: wrong type names key, value and what is expected") {
  config::Config c = settings::defaults();
  CHECK(test::usage_message([&] { c.load_yaml("gdal:\n  cache_mb: lots\n", "my.yaml"); }) ==
        "file my.yaml:2: key 'gdal.cache_mb': 'lots' is not an integer (hint: expected an integer from 1 to 65536)");
  CHECK(test::usage_message([&] {
          c.load_yaml("log:\n  level: [a, b]\n", "my.yaml");
        }).find("a list is not allowed here") != std::string::npos);
  CHECK(test::usage_message([&] { c.load_yaml("log:\n  level:\n    nested: 1\n", "my.yaml"); }).find("not a mapping") !=
        std::string::npos);
}

TEST_CASE("config: a key with no value (`size:`, `size: ~`, `size: null`) is refused, not read as its default") {
  for (const char* empty : {"", " ~", " null"}) {
    config::Config c = settings::defaults();
    CAPTURE(empty);
    CHECK(test::usage_message([&] { c.load_yaml(std::string("tile:\n  size:") + empty + "\n", "my.yaml"); }) ==
          "file my.yaml:2: key 'tile.size': it has no value (hint: give it one (expected an integer from 16 to 65536), "
          "or remove the line for its default)");
  }
}

TEST_CASE("config: out-of-range and bad choices") {
  config::Config c = settings::defaults();
  CHECK(
      test::usage_message([&] {
        c.set("gdal.cache_mb", "0", {config::Layer::env, "SWATH_GDAL__CACHE_MB"});
      }) ==
      "env SWATH_GDAL__CACHE_MB: key 'gdal.cache_mb': '0' is out of range (hint: expected an integer from 1 to 65536)");
  CHECK(test::usage_message([&] {
          c.set("log.format", "xml", {config::Layer::flag, "--log-format"});
        }) == "flag --log-format: key 'log.format': 'xml' is not allowed (hint: expected one of auto, text, json)");
  CHECK(c.get_int("gdal.cache_mb") == 64);  // a rejected value changes nothing
}

TEST_CASE("config: malformed YAML names the file and line") {
  config::Config c = settings::defaults();
  const auto message =
      test::usage_message([&] { c.load_yaml("log:\n  level: info\n   format: [json\n", "broken.yaml"); });
  CHECK(message.rfind("config 'broken.yaml' line ", 0) == 0);
  CHECK(message.find("malformed YAML") != std::string::npos);
  CHECK(test::usage_message([&] { c.load_yaml("- a\n- b\n", "list.yaml"); }).find("top level must be a mapping") !=
        std::string::npos);
}

TEST_CASE("config: a file of several YAML documents is refused, not read as its first") {
  config::Config c = settings::defaults();
  const auto message =
      test::usage_message([&] { c.load_yaml("log:\n  level: info\n---\ntile:\n  size: 512\n", "two.yaml"); });
  CHECK(message.find("config 'two.yaml'") == 0);
  CHECK(message.find("2 YAML documents") != std::string::npos);
  c.load_yaml("---\ntile:\n  size: 512\n", "one.yaml");  // one document, its start marked: read
  CHECK(c.get_int("tile.size") == 512);
  c.load_yaml("---\n---\ntile:\n  size: 256\n---\n# nothing more\n---\n{}\n", "empty.yaml");  // empty ones hold nothing
  CHECK(c.get_int("tile.size") == 256);
}

TEST_CASE("config: `config show`'s table given as a config is not called several YAML documents") {
  config::Config c = settings::defaults();
  const auto message = test::usage_message([&] {
    c.load_yaml(
        "log.level                    \"info\"                      # default\n"
        "tile.size                    \"512\"                       # default\n",
        "shown.yaml");
  });
  CHECK(message.find("YAML documents") == std::string::npos);  // there is no ---
  CHECK(message.find("top level must be a mapping of sections, not lines of words") != std::string::npos);
  CHECK(message.find("`swath config show` prints a table to read, not a config file") != std::string::npos);
}

TEST_CASE("config: unknown environment key is rejected with the variable name") {
  config::Config c = settings::defaults();
  const auto message = test::usage_message([&] { c.load_environment({"SWATH_GDAL__CACHEMB=5"}); });
  CHECK(message.rfind("env SWATH_GDAL__CACHEMB: unknown key 'gdal.cachemb'", 0) == 0);
}

TEST_CASE("config: a list in the environment is comma-separated; YAML's brackets are refused, not part of an item") {
  config::Config c = settings::defaults();
  c.load_environment({"SWATH_TILE__CREATION_OPTIONS=COMPRESS=DEFLATE, PREDICTOR=2"});
  CHECK(c.get_list("tile.creation_options") == std::vector<std::string>{"COMPRESS=DEFLATE", "PREDICTOR=2"});
  config::Config bracketed = settings::defaults();
  CHECK(test::usage_message(
            [&] { bracketed.load_environment({"SWATH_TILE__CREATION_OPTIONS=[COMPRESS=DEFLATE,PREDICTOR=2]"}); }) ==
        "env SWATH_TILE__CREATION_OPTIONS: key 'tile.creation_options': '[COMPRESS=DEFLATE,PREDICTOR=2]' is a "
        "YAML list; here a list is comma-separated (hint: write it without brackets, e.g. "
        "'COMPRESS=DEFLATE,PREDICTOR=2')");  // was: accepted, "[COMPRESS" a creation option key
}

TEST_CASE("config: a missing file or a directory is a usage error naming it, never a silent set of defaults") {
  config::Config c = settings::defaults();
  CHECK_THROWS_WITH_AS(c.load_file("/nonexistent/swath.yaml"),
                       doctest::Contains("config file '/nonexistent/swath.yaml'"), core::UsageError);
  CHECK(test::usage_message([&] { c.load_file("/tmp"); }) ==
        "config file '/tmp': it is a directory (hint: give a YAML file, e.g. configs/swath.yaml)");
}

TEST_CASE("config: byte sizes") {
  CHECK(config::parse_byte_size("512MiB") == 512.0 * 1024 * 1024);
  CHECK(config::parse_byte_size("2g") == 2.0 * 1024 * 1024 * 1024);
  CHECK(config::parse_byte_size("1024") == 1024.0);
  CHECK_FALSE(config::parse_byte_size("12 parsecs").has_value());
  CHECK_FALSE(config::parse_byte_size("MiB").has_value());
}

TEST_CASE("config: to_json lists every key with its source") {
  config::Config c = settings::defaults();
  c.set("log.level", "warn", {config::Layer::flag, "--log-level"});
  const auto json = config::to_json(c);
  CHECK(json.at("log.level").at("value").as_string() == "warn");
  CHECK(json.at("log.level").at("source").as_string() == "flag --log-level");
  CHECK(json.at("gdal.cache_mb").at("value").as_int() == 64);
}

// Every file in configs/ must be claimed here by the loader that reads it, and load cleanly.
// Other modules' files (scaling policies, model cards) are loaded by their own tests, listed here too.
TEST_CASE("config: every file in configs/ is loaded by a test") {
  const std::set<std::string> swath_configs = {"swath.yaml", "fleet.yaml"};
  const std::set<std::string> loaded_elsewhere = {"scaling.yaml"};  // tests/scale/policy_test.cpp
  for (const auto& entry : std::filesystem::directory_iterator(std::string(SWATH_SOURCE_DIR) + "/configs")) {
    const auto name = entry.path().filename().string();
    CAPTURE(name);
    if (swath_configs.count(name) != 0) {
      config::Config c = settings::defaults();
      CHECK_NOTHROW(c.load_file(entry.path().string()));
    } else {
      CHECK_MESSAGE(loaded_elsewhere.count(name) != 0, "configs/" << name << " is not loaded by any test");
    }
  }
}

TEST_CASE("config: configs/swath.yaml sets every key, each to its built-in default") {
  config::Config c = settings::defaults();
  c.load_file(std::string(SWATH_SOURCE_DIR) + "/configs/swath.yaml");
  const auto defaults = config::to_json(settings::defaults());
  const auto loaded = config::to_json(c);
  REQUIRE(loaded.as_object().size() == defaults.as_object().size());
  for (const auto& [key, entry] : loaded.as_object()) {
    CAPTURE(key);
    CHECK(entry.at("source").as_string().find("swath.yaml") != std::string::npos);
    CHECK(entry.at("value") == defaults.at(key).at("value"));
  }
}

TEST_CASE("config: SWATH_TILE_SIZE (one underscore where two part section and key) is refused, naming the right name") {
  config::Config c = settings::defaults();
  const auto message = test::usage_message([&] { c.load_environment({"SWATH_GDAL_CACHE_MB=5"}); });
  CHECK(message.find("environment variable SWATH_GDAL_CACHE_MB") == 0);
  CHECK(message.find("rename it SWATH_GDAL__CACHE_MB (config key gdal.cache_mb)") != std::string::npos);
  // Names that are no key's stay the user's own: SWATH_CONFIG, SWATH_REDIS_PASSWORD, SWATH_ANYTHING_ELSE.
  c.load_environment({"SWATH_CONFIG=x.yaml", "SWATH_REDIS_PASSWORD=p", "SWATH_ANYTHING_ELSE=1", "SWATH_GDAL=1"});
  CHECK(c.get_int("gdal.cache_mb") == settings::defaults().get_int("gdal.cache_mb"));
}
