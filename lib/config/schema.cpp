// Every config key, its default and its range. Add a module's keys in its own section below.
#include "config/schema.hpp"

#include <algorithm>
#include <cmath>

#include "core/text.hpp"

namespace swath::config {

namespace {

KeySpec integer(std::string key, std::string def, double min, double max, std::string help) {
  return {std::move(key), Type::integer, std::move(def), min, max, {}, std::move(help)};
}
KeySpec number(std::string key, std::string def, double min, double max, std::string help) {
  return {std::move(key), Type::number, std::move(def), min, max, {}, std::move(help)};
}
KeySpec choice(std::string key, std::string def, std::vector<std::string> choices, std::string help) {
  return {std::move(key), Type::choice, std::move(def), 0, 0, std::move(choices), std::move(help)};
}
KeySpec text(std::string key, std::string def, std::string help) {
  return {std::move(key), Type::string, std::move(def), 0, 0, {}, std::move(help)};
}
KeySpec list(std::string key, std::string def, std::string help) {
  return {std::move(key), Type::list, std::move(def), 0, 0, {}, std::move(help)};
}
KeySpec bytes(std::string key, std::string def, double min, double max, std::string help) {
  return {std::move(key), Type::bytes, std::move(def), min, max, {}, std::move(help)};
}

std::vector<KeySpec> build_schema() {
  return {
      // log
      choice("log.level", "info", {"trace", "debug", "info", "warn", "error", "critical", "off"}, "least severe level logged"),
      choice("log.format", "auto", {"auto", "text", "json"}, "text on a terminal and JSON lines otherwise, unless set"),
      text("log.file", "", "also append JSON log lines to this file"),
      // gdal
      integer("gdal.cache_mb", "64", 1, 65536, "GDAL block cache in MiB (small: swath reads each block once)"),
      // run: how work uses this machine
      integer("run.threads", "0", 0, 1024, "worker threads (0: one per core)"),
      bytes("run.max_memory", "256MiB", 16.0 * 1024 * 1024, 1024.0 * 1024 * 1024 * 1024,
            "memory for tiles in flight; bounds the pipeline's live tokens"),
      // tile
      integer("tile.size", "512", 16, 65536, "tile width and height in pixels"),
      integer("tile.overlap", "0", 0, 65535, "pixels shared by neighbouring tiles (less than tile.size)"),
      choice("tile.edge", "pad", {"pad", "shrink"}, "edge tiles padded with nodata to full size, or shrunk"),
      text("tile.format", "GTiff", "output format of the tiles: GTiff, COG, PNG, JPEG or WEBP (any case)"),
      list("tile.creation_options", "", "GDAL creation options passed to the output driver (KEY=VALUE)"),
      list("tile.bands", "", "bands to write, 1-based, in order (empty: all)"),
      text("tile.scale", "auto", "non-Byte data to Byte for PNG/JPEG/WEBP: auto (min/max of the scene) or MIN,MAX"),
      number("tile.skip_blank", "1", 0, 1, "skip tiles whose nodata/alpha/padding fraction is at least this (1: only fully blank, 0: never skip)"),
      text("tile.shard", "", "I/N: take the I-th of N deterministic shares of the tiles (0-based)"),
  };
}

std::string format_limit(double v) {
  if (std::nearbyint(v) == v && std::fabs(v) < 1e15) return std::to_string(static_cast<long long>(v));
  std::string s = std::to_string(v);
  while (!s.empty() && s.back() == '0') s.pop_back();
  return s;
}

}  // namespace

const std::vector<KeySpec>& schema() {
  static const std::vector<KeySpec> keys = build_schema();
  return keys;
}

const KeySpec* find_key(std::string_view key) {
  for (const auto& spec : schema()) {
    if (spec.key == key) return &spec;
  }
  return nullptr;
}

std::optional<std::string> suggest_key(std::string_view key) {
  std::vector<std::string> keys;
  for (const auto& spec : schema()) keys.push_back(spec.key);
  return core::closest_match(key, keys);
}

std::string expectation(const KeySpec& spec) {
  switch (spec.type) {
    case Type::boolean: return "true or false";
    case Type::integer: return "an integer from " + format_limit(spec.min) + " to " + format_limit(spec.max);
    case Type::number: return "a number from " + format_limit(spec.min) + " to " + format_limit(spec.max);
    case Type::bytes: return "a size such as 512MiB or 2GiB, from " + format_limit(spec.min) + " to " + format_limit(spec.max) + " bytes";
    case Type::string: return "a string";
    case Type::list: return "a list (YAML sequence or comma-separated)";
    case Type::choice: {
      std::string out = "one of ";
      for (std::size_t i = 0; i < spec.choices.size(); ++i) out += (i ? ", " : "") + spec.choices[i];
      return out;
    }
  }
  return "a value";
}

}  // namespace swath::config
