// The renewal thread: every third of a lease (at most 5 s, also the heartbeat period) it extends all held leases.
#include "worker/lease_keeper.hpp"

#include <algorithm>
#include <vector>

#include "core/errors.hpp"
#include "log/logger.hpp"
#include "queue/client.hpp"

namespace swath::worker {

LeaseKeeper::LeaseKeeper(const queue::RedisEndpoint& endpoint, const queue::ConnectOptions& options,
                         const std::string& queue_name, const std::string& worker_id, std::int64_t lease_ms)
    : connection_(endpoint, stoppable(options)),
      queue_name_(queue_name),
      worker_id_(worker_id),
      lease_ms_(lease_ms),
      interval_(std::chrono::milliseconds(std::clamp<std::int64_t>(lease_ms / 3, 50, 5000))),
      context_(log::current()),
      thread_([this] { loop(); }) {}

LeaseKeeper::~LeaseKeeper() { stop(); }

void LeaseKeeper::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stop_ = true;
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

queue::ConnectOptions LeaseKeeper::stoppable(queue::ConnectOptions options) {
  auto outer = options.give_up;
  options.give_up = [this, outer] { return stop_.load() || (outer && outer()); };
  return options;
}

void LeaseKeeper::hold(const std::vector<queue::LeaseRef>& leases, const std::vector<log::Context>& contexts) {
  std::lock_guard lock(mutex_);
  for (std::size_t i = 0; i < leases.size(); ++i) {
    const auto& [id, token] = leases[i];
    // Leased again: the earlier lease expired (its attempt may still run here); it stops, its commit is refused.
    if (const auto earlier = held_.find(id); earlier != held_.end() && earlier->second != token)
      lost_.insert({id, earlier->second});
    held_[id] = token;
    if (i < contexts.size()) contexts_[id] = contexts[i];
  }
}

void LeaseKeeper::drop(const std::vector<queue::LeaseRef>& leases) {
  std::lock_guard lock(mutex_);
  for (const auto& lease : leases) {
    if (const auto found = held_.find(lease.first); found != held_.end() && found->second == lease.second) {
      held_.erase(found);
      contexts_.erase(lease.first);
    }
    lost_.erase(lease);
    settling_.erase(lease);
  }
}

void LeaseKeeper::settling(const std::vector<queue::LeaseRef>& leases) {
  std::lock_guard lock(mutex_);
  settling_.insert(leases.begin(), leases.end());
}

bool LeaseKeeper::lost(const queue::LeaseRef& lease) const {
  std::lock_guard lock(mutex_);
  return lost_.count(lease) > 0;
}

std::vector<queue::LeaseRef> LeaseKeeper::held() const {
  std::lock_guard lock(mutex_);
  return {held_.begin(), held_.end()};
}

std::string LeaseKeeper::failure() const {
  std::lock_guard lock(mutex_);
  return failure_;
}

std::exception_ptr LeaseKeeper::refusal() const {
  std::lock_guard lock(mutex_);
  return refusal_;
}

void LeaseKeeper::loop() {
  const log::ContextGuard worker_context(context_);  // its reconnection lines name the worker too
  const auto logger = log::get("worker");
  queue::QueueClient client(connection_, queue_name_);
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    std::vector<queue::LeaseRef> held(held_.begin(), held_.end());
    lock.unlock();
    try {
      const auto lost = connection_.with_reconnect([&] { return client.renew(worker_id_, lease_ms_, held); });
      lock.lock();
      for (const auto& id : lost) {
        // The lease renewed, not one this worker took for the task since.
        const auto renewed = std::find_if(held.begin(), held.end(), [&](const auto& ref) { return ref.first == id; });
        const auto now_held = held_.find(id);
        if (renewed == held.end() || now_held == held_.end() || now_held->second != renewed->second) continue;
        if (settling_.count(*renewed) > 0) continue;  // committed or failed meanwhile, its reply not read yet
        if (lost_.insert(*renewed).second) {
          const auto context = contexts_.find(id);
          const log::ContextGuard task(context != contexts_.end() ? context->second : context_);
          logger->warn("lost the lease of task {}: it expired or was taken over; its outputs will be discarded", id);
        }
      }
    } catch (const core::DataError& e) {
      lock.lock();
      failure_ = e.what();
      refusal_ = std::current_exception();
      failed_ = true;
      return;
    } catch (const core::Error& e) {
      lock.lock();
      failure_ = e.why();  // why only: the worker's message names Redis itself ("Redis at X is unreachable: ...")
      failed_ = true;
      return;
    } catch (const std::exception& e) {
      lock.lock();
      failure_ = e.what();
      failed_ = true;
      return;
    }
    wake_.wait_for(lock, interval_, [this] { return stopping_; });
  }
}

}  // namespace swath::worker
