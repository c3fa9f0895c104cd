// Running kubectl (or a stand-in): argv in, exit code and output back, optional stdin for manifests.
#pragma once

#include <string>
#include <vector>

namespace swath::scale::k8s {

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// fork/exec with pipes; IoError when the program cannot be started at all or has not finished within
// `timeout_seconds`, Interrupted when still running 5 s after Ctrl-C/SIGTERM (core::cancel_requested): the
// program is ended then.
CommandResult run_command(const std::vector<std::string>& argv, const std::string& stdin_text = {},
                          double timeout_seconds = 120);

// Shell-style rendering for logs and dry-run output.
std::string render_command(const std::vector<std::string>& argv);

}  // namespace swath::scale::k8s
