// detect's checks of its inputs and outputs: see input_checks.hpp.
#include "detect/input_checks.hpp"

#include <filesystem>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "core/sha256.hpp"
#include "core/text.hpp"
#include "detect/output.hpp"
#include "raster/scene.hpp"
#include "vector/layer.hpp"

namespace swath::detect {

namespace {

// A GeoPackage holds many layers; writing the detections replaces the whole file, so one holding layers swath does
// not write (a user's own, in a file they named by mistake) is refused rather than lost.
void refuse_replacing_other_layers(const std::string& output) {
  if (output.empty() || vector::format_for_path(output) != vector::Format::gpkg) return;
  std::error_code error;
  if (!std::filesystem::is_regular_file(output, error)) return;
  if (std::filesystem::file_size(output, error) == 0 && !error) return;
  const auto names = vector::layer_names(output);
  std::vector<std::string> others;
  for (const auto& name : names) {
    if (name != kDetectionsLayer) others.push_back("'" + name + "'");
  }
  if (!names.empty() && others.empty()) return;  // swath's own detections: a re-run replaces them
  throw core::UsageError(
      "-o '" + output + "'",
      names.empty() ? "GDAL cannot read it as a GeoPackage of swath's detections (a raster "
                      "GeoPackage, a damaged file?), and writing it would replace it"
                    : "it holds other layers (" + core::join(others, ", ") + "), which writing it would remove",
      "choose another -o, or remove the file first if what it holds can go");
}

}  // namespace

std::string file_sha256(const std::string& path) {
  try {
    return core::sha256_hex(core::read_file(path));
  } catch (const core::Error&) {
    return "";
  }
}

// A manifest's tile must place its detections itself: in pixel coordinates every tile would share one frame
// (--allow-pixel-coords wrote 16 tiles' detections over one 256 px square), and PNG, JPEG and WebP tiles keep no
// georeferencing.
void refuse_unplaced_tile(GDALDataset& dataset, const InputScene& input) {
  const auto info = raster::describe_scene(dataset, input.path);
  if (info.georeferenced() && info.geotransform->north_up()) return;
  const bool image = raster::keeps_no_georeferencing(input.path);
  const std::string why = info.georeferenced() ? "it has a rotated or sheared geotransform"
                          : image ? "it has " + info.missing_georeferencing() + " (PNG, JPEG and WebP tiles keep none)"
                                  : "it has " + info.missing_georeferencing() + ", as its scene had none";
  throw core::UsageError("tile '" + input.tile + "' ('" + input.path + "')",
                         why +
                             ", so its detections cannot be placed on the map, and the tiles' pixel coordinates "
                             "would share one frame",
                         image ? "detect the scene itself, or tile it as GTiff or COG chips (swath tile -f GTiff)"
                               : "detect the scene itself (--allow-pixel-coords writes its pixel coordinates)");
}

void remove_stale_temporaries_of(const std::string& path) {
  if (path.empty()) return;
  const std::filesystem::path target(path);
  const std::string dir = target.has_parent_path() ? target.parent_path().string() : ".";
  core::remove_stale_temporaries(dir, target.filename().string());
  core::remove_stale_temporaries(dir, target.filename().string() + ".swath.json");
}

// Before any work: a directory where a file is to go (or a missing directory to put it in) would fail only at the
// final rename, after the whole run, naming a temporary; a quicklook is always PNG, so another extension would mislabel
// its bytes.
void check_output_paths(const DetectOptions& options) {
  struct Target {
    const char* flag;
    const std::string& path;
    const char* example;
  };
  for (const auto& t :
       {Target{"-o", options.output, "detections.gpkg"}, Target{"--quicklook", options.quicklook, "quicklook.png"}}) {
    if (!t.path.empty() && std::filesystem::is_directory(t.path)) {
      throw core::UsageError(std::string(t.flag) + " '" + t.path + "'", "it is a directory",
                             "give a file path, e.g. " + (std::filesystem::path(t.path) / t.example).string());
    }
    if (!t.path.empty()) core::refuse_unreplaceable(t.path);  // -o /dev/null would become a regular file
    const auto problem = t.path.empty() ? "" : core::parent_directory_problem(t.path);
    if (!problem.empty()) {
      throw core::UsageError(std::string(t.flag) + " '" + t.path + "'", problem,
                             "give a path in a directory you may write into");
    }
  }
  refuse_replacing_other_layers(options.output);
  std::vector<std::string> inputs = options.inputs;
  for (const auto& scene : options.listed) inputs.push_back(scene.path);
  if (!options.onnx.card.empty()) inputs.push_back(options.onnx.card);
  core::refuse_output_is_input("-o", options.output, inputs);
  core::refuse_output_is_input("--quicklook", options.quicklook, inputs);
  if (core::writes_over(options.quicklook, options.output)) {
    throw core::UsageError("--quicklook '" + options.quicklook + "'", "it is also the detections' file (-o)",
                           "give the quicklook its own .png name");
  }
  const auto extension = core::to_lower(std::filesystem::path(options.quicklook).extension().string());
  if (!options.quicklook.empty() && extension != ".png") {
    throw core::UsageError("--quicklook '" + options.quicklook + "'", "a quicklook is a PNG image",
                           "give it a .png name");
  }
}

}  // namespace swath::detect
