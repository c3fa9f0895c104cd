// Merging outlined detections (the index detector's regions): pieces that share area or an edge are one object.
#include <algorithm>
#include <map>

#include "detect/merge.hpp"
#include "vector/ogr_shape.hpp"

namespace swath::detect {

namespace {

// One object found: the detections that are its pieces, and its outline (empty until known).
struct Object {
  std::vector<std::size_t> members;
  vector::Shape outline;
};

// One detection for an object: the best piece's class, score, scene and window, the object's outline and its box.
Detection detection_of(Object object, const std::vector<Detection>& detections) {
  const auto best = *std::min_element(object.members.begin(), object.members.end(), [&](std::size_t a, std::size_t b) {
    return ranks_before(detections[a], detections[b]);
  });
  Detection out = detections[best];
  out.shape = std::move(object.outline);
  out.box = vector::envelope(out.shape);
  out.cut = false;
  out.min_area = 0;
  for (const auto m : object.members) out.min_area = std::max(out.min_area, detections[m].min_area);
  return out;
}

// Regions that no window saw cut (their outlines do not reach the edge of what the window read) are whole: the same
// region from another window is the same outline (canonical, exact), so copies are one object, with no union.
std::vector<Object> whole_regions(const std::vector<Detection>& detections, const std::vector<std::size_t>& ids) {
  std::map<const vector::Shape*, std::size_t, bool (*)(const vector::Shape*, const vector::Shape*)> by_outline(
      [](const vector::Shape* a, const vector::Shape* b) { return *a < *b; });
  std::vector<Object> out;
  for (const auto id : ids) {
    if (detections[id].cut) continue;
    const auto [it, fresh] = by_outline.try_emplace(&detections[id].shape, out.size());
    if (fresh) out.push_back({{}, detections[id].shape});
    out[it->second].members.push_back(id);
  }
  return out;
}

// The objects of one class (or of all, merging across classes). Cut pieces are united (GEOS) — only they: a union of
// every outline of a noisy mask cost minutes — and each polygon of their union is one object, or part of a whole
// region seen by another window, which it then joins. Pieces GEOS cannot place (it failed) are kept as they are.
void merge_class(const std::vector<Detection>& detections, const std::vector<std::size_t>& ids,
                 const MergeOptions& options, std::vector<Detection>& out) {
  auto objects = whole_regions(detections, ids);
  std::vector<std::size_t> cut_ids;
  std::vector<vector::Shape> cut_pieces;
  std::vector<std::string> sources;  // a window of a file outlines its regions apart
  for (const auto id : ids) {
    if (!detections[id].cut) continue;
    cut_ids.push_back(id);
    cut_pieces.push_back(detections[id].shape);
    sources.push_back(detections[id].source);
  }
  auto regions = vector::regions_of(cut_pieces, sources);
  if (regions.polygons.empty() && !cut_pieces.empty()) {  // GEOS failed: the boxes, not pieces written as objects
    std::vector<Detection> all;
    for (const auto id : ids) all.push_back(detections[id]);
    for (auto& d : merge_boxes(std::move(all), options)) out.push_back(std::move(d));
    return;
  }
  std::vector<vector::Shape> wholes, parts;
  for (const auto& object : objects) wholes.push_back(object.outline);
  for (auto& polygon : regions.polygons) parts.push_back({std::move(polygon)});
  const auto part_in_whole = vector::placed_in(wholes, parts);
  std::vector<std::ptrdiff_t> object_of_part(parts.size());
  for (std::size_t k = 0; k < parts.size(); ++k) {
    object_of_part[k] = part_in_whole[k];
    if (part_in_whole[k] < 0) {
      object_of_part[k] = static_cast<std::ptrdiff_t>(objects.size());
      objects.push_back({{}, std::move(parts[k])});
    }
  }
  for (std::size_t p = 0; p < cut_ids.size(); ++p) {
    if (regions.owner[p] < 0) {
      const auto& d = detections[cut_ids[p]];
      if (d.min_area <= 0 || vector::area(d.shape) >= d.min_area) out.push_back(d);
    } else {
      objects[static_cast<std::size_t>(object_of_part[static_cast<std::size_t>(regions.owner[p])])].members.push_back(
          cut_ids[p]);
    }
  }
  for (auto& object : objects) {
    if (object.members.empty()) continue;
    auto d = detection_of(std::move(object), detections);
    if (d.min_area > 0 && vector::area(d.shape) < d.min_area) continue;  // a small region cut by window edges
    out.push_back(std::move(d));
  }
}

}  // namespace

std::vector<Detection> merge_outlines(std::vector<Detection> detections, const MergeOptions& options) {
  if (!vector::geos_available()) return merge_boxes(std::move(detections), options);
  std::sort(detections.begin(), detections.end(), detection_less);
  std::map<std::string, std::vector<std::size_t>> by_class;
  for (std::size_t i = 0; i < detections.size(); ++i) by_class[options.per_class ? detections[i].cls : ""].push_back(i);
  std::vector<Detection> out;
  for (const auto& [cls, ids] : by_class) merge_class(detections, ids, options, out);
  std::sort(out.begin(), out.end(), detection_less);
  return out;
}

}  // namespace swath::detect
