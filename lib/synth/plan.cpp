// Pure planning of a synthetic scene: which objects, where, how large, from the seed alone.
#include <algorithm>
#include <cmath>
#include <numbers>

#include "core/errors.hpp"
#include "core/text.hpp"
#include "synth/prng.hpp"
#include "synth/render.hpp"
#include "synth/synth.hpp"

namespace swath::synth {

namespace {

constexpr double kSarPixel = 5.0;  // metres
constexpr double kOpticalPixel = 0.5;

struct Box {
  double x0, y0, x1, y1;
};

Box footprint(const SynthObject& o, double margin) {  // axis-aligned box of the rotated rectangle
  const double c = std::abs(std::cos(o.heading)), s = std::abs(std::sin(o.heading));
  const double half_w = (o.length * s + o.width * c) / 2 + margin;
  const double half_h = (o.length * c + o.width * s) / 2 + margin;
  return {o.cx - half_w, o.cy - half_h, o.cx + half_w, o.cy + half_h};
}

bool overlaps(const Box& a, const Box& b) { return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1; }

SynthObject random_object(Kind kind, Rng& rng) {
  SynthObject o;
  o.heading = rng.uniform(0, std::numbers::pi);
  if (kind == Kind::sar) {
    o.cls = "ship";
    o.length = rng.uniform(60, 250) / kSarPixel;
    o.width = std::max(2.0, o.length * rng.uniform(0.14, 0.2));
    o.contrast = rng.uniform(8, 25);
  } else {
    const bool truck = rng.uniform() < 0.35;
    o.cls = truck ? "truck" : "car";
    o.length = (truck ? rng.uniform(9, 12) : rng.uniform(4.2, 5.0)) / kOpticalPixel;
    o.width = (truck ? rng.uniform(2.4, 2.6) : rng.uniform(1.7, 1.9)) / kOpticalPixel;
    // Bright or dark paint, never the colour of the ground.
    const bool bright = rng.uniform() < 0.6;
    for (auto& channel : o.color) {
      channel = static_cast<std::uint8_t>(bright ? rng.uniform(170, 250) : rng.uniform(10, 45));
    }
  }
  return o;
}

// Lines (pixel coordinates along one axis) where windows of a grid start or end, inside the scene.
std::vector<double> window_edges(std::int64_t length, std::int64_t size, std::int64_t overlap) {
  std::vector<double> edges;
  if (size <= 0) return edges;
  const std::int64_t stride = size - overlap;
  for (std::int64_t start = 0; start < length; start += stride) {
    if (start > 0) edges.push_back(static_cast<double>(start));
    if (start + size < length) edges.push_back(static_cast<double>(start + size));
  }
  std::sort(edges.begin(), edges.end());
  edges.erase(std::unique(edges.begin(), edges.end()), edges.end());
  return edges;
}

void place(SynthObject& o, const SynthOptions& options, const std::vector<double>& x_edges,
           const std::vector<double>& y_edges, Rng& rng) {
  const double w = static_cast<double>(options.width), h = static_cast<double>(options.height);
  o.cx = rng.uniform(0, w);
  o.cy = rng.uniform(0, h);
  if (options.straddle_window <= 0) return;
  // Centre on a window edge, give or take a quarter of the object, so the edge cuts it. A scene no longer than the
  // window one way has edges the other way only (the draw is kept, so scenes with edges both ways are unchanged).
  bool vertical = rng.uniform() < 0.5;
  if (x_edges.empty() || y_edges.empty()) vertical = !x_edges.empty();
  const auto& edges = vertical ? x_edges : y_edges;
  if (edges.empty()) return;
  const double edge = edges[rng.below(edges.size())];
  const Box extent = footprint(SynthObject{o.cls, 0, 0, o.length, o.width, o.heading, 0, {}}, 0);
  const double half = vertical ? extent.x1 : extent.y1;
  (vertical ? o.cx : o.cy) = edge + rng.uniform(-0.4, 0.4) * half;
}

// Ponds for the NIR band's water index, from their own stream so vehicles keep theirs; placed first.
void plan_ponds(const SynthOptions& options, std::vector<SynthObject>& objects, std::vector<Box>& taken) {
  Rng rng(options.seed * 0x9E3779B97F4A7C15ULL + 101);
  const auto wanted = std::max<std::int64_t>(1, options.width * options.height / 300000);
  for (std::int64_t attempt = 0; attempt < wanted * 100 && static_cast<std::int64_t>(taken.size()) < wanted;
       ++attempt) {
    SynthObject pond;
    pond.cls = "water";
    pond.length = 2 * rng.uniform(15, 50);
    pond.width = pond.length * rng.uniform(0.5, 1.0);
    pond.heading = rng.uniform(0, std::numbers::pi);
    pond.cx = rng.uniform(0, static_cast<double>(options.width));
    pond.cy = rng.uniform(0, static_cast<double>(options.height));
    const Box box = footprint(pond, 0);
    if (box.x0 < 2 || box.y0 < 2 || box.x1 > static_cast<double>(options.width) - 2 ||
        box.y1 > static_cast<double>(options.height) - 2)
      continue;
    const Box clear = footprint(pond, 20);
    if (std::any_of(taken.begin(), taken.end(), [&](const Box& t) { return overlaps(t, clear); })) continue;
    taken.push_back(clear);
    objects.push_back(pond);
  }
}

}  // namespace

bool is_pond(const SynthObject& object) { return object.cls == "water"; }

int utm_epsg() { return 32631; }

core::GeoTransform scene_geotransform(Kind kind) {
  const double pixel = kind == Kind::sar ? kSarPixel : kOpticalPixel;
  // Off the Dutch coast (SAR) / inland (optical), UTM zone 31N.
  const double x0 = kind == Kind::sar ? 560000 : 630000;
  const double y0 = kind == Kind::sar ? 5820000 : 5770000;
  return core::GeoTransform{{x0, pixel, 0, y0, 0, -pixel}};
}

std::vector<SynthObject> plan_objects(const SynthOptions& options) {
  Rng rng(options.seed * 0x2545F4914F6CDD1DULL + (options.kind == Kind::sar ? 1 : 2));
  const double area = static_cast<double>(options.width * options.height);
  const std::int64_t wanted =
      options.objects >= 0
          ? options.objects
          : std::max<std::int64_t>(1, static_cast<std::int64_t>(area / (options.kind == Kind::sar ? 40000 : 20000)));
  const auto x_edges = window_edges(options.width, options.straddle_window, options.straddle_overlap);
  const auto y_edges = window_edges(options.height, options.straddle_window, options.straddle_overlap);
  std::vector<SynthObject> objects;
  std::vector<Box> taken;
  if (options.kind == Kind::optical && options.bands == 4) plan_ponds(options, objects, taken);
  const double spacing = options.kind == Kind::sar ? 12 : 6;  // pixels kept clear around each object
  const auto ponds = static_cast<std::int64_t>(objects.size());
  for (std::int64_t attempt = 0; attempt < wanted * 200 && static_cast<std::int64_t>(objects.size()) - ponds < wanted;
       ++attempt) {
    if (attempt % 4096 == 4095) throw_if_stopped(options);  // Ctrl-C while a crowded scene is planned
    SynthObject o = random_object(options.kind, rng);
    place(o, options, x_edges, y_edges, rng);
    const Box box = footprint(o, 0);
    if (box.x0 < 2 || box.y0 < 2 || box.x1 > static_cast<double>(options.width) - 2 ||
        box.y1 > static_cast<double>(options.height) - 2) {
      continue;
    }
    const Box clear = footprint(o, spacing);
    if (std::any_of(taken.begin(), taken.end(), [&](const Box& t) { return overlaps(t, clear); })) continue;
    taken.push_back(box);
    objects.push_back(o);
  }
  return objects;
}

Kind parse_kind(const std::string& text) {
  const std::string kind = core::to_lower(text);  // any case, as swath's other fixed-value options
  if (kind == "sar") return Kind::sar;
  if (kind == "optical") return Kind::optical;
  throw core::UsageError("--kind '" + text + "'", "unknown scene kind", "use sar or optical");
}

std::pair<std::int64_t, std::int64_t> parse_size(const std::string& text) {
  const auto x = text.find('x');
  try {
    if (x == std::string::npos) throw std::invalid_argument("no x");
    std::size_t used_w = 0, used_h = 0;
    const long long w = std::stoll(text.substr(0, x), &used_w);
    const long long h = std::stoll(text.substr(x + 1), &used_h);
    if (used_w != x || used_h != text.size() - x - 1 || w < 16 || h < 16 || w > 65536 || h > 65536) {
      throw std::invalid_argument("range");
    }
    return {w, h};
  } catch (const std::logic_error&) {
    throw core::UsageError("--size '" + text + "'", "expected WIDTHxHEIGHT in pixels, each from 16 to 65536",
                           "for example --size 2048x2048");
  }
}

}  // namespace swath::synth
