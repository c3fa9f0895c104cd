// fork/exec for kubectl: stdin fed from a string, stdout/stderr read back with poll() so neither pipe stalls.
#include "scale/k8s/kubectl.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <optional>

#include "core/cancel.hpp"
#include "core/errors.hpp"

namespace swath::scale::k8s {

namespace {

struct Pipe {
  int fd[2] = {-1, -1};
  Pipe() {
    if (::pipe2(fd, O_CLOEXEC) != 0) throw core::IoError("pipe", std::strerror(errno));
  }
  ~Pipe() { close_both(); }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  void close_end(int i) {
    if (fd[i] >= 0) ::close(fd[i]);
    fd[i] = -1;
  }
  void close_both() {
    close_end(0);
    close_end(1);
  }
};

constexpr int kStopGraceSeconds = 5;

// SIGTERM, a second to go, then SIGKILL; reaped either way. (It stays in swath's process group, so a terminal's
// Ctrl-C reaches it too.)
void end_child(pid_t pid) {
  ::kill(pid, SIGTERM);
  for (int i = 0; i < 50; ++i) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) return;
    ::usleep(20000);
  }
  ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
}

}  // namespace

CommandResult run_command(const std::vector<std::string>& argv, const std::string& stdin_text, double timeout_seconds) {
  // A kubectl that exits before reading its manifest must not kill swath with SIGPIPE (main ignores it too;
  // this keeps the library safe for other callers).
  static const bool sigpipe_ignored = [] { return std::signal(SIGPIPE, SIG_IGN) != SIG_ERR; }();
  (void)sigpipe_ignored;
  Pipe in, out, err, status;  // `status` carries errno from a failed exec
  // Built before fork: between fork and exec the child may only make async-signal-safe calls (no malloc).
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) throw core::IoError(argv.front(), std::string("cannot fork: ") + std::strerror(errno));
  if (pid == 0) {
    ::signal(SIGPIPE, SIG_DFL);  // an ignored signal survives exec: give kubectl the default back
    ::dup2(in.fd[0], 0);
    ::dup2(out.fd[1], 1);
    ::dup2(err.fd[1], 2);
    ::execvp(args[0], args.data());
    const int e = errno;
    [[maybe_unused]] auto n = ::write(status.fd[1], &e, sizeof e);
    ::_exit(127);
  }
  in.close_end(0);
  out.close_end(1);
  err.close_end(1);
  status.close_end(1);
  int exec_errno = 0;
  if (::read(status.fd[0], &exec_errno, sizeof exec_errno) == static_cast<ssize_t>(sizeof exec_errno)) {
    int ignored = 0;
    ::waitpid(pid, &ignored, 0);
    throw core::IoError("cannot run '" + argv.front() + "'", std::strerror(exec_errno), "is it installed and on PATH?");
  }
  std::size_t written = 0;
  if (stdin_text.empty()) in.close_end(1);
  CommandResult result;
  pollfd fds[3] = {{out.fd[0], POLLIN, 0}, {err.fd[0], POLLIN, 0}, {in.fd[1], POLLOUT, 0}};
  int open_reads = 2;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_seconds);
  std::optional<std::chrono::steady_clock::time_point> stop_by;
  while (open_reads > 0 || fds[2].fd >= 0) {
    // A kubectl that hangs (an unreachable API server, a stuck wrapper) must not hold the controller, nor a stop:
    // after Ctrl-C/SIGTERM it has a few seconds to finish (a call under way completes), then it is ended, as it
    // is after `timeout_seconds`.
    const auto now = std::chrono::steady_clock::now();
    if (!stop_by && core::cancel_requested()) stop_by = now + std::chrono::seconds(kStopGraceSeconds);
    const bool stop = stop_by && now >= *stop_by;
    if (stop || now >= deadline) {
      end_child(pid);
      if (stop) throw core::Interrupted("'" + render_command(argv) + "' stopped by a signal");
      throw core::IoError("'" + render_command(argv) + "'",
                          "it did not finish within " + std::to_string(static_cast<int>(timeout_seconds)) + " s",
                          "check that the cluster's API server answers (kubectl cluster-info)");
    }
    if (::poll(fds, 3, 200) < 0 && errno != EINTR) break;
    char buffer[4096];
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd >= 0 && (fds[i].revents & (POLLIN | POLLHUP | POLLERR))) {
        const ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
        if (n > 0) {
          (i == 0 ? result.out : result.err).append(buffer, static_cast<std::size_t>(n));
        } else {
          fds[i].fd = -1;
          --open_reads;
        }
      }
    }
    if (fds[2].fd >= 0 && (fds[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
      const ssize_t n = (fds[2].revents & POLLOUT)
                            ? ::write(fds[2].fd, stdin_text.data() + written, stdin_text.size() - written)
                            : -1;
      if (n > 0) written += static_cast<std::size_t>(n);
      if (n <= 0 || written == stdin_text.size()) {
        in.close_end(1);
        fds[2].fd = -1;
      }
    }
    if (stdin_text.empty()) fds[2].fd = -1;
  }
  int wstatus = 0;
  while (::waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {}
  result.exit_code = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
  return result;
}

std::string render_command(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) {
    if (!out.empty()) out += ' ';
    const bool plain = !a.empty() && a.find_first_of(" \t\"'$\\|&;<>(){}*?") == std::string::npos;
    out += plain ? a : "'" + a + "'";
  }
  return out;
}

}  // namespace swath::scale::k8s
