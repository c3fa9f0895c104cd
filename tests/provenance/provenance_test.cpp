// The provenance record: real versions, stable for the same options, no wall-clock time.
#include <doctest/doctest.h>

#include <gdal.h>

#include "provenance/provenance.hpp"

using namespace swath;

TEST_CASE("provenance: every dependency has a build version and GDAL's runtime matches the library") {
  const auto& facts = provenance::build_facts();
  CHECK_FALSE(facts.version.empty());
  std::vector<std::string> names;
  for (const auto& dep : facts.dependencies) {
    CAPTURE(dep.name);
    CHECK_FALSE(dep.build.empty());
    CHECK_FALSE(dep.runtime.empty());
    names.push_back(dep.name);
  }
  CHECK(names == std::vector<std::string>{"gdal", "proj", "tbb", "spdlog", "fmt", "yaml-cpp", "hiredis", "opencv"});
  CHECK(facts.dependencies[0].runtime == GDALVersionInfo("RELEASE_NAME"));
}

TEST_CASE("provenance: the runtime version comes from the loaded library file") {
  CHECK(provenance::loaded_library_version("libgdal.so").rfind("32.", 0) == 0);  // soname 32 → libgdal.so.32.3.6.x
  CHECK(provenance::loaded_library_version("libno-such-library.so").empty());
}

TEST_CASE("provenance: same options give the same record; other options another hash") {
  const core::Json options = core::Json::Object{{"size", 512}, {"overlap", 0}};
  const auto a = provenance::provenance_json(provenance::hash_options(options)).dump();
  const auto b = provenance::provenance_json(provenance::hash_options(options)).dump();
  CHECK(a == b);
  const core::Json other = core::Json::Object{{"size", 256}, {"overlap", 0}};
  CHECK(provenance::hash_options(options) != provenance::hash_options(other));
  CHECK(provenance::hash_options(options).rfind("sha256:", 0) == 0);
  CHECK(a.find("\"software\":\"swath\"") != std::string::npos);
}
