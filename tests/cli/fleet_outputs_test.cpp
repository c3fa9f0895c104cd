// End to end: what a fleet task commits — FlatGeobuf with its provenance sidecar, and nothing truncated when
// the staging disk is full (the task fails with the reason, is retried, then dead-lettered).
#include <doctest/doctest.h>

#include <filesystem>
#include <map>
#include <optional>
#include <set>

#include "cli/fleet_support.hpp"
#include "core/files.hpp"
#include "core/json.hpp"
#include "core/sha256.hpp"
#include "raster/fingerprint.hpp"
#include "support/process.hpp"
#include "support/redis_server.hpp"
#include "support/scratch.hpp"
#include "support/tiny_fs.hpp"

using namespace swath;
using namespace swath::test::fleet;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> on_queue(const test::RedisServer& redis, const std::string& queue,
                                  std::vector<std::string> args) {
  args.insert(args.end(), {"--redis", redis.url(), "--queue", queue});
  return args;
}

// The committed outputs of the tasks done under `dir`, from their done records: name → SHA-256.
std::map<std::string, std::string> recorded_outputs(const std::string& dir) {
  const auto records = done_records(dir);  // the same task run on several free sizes: the same outputs each time
  REQUIRE_FALSE(records.empty());
  std::map<std::string, std::string> out;
  for (const auto& [task, record] : records) {
    const auto outputs = record.at("outputs");
    for (const auto& [name, file] : outputs.as_object()) out[name] = file.at("sha256").as_string();
  }
  return out;
}

// Every file under `dir` but the filler: relative path → content.
std::map<std::string, std::string> files_under(const std::string& dir) {
  std::map<std::string, std::string> out;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    const auto name = fs::relative(e.path(), dir).string();
    // The done record (timings, worker id) differs from run to run: its hash is checked through the record.
    if (e.is_regular_file() && name != "filler" && name.rfind("swath-records/", 0) != 0)
      out[name] = core::read_file(e.path().string());
  }
  return out;
}

}  // namespace

TEST_CASE("fleet detect: a FlatGeobuf task commits its provenance sidecar too, hashed, as swath detect writes it") {
  test::RedisServer redis;
  test::ScratchDir dir;
  REQUIRE(test::swath({"synth", "-o", dir / "sea.tif", "--seed", "5", "--size", "512x512"}).exit_code == 0);
  REQUIRE(test::swath({"detect", dir / "sea.tif", "--detector", "cfar", "-o", dir / "local.fgb"},
                      {.env = {{"TRACEPARENT", kTrace}}})
              .exit_code == 0);
  auto r = test::swath(
      with_redis(redis, {"--traceparent", kTrace, "enqueue", "--kind", "detect", dir / "sea.tif", "--output",
                         dir / "fleet", "--options", R"({"detector":"cfar","output_format":"fgb"})"}));
  REQUIRE(r.exit_code == 0);
  r = test::swath(with_redis(redis, {"worker", "--exit-when-empty", "--threads", "1", "--json"}));
  REQUIRE(r.exit_code == 0);
  CHECK(core::Json::parse(r.out).at("committed").as_int() == 1);

  const auto fgb = hashes(dir / "fleet", ".fgb");
  REQUIRE(fgb.size() == 1);
  const std::string name = fgb.begin()->first;
  const std::string sidecar = name + ".swath.json";
  REQUIRE(fs::exists(dir / ("fleet/" + sidecar)));
  CHECK(core::read_file(dir / ("fleet/" + sidecar)) == core::read_file(dir / "local.fgb.swath.json"));
  CHECK(fgb.begin()->second == raster::sha256_file_hex(dir / "local.fgb"));
  const auto recorded = recorded_outputs(dir / "fleet");
  CHECK(recorded == std::map<std::string, std::string>{{name, fgb.begin()->second},
                                                       {sidecar, raster::sha256_file_hex(dir / ("fleet/" + sidecar))}});
  CHECK(hidden_entries(dir / "fleet").empty());
}

TEST_CASE("fleet: detect and tile tasks on a full staging disk commit nothing truncated; they fail with the reason") {
  test::RedisServer redis;
  test::ScratchDir dir;
  REQUIRE(test::swath({"synth", "-o", dir / "sea.tif", "--seed", "5", "--size", "512x512"}).exit_code == 0);
  test::TinyFileSystem tmpfs(dir / "fs", "size=2m");
  if (!tmpfs.mounted()) {
    MESSAGE("skipped: mounting a tmpfs needs root");
    return;
  }
  struct Kind {
    std::string name;
    std::vector<std::string> enqueue;  // after "enqueue --kind"
  };
  const std::vector<Kind> kinds{
      {"detect fgb", {"detect", dir / "sea.tif", "--options", R"({"detector":"cfar","output_format":"fgb"})"}},
      {"detect gpkg", {"detect", dir / "sea.tif", "--options", R"({"detector":"cfar"})"}},
      {"tile", {"tile", dir / "sea.tif", "--options", R"({"size":128})"}},
  };
  int round = 0;
  // Runs `kind` as a task on a fresh queue with `free` bytes left on the output's disk (roomy: none filled).
  auto run_task = [&](const Kind& kind, std::optional<std::uint64_t> free) {
    const std::string queue = "full" + std::to_string(round++);
    if (free)
      tmpfs.leave_free(*free);
    else
      tmpfs.clear();
    std::vector<std::string> args{"--traceparent", kTrace, "enqueue", "--kind"};
    args.insert(args.end(), kind.enqueue.begin(), kind.enqueue.end());
    args.insert(args.end(), {"--output", tmpfs / "out"});
    REQUIRE(test::swath(on_queue(redis, queue, args)).exit_code == 0);
    const auto r = test::swath(on_queue(
        redis, queue,
        {"worker", "--exit-when-empty", "--threads", "1", "--max-attempts", "2", "--backoff", "0.01", "--json"}));
    CAPTURE(r.err);
    REQUIRE(r.exit_code == 0);
    return std::make_pair(queue, core::Json::parse(r.out));
  };
  for (const auto& kind : kinds) {
    CAPTURE(kind.name);
    tmpfs.clear();
    const auto roomy = tmpfs.available();
    const auto first = run_task(kind, std::nullopt).second;
    REQUIRE(first.at("committed").as_int() == 1);
    const auto reference = files_under(tmpfs / "out");
    const auto size = roomy - tmpfs.available();
#if defined(__SANITIZE_ADDRESS__)
    const std::set<std::uint64_t> frees{0, size - test::kPage, size + 2 * test::kPage};
#else
    const std::set<std::uint64_t> frees{
        0, size - test::kPage, size, size + test::kPage, size + 2 * test::kPage, size + 4 * test::kPage};
#endif
    for (const auto free : frees) {
      CAPTURE(free);
      const auto [queue, summary] = run_task(kind, free);
      const auto left = files_under(tmpfs / "out");
      if (summary.at("committed").as_int() == 1) {
        CHECK(left == reference);  // complete, byte for byte
        std::map<std::string, std::string> on_disk;
        for (const auto& [path, content] : left) on_disk[path] = core::sha256_hex(content);
        for (const auto& [path, sha] : recorded_outputs(tmpfs / "out")) CHECK(on_disk[path] == sha);
        continue;
      }
      CHECK(summary.at("dead").as_int() == 1);
      CHECK(left.empty());  // nothing committed, no staging directory or temporary left
      const auto dead = core::Json::parse(test::swath(on_queue(redis, queue, {"queue", "dead", "list", "--json"})).out);
      REQUIRE(dead.at("tasks").as_array().size() == 1);
      const auto& task = dead.at("tasks").as_array().front();
      CHECK(task.at("attempt").as_int() == 2);  // transient: retried once before it was dead-lettered
      CHECK(task.at("error").as_string().find("No space left on device") != std::string::npos);
    }
  }
}

TEST_CASE("enqueue: checksums of two files of one name into one output are refused (exit 2), in one enqueue or two") {
  test::RedisServer redis;
  test::ScratchDir dir;
  test::write_text(dir / "a/x.txt", "one");
  test::write_text(dir / "b/x.txt", "two");
  // Was: both queued; both committed OUT/x.txt.sha256, one over the other, and one done record named lost bytes.
  auto r = test::swath(on_queue(
      redis, "sums", {"enqueue", "--kind", "checksum", dir / "a/x.txt", dir / "b/x.txt", "--output", dir / "out"}));
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.err.find("'" + dir / "out/x.txt.sha256" + "': two works of this enqueue would write there") !=
                    std::string::npos,
                r.err);
  r = test::swath(on_queue(redis, "sums", {"enqueue", "--kind", "checksum", dir / "a/x.txt", "--output", dir / "out"}));
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  r = test::swath(on_queue(redis, "sums", {"enqueue", "--kind", "checksum", dir / "b/x.txt", "--output", dir / "out"}));
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.err.find("checksum of " + dir / "a/x.txt") != std::string::npos, r.err);
  // --reclaim takes the location over only once a/x.txt's task has finished: it waits.
  r = test::swath(on_queue(redis, "sums",
                           {"enqueue", "--kind", "checksum", dir / "b/x.txt", "--output", dir / "out", "--reclaim"}));
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.err.find("--reclaim of '" + dir / "out" + "': job ") != std::string::npos, r.err);
  // The first work again with --reclaim takes nothing over: accepted, though its task waits (was refused, naming
  // its own job, by this change's first version).
  r = test::swath(on_queue(redis, "sums",
                           {"enqueue", "--kind", "checksum", dir / "a/x.txt", "--output", dir / "out", "--reclaim"}));
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  // A hidden file's checksum file would be hidden, which no worker commits. Was: queued, then dead on the worker.
  test::write_text(dir / "a/.hidden.txt", "three");
  r = test::swath(
      on_queue(redis, "sums", {"enqueue", "--kind", "checksum", dir / "a/.hidden.txt", "--output", dir / "out"}));
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.err.find("its checksum file '.hidden.txt.sha256' would be hidden") != std::string::npos, r.err);
  // The same file again is the same work: a duplicate, not a conflict.
  r = test::swath(on_queue(redis, "sums", {"enqueue", "--kind", "checksum", dir / "a/x.txt", "--output", dir / "out"}));
  CHECK_MESSAGE(r.exit_code == 0, r.err);
}
