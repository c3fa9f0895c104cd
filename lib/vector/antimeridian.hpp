// Lon/lat outlines across the antimeridian, cut there (RFC 7946 §3.1.9) so that none is drawn around the globe.
#pragma once

#include <vector>

#include "vector/layer.hpp"

namespace swath::vector {

// A lon/lat ring with an edge across the antimeridian, cut there into its western and eastern parts (each within
// ±180°); any other ring (also one around a pole) as it is.
std::vector<Ring> cut_at_antimeridian(const Ring& ring);

// A lon/lat polygon, holes and all, cut the same way: one polygon, or its parts on either side.
std::vector<Polygon> cut_at_antimeridian(const Polygon& polygon);

}  // namespace swath::vector
