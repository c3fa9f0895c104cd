// End to end: `swath synth` refuses flag values it cannot honour before writing anything.
#include <doctest/doctest.h>

#include <filesystem>

#include "support/process.hpp"
#include "support/scratch.hpp"

using namespace swath;
namespace fs = std::filesystem;

TEST_CASE("synth: a negative --seed is a usage error naming it, not a seed wrapped to 2^64 - 1") {
  test::ScratchDir dir;
  const auto r = test::swath({"synth", "-o", dir / "s.tif", "--seed", "-1", "--size", "64x64"});
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.err.find("swath synth: --seed: '-1' must be 0 or more") != std::string::npos, r.err);
  CHECK_FALSE(fs::exists(dir / "s.tif"));
  CHECK(test::swath({"synth", "-o", dir / "s.tif", "--seed", "18446744073709551615", "--size", "64x64"}).exit_code ==
        0);
}
