// Queue existence, dead-task membership, the list of queues and the layout: plain reads; migrate, one script.
#include "queue/admin.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "core/errors.hpp"
#include "core/json.hpp"
#include "core/text.hpp"
#include "queue/script_prelude.hpp"

namespace swath::queue {

namespace {

const Value& checked(const Value& reply, const std::string& what) {
  if (reply.is_error()) throw core::DataError("Redis refused " + what, reply.text, "check the server's log");
  return reply;
}

// Marks the queue layout 3 with buckets for new jobs; in one script, so a newer swath's layout set since
// check_layout is refused, not overwritten. → 1 when it was not bucketed yet.
const Script migrate_script{"migrate", scripts::compose(scripts::grows, R"lua(
local refused = foreign_layout()
if refused then return refused end
redis.call('SET', k('layout'), '3')
return redis.call('SETNX', k('bucketed'), '1')
)lua")};

}  // namespace

bool queue_seen(Connection& connection, const Keys& keys) {
  // One slot (the keys share the hash tag), so one EXISTS may count them all, also on a Cluster.
  const auto reply =
      connection.command({"EXISTS", keys.stats, keys.ready, keys.low, keys.delayed, keys.leased, keys.dead, keys.jobs});
  return checked(reply, "EXISTS").as_int() > 0;
}

std::string never_used_note(Connection& connection, const std::string& name) {
  // A mistyped name's queue is named first; the list is cut at 20, saying so (was: cut without a word, so the queue
  // meant could be missing from it).
  constexpr std::size_t shown = 20, looked_for = 1000;
  auto known = seen_queues(connection, looked_for);
  std::string said = "queue '" + name + "' has never been used on this server (nothing was enqueued on it); ";
  if (known.empty()) return said + "it holds no swath queue";
  if (const auto meant = core::closest_match(name, known)) said += "did you mean '" + *meant + "'? ";
  const std::size_t more = known.size() > shown ? known.size() - shown : 0;
  known.resize(std::min(known.size(), shown));
  return said + "queues it holds: " + core::join(known, ", ") +
         (more > 0 ? " (and " + std::string(known.size() + more >= looked_for ? "at least " : "") +
                         std::to_string(more) + " more)"
                   : "");
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
      if (open != std::string::npos && close != std::string::npos && close > open)
        names.insert(k.substr(open + 1, close - open - 1));
    }
    if (cursor == "0") break;
  }
  std::vector<std::string> out(names.begin(), names.end());
  if (out.size() > limit) out.resize(limit);
  return out;
}

std::vector<std::string> not_dead(QueueClient& client, const std::vector<std::string>& ids) {
  const auto dead = client.dead_members(ids);
  std::vector<std::string> out;
  for (const auto& id : ids) {
    if (std::find(dead.begin(), dead.end(), id) == dead.end()) out.push_back(id);
  }
  return out;
}

namespace {

// Whether `ids` (task ids or keys; none: all) names the task of key "JOB:ID".
bool named_in(const std::vector<std::string>& ids, const std::string& key) {
  const auto colon = key.find(':');
  const std::string id = colon == std::string::npos ? key : key.substr(colon + 1);
  return ids.empty() || std::find(ids.begin(), ids.end(), key) != ids.end() ||
         std::find(ids.begin(), ids.end(), id) != ids.end();
}

}  // namespace

StayingDead dead_that_stay(QueueClient& client, const std::vector<std::string>& ids) {
  const std::int64_t now = client.connection().server_time_ms();
  std::map<std::string, bool> expired;  // job → its deadline has passed
  StayingDead out;
  for (const auto& task : client.dead_list(0, -1)) {
    if (!named_in(ids, task.id)) continue;
    const std::string job = task.id.substr(0, task.id.find(':'));
    auto known = expired.find(job);
    if (known == expired.end()) {
      bool past = false;
      for (const auto& info : client.jobs(job)) {
        const auto* deadline = info.meta.find("deadline");
        past = past || (deadline != nullptr && deadline->is_int() && deadline->as_int() < now);
      }
      known = expired.emplace(job, past).first;
    }
    if (known->second) {
      out.past_deadline.push_back(task.id);
      continue;
    }
    try {
      const auto envelope = core::Json::parse(task.envelope);  // kept: `inputs` points into it
      const auto* inputs = envelope.find("inputs");
      if (inputs != nullptr && inputs->is_array() && inputs->as_array().empty()) out.without_record.push_back(task.id);
    } catch (const core::Error&) {
      // A foreign element's envelope: not a lost record of a swath task.
    }
  }
  return out;
}

void check_layout(Connection& connection, const Keys& keys) {
  const auto layout = connection.command({"GET", keys.layout});
  if (!layout.is_nil()) {
    const std::string& version = checked(layout, "GET").as_string();
    // Layout 3 only adds buckets to layout 2 (a job without them has one; old claims are honoured).
    if (version == "2" || version == "3") return;
    throw core::DataError("queue " + keys.name,
                          "it was written by a newer swath (queue layout " + version +
                              "); this swath reads layouts 2 "
                              "and 3 and would misread it",
                          "run the swath version that wrote it (or newer) against this queue");
  }
  const auto old = connection.command(
      {"EXISTS", keys.stats, keys.ready, keys.low, keys.delayed, keys.leased, keys.dead, keys.counts});
  if (checked(old, "EXISTS").as_int() == 0) return;  // a queue never used: this version lays it out
  throw core::DataError(
      "queue " + keys.name,
      "it holds tasks in queue layout 1 (swath.task/1 records, one per task, from swath builds before "
      "jobs); this swath reads layouts 2 and 3 and would misread them",
      "drain it with the swath version that queued them, or remove it: redis-cli --scan --pattern "
      "'swath:{" +
          keys.name + "}:*' | xargs redis-cli del");
}

bool migrate(Connection& connection, const Keys& keys) {
  check_layout(connection, keys);
  return connection.eval(migrate_script, {keys.ready}, {keys.prefix}).as_int() == 1;
}

}  // namespace swath::queue
