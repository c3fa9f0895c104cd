// Shapes to and from OGR geometries, and the GEOS operations on them.
#include "vector/ogr_shape.hpp"

#include <ogr_geometry.h>

#include <ogr_api.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <type_traits>

#include "core/cell_index.hpp"
#include "raster/gdal_errors.hpp"

namespace swath::vector {

namespace {

OGRLinearRing linear_ring_of(const Ring& ring) {
  OGRLinearRing linear;
  for (const auto& p : ring) linear.addPoint(p[0], p[1]);
  if (!ring.empty()) linear.addPoint(ring[0][0], ring[0][1]);
  return linear;
}

OGRPolygon polygon_of(const Polygon& polygon) {
  OGRPolygon out;
  for (const auto& ring : polygon) {
    OGRLinearRing linear = linear_ring_of(ring);
    out.addRing(&linear);
  }
  return out;
}

Ring ring_of(const OGRLinearRing& linear) {
  Ring ring;
  // The closing point repeats the first; GDAL reads a GeoJSON ring left open as it is (with a warning), and dropping
  // its last point would drop a corner.
  int count = linear.getNumPoints();
  if (count > 1 && linear.getX(count - 1) == linear.getX(0) && linear.getY(count - 1) == linear.getY(0)) --count;
  for (int i = 0; i < count; ++i) ring.push_back({linear.getX(i), linear.getY(i)});
  return ring;
}

void add_polygons(const OGRGeometry* geometry, Shape& shape) {
  if (geometry == nullptr) return;
  const auto type = wkbFlatten(geometry->getGeometryType());
  if (type == wkbPolygon) {
    const auto* polygon = geometry->toPolygon();
    if (polygon->getExteriorRing() == nullptr) return;
    Polygon out;
    for (const auto* linear : *polygon) out.push_back(ring_of(*linear));
    shape.push_back(std::move(out));
  } else if (type == wkbMultiPolygon || type == wkbGeometryCollection) {
    for (const auto* part : geometry->toGeometryCollection()) add_polygons(part, shape);
  }
}

}  // namespace

std::unique_ptr<OGRGeometry> to_ogr(const Shape& shape) {
  if (shape.size() == 1) return std::make_unique<OGRPolygon>(polygon_of(shape.front()));
  auto multi = std::make_unique<OGRMultiPolygon>();
  for (const auto& polygon : shape) {
    const OGRPolygon part = polygon_of(polygon);
    multi->addGeometry(&part);
  }
  return multi;
}

Shape shape_of(const OGRGeometry* geometry) {
  Shape shape;
  add_polygons(geometry, shape);
  return shape;
}

bool geos_available() { return OGRGeometryFactory::haveGEOS() && OGRHasPreparedGeometrySupport(); }

bool is_valid(const Shape& shape) {
  const raster::CapturedGdalErrors quiet(raster::CapturedGdalErrors::Warnings::keep);  // GEOS says why: not asked
  return to_ogr(shape)->IsValid();
}

double area(const Shape& shape) {
  double sum = 0;
  for (const auto& polygon : shape) sum += to_ogr({polygon})->toPolygon()->get_Area();
  return sum;
}

namespace {

using PreparedGeometry = std::unique_ptr<std::remove_pointer_t<OGRPreparedGeometryH>, void (*)(OGRPreparedGeometryH)>;

// The geometry of `geometries` (with their envelopes indexed in `cells`) that holds `point`; -1 when none does.
std::ptrdiff_t container_holding(const OGRPoint& point, const std::vector<std::unique_ptr<OGRGeometry>>& geometries,
                                 std::vector<PreparedGeometry>& prepared, const core::CellIndex& cells) {
  for (const std::size_t i : cells.near({point.getX(), point.getY(), point.getX(), point.getY()})) {
    if (!prepared[i]) prepared[i].reset(OGRCreatePreparedGeometry(OGRGeometry::ToHandle(geometries[i].get())));
    if (prepared[i] &&
        OGRPreparedGeometryIntersects(prepared[i].get(), OGRGeometry::ToHandle(const_cast<OGRPoint*>(&point)))) {
      return static_cast<std::ptrdiff_t>(i);
    }
  }
  return -1;
}

}  // namespace

std::vector<std::ptrdiff_t> placed_in(const std::vector<Shape>& containers, const std::vector<Shape>& pieces) {
  std::vector<std::ptrdiff_t> owner(pieces.size(), -1);
  if (containers.empty() || !OGRGeometryFactory::haveGEOS() || !OGRHasPreparedGeometrySupport()) return owner;
  const raster::CapturedGdalErrors quiet(raster::CapturedGdalErrors::Warnings::keep);
  std::vector<std::unique_ptr<OGRGeometry>> geometries;
  std::vector<PreparedGeometry> prepared;
  std::vector<core::Bounds> boxes;
  for (const auto& container : containers) {
    geometries.push_back(to_ogr(container));
    prepared.emplace_back(nullptr, OGRDestroyPreparedGeometry);
    boxes.push_back(envelope(container));
  }
  core::CellIndex cells(core::cell_size_for(boxes));
  for (std::size_t i = 0; i < boxes.size(); ++i) cells.insert(boxes[i], i);
  for (std::size_t p = 0; p < pieces.size(); ++p) {
    if (!has_outline(pieces[p]) || pieces[p].front().front().size() < 3) continue;
    OGRPolygon first = polygon_of(pieces[p].front());
    const std::unique_ptr<OGRGeometry> inside(
        OGRGeometry::FromHandle(OGR_G_PointOnSurface(OGRGeometry::ToHandle(&first))));
    if (!inside || wkbFlatten(inside->getGeometryType()) != wkbPoint) continue;
    owner[p] = container_holding(*inside->toPoint(), geometries, prepared, cells);
  }
  return owner;
}

namespace {

// One GEOS union of the pieces, holes and all, each piece placed by a point inside it; empty polygons when GEOS fails.
Regions united_whole(const std::vector<Shape>& pieces) {
  Regions out;
  out.owner.assign(pieces.size(), -1);
  OGRMultiPolygon all;
  for (const auto& piece : pieces) {
    for (const auto& polygon : piece) {
      if (polygon.empty() || polygon.front().size() < 3) continue;
      const OGRPolygon part = polygon_of(polygon);
      all.addGeometry(&part);
    }
  }
  std::unique_ptr<OGRGeometry> united;
  {
    const raster::CapturedGdalErrors quiet(raster::CapturedGdalErrors::Warnings::keep);
    united.reset(all.UnionCascaded());
  }
  if (!united) return out;
  std::vector<Shape> polygons;
  for (auto& polygon : shape_of(united.get())) polygons.push_back({std::move(polygon)});
  out.owner = placed_in(polygons, pieces);
  for (auto& polygon : polygons) out.polygons.push_back(std::move(polygon.front()));
  return out;
}

// The distinct holes (canonical rings) of `pieces`, as one-ring shapes.
std::vector<Shape> holes_of(const std::vector<Shape>& pieces) {
  std::set<Ring> holes;  // one of each: the same hole from windows that overlap
  for (const auto& piece : pieces) {
    for (const auto& polygon : piece) {
      for (std::size_t h = 1; h < polygon.size(); ++h) holes.insert(canonical({{polygon[h]}})[0][0]);
    }
  }
  std::vector<Shape> out;
  for (const auto& hole : holes) out.push_back({{hole}});
  return out;
}

// The same, faster, for pieces of one raster: their exteriors united, then their holes put back. A hole of a piece,
// enclosed by the region's pixels in the window that saw it, is a hole of the region, the same ring from every window
// seeing it whole (of one raster only: another scene may see water where this one has none or no data), and GEOS 3.11
// places each hole of a union by scanning the rings of every shell in it, which a noisy mask's thousands of holes made
// quadratic. Pieces inside a piece's hole (a pond on an island) are other regions: left out of a pass's holes and
// united in the next pass. Nothing when a pass places no piece.
std::optional<Regions> united_by_exteriors(const std::vector<Shape>& pieces) {
  Regions out;
  out.owner.assign(pieces.size(), -1);
  std::vector<std::size_t> left(pieces.size());
  for (std::size_t i = 0; i < left.size(); ++i) left[i] = i;
  while (!left.empty()) {
    OGRMultiPolygon exteriors;
    std::vector<Shape> subset;
    for (const auto i : left) {
      subset.push_back(pieces[i]);
      for (const auto& polygon : pieces[i]) {
        if (polygon.empty() || polygon.front().size() < 3) continue;
        const OGRPolygon exterior = polygon_of({polygon.front()});
        exteriors.addGeometry(&exterior);
      }
    }
    std::unique_ptr<OGRGeometry> united;
    {
      const raster::CapturedGdalErrors quiet(raster::CapturedGdalErrors::Warnings::keep);
      united.reset(exteriors.UnionCascaded());
    }
    if (!united) return std::nullopt;
    std::vector<Shape> shells;
    for (auto& polygon : shape_of(united.get())) shells.push_back({std::move(polygon)});
    // This pass's regions: the pieces in no piece's hole; their holes, and only theirs, go back into their shells.
    const auto in_hole = placed_in(holes_of(subset), subset);
    std::vector<std::size_t> outer, unplaced;
    std::vector<Shape> outer_pieces;
    for (std::size_t k = 0; k < left.size(); ++k) {
      if (in_hole[k] >= 0) {
        unplaced.push_back(left[k]);
      } else {
        outer.push_back(left[k]);
        outer_pieces.push_back(subset[k]);
      }
    }
    const auto holes = holes_of(outer_pieces);
    const auto hole_in = placed_in(shells, holes);
    for (std::size_t k = 0; k < holes.size(); ++k) {
      if (hole_in[k] >= 0) shells[static_cast<std::size_t>(hole_in[k])].front().push_back(holes[k][0][0]);
    }
    const auto owner = placed_in(shells, outer_pieces);
    std::vector<std::ptrdiff_t> index(shells.size(), -1);  // shells that hold a piece, in the order first placed
    for (std::size_t k = 0; k < outer.size(); ++k) {
      if (owner[k] < 0) {
        unplaced.push_back(outer[k]);
        continue;
      }
      auto& slot = index[static_cast<std::size_t>(owner[k])];
      if (slot < 0) {
        slot = static_cast<std::ptrdiff_t>(out.polygons.size());
        out.polygons.push_back(shells[static_cast<std::size_t>(owner[k])].front());
      }
      out.owner[outer[k]] = slot;
    }
    if (unplaced.size() == left.size()) return std::nullopt;
    std::sort(unplaced.begin(), unplaced.end());
    left = std::move(unplaced);
  }
  return out;
}

// A group's regions: by exteriors when its pieces are of one raster, else (or when that fails) by one union.
Regions united_group(const std::vector<Shape>& pieces, bool one_raster) {
  if (one_raster) {
    if (auto regions = united_by_exteriors(pieces)) return *std::move(regions);
  }
  return united_whole(pieces);
}

// The raster part of a source ("path\nwindow"): the file its window was read from.
std::string raster_of(const std::string& source) { return source.substr(0, source.find('\n')); }

std::size_t root_of(std::vector<std::size_t>& root, std::size_t i) {
  while (root[i] != i) i = root[i] = root[root[i]];
  return i;
}

// Pieces that touch, transitively (prepared-geometry tests of pairs whose boxes meet, never two of one source, which
// outlines its regions apart): a superset of the pieces of one object (those meeting at a corner are grouped too).
std::vector<std::vector<std::size_t>> touching_groups(const std::vector<Shape>& pieces,
                                                      const std::vector<std::string>& sources) {
  std::vector<std::size_t> root(pieces.size());
  for (std::size_t i = 0; i < root.size(); ++i) root[i] = i;
  std::vector<core::Bounds> boxes;
  for (const auto& piece : pieces) boxes.push_back(envelope(piece));
  if (!boxes.empty()) {
    core::CellIndex cells(core::cell_size_for(boxes));
    std::vector<std::unique_ptr<OGRGeometry>> geometries(pieces.size());
    std::vector<PreparedGeometry> prepared;
    for (std::size_t i = 0; i < pieces.size(); ++i) prepared.emplace_back(nullptr, OGRDestroyPreparedGeometry);
    const auto geometry = [&](std::size_t i) -> OGRGeometry& {
      if (!geometries[i]) geometries[i] = to_ogr(pieces[i]);
      return *geometries[i];
    };
    const raster::CapturedGdalErrors quiet(raster::CapturedGdalErrors::Warnings::keep);
    for (std::size_t i = 0; i < pieces.size(); ++i) {
      if (!has_outline(pieces[i])) continue;
      for (const std::size_t j : cells.near(boxes[i])) {
        const auto& a = boxes[i];
        const auto& b = boxes[j];
        const bool meet = a.min_x <= b.max_x && b.min_x <= a.max_x && a.min_y <= b.max_y && b.min_y <= a.max_y;
        if (!meet || sources[i] == sources[j] || root_of(root, i) == root_of(root, j)) continue;
        if (!prepared[i]) prepared[i].reset(OGRCreatePreparedGeometry(OGRGeometry::ToHandle(&geometry(i))));
        if (prepared[i] && OGRPreparedGeometryIntersects(prepared[i].get(), OGRGeometry::ToHandle(&geometry(j)))) {
          root[root_of(root, i)] = root_of(root, j);
        }
      }
      cells.insert(boxes[i], i);
    }
  }
  std::map<std::size_t, std::vector<std::size_t>> groups;
  for (std::size_t i = 0; i < pieces.size(); ++i) groups[root_of(root, i)].push_back(i);
  std::vector<std::vector<std::size_t>> out;
  for (auto& [r, members] : groups) out.push_back(std::move(members));
  return out;
}

}  // namespace

// Each group of touching pieces united on its own: one union of a noisy mask's every cut piece cost 20 s where the
// groups take well under one (GEOS 3.11 places each hole of a union by scanning the rings of every shell in it).
Regions regions_of(const std::vector<Shape>& pieces, const std::vector<std::string>& sources) {
  Regions out;
  out.owner.assign(pieces.size(), -1);
  if (!geos_available()) return out;
  for (const auto& group : touching_groups(pieces, sources)) {
    std::vector<Shape> members;
    bool one_raster = true;
    for (const auto i : group) {
      members.push_back(pieces[i]);
      one_raster = one_raster && raster_of(sources[i]) == raster_of(sources[group.front()]);
    }
    auto regions = united_group(members, one_raster);
    if (regions.polygons.empty() && !members.empty()) return {{}, std::vector<std::ptrdiff_t>(pieces.size(), -1)};
    const auto first = static_cast<std::ptrdiff_t>(out.polygons.size());
    for (std::size_t k = 0; k < group.size(); ++k) {
      if (regions.owner[k] >= 0) out.owner[group[k]] = first + regions.owner[k];
    }
    for (auto& polygon : regions.polygons) out.polygons.push_back(std::move(polygon));
  }
  return out;
}

}  // namespace swath::vector
