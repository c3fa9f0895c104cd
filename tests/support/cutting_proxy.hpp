// A loopback TCP proxy in front of a real server that cuts the connection after a number of bytes: a network
// fault at an exact point of a conversation (mid-pipeline), which killing the server cannot hit reliably.
#pragma once

#include <atomic>
#include <cstddef>
#include <thread>

namespace swath::test {

class CuttingProxy {
 public:
  // Forwards 127.0.0.1:port() to 127.0.0.1:`target_port`. The first connection is closed (both ways) once
  // `cut_after` bytes from the client have been forwarded; later ones are forwarded whole, or refused when
  // `refuse_after_cut` (the server stays unreachable).
  CuttingProxy(int target_port, std::size_t cut_after, bool refuse_after_cut = false);
  ~CuttingProxy();
  CuttingProxy(const CuttingProxy&) = delete;
  CuttingProxy& operator=(const CuttingProxy&) = delete;

  int port() const { return port_; }
  bool cut() const { return cut_; }              // the first connection was cut
  int connections() const { return accepted_; }  // accepted so far

 private:
  void run();
  void forward(int client);

  int target_port_;
  std::size_t cut_after_;
  bool refuse_after_cut_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false}, cut_{false};
  std::atomic<int> accepted_{0};
  std::thread thread_;
};

}  // namespace swath::test
