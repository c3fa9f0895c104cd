// detect::expand_inputs: a tiles.jsonl read by tiling::ManifestReader, as the fleet reads it.
#include <doctest/doctest.h>

#include "core/errors.hpp"
#include "detect/inputs.hpp"
#include "support/scratch.hpp"

using namespace swath;

TEST_CASE("detect inputs: the header is the line with \"schema\", even when it holds a \"path\"") {
  test::ScratchDir dir;
  test::write_text(dir / "tiles.jsonl",
                   "{\"schema\":\"swath.tiles/1\",\"path\":\"t0.tif\",\"scenes\":[]}\n"
                   "{\"id\":\"s/r000000_c000001\",\"scene\":\"s\",\"status\":\"written\",\"path\":\"t1.tif\"}\n"
                   "{\"id\":\"s/r000000_c000002\",\"scene\":\"s\",\"status\":\"blank\"}\n"
                   "{\"path\":\"./x/../t3.tif\"}\n"
                   "{\"id\":\"s/r000000_c000003\",\"scene\":\"s\",\"status\":\"failed\",\"error\":\"unreadable\"}\n");
  const auto inputs = detect::expand_inputs({dir / "tiles.jsonl", dir / "whole.tif"});
  REQUIRE(inputs.size() == 4);
  CHECK(inputs[2].path.empty());  // a failed tile: no file, its reason kept
  CHECK(inputs[2].tile == "s/r000000_c000003");
  CHECK(inputs[2].tiling_error == "unreadable");
  CHECK(inputs[0].path == dir / "t1.tif");
  CHECK(inputs[0].tile == "s/r000000_c000001");
  CHECK(inputs[0].label == "s");
  CHECK(inputs[1].path == dir / "t3.tif");   // relative to the manifest's directory, lexically normal
  CHECK(inputs[1].tile == "t3");             // no id: the file's name
  CHECK(inputs[1].label == dir / "t3.tif");  // no scene: the file
  CHECK(inputs[3].path == dir / "whole.tif");
  CHECK(inputs[3].tile.empty());
}
