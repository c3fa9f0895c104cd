// Enqueue: claims recorded, then the tasks sent in pipelined batches.
#include "queue/enqueue.hpp"

#include <algorithm>

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
  j.set("not_queued", summary.not_queued);
  if (!summary.refusal.empty()) j.set("error", summary.refusal);
  return j;
}

Enqueuer::Enqueuer(EnqueueOptions options) : options_(std::move(options)) {
  const Keys keys(options_.queue);  // validates the name before connecting
  connection_ = std::make_unique<Connection>(options_.redis, ConnectOptions{.client_name = "swath-enqueue"});
  for (const auto& warning : connection_->check_durability(options_.allow_eviction))
    log::get("enqueue")->warn("{}", warning);
  check_layout(*connection_, keys);
  client_ = std::make_unique<QueueClient>(*connection_, options_.queue);
}

Enqueuer::~Enqueuer() = default;

std::int64_t Enqueuer::server_time_ms() { return connection_->server_time_ms(); }

EnqueueSummary Enqueuer::enqueue(const std::vector<Task>& tasks) {
  // Two works of these tasks in one place are refused before Redis is asked.
  const auto claims = plan_claims(tasks);
  if (const auto conflicts = record_claims(*connection_, client_->keys(), claims, options_.reclaim, options_.batch);
      !conflicts.empty()) {
    throw claim_refusal(options_.queue, conflicts);
  }
  const auto counts =
      client_->enqueue(tasks, options_.force, options_.batch, options_.retention_seconds, options_.dead_max);
  log::get("enqueue")->info("queue {}: {} tasks, {} enqueued, {} duplicates skipped, {} not queued", options_.queue,
                            tasks.size(), counts.enqueued, counts.duplicates, counts.not_queued);
  std::vector<std::string> jobs;
  for (const auto& task : tasks) {
    const std::string job = task.job.empty() ? make_job_id(task.kind, shared_options(task), task.output) : task.job;
    if (std::find(jobs.begin(), jobs.end(), job) == jobs.end()) jobs.push_back(job);
  }
  return {jobs,          static_cast<std::int64_t>(tasks.size()), counts.enqueued, counts.duplicates, counts.not_queued,
          counts.refusal};
}

}  // namespace swath::queue
