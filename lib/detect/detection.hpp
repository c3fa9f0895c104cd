// A detection in map coordinates, as merged and written.
#pragma once

#include <cstdint>
#include <string>

#include "core/geo.hpp"
#include "vector/layer.hpp"

namespace swath::detect {

// Sides of a box, as bits: in scene pixels (Candidate::cut_sides) x0 is the left side and y0 the top one; in map
// coordinates (Detection::cut_sides) x0 is min_x and y0 min_y.
enum BoxSide : std::uint8_t { side_x0 = 1, side_x1 = 2, side_y0 = 4, side_y1 = 8 };

struct Detection {
  std::string cls;
  double score = 0;
  core::Bounds box;            // map coordinates of the scene's CRS
  vector::Shape shape;         // outline in map coordinates; empty: the box
  bool cut = false;            // the outline is of the part of a region its window read (Candidate::cut)
  double min_area = 0;         // map units²: the object is dropped after merging when smaller (Candidate::min_area)
  std::string source;          // the file and window it was outlined in: one source outlines its regions apart
  std::uint8_t cut_sides = 0;  // BoxSide bits, in map coordinates, of a box's sides on its window's edge
  double seam_tolerance = 0;   // map units: two cut sides this close lie on one seam (1/1000 of a pixel or less)
  std::string scene;
  std::string window;  // grid window id ("r000001_c000002") or tile id
};

// Total order used before merging and writing, so output bytes do not depend on thread timing.
bool detection_less(const Detection& a, const Detection& b);

}  // namespace swath::detect
