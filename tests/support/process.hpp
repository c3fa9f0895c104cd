// Runs programs for tests: the swath binary end to end, redis-server, helper tools.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace swath::test {

struct RunResult {
  int exit_code = -1;  // 128 + signal when killed by one
  std::string out;
  std::string err;
};

struct RunOptions {
  std::map<std::string, std::string> env{};  // added to (or replacing in) the inherited environment
  std::vector<std::string> unset_env{};      // removed from it
  std::string working_dir{};
  std::chrono::seconds timeout{120};
};

// Runs `argv` to completion and captures its output.
RunResult run(const std::vector<std::string>& argv, const RunOptions& options = {});

// Runs the built swath binary with `args`; SWATH_* and TRACEPARENT are cleared unless set in options.
RunResult swath(const std::vector<std::string>& args, RunOptions options = {});

// A child process running in the background, killed (SIGKILL) when destroyed unless waited for.
class Background {
 public:
  Background(const std::vector<std::string>& argv, const RunOptions& options = {});
  ~Background();
  Background(const Background&) = delete;
  Background& operator=(const Background&) = delete;
  pid_t pid() const { return pid_; }
  void signal(int signal_number) const;
  RunResult wait();  // waits and collects output (stdout/stderr go to files)
  // The same, but SIGKILLs the child after `timeout` (its stderr then ends with a note saying so).
  RunResult wait(std::chrono::seconds timeout);
  bool running() const;
  std::string err_so_far() const;  // what the child has written to stderr until now
  // Whether the child has its own handler for the signal yet (a signal sent before that kills it instead).
  bool catches(int signal_number) const;
  // Waits (up to 60 s) until it has: a fixed pause before signalling lost that race under ASan on a loaded machine.
  void wait_until_catching(int signal_number) const;

 private:
  pid_t pid_ = -1;
  std::string out_path_;
  std::string err_path_;
  bool waited_ = false;
};

// Lines of `text`, without the trailing empty one.
std::vector<std::string> lines(const std::string& text);

// The pid of a process that has exited: with host_name(), the name of a temporary a killed earlier run left.
pid_t dead_pid();
// This host's name as temporary file names carry it ('/' replaced by '_'; "localhost" when it has none).
std::string host_name();

}  // namespace swath::test
