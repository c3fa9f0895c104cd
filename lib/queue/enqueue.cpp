// Enqueue: claims recorded, then the tasks sent in pipelined batches.
#include "queue/enqueue.hpp"

#include "log/logger.hpp"
#include "queue/claims.hpp"
#include "queue/client.hpp"

namespace swath::queue {

core::Json EnqueueSummary::json(const std::string& queue) const {
  core::Json j = core::Json::object();
  j.set("schema", "swath.enqueue/1");
  j.set("queue", queue);
  j.set("tasks", tasks);
  j.set("enqueued", enqueued);
  j.set("duplicates_skipped", duplicates);
  j.set("not_queued", not_queued);
  if (!refusal.empty()) j.set("error", refusal);
  return j;
}

Enqueuer::Enqueuer(EnqueueOptions options) : options_(std::move(options)) {
  const Keys keys(options_.queue);  // validates the name before connecting
  connection_ = std::make_unique<Connection>(options_.redis, ConnectOptions{.client_name = "swath-enqueue"});
  for (const auto& warning : connection_->check_durability(options_.allow_eviction)) log::get("enqueue")->warn("{}", warning);
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
  const auto counts = client_->enqueue(tasks, options_.force, options_.batch);
  log::get("enqueue")->info("queue {}: {} tasks, {} enqueued, {} duplicates skipped, {} not queued", options_.queue,
                            tasks.size(), counts.enqueued, counts.duplicates, counts.not_queued);
  return {static_cast<std::int64_t>(tasks.size()), counts.enqueued, counts.duplicates, counts.not_queued, counts.refusal};
}

}  // namespace swath::queue
