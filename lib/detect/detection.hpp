// A detection in map coordinates, as merged and written.
#pragma once

#include <string>

#include "core/geo.hpp"
#include "vector/layer.hpp"

namespace swath::detect {

struct Detection {
  std::string cls;
  double score = 0;
  core::Bounds box;     // map coordinates of the scene's CRS
  vector::Shape shape;  // outline in map coordinates; empty: the box
  bool cut = false;     // the outline is of the part of a region its window read (Candidate::cut)
  double min_area = 0;  // map units²: the object is dropped after merging when smaller (Candidate::min_area)
  std::string source;   // the file and window it was outlined in: one source outlines its regions apart
  std::string scene;
  std::string window;  // grid window id ("r000001_c000002") or tile id
};

// Total order used before merging and writing, so output bytes do not depend on thread timing.
bool detection_less(const Detection& a, const Detection& b);

}  // namespace swath::detect
