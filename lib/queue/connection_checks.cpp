// What Redis says, as swath's errors: a script's refusal (another layout, a queue reset under a worker, a full
// Redis) and a server unsafe for a queue (no AOF, an eviction policy).
#include "queue/connection.hpp"

#include "core/text.hpp"

namespace swath::queue {

void script_failed(const Script& script, const std::string& error, const std::string& prefix) {
  // "SWATH_LAYOUT <the queue's> <the layouts this swath reads>..." from the scripts' foreign_layout().
  if (error.rfind("SWATH_LAYOUT ", 0) == 0) {
    auto words = core::split(error.substr(13), ' ');
    const std::string found = words.empty() ? "?" : words.front();
    if (!words.empty()) words.erase(words.begin());
    throw core::DataError("queue '" + prefix.substr(7, prefix.size() > 9 ? prefix.size() - 9 : 0) + "'",
                          "it is in queue layout " + found +
                              " now (a newer swath laid it out since this one started); "
                              "this swath reads layouts " +
                              core::join(words, " and ") + " and would misread it",
                          "run the swath version that laid it out (or newer), workers and enqueue alike");
  }
  if (error.rfind("SWATH_QUEUE_GONE ", 0) == 0) {
    throw core::DataError("queue '" + prefix.substr(7, prefix.size() > 9 ? prefix.size() - 9 : 0) + "'",
                          "it is gone from Redis while this worker held its tasks (" + error.substr(17) +
                              "): its keys were deleted (FLUSHDB, eviction, or Redis restarted without its AOF); "
                              "those tasks and every one queued then are lost",
                          "enqueue the work again; run Redis with appendonly yes and maxmemory-policy noeviction");
  }
  // Another client's long script (a `dead retry` over a long dead list): this one did not run. Waited out as a
  // server not ready is (Connection::with_reconnect); was a DataError, and every worker exited.
  if (is_busy_error(error)) {
    throw ServerNotReady("Redis is busy running another script", error, "wait for it to finish");
  }
  // Out of memory under noeviction: nothing was written (a script that writes is refused whole); a full Redis, not
  // a damaged queue.
  if (error.rfind("OOM", 0) == 0) {
    throw core::IoError(std::string("Redis refused swath's ") + script.name + " script", error,
                        "Redis is out of memory (maxmemory): give it more, or let workers drain the queue, then run "
                        "the same command again");
  }
  // A replica takes no writes: the URL names the wrong server, not a damaged queue.
  if (error.rfind("READONLY", 0) == 0) {
    throw core::IoError(std::string("Redis refused swath's ") + script.name + " script", error,
                        "that server is a read-only replica: point --redis at the primary");
  }
  throw core::DataError(std::string("Redis failed swath's ") + script.name + " script", error,
                        "check the server's log; is the key space shared with another program?");
}

void Connection::refuse_read_only_replica() {
  // Every script would fail on its first write, said as something else (a worker: "unreachable").
  const Value replication = command({"INFO", "replication"});
  if (!replication.is_error() && replication.text.find("role:slave") != std::string::npos &&
      replication.text.find("slave_read_only:0") == std::string::npos) {
    throw core::IoError("Redis at " + endpoint_.describe() + " is a read-only replica",
                        "this command writes to the queue", "point --redis at the primary");
  }
}

std::vector<std::string> Connection::check_durability(bool allow_eviction) {
  const Value info = command({"INFO", "persistence"});
  const Value memory = command({"INFO", "memory"});
  std::vector<std::string> warnings;
  if (!info.is_error() && info.text.find("aof_enabled:1") == std::string::npos) {
    warnings.push_back("Redis at " + endpoint_.describe() +
                       " has no AOF (appendonly no): a restart loses queued tasks");
  }
  const std::string field = "maxmemory_policy:";
  const auto at = memory.is_error() ? std::string::npos : memory.text.find(field);
  if (at == std::string::npos) return warnings;  // not a server that says (a proxy): nothing to judge by
  const auto start = at + field.size();
  const std::string policy = memory.text.substr(start, memory.text.find_first_of("\r\n", start) - start);
  if (policy == "noeviction") return warnings;
  const std::string why = "its maxmemory-policy is " + policy + ": under memory pressure it deletes keys, and queued " +
                          "tasks vanish without an error";
  if (!allow_eviction) {
    throw core::IoError("Redis at " + endpoint_.describe() + " is not safe for a queue", why,
                        "CONFIG SET maxmemory-policy noeviction (and in redis.conf), or pass --allow-eviction "
                        "to accept losing tasks");
  }
  warnings.push_back("Redis at " + endpoint_.describe() + ": " + why + " (allowed by --allow-eviction)");
  return warnings;
}

}  // namespace swath::queue
