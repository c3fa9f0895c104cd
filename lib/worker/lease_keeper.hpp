// Keeps a worker's leases alive from a second Redis connection (a blocking call on the first one must not
// starve renewals), heartbeats the worker, and remembers which leases were lost.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "log/context.hpp"
#include "queue/client.hpp"
#include "queue/connection.hpp"

namespace swath::worker {

class LeaseKeeper {
 public:
  LeaseKeeper(const queue::RedisEndpoint& endpoint, const queue::ConnectOptions& options, const std::string& queue_name,
              const std::string& worker_id, std::int64_t lease_ms);
  ~LeaseKeeper();  // stop()
  LeaseKeeper(const LeaseKeeper&) = delete;
  LeaseKeeper& operator=(const LeaseKeeper&) = delete;

  // `contexts` (one per lease, or none): what a lost lease is logged under.
  void hold(const std::vector<queue::LeaseRef>& leases, const std::vector<log::Context>& contexts = {});
  // Forgets these leases, each only while it is the one held for its task: a task this worker leased again since
  // (its earlier attempt's lease expired in a stall) keeps its new lease renewed.
  void drop(const std::vector<queue::LeaseRef>& leases);
  // These leases' commits or failures are on their way to Redis: a renewal that finds them settled there (no longer
  // leased) must not call them lost. drop() forgets them.
  void settling(const std::vector<queue::LeaseRef>& leases);
  bool lost(const queue::LeaseRef& lease) const;
  std::vector<queue::LeaseRef> held() const;
  // Set when Redis stayed unreachable past the reconnect timeout, or refused the renewal; the worker then stops.
  bool failed() const { return failed_.load(); }
  std::string failure() const;
  // The renewal's refusal (a DataError: the queue is in a layout this swath does not read), or null when the
  // failure was Redis being unreachable: the worker reports it as it is, not as a lost connection.
  std::exception_ptr refusal() const;
  // Ends the renewals (also a reconnection under way) and joins the thread; the leases are left to expire.
  void stop();

 private:
  void loop();
  queue::ConnectOptions stoppable(queue::ConnectOptions options);

  std::atomic<bool> stop_{false};
  queue::Connection connection_;
  std::string queue_name_;
  std::string worker_id_;
  std::int64_t lease_ms_;
  std::chrono::milliseconds interval_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::map<std::string, std::string> held_;       // task id → the token of its lease held now
  std::map<std::string, log::Context> contexts_;  // task id → its log context, while held
  log::Context context_;                          // the worker's, made the renewal thread's own
  std::set<queue::LeaseRef> lost_;
  std::set<queue::LeaseRef> settling_;
  bool stopping_ = false;
  std::atomic<bool> failed_{false};
  std::string failure_;
  std::exception_ptr refusal_;
  std::thread thread_;
};

}  // namespace swath::worker
