// Child processes with captured output and a timeout, for end-to-end tests.
#include "support/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "support/scratch.hpp"

extern char** environ;

namespace swath::test {

namespace {

std::vector<std::string> build_environment(const RunOptions& options) {
  std::map<std::string, std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry = *e;
    const auto eq = entry.find('=');
    if (eq != std::string::npos) env[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  for (const auto& name : options.unset_env) env.erase(name);
  for (const auto& [k, v] : options.env) env[k] = v;
  std::vector<std::string> out;
  for (const auto& [k, v] : env) out.push_back(k + "=" + v);
  return out;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// posix_spawn: glibc's clones without copying the parent's page tables, which a fork of a test process does
// (slow under AddressSanitizer: the suites start thousands of swath and redis-cli processes). Returns 0 or errno.
int spawn_child(std::vector<std::string> argv, const RunOptions& options, int out_fd, int err_fd, pid_t& pid) {
  auto env_strings = build_environment(options);
  auto env = c_strings(env_strings);
  auto args = c_strings(argv);
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attributes;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attributes);
  posix_spawn_file_actions_adddup2(&actions, out_fd, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_fd, STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  if (!options.working_dir.empty()) posix_spawn_file_actions_addchdir_np(&actions, options.working_dir.c_str());
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attributes, 0);
  const bool has_path = argv[0].find('/') != std::string::npos;
  const int error = has_path ? ::posix_spawn(&pid, args[0], &actions, &attributes, args.data(), env.data())
                             : ::posix_spawnp(&pid, args[0], &actions, &attributes, args.data(), env.data());
  posix_spawnattr_destroy(&attributes);
  posix_spawn_file_actions_destroy(&actions);
  return error;
}

// What a failed spawn falls back to, so a missing program or directory still reads as exit 127 or 126.
[[noreturn]] void exec_child(std::vector<std::string> argv, const RunOptions& options, int out_fd, int err_fd) {
  auto env_strings = build_environment(options);
  auto env = c_strings(env_strings);
  auto args = c_strings(argv);
  ::dup2(out_fd, STDOUT_FILENO);
  ::dup2(err_fd, STDERR_FILENO);
  const int devnull = ::open("/dev/null", O_RDONLY);
  ::dup2(devnull, STDIN_FILENO);
  ::setpgid(0, 0);
  if (!options.working_dir.empty() && ::chdir(options.working_dir.c_str()) != 0) _exit(126);
  ::execve(args[0], args.data(), env.data());
  // execve needs a path: try PATH lookup.
  ::execvpe(args[0], args.data(), env.data());
  _exit(127);
}

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

RunResult run(const std::vector<std::string>& argv, const RunOptions& options) {
  Background child(argv, options);
  const auto deadline = std::chrono::steady_clock::now() + options.timeout;
  while (child.running()) {
    if (std::chrono::steady_clock::now() > deadline) {
      child.signal(SIGKILL);
      auto result = child.wait();
      result.err += "\n[test harness: killed after timeout]";
      return result;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return child.wait();
}

RunResult swath(const std::vector<std::string>& args, RunOptions options) {
  std::vector<std::string> argv{SWATH_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry = *e;
    const std::string name = entry.substr(0, entry.find('='));
    if ((name.rfind("SWATH_", 0) == 0 && name != "SWATH_TEST_TMP") || name == "TRACEPARENT") {
      if (options.env.count(name) == 0) options.unset_env.push_back(name);
    }
  }
  return run(argv, options);
}

Background::Background(const std::vector<std::string>& argv, const RunOptions& options) {
  static int counter = 0;
  const std::string base = scratch_root() + "/proc-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
  out_path_ = base + ".out";
  err_path_ = base + ".err";
  const int out_fd = ::open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const int err_fd = ::open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out_fd < 0 || err_fd < 0) throw std::runtime_error("cannot create output files under " + base);
  if (spawn_child(argv, options, out_fd, err_fd, pid_) != 0) {
    pid_ = ::fork();
    if (pid_ == 0) exec_child(argv, options, out_fd, err_fd);
  }
  ::close(out_fd);
  ::close(err_fd);
  if (pid_ < 0) throw std::runtime_error("fork failed");
}

Background::~Background() {
  if (!waited_ && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  ::unlink(out_path_.c_str());
  ::unlink(err_path_.c_str());
}

void Background::signal(int signal_number) const { ::kill(pid_, signal_number); }

bool Background::running() const {
  if (waited_) return false;
  siginfo_t info{};
  // WNOWAIT leaves the child waitable, so wait() still collects its status.
  return ::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == 0;
}

std::string Background::err_so_far() const { return slurp(err_path_); }

bool Background::catches(int signal_number) const {
  std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("SigCgt:", 0) != 0) continue;
    const auto mask = std::stoull(line.substr(7), nullptr, 16);
    return ((mask >> (signal_number - 1)) & 1U) != 0;
  }
  return false;
}

void Background::wait_until_catching(int signal_number) const {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!catches(signal_number)) {
    if (!running()) throw std::runtime_error("the child exited before it could be signalled");
    if (std::chrono::steady_clock::now() > deadline)
      throw std::runtime_error("the child never installed its handler for signal " + std::to_string(signal_number));
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

RunResult Background::wait() {
  RunResult result;
  int status = 0;
  ::waitpid(pid_, &status, 0);
  waited_ = true;
  result.exit_code = decode_status(status);
  result.out = slurp(out_path_);
  result.err = slurp(err_path_);
  return result;
}

RunResult Background::wait(std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (running() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const bool late = running();
  if (late) signal(SIGKILL);
  RunResult result = wait();
  if (late) result.err += "\n[test harness: killed after timeout]";
  return result;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

pid_t dead_pid() {
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  int status = 0;
  ::waitpid(child, &status, 0);
  return child;
}

std::string host_name() {
  char text[256] = {};
  ::gethostname(text, sizeof text - 1);
  std::string out = text;
  std::replace(out.begin(), out.end(), '/', '_');
  return out.empty() ? "localhost" : out;
}

}  // namespace swath::test
