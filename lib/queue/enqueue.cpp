// Enqueue: claims recorded, then the tasks sent in pipelined batches.
#include "queue/enqueue.hpp"

#include <algorithm>
#include <set>
#include <string>
#include <tuple>

#include "core/cancel.hpp"
#include "core/errors.hpp"
#include "log/logger.hpp"
#include "queue/admin.hpp"
#include "queue/claims.hpp"
#include "queue/client.hpp"

namespace swath::queue {

core::Json to_json(const EnqueueSummary& summary, const std::string& queue) {
  core::Json j = core::Json::object();
  j.set("schema", "swath.enqueue/1");
  j.set("queue", queue);
  j.set("jobs", core::Json::Array(summary.jobs.begin(), summary.jobs.end()));
  j.set("tasks", summary.tasks);
  j.set("enqueued", summary.enqueued);
  j.set("duplicates_skipped", summary.duplicates);
  j.set("dead_skipped", summary.dead_duplicates);
  j.set("not_queued", summary.not_queued);
  if (summary.interrupted) j.set("interrupted", true);  // like "error": present when it applies
  if (summary.unconfirmed > 0) j.set("unconfirmed", summary.unconfirmed);
  std::string error = summary.refusal;
  if (!summary.lost_connection.empty())
    error += (error.empty() ? "" : "; ") + std::string("lost the connection to Redis: ") + summary.lost_connection;
  if (!error.empty()) j.set("error", error);
  return j;
}

namespace {

// --reclaim takes over locations other work claimed, not while that work still has tasks to run there: both would
// write their tiles into one directory, each manifest listing bytes the other changed. (No command removes queued
// tasks: the earlier work has to finish, or die.)
// Only where other work holds a location (a re-run of the same work takes nothing over), and in its own job too:
// other work of the same kind, options and output (another scene of one name) joins the job that still holds the
// earlier tasks (was passed over, and both scenes' tiles landed in one directory).
void refuse_reclaiming_unfinished(QueueClient& client, const EnqueuePlan& plan, std::size_t batch) {
  std::set<std::string> outputs;
  for (const auto& conflict :
       claim_conflicts(client.connection(), client.keys(), plan.claims, batch, plan.claim_spelling)) {
    const auto slash = conflict.key.rfind('/');
    if (slash != std::string::npos) outputs.insert(conflict.key.substr(0, slash));
  }
  if (outputs.empty()) return;
  for (const auto& job : client.jobs()) {
    const auto* output = job.meta.find("output");
    const auto* kind = job.meta.find("kind");  // the kinds that claim locations (detect writes files of its own)
    if (kind == nullptr || !kind->is_string() || (kind->as_string() != "tile" && kind->as_string() != "checksum"))
      continue;
    if (job.unfinished + job.dead <= 0 || output == nullptr || !output->is_string() ||
        outputs.count(output->as_string()) == 0)
      continue;
    // Dead tasks too: `queue dead retry` would run them into the reclaimed output.
    throw core::UsageError("--reclaim of '" + output->as_string() + "'",
                           "job " + job.id + ", enqueued there earlier, has " + std::to_string(job.unfinished) +
                               " unfinished and " + std::to_string(job.dead) +
                               " dead task(s): both works would write there",
                           "wait until `swath queue job " + job.id +
                               "` shows it finished, purge its dead tasks (swath queue dead list, swath queue dead "
                               "purge ID...), then enqueue again with --reclaim");
  }
}

// --force re-runs a tile job's done tasks, not while others of it hold a live lease or are being moved into place:
// such a task's clean-up of its earlier run's files was worked out against the inputs it read, and may remove a file
// a re-run sibling just wrote (a scene rewritten, then forced while the old run's move was still finishing). A lease
// past its deadline does not count (its worker can no longer commit; the task runs again on the inputs as they are),
// nor does a task a layout-2 worker orphaned (in no list of its state: --force is what recovers it). Other kinds
// remove no earlier files.
void refuse_forcing_busy_jobs(QueueClient& client, const EnqueuePlan& plan) {
  auto& connection = client.connection();
  std::vector<std::string> live, moving;  // "JOB:ID" of every live lease and every task being moved, of any job
  bool read = false;
  for (const auto& planned : plan.jobs) {
    for (const auto& job : client.jobs(planned.id)) {
      const auto* kind = job.meta.find("kind");
      if (kind == nullptr || !kind->is_string() || kind->as_string() != "tile" || job.running + job.finishing <= 0)
        continue;
      if (!read) {
        const auto now = std::to_string(connection.server_time_ms());
        const Value leases = connection.command({"ZRANGEBYSCORE", client.keys().leased, now, "+inf"});
        for (const auto& v : leases.as_array()) live.push_back(v.as_string());
        const Value moves = connection.command({"ZRANGE", client.keys().finishing, "0", "-1"});
        for (const auto& v : moves.as_array()) moving.push_back(v.as_string());
        read = true;
      }
      const auto of_job = [&](const std::vector<std::string>& members) {
        return std::count_if(members.begin(), members.end(),
                             [&](const std::string& m) { return m.rfind(job.id + ":", 0) == 0; });
      };
      const auto running = of_job(live), finishing = of_job(moving);
      if (running + finishing == 0) continue;
      throw core::UsageError("--force",
                             "job " + job.id + " has " + std::to_string(running) + " task(s) running and " +
                                 std::to_string(finishing) +
                                 " being moved into place: their clean-up of earlier files could remove "
                                 "what the re-run tasks write",
                             "wait until `swath queue job " + job.id +
                                 "` shows none running or finishing (a worker moves finishing tasks within seconds), "
                                 "then enqueue again with --force");
    }
  }
}

}  // namespace

EnqueuePlan enqueue_plan(const std::vector<Task>& tasks) {
  EnqueuePlan plan;
  plan.claims = plan_claims(tasks);
  std::tie(plan.jobs, plan.tasks) = queued(tasks);
  return plan;
}

Enqueuer::Enqueuer(EnqueueOptions options) : options_(std::move(options)) {
  const Keys keys(options_.queue);  // validates the name before connecting
  // Ctrl-C while Redis is unreachable stops the reconnection attempts at once (the summary says what went in).
  connection_ =
      std::make_unique<Connection>(options_.redis, ConnectOptions{.reconnect_timeout = options_.reconnect_timeout,
                                                                  .client_name = "swath-enqueue",
                                                                  .give_up = core::cancel_requested});
  // Waited out as the batches are (a restart, another client's long script), not an exit 1 before the first.
  const auto warnings = connection_->with_reconnect([&] {
    connection_->refuse_read_only_replica();
    auto said = connection_->check_durability(options_.allow_eviction);
    check_layout(*connection_, keys);
    return said;
  });
  for (const auto& warning : warnings) log::get("enqueue")->warn("{}", warning);
  client_ = std::make_unique<QueueClient>(*connection_, options_.queue);
}

Enqueuer::~Enqueuer() = default;

std::int64_t Enqueuer::server_time_ms() { return connection_->server_time_ms(); }

EnqueueSummary Enqueuer::enqueue(const std::vector<Task>& tasks) { return enqueue(enqueue_plan(tasks)); }

EnqueueSummary Enqueuer::enqueue(const EnqueuePlan& plan) {
  // Two works of these tasks in one place were refused when the plan was made; other work's, before Redis stores any
  // task.
  // A connection lost before the first batch (Redis restarted while the plan was made) is made again; past the
  // reconnect timeout, or on Ctrl-C meanwhile, nothing is queued (the claims recorded are this work's own).
  EnqueueCounts counts;
  try {
    if (options_.reclaim)
      connection_->with_reconnect([&] { refuse_reclaiming_unfinished(*client_, plan, options_.batch); });
    if (options_.force) connection_->with_reconnect([&] { refuse_forcing_busy_jobs(*client_, plan); });
    const auto conflicts = connection_->with_reconnect([&] {
      return record_claims(*connection_, client_->keys(), plan.claims, options_.reclaim, options_.batch,
                           plan.claim_spelling);
    });
    if (!conflicts.empty()) throw claim_refusal(options_.queue, conflicts);
    counts = client_->enqueue(plan.jobs, plan.tasks, options_.force, options_.batch, options_.retention_seconds,
                              options_.dead_max);
  } catch (const core::Interrupted&) {
    throw core::Interrupted("interrupted while Redis at " + options_.redis.describe() + " was unreachable",
                            "no task was queued: run the same command again");
  } catch (const core::IoError& e) {
    throw core::IoError(e.subject(), e.why(), "check the server, then run the same command again: no task was queued");
  }
  log::get("enqueue")->info("queue {}: {} tasks, {} enqueued, {} duplicates skipped, {} not queued{}", options_.queue,
                            plan.tasks.size(), counts.enqueued, counts.duplicates, counts.not_queued,
                            counts.unconfirmed > 0 ? ", " + std::to_string(counts.unconfirmed) + " unconfirmed" : "");
  std::vector<std::string> jobs;
  for (const auto& job : plan.jobs) jobs.push_back(job.id);
  return {jobs,
          static_cast<std::int64_t>(plan.tasks.size()),
          counts.enqueued,
          counts.duplicates,
          counts.dead_duplicates,
          counts.not_queued,
          counts.refusal,
          counts.refused_busy,
          counts.interrupted,
          counts.unconfirmed,
          counts.lost_connection};
}

}  // namespace swath::queue
