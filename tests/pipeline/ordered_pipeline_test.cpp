// The pipeline skeleton: in-order sink, bounded tokens, context carried per item, cancellation.
#include <doctest/doctest.h>

#include <atomic>
#include <optional>
#include <thread>

#include "core/cancel.hpp"
#include "log/context.hpp"
#include "pipeline/ordered_pipeline.hpp"
#include "support/scratch.hpp"

using namespace swath;

TEST_CASE("pipeline: results reach the sink in source order whatever the threads") {
  for (int threads : {1, 2, 4}) {
    int next = 0;
    std::vector<int> seen;
    const bool finished = pipeline::run_ordered(
        {threads, 3}, [&]() -> std::optional<int> { return next < 200 ? std::optional<int>(next++) : std::nullopt; },
        [](int& i) {
          if (i % 7 == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
          return i * i;
        },
        [&](int& r) { seen.push_back(r); });
    CHECK(finished);
    REQUIRE(seen.size() == 200);
    for (int i = 0; i < 200; ++i) CHECK(seen[static_cast<std::size_t>(i)] == i * i);
  }
}

TEST_CASE("pipeline: live items never exceed the token count") {
  std::atomic<int> live{0}, peak{0};
  int next = 0;
  pipeline::run_ordered(
      {4, 2},
      [&]() -> std::optional<int> {
        if (next >= 100) return std::nullopt;
        const int now = ++live;
        int old = peak.load();
        while (now > old && !peak.compare_exchange_weak(old, now)) {}
        return next++;
      },
      [](int& i) {
        std::this_thread::sleep_for(std::chrono::microseconds(100));
        return i;
      },
      [&](int&) { --live; });
  CHECK(peak.load() <= 2);
}

TEST_CASE("pipeline: each item's work and sink run under the context the item carries") {
  struct Item {
    int tile;
    log::Context log_context;
  };
  log::Scope scope{{"trace_id", "t-1"}};
  int next = 0;
  std::atomic<int> mismatches{0};
  pipeline::run_ordered(
      {4, 8},
      [&]() -> std::optional<Item> {
        if (next >= 100) return std::nullopt;
        const int tile = next++;
        return Item{tile, log::current().with({{"tile", tile}})};
      },
      [&](Item& item) {
        const auto here = log::current();
        if (here.get("tile") != std::to_string(item.tile) || here.get("trace_id") != "t-1") ++mismatches;
        return item.tile;
      },
      [&](int& tile) {
        if (log::current().get("tile") != std::to_string(tile)) ++mismatches;
      });
  CHECK(mismatches.load() == 0);
  CHECK(log::current().get("tile").empty());
}

TEST_CASE("pipeline: plain items carry the source thread's context") {
  log::Scope scope{{"scene", "s.tif"}};
  int next = 0;
  std::atomic<int> mismatches{0};
  pipeline::run_ordered(
      {4, 4}, [&]() -> std::optional<int> { return next < 50 ? std::optional<int>(next++) : std::nullopt; },
      [&](int& i) {
        if (log::current().get("scene") != "s.tif") ++mismatches;
        return i;
      },
      [](int&) {});
  CHECK(mismatches.load() == 0);
}

TEST_CASE("pipeline: cancellation stops the source and is reported") {
  core::reset_cancel();
  int next = 0;
  int sunk = 0;
  const bool finished = pipeline::run_ordered(
      {2, 2},
      [&]() -> std::optional<int> {
        if (next == 10) core::request_cancel(2);
        return next++;
      },
      [](int& i) { return i; }, [&](int&) { ++sunk; });
  core::reset_cancel();
  CHECK_FALSE(finished);
  CHECK(sunk <= 11);
  CHECK(sunk >= 1);
}

TEST_CASE("pipeline: a caller-supplied stop replaces the process-wide flag (a worker finishing within its grace)") {
  core::reset_cancel();
  core::request_cancel(15);  // SIGTERM: the worker has been asked to shut down, but not to drop its task
  int next = 0, sunk = 0;
  pipeline::Limits limits{2, 2};
  limits.stop = [] { return false; };
  bool finished = pipeline::run_ordered(
      limits, [&]() -> std::optional<int> { return next < 50 ? std::optional<int>(next++) : std::nullopt; },
      [](int& i) { return i; }, [&](int&) { ++sunk; });
  core::reset_cancel();
  CHECK(finished);
  CHECK(sunk == 50);

  // Its own stop (the lease was lost) ends the run early though no signal came.
  std::atomic<bool> lost{false};
  next = 0;
  sunk = 0;
  limits.stop = [&] { return lost.load(); };
  finished = pipeline::run_ordered(
      limits,
      [&]() -> std::optional<int> {
        if (next == 10) lost = true;
        return next++;
      },
      [](int& i) { return i; }, [&](int&) { ++sunk; });
  CHECK_FALSE(finished);
  CHECK(sunk >= 1);
  CHECK(sunk <= 11);
}

TEST_CASE("pipeline: tokens from a memory budget") {
  CHECK(pipeline::tokens_for_memory(256u << 20, 3u << 20, 2) == 8);  // capped at 4 per thread
  CHECK(pipeline::tokens_for_memory(10u << 20, 3u << 20, 2) == 3);
  CHECK(pipeline::tokens_for_memory(1u << 20, 3u << 20, 2) == 1);  // never zero
}

TEST_CASE("pipeline: an exception in a stage stops the run, reaches the caller and frees the items in flight") {
  int next = 0;
  auto run = [&] {
    pipeline::run_ordered(
        {4, 8},
        [&]() -> std::optional<std::vector<int>> {
          return next < 100 ? std::optional<std::vector<int>>(std::vector<int>(1000, next++)) : std::nullopt;
        },
        [](std::vector<int>& v) {
          if (v[0] == 37) throw std::runtime_error("tile 37 failed");
          return std::vector<int>(v);  // heap memory the leak checker would see if an item were dropped
        },
        [](std::vector<int>&) {});
  };
  CHECK_THROWS_WITH(run(), "tile 37 failed");
  CHECK(next < 100);
}

TEST_CASE("threads: 0 means the cores, at most the CPU limit of the process's cgroup (v2 or v1), rounded up") {
  test::ScratchDir dir;
  CHECK_FALSE(pipeline::cgroup_cpu_limit(dir / "none").has_value());
  test::write_text(dir / "v2/cpu.max", "max 100000\n");
  CHECK_FALSE(pipeline::cgroup_cpu_limit(dir / "v2").has_value());
  test::write_text(dir / "v2/cpu.max", "150000 100000\n");
  CHECK(pipeline::cgroup_cpu_limit(dir / "v2") == 2);
  test::write_text(dir / "v2/cpu.max", "50000 100000\n");
  CHECK(pipeline::cgroup_cpu_limit(dir / "v2") == 1);
  test::write_text(dir / "v1/cpu/cpu.cfs_quota_us", "-1\n");
  test::write_text(dir / "v1/cpu/cpu.cfs_period_us", "100000\n");
  CHECK_FALSE(pipeline::cgroup_cpu_limit(dir / "v1").has_value());
  test::write_text(dir / "v1/cpu/cpu.cfs_quota_us", "400000\n");
  CHECK(pipeline::cgroup_cpu_limit(dir / "v1") == 4);
  // Without a cgroup namespace the limit is on the process's own cgroup, or a parent's: the lowest holds.
  test::write_text(dir / "host/system.slice/cpu.max", "300000 100000\n");
  test::write_text(dir / "host/system.slice/swath.service/cpu.max", "max 100000\n");
  CHECK_FALSE(pipeline::cgroup_cpu_limit(dir / "host").has_value());
  CHECK(pipeline::cgroup_cpu_limit(dir / "host", "0::/system.slice/swath.service\n") == 3);
  test::write_text(dir / "host/system.slice/swath.service/cpu.max", "100000 100000\n");
  CHECK(pipeline::cgroup_cpu_limit(dir / "host", "0::/system.slice/swath.service\n") == 1);
  test::write_text(dir / "host/system.slice/swath.service/cpu.max", "10000000000000 1000\n");  // no limit
  CHECK(pipeline::cgroup_cpu_limit(dir / "host", "0::/system.slice/swath.service\n") == 3);
  // v1 is read at the root: there a runtime without a namespace mounts the container's own cgroup, and the host's
  // path below it may name another (a nested container's).
  test::write_text(dir / "v1/cpu/docker/abc/cpu.cfs_quota_us", "100000\n");
  test::write_text(dir / "v1/cpu/docker/abc/cpu.cfs_period_us", "100000\n");
  CHECK(pipeline::cgroup_cpu_limit(dir / "v1", "4:memory:/docker/abc\n3:cpu,cpuacct:/docker/abc\n") == 4);
  CHECK(pipeline::resolve_threads(3) == 3);
  CHECK(pipeline::resolve_threads(0) >= 1);
}
