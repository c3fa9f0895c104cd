// Logs as a user sees them: where --log-file may point, and a caller's trace flags kept from enqueue to the worker.
#include <doctest/doctest.h>

#include <filesystem>
#include <set>

#include "core/files.hpp"
#include "core/json.hpp"
#include "core/text.hpp"
#include "support/process.hpp"
#include "support/redis_server.hpp"
#include "support/scratch.hpp"

using namespace swath;
namespace fs = std::filesystem;

TEST_CASE("cli log: --log-file - is refused, not made a file named '-'") {
  test::ScratchDir dir;
  const auto r = test::swath({"--log-file", "-", "version"}, {.working_dir = dir.path()});
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.err.find("--log-file '-': not a file: log lines already go to stderr") != std::string::npos, r.err);
  CHECK_FALSE(fs::exists(dir / "-"));
}

TEST_CASE(
    "cli log: with stderr closed, --log-file gets each line once, all JSON, and a closed stdout is still exit 1") {
  test::ScratchDir dir;
  const std::string log = dir / "log.jsonl";
  const auto r = test::run({"/bin/sh", "-c", "exec \"$@\" 2>&-", "sh", SWATH_BINARY, "--log-file", log, "-v",
                            "scale-plan", "--stats", dir / "nope.json"});
  CHECK(r.exit_code != 0);
  const auto text = core::read_file(log);
  std::set<std::string> seen;
  std::size_t lines = 0;
  for (const auto& line : core::split(text, '\n')) {
    if (line.empty()) continue;
    ++lines;
    CHECK_NOTHROW(core::Json::parse(line));  // was: a plain "swath scale-plan: cannot read ..." among them
    CHECK_MESSAGE(seen.insert(line).second, "written twice: " << line);  // was: every line twice (the file was fd 2)
  }
  CHECK(lines > 0);
  const auto closed = test::run({"/bin/sh", "-c", "exec \"$@\" >&-", "sh", SWATH_BINARY, "version", "--json"});
  CHECK(closed.exit_code == 1);  // the descriptor held for it still fails the write
}

TEST_CASE("cli log: an unsampled caller's trace stays unsampled through enqueue, Redis and the worker") {
  test::RedisServer redis;
  test::ScratchDir dir;
  test::write_text(dir / "in/a.txt", "alpha\n");
  const std::string trace = "4bf92f3577b34da6a3ce929d0e0e4736";
  auto r = test::swath(test::with_queue(redis, "logs",
                                        {"--traceparent", "00-" + trace + "-00f067aa0ba902b7-00", "enqueue", "--kind",
                                         "checksum", dir / "in/a.txt", "--output", dir / "out"}));
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  r = test::swath(test::with_queue(
      redis, "logs", {"--log-format", "json", "-v", "worker", "--exit-when-empty", "--worker-id", "w-unsampled"}));
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  int task_lines = 0;
  for (const auto& line : test::lines(r.err)) {
    const auto json = core::Json::parse(line);
    if (json.at("component").as_string() == "worker" || json.find("task_id") != nullptr)
      CHECK_MESSAGE(json.at("worker_id").as_string() == "w-unsampled", line);  // the loop's lines and the tasks'
    if (json.find("task_id") == nullptr) continue;
    ++task_lines;
    CHECK_MESSAGE(json.at("trace_id").as_string() == trace, line);
    CHECK_MESSAGE(json.at("trace_flags").as_string() == "00", line);  // was "01": enqueue marked every task sampled
  }
  CHECK(task_lines > 0);
  CHECK(fs::exists(dir / "out/a.txt.sha256"));
}

TEST_CASE("cli log: the error line escapes control characters of a file name, as log lines do") {
  test::ScratchDir dir;
  const std::string name = dir / "no\nsuch\x1b[31m.tif";
  const auto r = test::swath({"tile", name, "-o", dir / "out"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find('\x1b') == std::string::npos);  // was: a live ESC[31m on the terminal
  CHECK_MESSAGE(r.err.find("cannot open '" + dir / "no\\nsuch\\x1b[31m.tif'") != std::string::npos, r.err);
  CHECK(r.err.find("swath tile: ") == 0);
  CHECK(r.err.find('\n') == r.err.size() - 1);  // one line
}
