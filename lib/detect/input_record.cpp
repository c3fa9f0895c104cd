// The inputs' identities, listed and digested for the output's provenance.
#include "detect/input_record.hpp"

#include "core/sha256.hpp"

namespace swath::detect {

core::Json inputs_json(const std::vector<InputIdentity>& inputs, std::size_t listed) {
  core::Sha256 digest;
  core::Json list = core::Json::array();
  for (const auto& input : inputs) {
    core::Json entry = core::Json::object();
    entry.set("scene", input.scene);
    if (!input.tile.empty()) entry.set("tile", input.tile);
    if (!input.fingerprint.empty()) entry.set("fingerprint", input.fingerprint);
    if (!input.sha256.empty()) entry.set("sha256", input.sha256);
    const std::string line = entry.dump();
    digest.update(line);
    digest.update("\n");
    if (inputs.size() <= listed) list.push_back(std::move(entry));
  }
  core::Json out = core::Json::object();
  out.set("count", static_cast<std::int64_t>(inputs.size()));
  out.set("sha256", digest.finish_hex());
  if (inputs.size() <= listed) out.set("list", std::move(list));
  return out;
}

}  // namespace swath::detect
