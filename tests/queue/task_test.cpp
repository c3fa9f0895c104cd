// Task envelopes: deterministic ids, round trips, and every malformed shape a worker must dead-letter.
#include <doctest/doctest.h>

#include <filesystem>

#include "core/build_info.hpp"
#include "core/errors.hpp"
#include "core/sha256.hpp"
#include "queue/keys.hpp"
#include "queue/task.hpp"
#include "support/scratch.hpp"

using namespace swath;

namespace {

queue::Task sample() {
  queue::Task t;
  t.kind = "checksum";
  t.inputs = {"/data/a.tif", "/data/b.tif"};
  t.options.set("size", 512);
  t.output = "/out";
  t.id = queue::make_task_id(t.kind, t.inputs, t.options, t.output);
  t.priority = queue::Priority::high;
  t.attempt = 0;
  t.traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  t.enqueued_at_ms = 1700000000000;
  return t;
}

std::string why_of(const std::string& text) {
  try {
    queue::parse_task(text);
  } catch (const core::DataError& e) {
    return e.why();
  }
  return "parsed";
}

}  // namespace

TEST_CASE("queue: task ids depend on kind, inputs, options and output only") {
  const auto t = sample();
  CHECK(t.id.size() == 32);
  CHECK(queue::make_task_id(t.kind, t.inputs, t.options, t.output) == t.id);
  CHECK(queue::make_task_id("noop", t.inputs, t.options, t.output) != t.id);
  CHECK(queue::make_task_id(t.kind, {"/data/a.tif"}, t.options, t.output) != t.id);
  core::Json other = core::Json::object();
  other.set("size", 256);
  CHECK(queue::make_task_id(t.kind, t.inputs, other, t.output) != t.id);
  CHECK(queue::make_task_id(t.kind, t.inputs, t.options, "/elsewhere") != t.id);
  // The id is the SHA-256 of this identity object's JSON, as in every earlier version: the same work keeps its id.
  core::Json identity = core::Json::object();
  identity.set("kind", t.kind);
  identity.set("inputs", core::Json::Array(t.inputs.begin(), t.inputs.end()));
  identity.set("options", t.options);
  identity.set("output", t.output);
  identity.set("swath", core::build::version);
  CHECK(t.id == core::sha256_hex(identity.dump()).substr(0, 32));
}

TEST_CASE("queue: an envelope round-trips through its JSON text") {
  auto t = sample();
  t.deadline_ms = 1700000060000;
  const auto back = queue::parse_task(queue::to_json(t).dump());
  CHECK(back.id == t.id);
  CHECK(back.job == queue::make_job_id(t.kind, t.options, t.output));
  CHECK(back.inputs == t.inputs);
  CHECK(back.options == t.options);
  CHECK(back.priority == queue::Priority::high);
  CHECK(back.traceparent == t.traceparent);
  CHECK(back.deadline_ms == t.deadline_ms);
  CHECK(queue::to_json(back).dump() == queue::to_json(t).dump());
}

TEST_CASE("queue: malformed envelopes are rejected with the reason") {
  CHECK(why_of("not json {").rfind("not JSON", 0) == 0);
  CHECK(why_of("[1,2]") == "not a JSON object");
  auto json = queue::to_json(sample());
  json.set("schema", "swath.task/1");
  CHECK(why_of(json.dump()) == "schema version 'swath.task/1' is not swath.task/2");
  for (const char* field : {"id", "job", "attempt", "inputs", "slice", "job_meta"}) {
    CAPTURE(field);
    core::Json without = core::Json::object();
    const auto full = queue::to_json(sample());
    for (const auto& [k, v] : full.as_object()) {
      if (k != field) without.set(k, v);
    }
    CHECK(why_of(without.dump()) == std::string("missing field '") + field + "'");
  }
  for (const char* field : {"kind", "options", "output", "priority", "traceparent", "enqueued_at", "deadline"}) {
    CAPTURE(field);
    core::Json meta = core::Json::object();
    const auto full_meta = queue::job_meta_json(sample());
    for (const auto& [k, v] : full_meta.as_object()) {
      if (k != field) meta.set(k, v);
    }
    auto without = queue::to_json(sample());
    without.set("job_meta", meta);
    CHECK(why_of(without.dump()) == std::string("missing field '") + field + "'");
  }
  json = queue::to_json(sample());
  json.set("inputs", core::Json::array());
  CHECK(why_of(json.dump()) == "field 'inputs' must be a non-empty array");
  json = queue::to_json(sample());
  json.set("attempt", "one");
  CHECK(why_of(json.dump()) == "field 'attempt' must be an integer");
}

TEST_CASE("queue: paths outside the allowed roots are refused, .. included") {
  auto t = sample();
  CHECK_NOTHROW(queue::check_paths(t, {}));
  CHECK_NOTHROW(queue::check_paths(t, {"/data", "/out"}));
  CHECK_THROWS_WITH_AS(queue::check_paths(t, {"/data"}),
                       doctest::Contains("output '/out' is outside the allowed roots"), core::DataError);
  std::string refusal;  // a policy of this worker's, not a malformed task; the roots are named
  try {
    queue::check_paths(t, {"/data", "/in"});
  } catch (const core::DataError& e) {
    refusal = core::describe(e);
  }
  CHECK_MESSAGE(refusal.rfind("output '/out' is outside the allowed roots: --allow-root '/data', '/in'", 0) == 0,
                refusal);
  t.inputs = {"/data/../etc/passwd"};
  CHECK_THROWS_WITH_AS(queue::check_paths(t, {"/data", "/out"}), doctest::Contains("input '/data/../etc/passwd'"),
                       core::DataError);
  t.inputs = {"/database/x.tif"};  // a sibling sharing the prefix is not inside
  CHECK_THROWS_AS(queue::check_paths(t, {"/data", "/out"}), core::DataError);
  CHECK_NOTHROW(queue::check_paths(t, {"/data/", "/database/", "/out"}));
  // A link under a root that leads out of it: the refusal says where it leads.
  test::ScratchDir dir;
  std::filesystem::create_directories(dir / "big");
  std::filesystem::create_symlink("/etc/hostname", dir / "big/link.tif");
  t.inputs = {dir / "big/link.tif"};
  CHECK_THROWS_WITH_AS(queue::check_paths(t, {dir / "big", "/out"}),
                       doctest::Contains("link.tif' (it leads to '/etc/hostname') is outside the allowed roots"),
                       core::DataError);
}

TEST_CASE("queue: one more path a task reads (a model card) is checked as inputs are, /vsi paths included") {
  CHECK_NOTHROW(queue::check_path("/anywhere/card.yaml", "model", {}));
  CHECK_NOTHROW(queue::check_path("/data/models/card.yaml", "model", {"/data"}));
  CHECK_THROWS_WITH_AS(queue::check_path("/data/../etc/card.yaml", "model", {"/data"}),
                       doctest::Contains("model '/data/../etc/card.yaml' is outside the allowed roots"),
                       core::DataError);
  CHECK_THROWS_AS(queue::check_path("/vsis3/bucket/card.yaml", "model", {"/data"}), core::DataError);
  CHECK_NOTHROW(queue::check_path("/vsis3/bucket/card.yaml", "model", {"/vsis3/bucket"}));
}

TEST_CASE("queue: every key of a queue carries the one hash tag") {
  const queue::Keys keys("scenes-2024");
  for (const auto& key :
       {keys.ready, keys.low, keys.leased, keys.delayed, keys.dead, keys.workers, keys.counts, keys.stats,
        keys.durations, keys.throughput, keys.jobs, keys.job("abc"), keys.job_tasks("abc")}) {
    CHECK(key.rfind("swath:{scenes-2024}:", 0) == 0);
  }
  CHECK_THROWS_AS(queue::Keys("a b"), core::UsageError);
  CHECK_THROWS_AS(queue::Keys("{x}"), core::UsageError);
  CHECK_THROWS_AS(queue::Keys(""), core::UsageError);
}

TEST_CASE("queue: priorities parse and print") {
  CHECK(queue::parse_priority("low", "--priority") == queue::Priority::low);
  CHECK(std::string(queue::priority_name(queue::Priority::high)) == "high");
  CHECK_THROWS_WITH_AS(queue::parse_priority("urgent", "--priority"), doctest::Contains("unknown priority 'urgent'"),
                       core::UsageError);
}

TEST_CASE("queue: a symlink inside an allowed root that points outside it is refused") {
  test::ScratchDir dir;
  test::write_text(dir / "root/in.txt", "x");
  std::filesystem::create_directory_symlink("/etc", dir / "root/escape");
  auto t = sample();
  t.output = dir / "root/out";
  t.inputs = {dir / "root/in.txt"};
  CHECK_NOTHROW(queue::check_paths(t, {dir / "root"}));
  t.inputs = {dir / "root/escape/hostname"};
  CHECK_THROWS_WITH_AS(queue::check_paths(t, {dir / "root"}), doctest::Contains("outside the allowed roots"),
                       core::DataError);
}
