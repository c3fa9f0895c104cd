// A Redis that accepts but does not answer (paused, overloaded, half-dead): Ctrl-C ends a command's wait for its
// reply at once (exit 130), not after the command timeout.
#include <doctest/doctest.h>

#include <chrono>
#include <csignal>
#include <thread>

#include "core/json.hpp"
#include "support/process.hpp"
#include "support/redis_server.hpp"

using namespace swath;

TEST_CASE("cli queue and scale-plan: Ctrl-C while a hung Redis holds the reply ends the wait (exit 130)") {
  test::RedisServer redis;
  // Every other client's commands wait until the pause ends (60 s): the 10 s command timeout would come first.
  REQUIRE(redis.cli({"CLIENT", "PAUSE", "60000", "ALL"}) == "OK");
  for (const std::vector<std::string>& command :
       {std::vector<std::string>{"queue", "stats", "--json"}, std::vector<std::string>{"scale-plan", "--json"}}) {
    CAPTURE(command.front());
    std::vector<std::string> argv{SWATH_BINARY};
    argv.insert(argv.end(), command.begin(), command.end());
    argv.insert(argv.end(), {"--redis", redis.url(), "--queue", "hung"});
    test::Background waiting(argv);
    waiting.wait_until_catching(SIGINT);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));  // now waiting for the paused Redis
    waiting.signal(SIGINT);
    // Was: still waiting for the reply until the 10 s timeout (this kills it after 5 s).
    const auto r = waiting.wait(std::chrono::seconds(5));
    INFO(r.err);
    CHECK(r.exit_code == 130);
    CHECK(r.err.find("stopped while waiting for Redis at " + redis.url() + " to reply") != std::string::npos);
    CHECK(core::Json::parse(r.out).at("kind").as_string() == "interrupted");
  }
}
