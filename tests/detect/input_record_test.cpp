// detect::inputs_json: the inputs a run read, listed (up to a bound) and digested, for the output's provenance.
#include <doctest/doctest.h>

#include "detect/input_record.hpp"

using namespace swath;

TEST_CASE("detect inputs record: listed up to the bound, always counted and digested in run order") {
  const std::vector<detect::InputIdentity> two{{"sea", "", "sha256:aa", ""}, {"sea", "sea/r0_c1", "", "bb"}};
  const auto json = detect::inputs_json(two);
  CHECK(json.at("count").as_int() == 2);
  CHECK(json.at("list").dump() ==
        R"([{"scene":"sea","fingerprint":"sha256:aa"},{"scene":"sea","tile":"sea/r0_c1","sha256":"bb"}])");
  // Another content, or another order, is another digest.
  auto changed = two;
  changed[1].sha256 = "cc";
  CHECK(detect::inputs_json(changed).at("sha256") != json.at("sha256"));
  const std::vector<detect::InputIdentity> swapped{two[1], two[0]};
  CHECK(detect::inputs_json(swapped).at("sha256") != json.at("sha256"));
  // Over the bound: no list (a manifest of millions of tiles), the same count and digest.
  const auto bounded = detect::inputs_json(two, 1);
  CHECK(bounded.find("list") == nullptr);
  CHECK(bounded.at("count").as_int() == 2);
  CHECK(bounded.at("sha256") == json.at("sha256"));
}
