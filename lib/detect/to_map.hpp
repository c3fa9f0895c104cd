// Candidates in scene pixels to detections in map coordinates, and seam pieces joined in their own CRS. No I/O.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/geo.hpp"
#include "detect/detection.hpp"
#include "detect/detector.hpp"

namespace swath::detect {

// A box reaching its window's edge, within `slack` pixels (Detector::seam_slack), may be a piece of an object that
// goes on beyond: its Candidate::cut_sides say where, so that merging joins it with the piece abutting it there
// (tiles made without overlap, windows without overlap).
void mark_cut_sides(std::vector<Candidate>& candidates, const core::Window& window, double slack);

// `c` through the scene's geotransform `t`: its box, its outline with vertices rounded to a decimal step of at most
// 1/1000 pixel (the same corner through two tiles' geotransforms is one point), its cut sides as map sides with
// their tolerance. `scene` labels it, `path` and `window` name the source its outline was drawn in.
Detection to_map(const Candidate& c, const core::GeoTransform& t, const std::string& scene, const std::string& path,
                 const std::string& window, double seam_slack);

// Each scene's CRS (WKT) by its label; crs_of gives "" for a label it does not hold.
using CrsByScene = std::map<std::string, std::string>;
const std::string& crs_of(const CrsByScene& crs_by_scene, const std::string& scene);

// join_seams per CRS, before any detection is reprojected into the output's (where its sides are no longer its
// window's edges): the result does not depend on which scene comes first, and two CRSs' coordinates are never
// compared (two UTM zones share their numbers).
std::vector<Detection> joined_in_own_crs(std::vector<Detection> found, const CrsByScene& crs_by_scene);

}  // namespace swath::detect
