// Who made an output: swath's version, build and the versions of every dependency, plus an options hash.
// The same record is printed by `swath version` and embedded in every output swath writes.
#pragma once

#include <string>
#include <vector>

#include "core/json.hpp"

namespace swath::provenance {

struct DependencyVersion {
  std::string name;     // "gdal", "proj", ...
  std::string build;    // the version swath was compiled against
  std::string runtime;  // the version loaded now ("" when it cannot be known)
};

struct BuildFacts {
  std::string version;       // 0.1.0
  std::string git_describe;  // v0.1.0-3-gabcdef or a commit id
  std::string build_type;
  std::string compiler;
  std::vector<DependencyVersion> dependencies;
};

// Reads compile-time macros and asks each loaded library for its version. Cheap after the first call.
const BuildFacts& build_facts();

// The record embedded in outputs: no wall-clock time, so identical runs give identical bytes.
// `options_hash` identifies the options that shaped the output (see hash_options).
core::Json provenance_json(const std::string& options_hash);
core::Json to_json(const BuildFacts& facts);  // `swath version --json`

// Hex SHA-256 of the canonical JSON of the options, prefixed "sha256:".
std::string hash_options(const core::Json& options);

// Version of a shared library loaded in this process, read from the file it was loaded from
// (libfmt.so.9.1.0 → "9.1.0"); "" when no such library is loaded.
std::string loaded_library_version(const std::string& soname_prefix);

}  // namespace swath::provenance
