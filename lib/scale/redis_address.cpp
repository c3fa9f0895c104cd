// Host and port out of a redis:// URL, for manifests.
#include "scale/redis_address.hpp"

#include <charconv>

#include "core/errors.hpp"

namespace swath::scale {

RedisAddress parse_redis_url(const std::string& url) {
  const std::string scheme = "redis://";
  auto bad = [&](const std::string& why) {
    return core::UsageError("--redis '" + url + "'", why, "write it like redis://127.0.0.1:6379");
  };
  if (url.rfind(scheme, 0) != 0) throw bad("not a redis:// URL");
  std::string rest = url.substr(scheme.size());
  if (const auto slash = rest.find('/'); slash != std::string::npos) rest.resize(slash);
  if (const auto at = rest.rfind('@'); at != std::string::npos) rest = rest.substr(at + 1);
  RedisAddress address;
  const auto colon = rest.rfind(':');
  address.host = rest.substr(0, colon);
  if (address.host.empty()) throw bad("no host");
  if (colon != std::string::npos) {
    const std::string port = rest.substr(colon + 1);
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), address.port);
    if (ec != std::errc() || end != port.data() + port.size() || address.port < 1 || address.port > 65535) {
      throw bad("port '" + port + "' is not a number from 1 to 65535");
    }
  }
  return address;
}

}  // namespace swath::scale
