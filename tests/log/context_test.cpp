// Log context: scoped fields on every line, carried into TBB worker threads, never leaking between tasks.
#include <doctest/doctest.h>

#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

#include <set>
#include <thread>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "core/json.hpp"
#include "log/context.hpp"
#include "log/formatters.hpp"
#include "log/logger.hpp"
#include "support/captured_log.hpp"
#include "support/process.hpp"
#include "support/scratch.hpp"

using namespace swath;
using test::CapturedLog;
using test::field;

TEST_CASE("log: a JSON line has ts, severity, component, message and the scope's fields") {
  CapturedLog captured;
  {
    log::Scope scope{
        {"trace_id", "4bf92f3577b34da6a3ce929d0e0e4736"}, {"scene", "a \"quoted\"\nscene.tif"}, {"attempt", 2}};
    log::get("tile")->warn("cut {} tiles", 3);
  }
  log::get("tile")->info("outside");
  const auto lines = captured.lines();
  REQUIRE(lines.size() == 2);
  const auto& first = lines[0];
  CHECK(field(first, "severity") == "WARNING");
  CHECK(field(first, "component") == "tile");
  CHECK(field(first, "message") == "cut 3 tiles");
  CHECK(field(first, "scene") == "a \"quoted\"\nscene.tif");
  CHECK(first.at("attempt").as_int() == 2);
  const std::string ts = field(first, "ts");
  REQUIRE(ts.size() == 27);  // 2026-11-25T17:00:00.123456Z
  CHECK(ts[4] == '-');
  CHECK(ts[10] == 'T');
  CHECK(ts[19] == '.');
  CHECK(ts.back() == 'Z');
  CHECK(lines[1].find("scene") == nullptr);  // the scope ended
  CHECK(field(lines[1], "severity") == "INFO");
}

TEST_CASE("log: a message with every control character stays one valid JSON line") {
  CapturedLog captured;
  std::string nasty = "tab\tnewline\ncr\rbell\x07quote\"backslash\\";
  log::get("test")->error("{}", nasty);
  const auto lines = captured.lines();
  REQUIRE(lines.size() == 1);
  CHECK(field(lines[0], "message") == nasty);
  CHECK(field(lines[0], "severity") == "ERROR");
}

TEST_CASE("log: nested scopes add and override fields, then restore") {
  log::Scope outer{{"trace_id", "t1"}, {"scene", "s1"}};
  {
    log::Scope inner{{"scene", "s2"}, {"tile", "r0c1"}};
    CHECK(log::current().get("trace_id") == "t1");
    CHECK(log::current().get("scene") == "s2");
    CHECK(log::current().get("tile") == "r0c1");
  }
  CHECK(log::current().get("scene") == "s1");
  CHECK(log::current().get("tile").empty());
}

TEST_CASE("log: lines logged from TBB worker threads carry the scope's trace_id") {
  CapturedLog captured;
  const std::string trace = "0af7651916cd43dd8448eb211c80319c";
  {
    log::Scope scope{{"trace_id", trace}, {"scene", "big.tif"}};
    const auto context = log::current();
    tbb::task_arena arena(4);
    arena.execute([&] {
      tbb::parallel_for(0, 64, [&](int tile) {
        log::ContextGuard guard(context.with({{"tile", tile}}));
        log::get("tile")->info("tile done");
      });
    });
  }
  // The same threads, now without a scope: nothing may leak from the tasks above.
  tbb::parallel_for(0, 64, [](int) { log::get("tile")->info("no context"); });

  const auto lines = captured.lines();
  REQUIRE(lines.size() == 128);
  std::set<std::string> threads_seen;
  std::set<std::int64_t> tiles;
  int with_trace = 0;
  for (const auto& line : lines) {
    if (field(line, "message") == "tile done") {
      CHECK(field(line, "trace_id") == trace);
      CHECK(field(line, "scene") == "big.tif");
      tiles.insert(line.at("tile").as_int());
      ++with_trace;
    } else {
      CHECK(line.find("trace_id") == nullptr);
      CHECK(line.find("tile") == nullptr);
    }
  }
  CHECK(with_trace == 64);
  CHECK(tiles.size() == 64);
}

TEST_CASE("log: bind carries the caller's context into another thread") {
  log::Scope scope{{"task_id", "task-7"}};
  std::string seen;
  std::thread worker(log::bind(log::current(), [&] { seen = log::current().get("task_id"); }));
  worker.join();
  CHECK(seen == "task-7");
}

TEST_CASE("log: level and format names") {
  CHECK(log::parse_level("warning", "x") == spdlog::level::warn);
  CHECK(log::parse_level("debug", "x") == spdlog::level::debug);
  CHECK_THROWS_AS(log::parse_level("loud", "--log-level"), core::UsageError);
  CHECK_THROWS_AS(log::parse_format("xml", "--log-format"), core::UsageError);
  CHECK(std::string(log::severity_name(spdlog::level::critical)) == "CRITICAL");
}

TEST_CASE("log: a log file in a missing directory is a usage error naming the path, as -o is") {
  log::Settings settings;
  settings.file = "/proc/swath-cannot-write-here/log.jsonl";
  try {
    log::configure(settings);
    FAIL("expected a UsageError");
  } catch (const core::UsageError& e) {
    CHECK(std::string(e.what()).find("/proc/swath-cannot-write-here") != std::string::npos);
  }
  log::configure(test::suite_log_settings());
}

TEST_CASE("log: a text line is one line without terminal control, whatever its message and fields hold") {
  const log::Scope scope{{"scene", "a\nb\x1b[2Jc.tif"}, {"span_id", "hidden"}, {"trace_flags", "01"}};
  log::TextFormatter formatter;
  const std::string payload = "cannot open 'x\ry\t\x07z'";
  const spdlog::details::log_msg msg("tile", spdlog::level::warn, payload);
  spdlog::memory_buf_t buffer;
  formatter.format(msg, buffer);
  const std::string line(buffer.data(), buffer.size());
  CHECK(line.find(R"(WARNING tile: cannot open 'x\ry\t\x07z' scene=a\nb\x1b[2Jc.tif)") != std::string::npos);
  CHECK(line.find('\n') == line.size() - 1);
  CHECK(line.find('\x1b') == std::string::npos);
  CHECK(line.find("span_id") == std::string::npos);  // for a person: JSON lines keep both
  CHECK(line.find("trace_flags") == std::string::npos);
}
