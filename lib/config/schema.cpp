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
KeySpec boolean(std::string key, std::string def, std::string help) {
  return {std::move(key), Type::boolean, std::move(def), 0, 0, {}, std::move(help)};
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
      choice("tile.edge", "pad", {"pad", "shrink"}, "edge tiles padded with nodata to full size (GTiff/COG: 0, marked as nodata, when the scene has none), or shrunk"),
      text("tile.format", "GTiff", "output format of the tiles: GTiff, COG, PNG, JPEG or WEBP (any case)"),
      list("tile.creation_options", "", "GDAL creation options passed to the output driver (KEY=VALUE)"),
      list("tile.bands", "", "bands to write, 1-based, in order (empty: all)"),
      text("tile.scale", "auto", "non-Byte data to Byte for PNG/JPEG/WEBP: auto (min/max of the scene) or MIN,MAX"),
      number("tile.skip_blank", "1", 0, 1, "skip tiles whose nodata/alpha/padding fraction is at least this (1: only fully blank, 0: never skip)"),
      text("tile.shard", "", "I/N: take the I-th of N deterministic shares of the tiles (0-based)"),
      // scale
      text("scale.policy", "", "scaling policy YAML (empty: built-in defaults, the same as configs/scaling.yaml)"),
      text("scale.strategy", "", "override the policy's strategy: hpa, scaledjob-default, scaledjob-accurate, scaledjob-eager, deadline"),
      text("scale.kubectl", "kubectl", "kubectl program used by scale-plan --watch"),
      // detect
      choice("detect.detector", "cfar", {"cfar", "index", "onnx"}, "detector run on each window"),
      integer("detect.window", "0", 0, 65536, "detection window in pixels (0: the detector's choice: onnx its model input, else 512)"),
      integer("detect.overlap", "-1", -1, 65535, "pixels shared by neighbouring windows, at least the largest object (-1: 64, at most a quarter of the window)"),
      choice("detect.merge", "merge", {"merge", "nms"}, "overlapping detections: grow the best box to their union, or keep the best"),
      choice("detect.merge_metric", "ios", {"ios", "iou"}, "overlap measure: intersection over the smaller box, or over the union"),
      number("detect.merge_threshold", "0.5", 0.01, 1, "detections overlapping at least this much are one object"),
      boolean("detect.merge_across_classes", "false", "merge overlapping detections of different classes too"),
      number("detect.cfar_pfa", "1e-6", 1e-15, 0.4, "CFAR false-alarm rate per pixel"),
      number("detect.cfar_guard", "150", 0, 100000, "CFAR guard half-size (around the tested pixel, not background)"),
      number("detect.cfar_background", "250", 1, 100000, "CFAR background half-size"),
      choice("detect.cfar_units", "metres", {"metres", "pixels"}, "units of the CFAR guard and background sizes"),
      integer("detect.cfar_join", "3", 0, 20, "CFAR: pieces whose boxes are within this many pixels are one object"),
      number("detect.cfar_min_score", "0.62", 0, 1, "CFAR: drop objects scoring below this (0.5 = just at the pixel threshold)"),
      integer("detect.cfar_band", "1", 1, 65535, "band the CFAR tests"),
      text("detect.cfar_class", "ship", "class name of CFAR detections"),
      number("detect.min_size_m", "25", 0, 1e6, "CFAR: smallest object (longest side of its box) in metres"),
      number("detect.max_size_m", "600", 0, 1e6, "CFAR: largest object in metres"),
      text("detect.index", "ndwi", "index detector: ndvi, ndwi or an expression over named bands, e.g. (nir-red)/(nir+red)"),
      number("detect.index_threshold", "0.3", -1e9, 1e9, "index detector: regions where the index is above this"),
      list("detect.index_bands", "", "index detector: NAME=BAND for bands the scene does not name (e.g. nir=4)"),
      text("detect.index_class", "", "index detector: class name of its regions (empty: the index, e.g. ndwi)"),
      number("detect.index_min_area_m2", "100", 0, 1e12, "index detector: smallest region in m²"),
      text("detect.model", "", "onnx detector: the model card (YAML) beside the .onnx"),
      number("detect.score_threshold", "-1", -1, 1, "onnx detector: minimum score (-1: the model card's)"),
      // queue: where tasks live (the password never goes here: SWATH_REDIS_PASSWORD or queue.password_file)
      text("queue.redis", "redis://127.0.0.1:6379/0", "Redis URL: redis://[user@]host:port/db or unix:///path.sock?db=N"),
      text("queue.name", "swath", "queue name; every key is swath:{NAME}:..."),
      text("queue.password_file", "", "file holding the Redis password (else SWATH_REDIS_PASSWORD)"),
      integer("queue.ttl_hours", "168", 1, 24 * 365, "hours a finished task's record is kept (bounds Redis memory)"),
      boolean("queue.allow_eviction", "false", "use a Redis whose maxmemory-policy may evict keys (queued tasks can then vanish)"),
      // worker: how `swath worker` takes and runs tasks
      integer("worker.concurrency", "1", 1, 1024, "tasks run at once"),
      integer("worker.batch", "0", 0, 10000, "most tasks leased per round trip (0: 1000)"),
      number("worker.prefetch_seconds", "0.1", 0, 3600, "measured work a worker leases beyond what its free slots start (short tasks come in batches; long ones wait in the queue for others)"),
      integer("worker.max_attempts", "5", 1, 1000, "failed attempts before a task is dead-lettered"),
      number("worker.lease_seconds", "30", 0.1, 86400, "lease length; renewed every third of it while a task runs"),
      number("worker.grace_seconds", "25", 0, 3600, "after SIGTERM: time to finish running tasks (Kubernetes allows 30)"),
      number("worker.backoff_seconds", "1", 0.001, 3600, "first retry delay; doubles per attempt, with jitter"),
      number("worker.backoff_max_seconds", "300", 0.001, 86400, "longest retry delay"),
      number("worker.reconnect_seconds", "60", 0.1, 86400, "how long to keep reconnecting to Redis before exiting 1"),
      number("worker.task_timeout_seconds", "0", 0, 30 * 86400, "a task running longer is abandoned as hung, retried, then dead-lettered (0: 2 h for tile and detect, 10 min for noop and checksum)"),
      list("worker.allow_roots", "", "directories task inputs and outputs must lie under (empty: anywhere)"),
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
