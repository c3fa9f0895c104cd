// CuttingProxy: one thread accepts and forwards with poll(), one connection at a time (a client reconnects only
// after its connection is gone).
#include "support/cutting_proxy.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace swath::test {

namespace {

sockaddr_in loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  return addr;
}

}  // namespace

CuttingProxy::CuttingProxy(int target_port, std::size_t cut_after, bool refuse_after_cut)
    : target_port_(target_port), cut_after_(cut_after), refuse_after_cut_(refuse_after_cut) {
  listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
  auto addr = loopback(0);
  socklen_t len = sizeof addr;
  if (listener_ < 0 || ::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listener_, 8) != 0 || ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (listener_ >= 0) ::close(listener_);
    throw std::runtime_error("CuttingProxy: cannot listen on loopback");
  }
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { run(); });
}

CuttingProxy::~CuttingProxy() {
  stop_ = true;
  thread_.join();
  if (listener_ >= 0) ::close(listener_);
}

void CuttingProxy::run() {
  while (!stop_) {
    pollfd p{listener_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    const int client = ::accept(listener_, nullptr, nullptr);
    if (client < 0) continue;
    ++accepted_;
    if (cut_ && refuse_after_cut_) {
      ::close(client);  // as good as refused: the client's handshake fails at once
      continue;
    }
    forward(client);
  }
}

void CuttingProxy::forward(int client) {
  const int server = ::socket(AF_INET, SOCK_STREAM, 0);
  const auto addr = loopback(target_port_);
  if (server < 0 || ::connect(server, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    if (server >= 0) ::close(server);
    ::close(client);
    return;
  }
  const bool cutting = !cut_;
  std::size_t from_client = 0;
  char buffer[16384];
  while (!stop_) {
    pollfd fds[2] = {{client, POLLIN, 0}, {server, POLLIN, 0}};
    if (::poll(fds, 2, 50) <= 0) continue;
    bool closed = false;
    for (int i = 0; i < 2 && !closed; ++i) {
      if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      const int from = fds[i].fd, to = i == 0 ? server : client;
      std::size_t want = sizeof buffer;
      if (i == 0 && cutting) want = std::min(want, cut_after_ - from_client);
      const auto n = ::recv(from, buffer, want, 0);
      if (n <= 0) {
        closed = true;
        break;
      }
      for (ssize_t sent = 0; sent < n;) {
        const auto m = ::send(to, buffer + sent, static_cast<std::size_t>(n - sent), MSG_NOSIGNAL);
        if (m <= 0) {
          closed = true;
          break;
        }
        sent += m;
      }
      if (i == 0) from_client += static_cast<std::size_t>(n);
      if (cutting && from_client >= cut_after_) {
        cut_ = true;
        closed = true;
      }
    }
    if (closed) break;
  }
  ::close(server);
  ::close(client);
}

}  // namespace swath::test
