// Redis URLs and passwords: parsing, unix sockets, and no password in any message.
#include <doctest/doctest.h>

#include <cstdlib>

#include "core/errors.hpp"
#include "queue/redis_url.hpp"
#include "queue/settings.hpp"
#include "queue/stats.hpp"
#include "settings/schema.hpp"
#include "support/scratch.hpp"

using namespace swath;

TEST_CASE("queue: redis URLs with user, password, port and database") {
  auto e = queue::parse_redis_url("redis://alice:s3cr%40t@redis.internal:6380/3");
  CHECK(e.host == "redis.internal");
  CHECK(e.port == 6380);
  CHECK(e.db == 3);
  CHECK(e.user == "alice");
  CHECK(e.password == "s3cr@t");
  CHECK(e.describe() == "redis://alice@redis.internal:6380/3");
  e = queue::parse_redis_url("redis://swath-worker:@redis.internal");  // an ACL user: its password from elsewhere
  CHECK(e.user == "swath-worker");
  CHECK(e.password.empty());
  e = queue::parse_redis_url("redis://s3cret@h");  // a lone token is the password, as redis-cli reads it
  CHECK(e.user.empty());
  CHECK(e.password == "s3cret");
  CHECK(e.describe() == "redis://h:6379/0");
  e = queue::parse_redis_url("redis://localhost");
  CHECK(e.port == 6379);
  CHECK(e.db == 0);
  CHECK(e.password.empty());
  e = queue::parse_redis_url("redis://[::1]:6381/4");  // IPv6, bracketed as RFC 3986 writes it
  CHECK(e.host == "::1");
  CHECK(e.port == 6381);
  CHECK(e.db == 4);
  CHECK(e.describe() == "redis://[::1]:6381/4");
  CHECK(queue::parse_redis_url("redis://[fe80::1]").port == 6379);
  e = queue::parse_redis_url("unix:///run/redis/redis.sock?db=2");
  CHECK(e.unix_socket == "/run/redis/redis.sock");
  CHECK(e.db == 2);
}

TEST_CASE("queue: malformed redis URLs are usage errors that never echo the password") {
  for (const char* url :
       {"http://x:1", "redis://u:hunter2@host:notaport", "redis://u:hunter2@host:99999/0", "redis://u:hunter2@host:1/x",
        "unix://relative.sock", "rediss://u:hunter2@h:1", "redis://u:hunter2@[::1", "redis://u:hunter2@[::1]x",
        "redis://u:hunter2@[]:1", "redis://", "redis:///0", "redis://u:hunter2@h:0"}) {  // were: 127.0.0.1:6379, port 0
    CAPTURE(url);
    try {
      queue::parse_redis_url(url);
      FAIL("accepted");
    } catch (const core::UsageError& e) {
      CHECK(core::describe(e).find("hunter2") == std::string::npos);
    }
  }
}

TEST_CASE("queue: a Redis URL shown has its password as ***, and nothing else changed") {
  CHECK(queue::redacted_url("redis://alice:s3cr%40t@redis.internal:6380/3") ==
        "redis://alice:***@redis.internal:6380/3");
  CHECK(queue::redacted_url("redis://s3cret@h") == "redis://***@h");
  CHECK(queue::redacted_url("redis://:s3cret@h:1/0") == "redis://:***@h:1/0");
  CHECK(queue::redacted_url("redis://alice:@h") == "redis://alice:@h");
  CHECK(queue::redacted_url("redis://h:6379/0") == "redis://h:6379/0");
  CHECK(queue::redacted_url("unix:///run/redis.sock?db=2") == "unix:///run/redis.sock?db=2");
  CHECK(queue::redacted_url("auto") == "auto");
}

TEST_CASE("queue: the password comes from a file or the environment") {
  test::ScratchDir dir;
  test::write_text(dir / "pw", "from-file\n");
  auto e = queue::parse_redis_url("redis://127.0.0.1:1/0");
  queue::resolve_password(e, dir / "pw");
  CHECK(e.password == "from-file");
  CHECK(e.password_source == "file " + (dir / "pw"));
  e = queue::parse_redis_url("redis://127.0.0.1:1/0");
  ::setenv("SWATH_REDIS_PASSWORD", "from-env", 1);
  queue::resolve_password(e, "");
  ::unsetenv("SWATH_REDIS_PASSWORD");
  CHECK(e.password == "from-env");
  CHECK(e.password_source == "env SWATH_REDIS_PASSWORD");
  CHECK_THROWS_WITH_AS(queue::resolve_password(e, dir / "missing"), doctest::Contains("--redis-password-file"),
                       core::IoError);
}

TEST_CASE("queue: quantiles interpolate") {
  CHECK(queue::quantile({}, 0.5) == 0);
  CHECK(queue::quantile({3, 1, 2}, 0.5) == 2);
  CHECK(queue::quantile({1, 2, 3, 4}, 0.5) == doctest::Approx(2.5));
  CHECK(queue::quantile({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21}, 0.95) ==
        doctest::Approx(20));
}

TEST_CASE("redis url: a bad URL from the environment or a config file is named by where it came from") {
  config::Config config = settings::defaults();
  config.load_environment({"SWATH_QUEUE__REDIS=bogus"});
  const auto from_env = queue::settings_from(config);  // read only when used: a command may not need it
  CHECK_THROWS_WITH_AS(from_env.endpoint(),
                       doctest::Contains("bad Redis URL in env SWATH_QUEUE__REDIS: it must start with redis://"),
                       core::UsageError);
  config.set("queue.redis", "redis://h:99999/0", {config::Layer::flag, "--redis"});
  CHECK_THROWS_WITH_AS(queue::settings_from(config).endpoint(), doctest::Contains("bad --redis URL: port"),
                       core::UsageError);
  config.set("queue.redis", "redis://h:6380/0", {config::Layer::flag, "--redis"});
  CHECK(queue::settings_from(config).endpoint().port == 6380);
}
