// GeoPackage / FlatGeobuf output through OGR, and reading any OGR vector file back.
#include <cpl_string.h>
#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>

#include "core/cancel.hpp"
#include "core/errors.hpp"
#include "core/files.hpp"
#include "core/json.hpp"
#include "core/text.hpp"
#include "raster/gdal_config.hpp"
#include "raster/gdal_errors.hpp"
#include "raster/memory_file.hpp"
#include "vector/geojson_writer.hpp"
#include "vector/layer.hpp"
#include "vector/ogr_shape.hpp"

namespace swath::vector {

namespace {

// The local CRS of pixel coordinates: x is the column, y the row (down), in pixels.
constexpr const char* kPixelCrsName = "pixel coordinates (x = column, y = row)";
constexpr const char* kPixelCrsWkt =
    R"wkt(LOCAL_CS["pixel coordinates (x = column, y = row)",LOCAL_DATUM["pixel grid",0],UNIT["pixel",1],)wkt"
    R"wkt(AXIS["column",EAST],AXIS["row",SOUTH]])wkt";

// GeoPackage stamps gpkg_contents.last_change with the current time unless this is set: a fixed
// date keeps identical runs byte-identical (outputs carry no wall-clock time).
constexpr const char* kFixedDate = "2000-01-01T00:00:00.000Z";

OGRFieldType ogr_type(FieldKind kind) {
  switch (kind) {
    case FieldKind::string:
      return OFTString;
    case FieldKind::real:
      return OFTReal;
    case FieldKind::integer:
      return OFTInteger64;
  }
  return OFTString;
}

void set_value(OGRFeature& feature, int index, const core::Json& value) {
  if (value.is_null()) return;
  if (value.is_string())
    feature.SetField(index, core::valid_utf8(value.as_string()).c_str());  // GeoJSON and GPKG hold UTF-8
  else if (value.is_int())
    feature.SetField(index, static_cast<GIntBig>(value.as_int()));
  else if (value.is_number())
    feature.SetField(index, value.as_double());
  else
    feature.SetField(index, value.dump().c_str());
}

// A layer of multipolygons when any feature has several polygons (FlatGeobuf takes one geometry type per layer);
// otherwise of polygons, as most detections and truths are.
OGRwkbGeometryType geometry_type_of(const Layer& layer) {
  const bool multi = std::any_of(layer.features.begin(), layer.features.end(),
                                 [](const Feature& feature) { return feature.shape.size() > 1; });
  return multi ? wkbMultiPolygon : wkbPolygon;
}

void fill_layer(OGRLayer& out, const Layer& layer, OGRwkbGeometryType type, const std::string& path) {
  for (const auto& field : layer.fields) {
    OGRFieldDefn definition(field.name.c_str(), ogr_type(field.kind));
    if (out.CreateField(&definition) != OGRERR_NONE)
      throw core::IoError("output '" + path + "'", "cannot create field " + field.name);
  }
  for (const auto& feature : layer.features) {
    OGRFeature ogr_feature(out.GetLayerDefn());
    for (std::size_t i = 0; i < layer.fields.size() && i < feature.values.size(); ++i) {
      set_value(ogr_feature, static_cast<int>(i), feature.values[i]);
    }
    std::unique_ptr<OGRGeometry> geometry =
        feature.shape.empty() ? std::make_unique<OGRPolygon>() : to_ogr(feature.shape);
    if (type == wkbMultiPolygon) geometry.reset(OGRGeometryFactory::forceToMultiPolygon(geometry.release()));
    ogr_feature.SetGeometryDirectly(geometry.release());
    if (out.CreateFeature(&ogr_feature) != OGRERR_NONE)
      throw core::IoError("output '" + path + "'", "cannot write a feature");
  }
}

// Reads `file` back to its end: `expected` features, or IoError naming `path`. A driver that loses features
// without an error (GDAL 3.6's FlatGeobuf writer ignores some failed writes) is caught here, before its
// bytes are committed.
void verify_written(const raster::MemoryFile& file, const std::string& path, std::size_t expected) {
  raster::CapturedGdalErrors errors;
  std::size_t read = 0;
  {
    GDALDatasetUniquePtr dataset(GDALDataset::Open(file.path().c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY));
    OGRLayer* in = dataset && dataset->GetLayerCount() == 1 ? dataset->GetLayer(0) : nullptr;
    if (in != nullptr) {
      for (const auto& feature : *in) read += feature->GetGeometryRef() != nullptr ? 1 : 0;
    }
  }
  if (read != expected || errors.failed()) {
    throw core::IoError("output '" + path + "'",
                        "GDAL wrote " + std::to_string(read) + " of " + std::to_string(expected) + " features" +
                            (errors.failed() ? " (" + errors.last_failure() + ")" : std::string()));
  }
}

// The layer written by GDAL into `file`, in memory: GDAL's drivers do not all report a failed write, so the
// disk is written by StagedFiles, which checks every call.
void write_with_ogr(const raster::MemoryFile& file, const std::string& path, const Layer& layer, Format format) {
  const char* driver_name = format == Format::gpkg ? "GPKG" : "FlatGeobuf";
  auto* driver = GetGDALDriverManager()->GetDriverByName(driver_name);
  if (!driver) throw core::IoError("output '" + path + "'", std::string("GDAL has no ") + driver_name + " driver");
  raster::CapturedGdalErrors errors;
  {
    const raster::ScopedConfigOption fixed_date("OGR_CURRENT_DATE", kFixedDate);
    GDALDatasetUniquePtr dataset(driver->Create(file.path().c_str(), 0, 0, 0, GDT_Unknown, nullptr));
    if (!dataset) throw core::IoError("output '" + path + "'", errors.last_failure("cannot create it"));
    // A layer without a CRS holds pixel coordinates (swath detect --allow-pixel-coords): said so by a local CRS, as
    // GeoPackage's default ("Undefined geographic SRS") would have GIS read columns and rows as degrees.
    auto srs = std::make_unique<OGRSpatialReference>();
    srs->importFromWkt(layer.crs_wkt.empty() ? kPixelCrsWkt : layer.crs_wkt.c_str());
    srs->SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    CPLStringList options;
    // FlatGeobuf's spatial index sorts the features through a temporary file: in memory too, not on the disk.
    if (format == Format::fgb) options.SetNameValue("TEMPORARY_DIR", file.directory().c_str());
    const OGRwkbGeometryType type = geometry_type_of(layer);
    OGRLayer* out = dataset->CreateLayer(layer.name.c_str(), srs.get(), type, options.List());
    if (!out) throw core::IoError("output '" + path + "'", errors.last_failure("cannot create the layer"));
    // One transaction for all features: otherwise SQLite commits (creating and deleting its journal) per feature.
    const bool in_transaction = dataset->StartTransaction() == OGRERR_NONE;
    fill_layer(*out, layer, type, path);
    if (in_transaction && dataset->CommitTransaction() != OGRERR_NONE) {
      throw core::IoError("output '" + path + "'", errors.last_failure("cannot commit the features"));
    }
    if (format == Format::gpkg && !layer.metadata.is_null()) {
      out->SetMetadataItem("swath", layer.metadata.dump().c_str());
    }
  }  // closing the dataset flushes it
  if (errors.failed()) throw core::IoError("output '" + path + "'", errors.last_failure());
  verify_written(file, path, layer.features.size());
}

void stage_with_ogr(const std::string& path, const Layer& layer, Format format, core::StagedFiles& staged) {
  // FlatGeobuf in GDAL 3.6 has no layer metadata: provenance goes beside it, committed before the data file
  // so that a .fgb under its final name always has its sidecar.
  if (format == Format::fgb && !layer.metadata.is_null())
    staged.write(path + ".swath.json", layer.metadata.dump() + "\n");
  const raster::MemoryFile file(format == Format::gpkg ? "layer.gpkg" : "layer.fgb");
  write_with_ogr(file, path, layer, format);
  staged.write(path, file.bytes(path));
}

core::Json json_of(const OGRFeature& feature, int index) {
  if (!feature.IsFieldSetAndNotNull(index)) return {};
  switch (feature.GetFieldDefnRef(index)->GetType()) {
    case OFTInteger:
    case OFTInteger64:
      return core::Json(static_cast<long long>(feature.GetFieldAsInteger64(index)));
    case OFTReal:
      return core::Json(feature.GetFieldAsDouble(index));
    default:
      return core::Json(std::string(feature.GetFieldAsString(index)));
  }
}

// A feature's shape; an object cut at the antimeridian (as swath's GeoJSON writes it, RFC 7946: polygons, some
// touching +180 and others -180) is read back as one polygon of all its parts' points, the eastern part moved by
// 360°, so that its box (and the UTM zone eval picks by its centre) is the one object's again.
Shape shape_read(const OGRGeometry* geometry) {
  Shape shape = shape_of(geometry);
  const auto touches = [&](double lon) {
    return std::any_of(shape.begin(), shape.end(), [&](const Polygon& polygon) {
      return std::any_of(polygon[0].begin(), polygon[0].end(), [&](const Point& p) { return p[0] == lon; });
    });
  };
  if (shape.size() < 2 || !touches(180) || !touches(-180)) return shape;
  Ring joined;
  for (const auto& polygon : shape) {
    const bool east = std::all_of(polygon[0].begin(), polygon[0].end(), [](const Point& p) { return p[0] <= 0; });
    for (const auto& p : polygon[0]) joined.push_back({east ? p[0] + 360 : p[0], p[1]});
  }
  return {{std::move(joined)}};
}

// The first entry of a GeoJSON's top-level "features" array that is not an object (its place from 1, and its text),
// streamed through once without building a tree: a detections file may hold millions of features.
std::optional<std::pair<std::size_t, std::string>> first_entry_not_an_object(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::istreambuf_iterator<char> it(in), end;
  int depth = 0, array_depth = -1;  // array_depth: the features array's, once inside it
  bool in_string = false, escaped = false, expect_entry = false;
  std::string text, last_string, key;  // strings of the top-level object, the key whose value comes next
  std::size_t index = 0;
  for (; it != end; ++it) {
    const char c = *it;
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
        if (depth == 1) last_string = text;
      }
      if (depth == 1 && text.size() < 16) text += c;
      continue;
    }
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    if (expect_entry) {
      expect_entry = false;
      if (c == ']') return std::nullopt;  // no feature at all, or a trailing comma (GDAL's reader takes it)
      if (c != '{') {
        std::string shown(1, c);
        for (++it; it != end && shown.size() < 60 && *it != ',' && *it != ']' && *it != '\n'; ++it) shown += *it;
        while (!shown.empty() && (shown.back() == ' ' || shown.back() == '\t' || shown.back() == '\r'))
          shown.pop_back();
        return std::pair{index + 1, shown};
      }
    }
    if (c == '"') {
      in_string = true;
      text.clear();
    } else if (c == ':' && depth == 1) {
      key = last_string;
    } else if (c == '{' || c == '[') {
      if (c == '[' && depth == 1 && key == "features" && array_depth < 0) array_depth = 2, expect_entry = true;
      ++depth;
    } else if (c == '}' || c == ']') {
      if (c == ']' && depth == array_depth) return std::nullopt;
      --depth;
    } else if (c == ',' && depth == array_depth) {
      ++index;
      expect_entry = true;
    }
  }
  return std::nullopt;
}

// GDAL's GeoJSON reader passes over an entry of "features" that is not a Feature object (a string, a number)
// without a word: the file would be read with fewer objects than it lists. Such a file is refused, naming the entry.
void refuse_skipped_features(GDALDataset& dataset, const std::string& path) {
  const char* driver = dataset.GetDriverName();
  if (driver == nullptr || std::string(driver) != "GeoJSON" || !std::filesystem::is_regular_file(path)) return;
  if (const auto entry = first_entry_not_an_object(path)) {
    throw core::DataError(
        "'" + path + "'",
        "entry " + std::to_string(entry->first) + " of its \"features\" is not a Feature object: " + entry->second,
        "write each entry as {\"type\":\"Feature\",\"properties\":...,\"geometry\":...}");
  }
}

}  // namespace

void stage_layer(const std::string& path, const Layer& layer, core::StagedFiles& staged) {
  const Format format = format_for_path(path);
  if (format == Format::geojson) return staged.write(path, geojson_text_wgs84(layer));
  stage_with_ogr(path, layer, format, staged);
}

void write_layer(const std::string& path, const Layer& layer) {
  core::StagedFiles staged;
  stage_layer(path, layer, staged);
  staged.commit();
}

std::vector<std::string> layer_names(const std::string& path) {
  raster::CapturedGdalErrors errors;  // not a vector file: no names, no log line
  GDALDatasetUniquePtr dataset(GDALDataset::Open(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY));
  std::vector<std::string> names;
  for (int i = 0; dataset && i < dataset->GetLayerCount(); ++i) names.emplace_back(dataset->GetLayer(i)->GetName());
  return names;
}

Layer read_layer(const std::string& path) {
  raster::CapturedGdalErrors errors;
  GDALDatasetUniquePtr dataset(GDALDataset::Open(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY));
  if (!dataset) {
    std::error_code ec;
    const bool exists = std::filesystem::exists(path, ec);
    const bool empty =
        exists && std::filesystem::is_regular_file(path, ec) && std::filesystem::file_size(path, ec) == 0;
    throw core::IoError("'" + path + "'",
                        !exists ? "no such file"
                        : empty ? "it is empty (0 bytes)"
                                : errors.last_failure("not a vector file GDAL can read"),
                        !exists ? "check the path"
                                : "give a GeoPackage, FlatGeobuf or GeoJSON file of polygons (`ogrinfo` shows what "
                                  "GDAL reads in it)");
  }
  if (dataset->GetLayerCount() < 1) throw core::DataError("'" + path + "'", "it has no layer");
  // Layers with geometry (a GeoPackage's attribute-only tables are not features); of several, the first is no better
  // a guess than any other (eval scored an empty one).
  std::vector<OGRLayer*> spatial;
  for (int i = 0; i < dataset->GetLayerCount(); ++i) {
    if (dataset->GetLayer(i)->GetGeomType() != wkbNone) spatial.push_back(dataset->GetLayer(i));
  }
  if (spatial.size() > 1) {
    std::string names;
    for (auto* layer : spatial) names += (names.empty() ? "'" : ", '") + std::string(layer->GetName()) + "'";
    throw core::DataError("'" + path + "'",
                          "it has " + std::to_string(spatial.size()) + " layers with geometry (" + names +
                              "): which one to read is not known",
                          "copy the one to read into a file of its own: `ogr2ogr one.gpkg FILE LAYER`");
  }
  if (spatial.empty()) {  // attribute tables only: nothing to read as features (was read as if it were)
    throw core::DataError("'" + path + "'", "it has no layer with geometry",
                          "give a file of polygons: GeoPackage, FlatGeobuf or GeoJSON");
  }
  OGRLayer* in = spatial.front();
  Layer layer;
  layer.name = in->GetName();
  // GeoPackage's srs_id 0 and -1 ("Undefined geographic/Cartesian SRS") say there is no CRS: what GDAL writes for
  // a layer made without one (swath detect --allow-pixel-coords). Read as a CRS, pixels would pass for degrees.
  const auto* srs = in->GetSpatialRef();
  const std::string srs_name = srs != nullptr && srs->GetName() != nullptr ? srs->GetName() : "";
  if (srs_name == "Undefined geographic SRS" || srs_name == "Undefined Cartesian SRS" || srs_name == kPixelCrsName)
    srs = nullptr;
  if (srs != nullptr) {
    char* wkt = nullptr;
    srs->exportToWkt(&wkt);
    layer.crs_wkt = wkt ? wkt : "";
    CPLFree(wkt);
  }
  auto* definition = in->GetLayerDefn();
  for (int i = 0; i < definition->GetFieldCount(); ++i) {
    const auto type = definition->GetFieldDefn(i)->GetType();
    const FieldKind kind = type == OFTReal                                ? FieldKind::real
                           : (type == OFTInteger || type == OFTInteger64) ? FieldKind::integer
                                                                          : FieldKind::string;
    layer.fields.push_back({definition->GetFieldDefn(i)->GetNameRef(), kind});
  }
  in->ResetReading();
  std::int64_t number = 0;
  for (auto& feature : *in) {
    // Ctrl-C while a large file is read (eval of 200,000 boxes: seconds), checked now and then.
    if (++number % 4096 == 0 && core::cancel_requested()) throw core::Interrupted("reading '" + path + "' interrupted");
    Shape shape = shape_read(feature->GetGeometryRef());
    if (shape.empty()) {
      if (layer.features_without_polygon++ == 0) {
        const auto* geometry = feature->GetGeometryRef();
        layer.first_without_polygon =
            "feature " + std::to_string(number) + " (" + (geometry ? geometry->getGeometryName() : "no geometry") + ")";
      }
      continue;
    }
    std::vector<core::Json> values;
    for (int i = 0; i < definition->GetFieldCount(); ++i) values.push_back(json_of(*feature, i));
    layer.features.push_back({std::move(shape), std::move(values), number});
  }
  refuse_skipped_features(*dataset, path);
  return layer;
}

}  // namespace swath::vector
