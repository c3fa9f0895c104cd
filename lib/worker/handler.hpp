// What a worker runs for each task kind: the TaskHandler interface and the registry the worker dispatches on.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "queue/task.hpp"

namespace swath::worker {

struct HandlerContext {
  // The attempt's own directory (created before run when the handler writes outputs): write every output here.
  // The worker commits them (fenced) and only then moves them into task.output.
  std::string staging_dir;
  // True once the lease is lost or shutdown's grace ran out: long handlers should check it and throw.
  std::function<bool()> stop_requested = [] { return false; };
  // Throws DataError when `path` lies outside --allow-root: for files a handler finds only while running
  // (the .onnx a model card names), which reads() cannot list up front.
  std::function<void(const std::string& role, const std::string& path)> check_read = [](const std::string&,
                                                                                        const std::string&) {};
};

// A file a task reads besides its inputs (e.g. a detect model card), with its role for messages.
struct NamedPath {
  std::string role;
  std::string path;
};

// A task's output file: its path in the staging directory, SHA-256 and size.
struct OutputFile {
  std::string name;
  std::string sha256;
  std::uint64_t bytes = 0;
};

struct HandlerResult {
  std::vector<std::string> outputs;  // relative paths of the files written in staging_dir (see check_output_name)
  std::optional<std::uint64_t> bytes_read;     // when the handler counts them (checksum); null in the record else
  std::map<std::string, OutputFile> hashed{};  // outputs the handler already hashed (of the bytes it wrote), by name
  // Files of the task's earlier run in its output (relative name → the size it recorded) that this run did not
  // write over: removed, when still of that size, once this run's files are in place (move_into_place), and only
  // while `stale_guard` (one of `outputs`: the manifest that no longer lists them) is this run's in place.
  std::map<std::string, std::uint64_t> stale{};
  std::string stale_guard{};
};

// Handlers throw to fail a task; the exception's type is the failure class:
//   core::DataError / core::UsageError: bad input, dead-lettered at once;
//   core::IoError and anything else: transient, retried with backoff up to --max-attempts.
class TaskHandler {
 public:
  virtual ~TaskHandler() = default;
  virtual bool writes_outputs() const = 0;
  // How long one task may run before the worker abandons it as hung (unless --task-timeout says otherwise).
  // Two hours by default: a scene of tens of thousands of pixels square tiles or detects in minutes.
  virtual std::int64_t default_timeout_ms() const { return 2 * 3600 * 1000; }
  // Files named in the task's options that run() reads: checked against --allow-root like the inputs,
  // before run() touches anything.
  virtual std::vector<NamedPath> reads(const queue::Task&) const { return {}; }
  virtual HandlerResult run(const queue::Task& task, const HandlerContext& context) = 0;
};

class HandlerRegistry {
 public:
  // Adds or replaces the handler of `kind`.
  void add(const std::string& kind, std::shared_ptr<TaskHandler> handler);
  TaskHandler* find(const std::string& kind) const;  // nullptr when unknown
  std::vector<std::string> kinds() const;

 private:
  std::map<std::string, std::shared_ptr<TaskHandler>> handlers_;
};

// noop: does nothing (throughput benchmarks). checksum: reads each input through GDAL VSI and writes
// <basename>.sha256 (real I/O: tests commits, renames and unreadable inputs).
// tile, detect: placeholders until the application binds the tiling and detect library functions
// (fleet::add_handlers, in `swath worker`); a task of an unbound kind is dead-lettered with a clear reason.
HandlerRegistry builtin_handlers();

}  // namespace swath::worker
