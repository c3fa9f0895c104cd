// Gathers build facts and dependency versions, compile-time from macros and run-time from the libraries.
#include "provenance/provenance.hpp"

#include <link.h>

#include <fmt/core.h>
#include <hiredis/hiredis.h>
#include <oneapi/tbb/version.h>
#include <proj.h>
#include <spdlog/spdlog.h>
#include <spdlog/version.h>
#include <yaml-cpp/yaml.h>
#include <filesystem>
#include <opencv2/core/utility.hpp>
#include <opencv2/core/version.hpp>

#include <gdal.h>
#include <ogr_srs_api.h>

#include "core/build_info.hpp"
#include "core/sha256.hpp"

namespace swath::provenance {

using core::Json;
namespace build = core::build;

namespace {

struct LibrarySearch {
  std::string prefix;
  std::string found;
};

int visit_library(struct dl_phdr_info* info, size_t /*size*/, void* data) {
  auto* search = static_cast<LibrarySearch*>(data);
  if (info->dlpi_name == nullptr || info->dlpi_name[0] == '\0') return 0;
  const std::filesystem::path path(info->dlpi_name);
  if (path.filename().string().rfind(search->prefix, 0) != 0) return 0;
  std::error_code ec;
  const auto real = std::filesystem::canonical(path, ec);
  search->found = (ec ? path : real).filename().string();
  return 1;
}

// Referencing one symbol of each library keeps it loaded (the linker drops unused ones), so the
// run-time version below is read from the file this process really uses.
void keep_libraries_loaded() {
  static void* volatile anchors[] = {
      reinterpret_cast<void*>(&redisFree), reinterpret_cast<void*>(&spdlog::default_logger_raw),
      reinterpret_cast<void*>(static_cast<std::string (*)(fmt::string_view, fmt::format_args)>(&fmt::vformat)),
      reinterpret_cast<void*>(static_cast<YAML::Node (*)(const std::string&)>(&YAML::Load))};
  (void)anchors;
}

std::string version_from_macros(int major, int minor, int patch) {
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

std::string proj_runtime_version() {
  int major = 0, minor = 0, patch = 0;
  OSRGetPROJVersion(&major, &minor, &patch);
  return version_from_macros(major, minor, patch);
}

BuildFacts gather_build_facts() {
  keep_libraries_loaded();
  BuildFacts facts;
  facts.version = build::version;
  facts.git_describe = build::git_describe;
  facts.build_type = build::build_type;
  facts.compiler = build::compiler;
  facts.dependencies = {
      {"gdal", GDAL_RELEASE_NAME, GDALVersionInfo("RELEASE_NAME")},
      {"proj", version_from_macros(PROJ_VERSION_MAJOR, PROJ_VERSION_MINOR, PROJ_VERSION_PATCH), proj_runtime_version()},
      {"tbb", version_from_macros(TBB_VERSION_MAJOR, TBB_VERSION_MINOR, TBB_VERSION_PATCH), TBB_runtime_version()},
      {"spdlog", version_from_macros(SPDLOG_VER_MAJOR, SPDLOG_VER_MINOR, SPDLOG_VER_PATCH),
       loaded_library_version("libspdlog.so")},
      {"fmt", version_from_macros(FMT_VERSION / 10000, FMT_VERSION / 100 % 100, FMT_VERSION % 100),
       loaded_library_version("libfmt.so")},
      {"yaml-cpp", build::yaml_cpp_version, loaded_library_version("libyaml-cpp.so")},
      {"hiredis", version_from_macros(HIREDIS_MAJOR, HIREDIS_MINOR, HIREDIS_PATCH),
       loaded_library_version("libhiredis.so")},
      {"opencv", CV_VERSION, cv::getVersionString()},
  };
  return facts;
}

}  // namespace

std::string loaded_library_version(const std::string& soname_prefix) {
  LibrarySearch search{soname_prefix, {}};
  dl_iterate_phdr(visit_library, &search);
  if (search.found.size() <= soname_prefix.size() + 1) return {};
  return search.found.substr(soname_prefix.size() + 1);  // skip "libx.so."
}

const BuildFacts& build_facts() {
  static const BuildFacts facts = gather_build_facts();
  return facts;
}

Json to_json(const BuildFacts& facts) {
  Json deps = Json::object();
  for (const auto& dep : facts.dependencies) {
    deps.set(dep.name,
             Json::Object{{"build", dep.build}, {"runtime", dep.runtime.empty() ? Json() : Json(dep.runtime)}});
  }
  return Json::Object{{"swath", facts.version},
                      {"git_describe", facts.git_describe},
                      {"build_type", facts.build_type},
                      {"compiler", facts.compiler},
                      {"dependencies", std::move(deps)}};
}

Json provenance_json(const std::string& options_hash) {
  const auto& facts = build_facts();
  Json deps = Json::object();
  for (const auto& dep : facts.dependencies) deps.set(dep.name, dep.runtime.empty() ? dep.build : dep.runtime);
  return Json::Object{{"software", "swath"},
                      {"version", facts.version},
                      {"git_describe", facts.git_describe},
                      {"dependencies", std::move(deps)},
                      {"options_hash", options_hash}};
}

std::string hash_options(const Json& options) { return "sha256:" + core::sha256_hex(options.dump()); }

}  // namespace swath::provenance
