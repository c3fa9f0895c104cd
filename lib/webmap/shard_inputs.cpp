// Finding tiles.shard-I-of-N.jsonl (and journals of unfinished shards) in a directory and reading them.
#include "webmap/shard_inputs.hpp"

#include <filesystem>
#include <map>
#include <regex>
#include <set>

#include "core/errors.hpp"
#include "core/json_lines.hpp"
#include "tiling/manifest_reader.hpp"

namespace swath::webmap {

namespace {

// Where two headers first differ, as "path: A, not B" ("scenes[0].fingerprint: \"sha256:…\", not \"sha256:…\""):
// a whole header is a page of JSON, and the difference a scene rewritten between shards (its fingerprint).
std::string first_difference(const core::Json& theirs, const core::Json& ours, const std::string& path) {
  if (theirs.is_object() && ours.is_object()) {
    // The provenance's hash of the options last: the option that differs says more.
    for (const bool hashes : {false, true}) {
      for (const auto& [key, value] : theirs.as_object()) {
        if ((path.empty() && key == "provenance") != hashes) continue;
        const auto* other = ours.find(key);
        const std::string at = path.empty() ? key : path + "." + key;
        if (other == nullptr) return at + ": " + value.dump() + ", absent from shard 0's";
        if (!(value == *other)) return first_difference(value, *other, at);
      }
    }
    for (const auto& [key, value] : ours.as_object())
      if (theirs.find(key) == nullptr)
        return (path.empty() ? key : path + "." + key) + ": absent, shard 0's " + value.dump();
  }
  if (theirs.is_array() && ours.is_array() && theirs.as_array().size() == ours.as_array().size()) {
    for (std::size_t i = 0; i < theirs.as_array().size(); ++i) {
      if (!(theirs.as_array()[i] == ours.as_array()[i]))
        return first_difference(theirs.as_array()[i], ours.as_array()[i], path + "[" + std::to_string(i) + "]");
    }
  }
  return (path.empty() ? std::string("its header") : path) + ": " + theirs.dump() + ", shard 0's " + ours.dump();
}

std::string shard_text(std::int64_t index, std::int64_t count) {
  return std::to_string(index) + "/" + std::to_string(count);
}

std::string manifest_name(std::int64_t index, std::int64_t count) {
  return "tiles.shard-" + std::to_string(index) + "-of-" + std::to_string(count) + ".jsonl";
}

// The record of a tile line; DataError naming the line when its z/x/y or SHA-256 is not as a shard writes them.
std::pair<std::uint64_t, ShardRecord> record_of_line(const tiling::ManifestLine& line) {
  const auto* z = line.json.find("z");
  const auto* x = line.json.find("x");
  const auto* y = line.json.find("y");
  if (z == nullptr || x == nullptr || y == nullptr || !z->is_int() || !x->is_int() || !y->is_int()) {
    throw core::DataError(line.where, "a tile line without integer z, x and y", "run that shard again");
  }
  if (line.status == "failed") {
    const auto* error = line.json.find("error");
    throw core::DataError(line.where,
                          "tile " + line.id + " failed in its shard" +
                              (error != nullptr && error->is_string() ? ": " + error->as_string() : ""),
                          "run that shard again with --resume (it makes only its failed tiles again)");
  }
  ShardRecord record;
  record.written = line.status == "written";
  record.bytes = static_cast<std::uint64_t>(line.bytes.value_or(0));
  if (record.written) {
    const auto& hex = line.sha256;
    const auto nibble = [](char c) {
      return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    };
    bool ok = hex.size() == 64;
    for (std::size_t i = 0; ok && i < 32; ++i) {
      const int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
      ok = hi >= 0 && lo >= 0;
      record.sha256[i] = static_cast<std::uint8_t>(hi * 16 + lo);
    }
    if (!ok) throw core::DataError(line.where, "a written tile without a SHA-256", "run that shard again");
  }
  return {packed({static_cast<int>(z->as_int()), x->as_int(), y->as_int()}), record};
}

}  // namespace

std::string ShardRecord::sha256_hex() const {
  if (!written) return "";
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (const auto b : sha256) {
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

std::uint64_t packed(const TileKey& key) {
  return static_cast<std::uint64_t>(key.z) << 58 | static_cast<std::uint64_t>(key.x) << 29 |
         static_cast<std::uint64_t>(key.y);
}

TileKey unpacked(std::uint64_t packed_key) {
  constexpr std::uint64_t mask = (std::uint64_t{1} << 29) - 1;
  return {static_cast<int>(packed_key >> 58), static_cast<std::int64_t>((packed_key >> 29) & mask),
          static_cast<std::int64_t>(packed_key & mask)};
}

core::Json without(const core::Json& object, const std::string& key) {
  core::Json out = core::Json::object();
  for (const auto& [k, v] : object.as_object()) {
    if (k != key) out.set(k, v);
  }
  return out;
}

ShardSet read_shards(const std::string& dir) {
  const std::string what = "--merge-shards '" + dir + "'";
  std::error_code error;
  std::filesystem::directory_iterator it(dir, error);
  if (error) throw core::IoError(what, "cannot list it: " + error.message(), "pass the directory the shards wrote");
  static const std::regex manifest_re(R"(tiles\.shard-(\d+)-of-(\d+)\.jsonl)");
  static const std::regex journal_re(R"(\.tiles\.shard-(\d+)-of-(\d+)\.jsonl\.journal)");
  std::set<std::int64_t> counts;
  std::set<std::pair<std::int64_t, std::int64_t>> manifests, journals;
  for (const auto& entry : it) {
    const std::string name = entry.path().filename().string();
    std::smatch m;
    const bool is_manifest = std::regex_match(name, m, manifest_re);
    if (!is_manifest && !std::regex_match(name, m, journal_re)) continue;
    const std::pair<std::int64_t, std::int64_t> shard{std::stoll(m[1].str()), std::stoll(m[2].str())};
    counts.insert(shard.second);
    (is_manifest ? manifests : journals).insert(shard);
  }
  if (counts.empty()) {
    throw core::UsageError(what, "no shard manifest (tiles.shard-I-of-N.jsonl) in it",
                           "run `swath tile SCENE... -o DIR --grid xyz --shard I/N` for I = 0..N-1 first");
  }
  if (counts.size() > 1) {
    throw core::UsageError(what,
                           "it holds shards of " + std::to_string(*counts.begin()) + " and of " +
                               std::to_string(*counts.rbegin()) + " shards",
                           "merge the shards of one run: remove the other run's tiles.shard-*-of-*.jsonl");
  }
  ShardSet set;
  set.count = *counts.begin();
  for (std::int64_t i = 0; i < set.count; ++i) {
    const std::string name = manifest_name(i, set.count);
    if (journals.count({i, set.count}) != 0) {
      throw core::DataError(what,
                            "shard " + shard_text(i, set.count) + " is unfinished: its journal ." + name +
                                ".journal is there (killed, or still running)",
                            "run that shard again with --resume, then merge");
    }
    if (manifests.count({i, set.count}) == 0) {
      throw core::DataError(what, "shard " + shard_text(i, set.count) + " is missing: no " + name,
                            "run `swath tile ... --grid xyz --shard " + shard_text(i, set.count) + "` into it");
    }
    tiling::ManifestReader reader(dir + "/" + name);
    bool first = true;
    while (auto entry = reader.next()) {
      if (const auto* header = std::get_if<tiling::ManifestHeader>(&*entry)) {
        if (first && header->schema == "swath.tiles/1" &&
            header->json.find("grid") == nullptr) {  // the wrong directory, not a damaged shard
          throw core::UsageError(what, name + " is a shard of chips (`swath tile --shard` without --grid xyz)",
                                 "--merge-shards merges a pyramid's shards; chip shards need no merge: together "
                                 "their manifests list every tile");
        }
        const auto* shard = header->json.find("shard");
        if (!first || shard == nullptr || !shard->is_object() || shard->find("index") == nullptr ||
            shard->at("index").as_int() != i) {
          throw core::DataError(header->where, "not the header of pyramid shard " + shard_text(i, set.count),
                                "merge the shards `swath tile --grid xyz --shard I/N` wrote");
        }
        const core::Json run = without(header->json, "shard");
        if (i == 0) {
          set.header = run;
          set.shard = *shard;
        } else if (!(run == set.header) || !(without(*shard, "index") == without(set.shard, "index"))) {
          const std::string differs =
              !(run == set.header) ? first_difference(run, set.header, "")
                                   : first_difference(without(*shard, "index"), without(set.shard, "index"), "shard");
          throw core::UsageError(
              what,
              "shard " + shard_text(i, set.count) + " was made with other options or scenes than shard 0: " + differs,
              "run every shard with the same scenes and options (--max-memory included); a scene "
              "rewritten while they ran (its fingerprint): run them all again");
        }
        first = false;
        continue;
      }
      const auto& line = std::get<tiling::ManifestLine>(*entry);
      if (first) throw core::DataError(line.where, "a tile line before any header", "run that shard again");
      if (!set.records.insert(record_of_line(line)).second) {
        throw core::DataError(line.where, "tile " + line.id + " is listed by two shards",
                              "the shards disagree on their split: run them again with the same options");
      }
    }
    if (first) throw core::DataError(dir + "/" + name, "no header", "run that shard again");
  }
  return set;
}

}  // namespace swath::webmap
