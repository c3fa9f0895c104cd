// End to end: `swath synth` stopped by SIGINT exits 130 and leaves neither the scene, nor its truth, nor a temporary.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <thread>

#include "support/process.hpp"
#include "support/scratch.hpp"

using namespace swath;
namespace fs = std::filesystem;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::vector<std::string> files_in(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

TEST_CASE("synth: SIGINT exits 130 and leaves no scene, no truth and no temporary") {
  test::ScratchDir dir;
  test::write_text(dir / "keep.txt", "not swath's");
  const auto before = files_in(dir.path());
  // 4096² SAR pixels take seconds to render and compress: long enough to be interrupted once started.
  test::Background run({SWATH_BINARY, "--log-level", "debug", "synth", "-o", dir / "big.tif", "--size", "4096x4096"},
                       {.env = {}, .unset_env = {"SWATH_CONFIG", "SWATH_LOG__LEVEL"}});
  // The runner logs "starting" once its SIGINT handler is installed: a signal before that would just kill it.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!contains(run.err_so_far(), "synth starting") && run.running() &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  REQUIRE_MESSAGE(run.running(), "the run finished before it could be interrupted");
  run.signal(SIGINT);
  const auto r = run.wait();
  CHECK(r.exit_code == 130);
  CHECK(contains(r.err,
                 "swath synth: interrupted, nothing written: stopped by a signal"));  // exited on its own, not killed
                                                                                      // by the signal
  CHECK(contains(r.err, "nothing written"));
  CHECK(files_in(dir.path()) == before);  // no big.tif, no big.truth.geojson, no .big.tif.tmp-*
}
