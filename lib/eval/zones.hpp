// Which UTM zone each box of a lon/lat comparison is measured in: files covering several regions are scored as
// each region would be alone, not all in one zone far from most of them (UTM's distortion moved IoUs by 0.1).
#pragma once

#include <vector>

#include "core/geo.hpp"

namespace swath::eval {

// The EPSG code of the WGS 84 UTM zone of (lon, lat): 326xx north of the equator, 327xx south.
int utm_zone_epsg(double lon, double lat);

struct LocalZones {
  std::vector<int> truths;      // per truth: its centre's zone
  std::vector<int> detections;  // per detection: the zone of the truth it overlaps most, else its centre's
};

// Zones for boxes given in lon/lat (degrees); a box with no area (a malformed feature) takes the zone most boxes are
// in, or `fallback` when none has an area.
// A detection overlapping a truth is measured in that truth's zone, so a pair astride a zone's edge is still compared.
LocalZones local_zones(const std::vector<core::Bounds>& detections, const std::vector<core::Bounds>& truths,
                       int fallback);

}  // namespace swath::eval
