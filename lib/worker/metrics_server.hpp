// `swath worker --metrics-port`: the worker's counters in Prometheus text format over plain HTTP.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

namespace swath::worker {

struct WorkerMetrics {
  std::atomic<std::int64_t> leased{0}, committed{0}, retried{0}, dead{0}, lost{0}, in_flight{0};
  std::atomic<double> task_seconds{0};  // sum over committed tasks
  std::string render(const std::string& queue, const std::string& worker) const;
};

// Serves GET /metrics (any path) on 0.0.0.0:port from a background thread until destroyed.
class MetricsServer {
 public:
  MetricsServer(int port, const WorkerMetrics& metrics, std::string queue,
                std::string worker);  // IoError if it cannot bind
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;
  int port() const { return port_; }

 private:
  void loop();
  const WorkerMetrics& metrics_;
  std::string queue_, worker_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace swath::worker
