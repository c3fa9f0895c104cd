// Size + first and last bytes of a file through VSI, hashed.
#include "raster/fingerprint.hpp"

#include <cpl_conv.h>
#include <cpl_string.h>
#include <cpl_vsi.h>
#include <gdal_priv.h>

#include <sys/stat.h>

#include <memory>
#include <vector>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "core/sha256.hpp"

namespace swath::raster {

namespace {

// One of the files GDAL reads beside a scene that place or describe it, named as GDAL looks for them (in any case):
// SCENE.tif.aux.xml, .ovr, .msk, .aux; SCENE.aux(.xml), SCENE.prj, and a world file SCENE.<ext ending in w>|wld.
// Not a VRT's sources, though they may share its name's start (m.vrt over m.1.tif).
bool is_sidecar(const std::string& file, const std::string& scene) {
  const std::string file_dir = CPLGetPath(file.c_str());  // one at a time: they share GDAL's result buffer
  const std::string scene_dir = CPLGetPath(scene.c_str());
  if (file_dir != scene_dir) return false;
  const std::string name = CPLGetFilename(file.c_str());
  const std::string full = CPLGetFilename(scene.c_str());
  const std::string base = CPLGetBasename(scene.c_str());
  for (const char* suffix : {".aux.xml", ".ovr", ".msk", ".aux"}) {
    if (EQUAL(name.c_str(), (full + suffix).c_str())) return true;
  }
  if (name.size() <= base.size() + 1 || !EQUALN(name.c_str(), (base + ".").c_str(), base.size() + 1)) return false;
  const std::string extension = name.substr(base.size() + 1);
  if (EQUAL(extension.c_str(), "aux") || EQUAL(extension.c_str(), "aux.xml") || EQUAL(extension.c_str(), "prj") ||
      EQUAL(extension.c_str(), "wld"))
    return true;
  return extension.size() >= 3 && extension.size() <= 5 && extension.find('.') == std::string::npos &&
         (extension.back() == 'w' || extension.back() == 'W');
}

bool read_at(VSILFILE* file, vsi_l_offset offset, std::vector<char>& buffer) {
  if (VSIFSeekL(file, offset, SEEK_SET) != 0) return false;
  return VSIFReadL(buffer.data(), 1, buffer.size(), file) == buffer.size();
}

}  // namespace

std::optional<std::string> file_fingerprint(const std::string& path, std::size_t edge_bytes) {
  VSIStatBufL stat{};
  if (VSIStatExL(path.c_str(), &stat, VSI_STAT_SIZE_FLAG) != 0 || VSI_ISDIR(stat.st_mode)) return std::nullopt;
  std::unique_ptr<VSILFILE, int (*)(VSILFILE*)> file(VSIFOpenL(path.c_str(), "rb"), VSIFCloseL);
  if (!file) return std::nullopt;
  const auto size = static_cast<std::uint64_t>(stat.st_size);
  core::Sha256 hasher;
  hasher.update("size " + std::to_string(size) + "\n");
  if (size <= 2 * static_cast<std::uint64_t>(edge_bytes)) {
    std::vector<char> all(static_cast<std::size_t>(size));
    if (!read_at(file.get(), 0, all)) return std::nullopt;
    hasher.update(all.data(), all.size());
  } else {
    std::vector<char> edge(edge_bytes);
    if (!read_at(file.get(), 0, edge)) return std::nullopt;
    hasher.update(edge.data(), edge.size());
    if (!read_at(file.get(), size - edge_bytes, edge)) return std::nullopt;
    hasher.update(edge.data(), edge.size());
  }
  return "sha256:" + hasher.finish_hex();
}

std::optional<std::string> scene_fingerprint(GDALDataset& dataset, const std::string& path) {
  auto own = file_fingerprint(path);
  std::vector<std::string> others;
  char** files = dataset.GetFileList();
  for (int i = 0; files != nullptr && files[i] != nullptr; ++i) {
    if (files[i] != path && (!own || is_sidecar(files[i], path))) others.emplace_back(files[i]);
  }
  CSLDestroy(files);
  if (others.empty()) return own;  // the scene file alone, as most are: its fingerprint as ever
  // In GDAL's order, not by name: a byte-identical copy of the scene and its sidecars elsewhere has the same
  // fingerprint (a subdataset's, which holds its name, only under that name).
  std::string text = own ? "scene " + *own + "\n" : "source " + path + "\n";
  constexpr std::size_t sidecar_edge = std::size_t{64} << 10;
  for (const auto& file : others) {
    const auto print = file_fingerprint(file, sidecar_edge);
    if (!print) return std::nullopt;
    text += "file " + *print + "\n";
  }
  return "sha256:" + core::sha256_hex(text);
}

std::optional<std::string> scene_fingerprint(const std::string& path) {
  const GDALDatasetUniquePtr dataset(GDALDataset::Open(path.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY));
  if (!dataset) return std::nullopt;
  return scene_fingerprint(*dataset, path);
}

std::string sha256_file_hex(const std::string& path) {
  std::unique_ptr<VSILFILE, int (*)(VSILFILE*)> file(VSIFOpenL(path.c_str(), "rb"), VSIFCloseL);
  if (!file) throw core::IoError("cannot read '" + path + "'", "no such file or not readable");
  core::Sha256 hasher;
  std::vector<char> buffer(1 << 16);
  while (true) {
    const std::size_t n = VSIFReadL(buffer.data(), 1, buffer.size(), file.get());
    if (n > 0) hasher.update(buffer.data(), n);
    if (n < buffer.size()) break;
  }
  return hasher.finish_hex();
}

std::optional<FileStamp> file_stamp(const std::string& path) {
  struct stat entry {};
  if (core::is_vsi_path(path) || ::stat(path.c_str(), &entry) != 0) return std::nullopt;
  return FileStamp{static_cast<std::uint64_t>(entry.st_size),
                   static_cast<std::int64_t>(entry.st_mtim.tv_sec) * 1000000000 + entry.st_mtim.tv_nsec};
}

}  // namespace swath::raster
