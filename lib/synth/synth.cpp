// `swath synth`: plan objects from the seed, render, write the GeoTIFF and its truth, both atomically.
#include "synth/synth.hpp"

#include <fmt/format.h>
#include <gdal_priv.h>
#include <ogr_spatialref.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <numbers>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "core/text.hpp"
#include "log/logger.hpp"
#include "provenance/provenance.hpp"
#include "raster/gdal_errors.hpp"
#include "raster/memory_file.hpp"
#include "synth/render.hpp"
#include "vector/layer.hpp"

namespace swath::synth {

namespace {

std::string truth_path_for(const std::string& scene) {
  const auto slash = scene.find_last_of('/');
  const auto dot = scene.find_last_of('.');
  const bool has_extension = dot != std::string::npos && (slash == std::string::npos || dot > slash);
  return (has_extension ? scene.substr(0, dot) : scene) + ".truth.geojson";
}

// "x0,y0,x1,y1" in scene pixels (x1, y1 exclusive): lets training scripts skip reprojection.
std::string pixel_box_text(const core::Window& w) {
  return std::to_string(w.x) + "," + std::to_string(w.y) + "," + std::to_string(w.right()) + "," +
         std::to_string(w.bottom());
}

core::Json options_json(const SynthOptions& o) {
  return core::Json::Object{{"seed", static_cast<unsigned long long>(o.seed)},
                            {"kind", o.kind == Kind::sar ? "sar" : "optical"},
                            {"bands", o.bands},
                            {"width", static_cast<long long>(o.width)},
                            {"height", static_cast<long long>(o.height)},
                            {"objects", static_cast<long long>(o.objects)},
                            {"straddle_window", static_cast<long long>(o.straddle_window)},
                            {"straddle_overlap", static_cast<long long>(o.straddle_overlap)}};
}

// The scene is rendered whole in memory: refused up front when this machine cannot hold it (a 65536² SAR scene
// ran for minutes, then died as "internal error: std::bad_alloc").
// The memory this process may use: the machine's, its cgroup's limit (a container, a Kubernetes pod) and its
// address-space limit (ulimit -v), the least of them; 0 when none is known.
std::uint64_t usable_memory() {
  std::uint64_t usable = 0;
  const auto least = [&](std::uint64_t bytes) {
    if (bytes > 0 && (usable == 0 || bytes < usable)) usable = bytes;
  };
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGE_SIZE);
  if (pages > 0 && page > 0) least(static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page));
  for (const char* limit : {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}) {
    std::ifstream in(limit);
    std::uint64_t bytes = 0;
    if (in >> bytes) least(bytes);  // "max" (no limit) reads as nothing
  }
  rlimit address{};
  if (::getrlimit(RLIMIT_AS, &address) == 0 && address.rlim_cur != RLIM_INFINITY) least(address.rlim_cur);
  return usable;
}

void refuse_over_memory(const SynthOptions& o) {
  const auto needed = peak_bytes(o);
  const auto physical = usable_memory();
  if (physical == 0 || needed <= physical / 10 * 9) return;
  constexpr double gib = 1024.0 * 1024 * 1024;
  throw core::UsageError("--size " + std::to_string(o.width) + "x" + std::to_string(o.height),
                         fmt::format("synth renders the scene whole in memory: about {:.1f} GiB, and this process "
                                     "may use {:.1f} GiB",
                                     static_cast<double>(needed) / gib, static_cast<double>(physical) / gib),
                         "give a smaller --size");
}

void validate(const SynthOptions& o) {
  if (o.kind == Kind::sar && o.bands != 3) {  // 3: the flag's default, which SAR does not read
    throw core::UsageError("--bands " + std::to_string(o.bands) + " with --kind sar",
                           "a SAR scene always has its 1 band: --bands is for optical scenes",
                           "leave --bands out with --kind sar");
  }
  if (o.bands != 3 && o.bands != 4) {
    throw core::UsageError("--bands " + std::to_string(o.bands), "optical scenes have 3 or 4 bands",
                           "use --bands 4 for RGB + NIR");
  }
  if (o.output.empty()) throw core::UsageError("-o", "an output path is required", "swath synth -o scene.tif");
  // The scene is always a GeoTIFF: under another name (x.png) its bytes would be mislabelled.
  if (const auto ext = core::to_lower(std::filesystem::path(o.output).extension().string());
      ext != ".tif" && ext != ".tiff") {
    throw core::UsageError(
        "-o '" + o.output + "'", "swath synth writes a GeoTIFF",
        "give it a .tif name, e.g. " + std::filesystem::path(o.output).replace_extension(".tif").string());
  }
  // The truth goes beside the scene: refused now, not after the scene got its name.
  const std::string truth = truth_path_for(o.output);
  if (std::filesystem::is_directory(truth)) {
    throw core::UsageError("truth file '" + truth + "' (beside -o)", "a directory has that name",
                           "move it away, or give -o another name");
  }
  core::refuse_unreplaceable(truth);
  if (o.straddle_window < 0 ||
      (o.straddle_window > 0 && (o.straddle_overlap < 0 || o.straddle_overlap >= o.straddle_window))) {
    throw core::UsageError(
        "--straddle " + std::to_string(o.straddle_window) + " --straddle-overlap " + std::to_string(o.straddle_overlap),
        "the window must be positive and the overlap smaller than it", "for example --straddle 512");
  }
  if (o.straddle_window == 0 && o.straddle_overlap != 0) {
    throw core::UsageError("--straddle-overlap " + std::to_string(o.straddle_overlap), "it applies to --straddle only",
                           "add --straddle W, or leave it out");
  }
  // No window edge inside the scene: every object would be placed as if --straddle were not given.
  if (o.straddle_window > 0 && o.straddle_window >= std::max(o.width, o.height)) {
    throw core::UsageError("--straddle " + std::to_string(o.straddle_window),
                           "no window of that size has an edge inside a " + std::to_string(o.width) + "x" +
                               std::to_string(o.height) + " scene",
                           "give a window smaller than the scene, e.g. --straddle " +
                               std::to_string(std::max<std::int64_t>(1, std::max(o.width, o.height) / 4)));
  }
  // At least 64 px² per object (the smallest car with its clear margin takes about 300): more cannot fit, and
  // asking for them would only make the planner try 200 placements per missing object.
  const std::int64_t most = std::max<std::int64_t>(1, o.width * o.height / 64);
  if (o.objects < -1 || o.objects > most) {  // -1: left out (the count from the area)
    throw core::UsageError("--objects " + std::to_string(o.objects),
                           "expected 0 to " + std::to_string(most) + " for a " + std::to_string(o.width) + "x" +
                               std::to_string(o.height) + " scene",
                           "leave --objects out for a count from the area, or give a larger --size");
  }
}

constexpr std::int64_t kBlockRows = 256;  // BLOCKYSIZE below

void stage_scene(const SynthOptions& options, const Rendered& pixels, const core::Json& provenance,
                 core::StagedFiles& staged) {
  auto* driver = GetGDALDriverManager()->GetDriverByName("GTiff");
  // Encoded in memory (the pixels are there already; compressed, the file is smaller), then written with
  // checked writes, so a full disk is reported as such and leaves nothing.
  const raster::MemoryFile file("scene.tif");
  // PHOTOMETRIC=RGB + ALPHA=NO: a 4th band is NIR, not transparency.
  const char* creation[] = {"TILED=YES",      "COMPRESS=DEFLATE",
                            "BLOCKXSIZE=256", "BLOCKYSIZE=256",
                            "ALPHA=NO",       options.kind == Kind::optical ? "PHOTOMETRIC=RGB" : nullptr,
                            nullptr};
  const GDALDataType type = options.kind == Kind::sar ? GDT_UInt16 : GDT_Byte;
  raster::CapturedGdalErrors errors;
  {
    GDALDatasetUniquePtr dataset(driver->Create(file.path().c_str(), static_cast<int>(options.width),
                                                static_cast<int>(options.height), pixels.bands, type,
                                                const_cast<char**>(creation)));
    if (!dataset) throw core::IoError("'" + options.output + "'", errors.last_failure("cannot create it"));
    auto transform = scene_geotransform(options.kind);
    dataset->SetGeoTransform(transform.c.data());
    OGRSpatialReference srs;
    srs.importFromEPSG(utm_epsg());
    dataset->SetSpatialRef(&srs);
    dataset->SetMetadataItem("SWATH_PROVENANCE", provenance.dump().c_str());
    if (options.kind == Kind::optical) {
      const GDALColorInterp colours[] = {GCI_RedBand, GCI_GreenBand, GCI_BlueBand};
      for (int b = 0; b < 3; ++b) dataset->GetRasterBand(b + 1)->SetColorInterpretation(colours[b]);
      if (pixels.bands == 4) dataset->GetRasterBand(4)->SetDescription("nir");
    }
    // A row of blocks at a time, each compressed before the next: a stop request waits for one row of blocks at
    // most (GDAL would otherwise compress the whole scene when the file is closed), and an abandoned file is
    // dropped unflushed. Blocks reach the file in the same order as in one write, and everything the directory
    // holds is set before the first flush, so the bytes are those of a single write.
    const auto sample = static_cast<GSpacing>(GDALGetDataTypeSizeBytes(type));
    const GSpacing line = options.width * sample, band = line * options.height;
    const auto* bytes =
        options.kind == Kind::sar ? reinterpret_cast<const unsigned char*>(pixels.sar.data()) : pixels.optical.data();
    for (std::int64_t y = 0; y < options.height; y += kBlockRows) {
      if (options.stop && options.stop()) {
        dataset->MarkSuppressOnClose();
        throw_if_stopped(options);
      }
      const auto rows = static_cast<int>(std::min(kBlockRows, options.height - y));
      void* chunk = const_cast<unsigned char*>(bytes + y * line);
      if (dataset->RasterIO(GF_Write, 0, static_cast<int>(y), static_cast<int>(options.width), rows, chunk,
                            static_cast<int>(options.width), rows, type, pixels.bands, nullptr, sample, line, band,
                            nullptr) != CE_None) {
        throw core::IoError("'" + options.output + "'", errors.last_failure("cannot write pixels"));
      }
      dataset->FlushCache();
      if (errors.failed()) throw core::IoError("'" + options.output + "'", errors.last_failure("cannot write pixels"));
    }
  }  // closing writes the last blocks and the directory
  if (errors.failed()) throw core::IoError("'" + options.output + "'", errors.last_failure());
  staged.write(options.output, file.bytes(options.output));
}

vector::Layer truth_layer(const SynthOptions& options, const std::vector<SynthObject>& objects,
                          const std::vector<core::Window>& boxes, const core::Json& provenance) {
  vector::Layer layer;
  layer.name = "truth";
  layer.crs_wkt = vector::epsg_wkt(utm_epsg());
  layer.fields = {{"id", vector::FieldKind::integer},       {"class", vector::FieldKind::string},
                  {"length_m", vector::FieldKind::real},    {"width_m", vector::FieldKind::real},
                  {"heading_deg", vector::FieldKind::real}, {"pixel_box", vector::FieldKind::string}};
  layer.metadata = core::Json::Object{{"scene", options.output}, {"provenance", provenance}};
  const auto transform = scene_geotransform(options.kind);
  const double pixel = transform.c[1];
  auto round2 = [](double v) { return std::round(v * 100) / 100; };
  for (std::size_t i = 0; i < objects.size(); ++i) {
    if (boxes[i].empty()) continue;
    const auto& o = objects[i];
    layer.features.push_back(
        {vector::box_shape(transform.bounds_of(boxes[i])),
         {core::Json(static_cast<long long>(i + 1)), core::Json(o.cls), core::Json(round2(o.length * pixel)),
          core::Json(round2(o.width * pixel)), core::Json(round2(o.heading * 180 / std::numbers::pi)),
          core::Json(pixel_box_text(boxes[i]))}});
  }
  return layer;
}

}  // namespace

core::Json to_json(const SynthResult& result) {
  return core::Json::Object{{"schema", "swath.synth/1"},
                            {"scene", result.scene_path},
                            {"truth", result.truth_path},
                            {"objects", static_cast<long long>(result.objects)},
                            {"ponds", static_cast<long long>(result.ponds)}};
}

std::uint64_t peak_bytes(const SynthOptions& options) {
  const auto pixels = static_cast<std::uint64_t>(options.width) * static_cast<std::uint64_t>(options.height);
  // SAR: its mean intensity in doubles beside its 16-bit samples; optical: doubles per band beside its 8-bit ones.
  return options.kind == Kind::sar ? pixels * (sizeof(double) + sizeof(std::uint16_t))
                                   : pixels * static_cast<std::uint64_t>(options.bands) * (sizeof(double) + 1);
}

SynthResult synthesize(const SynthOptions& options) {
  validate(options);
  refuse_over_memory(options);
  const auto record = provenance::provenance_json(provenance::hash_options(options_json(options)));
  const auto objects = plan_objects(options);
  const auto ponds = std::count_if(objects.begin(), objects.end(), [](const SynthObject& o) { return is_pond(o); });
  const auto placed = static_cast<std::int64_t>(objects.size()) - ponds;
  if (options.objects >= 0 && placed < options.objects) {
    log::get("synth")->warn(
        "placed {} of the {} objects asked for: the others found no free place in a {}x{} scene (a larger --size "
        "holds more)",
        placed, options.objects, options.width, options.height);
  } else if (placed == 0 && options.straddle_window > 0) {
    log::get("synth")->warn(
        "no object could be placed across an edge of a {}-px window in a {}x{} scene (objects "
        "keep 2 px inside the scene): the scene has none",
        options.straddle_window, options.width, options.height);
  }
  const auto pixels = render(options, objects);
  // Scene and truth are written under temporary names, then committed together (scene first): a failure while
  // writing either leaves neither.
  core::StagedFiles staged;
  stage_scene(options, pixels, record, staged);
  const auto truth = truth_layer(options, objects, pixels.boxes, record);
  // Counted as the truth lists them: an object too thin to cover half a pixel anywhere has no box there.
  SynthResult result{options.output, truth_path_for(options.output)};
  for (std::size_t i = 0; i < objects.size(); ++i) {
    if (!pixels.boxes[i].empty()) ++(is_pond(objects[i]) ? result.ponds : result.objects);
  }
  vector::stage_layer(result.truth_path, truth, staged);
  throw_if_stopped(options);  // the last moment before either file gets its final name
  staged.commit();
  return result;
}

}  // namespace swath::synth
