// Candidates in scene pixels to detections in map coordinates: outline vertices rounded, a box's cut sides kept.
#include "detect/to_map.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "detect/merge.hpp"
#include "vector/ogr_shape.hpp"

namespace swath::detect {

namespace {

// Outline vertices are rounded to a decimal step of at most a thousandth of the scene's pixel: the same pixel corner
// computed through two tiles' (or overlapping scenes') geotransforms differs in its last bits, and unrounded the copies
// of one region would not compare equal nor its pieces across a seam unite. Decimal, so 0.7 m pixels stay 500000.7.
double decimal_scale(const core::GeoTransform& t) {
  const double pixel = std::min(std::hypot(t.c[1], t.c[4]), std::hypot(t.c[2], t.c[5]));
  if (!(pixel > 0) || !std::isfinite(pixel)) return 1e3;
  return std::pow(10.0, std::clamp(std::ceil(-std::log10(pixel / 1000)), 0.0, 12.0));
}

// Pixel sides as map sides: a north-up scene's top row (y0) is its largest y.
std::uint8_t map_sides(std::uint8_t pixel, const core::GeoTransform& t) {
  if (t.c[2] != 0 || t.c[4] != 0) return 0;  // rotated (--allow-pixel-coords): a box's sides are not its window's
  const auto swapped = [](int low, int high) { return ((low & 0x5) << 1) | ((high & 0xA) >> 1); };
  const int x = pixel & (side_x0 | side_x1), y = pixel & (side_y0 | side_y1);
  return static_cast<std::uint8_t>((t.c[1] < 0 ? swapped(x, x) : x) | (t.c[5] < 0 ? swapped(y, y) : y));
}

}  // namespace

void mark_cut_sides(std::vector<Candidate>& candidates, const core::Window& w, double slack) {
  const auto x0 = static_cast<double>(w.x) + slack, x1 = static_cast<double>(w.right()) - slack;
  const auto y0 = static_cast<double>(w.y) + slack, y1 = static_cast<double>(w.bottom()) - slack;
  for (auto& c : candidates) {
    if (!c.shape.empty()) continue;
    c.cut_sides = static_cast<std::uint8_t>((c.x0 <= x0 ? side_x0 : 0) | (c.x1 >= x1 ? side_x1 : 0) |
                                            (c.y0 <= y0 ? side_y0 : 0) | (c.y1 >= y1 ? side_y1 : 0));
  }
}

Detection to_map(const Candidate& c, const core::GeoTransform& t, const std::string& scene, const std::string& path,
                 const std::string& window, double seam_slack) {
  Detection d;
  d.cls = c.cls;
  d.score = c.score;
  d.scene = scene;
  d.window = window;
  const vector::Ring corners{t.apply(c.x0, c.y0), t.apply(c.x1, c.y0), t.apply(c.x1, c.y1), t.apply(c.x0, c.y1)};
  d.box = vector::envelope(corners);
  d.shape = c.shape;
  d.cut = c.cut;
  d.cut_sides = map_sides(c.cut_sides, t);
  const double pixel = std::max(std::hypot(t.c[1], t.c[4]), std::hypot(t.c[2], t.c[5]));
  d.seam_tolerance = std::max(1 / decimal_scale(t), std::isfinite(pixel) ? seam_slack * pixel : 0.0);
  if (!d.shape.empty()) d.source = path + "\n" + window;
  d.min_area = c.min_area * std::abs(t.c[1] * t.c[5] - t.c[2] * t.c[4]);
  if (d.shape.empty()) return d;
  const double scale = decimal_scale(t);
  for (auto& polygon : d.shape) {
    for (auto& ring : polygon) {
      for (auto& p : ring) {
        const auto [x, y] = t.apply(p[0], p[1]);
        p = {std::round(x * scale) / scale, std::round(y * scale) / scale};
      }
    }
  }
  d.box = vector::envelope(d.shape);
  return d;
}

const std::string& crs_of(const CrsByScene& crs_by_scene, const std::string& scene) {
  static const std::string none;
  const auto known = crs_by_scene.find(scene);
  return known == crs_by_scene.end() ? none : known->second;
}

std::vector<Detection> joined_in_own_crs(std::vector<Detection> found, const CrsByScene& crs_by_scene) {
  std::map<std::string, std::vector<Detection>> by_crs;
  for (auto& d : found) by_crs[crs_of(crs_by_scene, d.scene)].push_back(std::move(d));
  std::vector<Detection> out;
  for (auto& [crs, group] : by_crs) {
    for (auto& d : join_seams(std::move(group))) out.push_back(std::move(d));
  }
  return out;
}

}  // namespace swath::detect
