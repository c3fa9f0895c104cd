// The few exception kinds swath throws, and the exit codes they map to (caught once, in main).
#pragma once

#include <stdexcept>
#include <string>
#include <utility>

namespace swath::core {

// Stable exit codes: documented in the README and in `swath --help`; CI pipelines depend on them.
enum class ExitCode : int {
  ok = 0,
  failure = 1,       // I/O or data error, Redis unreachable, ...
  usage = 2,         // bad flag, bad config, bad value
  partial = 3,       // the run finished but some items failed (see the report)
  interrupted = 130  // SIGINT / SIGTERM
};

enum class ErrorKind { usage, io, data, interrupted };

// Base of every error swath reports to a user: `what` names the thing, `why` says what is wrong,
// `hint` says what to do. The command name is prefixed by main.
class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, std::string what_part, std::string why, std::string hint = {});
  ErrorKind kind() const { return kind_; }
  const std::string& subject() const { return subject_; }
  const std::string& why() const { return why_; }
  const std::string& hint() const { return hint_; }
  ExitCode exit_code() const;

 private:
  ErrorKind kind_;
  std::string subject_;
  std::string why_;
  std::string hint_;
};

// A flag, a config key or a value the user gave is wrong: exit 2.
class UsageError : public Error {
 public:
  UsageError(std::string what_part, std::string why, std::string hint = {})
      : Error(ErrorKind::usage, std::move(what_part), std::move(why), std::move(hint)) {}
};

// A file, a directory, a network peer cannot be read or written: exit 1.
class IoError : public Error {
 public:
  IoError(std::string what_part, std::string why, std::string hint = {})
      : Error(ErrorKind::io, std::move(what_part), std::move(why), std::move(hint)) {}
  // With the errno it came from, for callers that tell lasting failures (EROFS, EACCES) from passing ones.
  IoError(std::string what_part, std::string why, std::string hint, int os_error)
      : Error(ErrorKind::io, std::move(what_part), std::move(why), std::move(hint)), os_error_(os_error) {}
  int os_error() const { return os_error_; }  // 0: not known

 private:
  int os_error_ = 0;
};

// The input is readable but its content is wrong (corrupt raster, malformed task): exit 1.
class DataError : public Error {
 public:
  DataError(std::string what_part, std::string why, std::string hint = {})
      : Error(ErrorKind::data, std::move(what_part), std::move(why), std::move(hint)) {}
};

// The run was stopped by a signal before it finished: exit 130.
class Interrupted : public Error {
 public:
  explicit Interrupted(std::string what_part = "interrupted", std::string hint = {})
      : Error(ErrorKind::interrupted, std::move(what_part), "stopped by a signal", std::move(hint)) {}
};

// Formats `what: why (hint: ...)`, the body of every message after `swath <command>: `.
std::string describe(const Error& error);

// describe's text taken apart again: {"what: why", "..."} of "what: why (hint: ...)"; {text, ""} without a hint. An
// error that quotes another's (a run none of whose items could be made, naming the first) takes its hint as its own.
std::pair<std::string, std::string> split_hint(const std::string& described);

}  // namespace swath::core
