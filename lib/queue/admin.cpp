// Queue existence, dead-task membership and the list of queues: plain reads, no script.
#include "queue/admin.hpp"

#include <algorithm>
#include <set>

#include "core/errors.hpp"

namespace swath::queue {

namespace {

const Value& checked(const Value& reply, const std::string& what) {
  if (reply.is_error()) throw core::DataError("Redis refused " + what, reply.text, "check the server's log");
  return reply;
}

}  // namespace

bool queue_seen(Connection& connection, const Keys& keys) {
  // One slot (the keys share the hash tag), so one EXISTS may count them all, also on a Cluster.
  const auto reply = connection.command({"EXISTS", keys.stats, keys.ready, keys.low, keys.delayed, keys.leased, keys.dead});
  return checked(reply, "EXISTS").as_int() > 0;
}

std::vector<std::string> seen_queues(Connection& connection, std::size_t limit) {
  constexpr int max_calls = 100;  // 100 000 keys looked at, at most
  std::set<std::string> names;
  std::string cursor = "0";
  for (int call = 0; call < max_calls && names.size() < limit; ++call) {
    const auto reply = connection.command({"SCAN", cursor, "MATCH", "swath:{*}:stats", "COUNT", "1000"});
    const auto& parts = checked(reply, "SCAN").as_array();
    cursor = parts.at(0).as_string();
    for (const auto& key : parts.at(1).as_array()) {
      const std::string& k = key.as_string();
      const auto open = k.find('{'), close = k.rfind('}');
      if (open != std::string::npos && close != std::string::npos && close > open) names.insert(k.substr(open + 1, close - open - 1));
    }
    if (cursor == "0") break;
  }
  std::vector<std::string> out(names.begin(), names.end());
  if (out.size() > limit) out.resize(limit);
  return out;
}

std::vector<std::string> not_dead(Connection& connection, const Keys& keys, const std::vector<std::string>& ids) {
  // A task is on the dead list exactly while its record says "dead" (the scripts change both together).
  std::vector<std::vector<std::string>> commands;
  for (const auto& id : ids) commands.push_back({"HGET", keys.task(id), "state"});
  const auto replies = connection.pipeline(commands);
  std::vector<std::string> out;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const auto& r = checked(replies.at(i), "HGET");
    if (r.is_nil() || r.as_string() != "dead") out.push_back(ids[i]);
  }
  return out;
}

}  // namespace swath::queue
