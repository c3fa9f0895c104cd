// The container tests' image and engine: built once per run by packaging/image/build.sh from the runtime root
// at the lock's versions and the swath under test; where no engine can run, the suite says so and is skipped.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "core/files.hpp"
#include "support/process.hpp"

namespace swath::test::container {

inline const std::string kRoot = SWATH_SOURCE_DIR;
// One tag per build directory: build.sh prunes swath images no tag names, so a tag shared with another build
// directory's test run (another work tree on this machine) would untag, then remove, this run's image under it.
inline const std::string kTag = [] {
  std::ostringstream hex;
  hex << std::hex << std::hash<std::string>{}(SWATH_TEST_BINARY_DIR);
  return "localhost/swath:test-" + hex.str();
}();
constexpr int kSkipped = 77;     // ctest SKIP_RETURN_CODE of the suite
constexpr int kMissingTool = 4;  // build.sh: no container engine or mmdebstrap

struct Image {
  std::string engine;  // podman or docker
  std::string id;      // sha256:...
};

// Runs build.sh once (the runtime root comes from its cache when the lock has not changed). No engine or no
// mmdebstrap: the reason is printed and the whole suite ends as skipped (77), visibly, never as a pass.
inline const Image& image() {
  static const Image built = [] {
    const auto r = test::run({kRoot + "/packaging/image/build.sh", "--binary", SWATH_BINARY, "--tag", kTag},
                             {.timeout = std::chrono::seconds(3000)});
    if (r.exit_code == kMissingTool) {
      const std::string reason = "container tests SKIPPED, they cannot run on this machine: " + r.err;
      std::cerr << reason;
      core::write_file_atomic(std::string(SWATH_TEST_BINARY_DIR) + "/container-skipped.txt", reason);
      std::exit(kSkipped);
    }
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    std::cerr << r.err;  // what was cached, what was built, the image's size
    const auto lines = test::lines(r.out);
    REQUIRE(!lines.empty());
    const bool podman = r.err.find("with docker") == std::string::npos;
    return Image{podman ? "podman" : "docker", lines.back()};
  }();
  return built;
}

// `engine run --rm` with the flags every run here needs: runc where podman has it, limits the host allows, the
// host's network (Redis on loopback) unless `flags` name another.
inline std::vector<std::string> run_argv(const std::vector<std::string>& flags, const std::vector<std::string>& args) {
  const auto& img = image();
  std::vector<std::string> argv{img.engine, "run", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1000:1000"};
  if (std::find(flags.begin(), flags.end(), "--network") == flags.end()) argv.insert(argv.end(), {"--network", "host"});
  if (img.engine == "podman" && test::run({"sh", "-c", "command -v runc"}).exit_code == 0) {
    argv.insert(argv.end(), {"--runtime", "runc"});
  }
  argv.insert(argv.end(), flags.begin(), flags.end());
  argv.push_back(img.id);
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

inline test::RunResult run_in_image(const std::vector<std::string>& flags, const std::vector<std::string>& args) {
  std::vector<std::string> all{"--rm"};
  all.insert(all.end(), flags.begin(), flags.end());
  return test::run(run_argv(all, args));
}

inline test::RunResult engine(const std::vector<std::string>& args) {
  std::vector<std::string> argv{image().engine};
  argv.insert(argv.end(), args.begin(), args.end());
  return test::run(argv);
}

}  // namespace swath::test::container
