// A minimal HTTP/1.0 responder: one request per connection, polled so the thread stops promptly.
#include "worker/metrics_server.hpp"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>

#include "core/errors.hpp"

namespace swath::worker {

std::string WorkerMetrics::render(const std::string& queue, const std::string& worker) const {
  std::ostringstream out;
  const std::string labels = "queue=\"" + queue + "\",worker=\"" + worker + "\"";
  out << "# HELP swath_worker_tasks_total Tasks settled by this worker, by result\n"
      << "# TYPE swath_worker_tasks_total counter\n";
  for (const auto& [result, value] : {std::pair{"committed", committed.load()}, std::pair{"retried", retried.load()},
                                      std::pair{"dead", dead.load()}, std::pair{"lost", lost.load()}}) {
    out << "swath_worker_tasks_total{" << labels << ",result=\"" << result << "\"} " << value << "\n";
  }
  out << "# HELP swath_worker_leased_total Tasks leased by this worker\n# TYPE swath_worker_leased_total counter\n"
      << "swath_worker_leased_total{" << labels << "} " << leased.load() << "\n"
      << "# HELP swath_worker_in_flight Tasks leased and not yet settled\n# TYPE swath_worker_in_flight gauge\n"
      << "swath_worker_in_flight{" << labels << "} " << in_flight.load() << "\n"
      << "# HELP swath_worker_task_seconds_total Time spent in committed tasks\n"
      << "# TYPE swath_worker_task_seconds_total counter\n"
      << "swath_worker_task_seconds_total{" << labels << "} " << task_seconds.load() << "\n";
  return out.str();
}

MetricsServer::MetricsServer(int port, const WorkerMetrics& metrics, std::string queue, std::string worker)
    : metrics_(metrics), queue_(std::move(queue)), worker_(std::move(worker)) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int yes = 1;
  ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_ANY);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  socklen_t len = sizeof addr;
  if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd_, 16) != 0 ||
      ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    const int err = errno;
    if (fd_ >= 0) ::close(fd_);
    throw core::IoError("cannot serve metrics on port " + std::to_string(port), std::strerror(err),
                        "choose a free --metrics-port");
  }
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { loop(); });
}

MetricsServer::~MetricsServer() {
  stopping_ = true;
  thread_.join();
  ::close(fd_);
}

void MetricsServer::loop() {
  while (!stopping_) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    const int client = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    pollfd c{client, POLLIN, 0};
    char request[1024];
    if (::poll(&c, 1, 1000) > 0) (void)::recv(client, request, sizeof request, 0);
    const std::string body = metrics_.render(queue_, worker_);
    const std::string response =
        "HTTP/1.0 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: " + std::to_string(body.size()) +
        "\r\nConnection: close\r\n\r\n" + body;
    (void)::send(client, response.data(), response.size(), MSG_NOSIGNAL);
    ::close(client);
  }
}

}  // namespace swath::worker
