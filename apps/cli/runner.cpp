// The one place argv is parsed and errors are caught: parse → config → logging → trace → run → exit code.
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <new>
#include <optional>
#include <string_view>

#include "cli/command.hpp"
#include "cli/output.hpp"
#include "cli/usage.hpp"
#include "core/cancel.hpp"
#include "core/errors.hpp"
#include "core/files.hpp"
#include "core/json.hpp"
#include "core/text.hpp"
#include "log/context.hpp"
#include "log/logger.hpp"
#include "log/options.hpp"
#include "log/trace_context.hpp"
#include "provenance/provenance.hpp"
#include "raster/gdal_settings.hpp"
#include "settings/schema.hpp"

namespace swath::cli {

namespace {

struct GlobalOptions {
  std::string config_file;
  std::string traceparent;
  int verbose = 0;
  bool quiet = false;
  bool version = false;
};

std::atomic<long long> first_signal_ns{0};
static_assert(std::atomic<long long>::is_always_lock_free, "must be usable from a signal handler");

// SIGINT/SIGTERM ask the command to stop cleanly (a worker first finishes or hands back its tasks within
// --grace). A second one, 100 ms or more later, takes the default action, so a command stuck where it cannot check
// (a hung network read inside GDAL), or a user who will not wait for the grace period, still stops at once. One sent
// twice at once is one stop: `timeout` signals the child, then its whole group.
void on_signal(int signal_number) {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  const long long ns = static_cast<long long>(now.tv_sec) * 1000000000LL + now.tv_nsec;
  const long long first = first_signal_ns.load();
  if (first == 0) {
    first_signal_ns.store(ns);
    core::request_cancel(signal_number);
    return;
  }
  if (ns - first < 100000000LL) return;
  struct sigaction fallback {};
  fallback.sa_handler = SIG_DFL;
  sigemptyset(&fallback.sa_mask);
  sigaction(signal_number, &fallback, nullptr);
  raise(signal_number);  // delivered, with the default action, once this handler returns
}

void install_signal_handlers() {
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  // hiredis writes with write(): a Redis that closed the connection (a restart) must give EPIPE, which the
  // queue reconnects from, not a SIGPIPE that kills the worker with its tasks in flight. Same for kubectl's pipe.
  signal(SIGPIPE, SIG_IGN);
}

// --log-file appends to the file it names: never one the command reads or writes (a scene, a config file, -o).
// Values that name existing files count (not "cfar" or "4"), also those of a command's own command (queue stats).
void collect_files(const CLI::App& command, std::vector<std::string>& out) {
  for (const CLI::Option* option : command.get_options()) {
    for (const auto& value : option->results()) {
      std::error_code error;
      if (std::filesystem::is_regular_file(value, error)) out.push_back(value);
    }
  }
  for (const CLI::App* sub : command.get_subcommands()) collect_files(*sub, out);  // the parsed ones
}

void refuse_log_over_arguments(const std::string& log_file, const CLI::App& command, const std::string& config_file) {
  if (log_file.empty()) return;
  // Not a file named "-" in the working directory, which is what appending to it would make.
  if (log_file == "-")
    throw core::UsageError("--log-file '-': not a file", "log lines already go to stderr",
                           "use --log-format json for JSON lines on stderr, or name a file");
  std::vector<std::string> given;
  if (!config_file.empty()) given.push_back(config_file);
  collect_files(command, given);
  core::refuse_output_is_input("--log-file", log_file, given);
}

// A command's output files (-o, --plot, --quicklook: each command's own checks know its inputs) are never the config
// file read: was replaced by `scale-plan --plot`, `detect -o`, `synth -o` with exit 0.
void refuse_outputs_over_config(const CLI::App& command, const std::string& config_file) {
  if (config_file.empty()) return;
  for (const CLI::Option* option : command.get_options()) {
    const std::string name = option->get_name();  // its long name, e.g. "--output"
    if (name != "--output" && name != "--plot" && name != "--quicklook") continue;
    for (const auto& value : option->results()) core::refuse_output_is_input(name, value, {config_file});
  }
  for (const CLI::App* sub : command.get_subcommands()) refuse_outputs_over_config(*sub, config_file);
}

// --config, else SWATH_CONFIG, else none ("").
std::string config_file_of(const GlobalOptions& global) {
  if (!global.config_file.empty()) return global.config_file;
  const char* from_env = std::getenv("SWATH_CONFIG");
  return from_env != nullptr ? from_env : "";
}

config::Config build_config(const GlobalOptions& global, const ConfigFlags& flags) {
  config::Config config = settings::defaults();
  if (const std::string file = config_file_of(global); !file.empty()) config.load_file(file);
  config.load_environment(config::process_environment());
  flags.apply(config);
  // -q and -v move the level from wherever it came from, as the last layer: `config show` says the level in force.
  if (global.quiet || global.verbose > 0) {
    static constexpr const char* names[] = {"trace", "debug", "info", "warn", "error", "critical", "off"};
    const int level = static_cast<int>(log::settings_table().apply(config).level);
    const int moved = global.quiet ? std::max(level, static_cast<int>(spdlog::level::warn))  // warnings and errors
                                   : std::max(0, level - global.verbose);
    config.set("log.level", names[moved], {config::Layer::flag, global.quiet ? "-q" : "-v"});
  }
  return config;
}

log::Settings log_settings(const config::Config& config) { return log::settings_table().apply(config); }

log::TraceContext start_trace(const GlobalOptions& global) {
  std::string text = global.traceparent;
  std::string source = "--traceparent";
  if (text.empty()) {
    if (const char* from_env = std::getenv("TRACEPARENT")) {
      text = from_env;
      source = "TRACEPARENT";
    }
  }
  if (text.empty()) return log::TraceContext::new_root();
  return log::require_traceparent(text, source).child();
}

// With --json, a failure is machine-readable too (swath.error/1 on stdout), unless the command already printed its
// own summary (which then carries the error): a CI step parsing stdout gets one JSON document either way.
void report_json(const std::string& command, const core::Error& error) {
  core::Json json = core::Json::object();
  json.set("schema", "swath.error/1");
  json.set("command", command);
  add_error_fields(json, error);
  std::cout << core::valid_utf8(json.dump()) << "\n" << std::flush;  // best effort: the message is on stderr anyway
}

// The key of `command`'s own section that `flag` sets ("--overlap" in detect: detect.overlap); "" when none. Only
// the command's own section: another command's key of the same flag name (synth's --size is not tile.size) says
// nothing about where this value came from.
std::string key_of_flag(const config::Schema& schema, const std::string& flag, const std::string& command) {
  for (const auto& spec : schema.keys()) {
    if (spec.key.rfind(command + ".", 0) != 0) continue;
    for (const auto& name : core::split(spec.flag, ',')) {
      if (name == flag) return spec.key;
    }
  }
  return "";
}

// A check across keys in the library names the flag ("--overlap 600: ..."); a value that came from a config file or
// the environment is named where it came from instead, as a key's own check names it ("env SWATH_DETECT__OVERLAP:
// overlap 600: ..."): the user gave no --overlap.
core::UsageError named_where_set(const core::Error& error, const config::Config& config, const std::string& command) {
  const std::string& subject = error.subject();
  const auto flag = subject.substr(0, subject.find_first_of(" :"));
  const auto key = flag.rfind("--", 0) == 0 ? key_of_flag(config.schema(), flag, command) : "";
  if (key.empty()) return {subject, error.why(), error.hint()};
  const auto& origin = config.entry(key).origin;
  if (origin.layer != config::Layer::file && origin.layer != config::Layer::env) {
    return {subject, error.why(), error.hint()};
  }
  const auto dot = key.find('.');
  return {origin.describe() + ": " + key.substr(dot + 1) + subject.substr(flag.size()), error.why(), error.hint()};
}

int report(const std::string& command, const core::Error& error, bool json = false) {
  // A file name holding a newline or ESC would split the line or drive the terminal (the log's lines escape them too).
  std::cerr << "swath" << (command.empty() ? "" : " " + command) << ": " << core::visible(core::describe(error))
            << "\n";
  // A full disk fails the command and the log file alike: its lost lines are said here as after a success.
  if (const auto lost = log::lost_file_lines(); !lost.empty())
    std::cerr << "swath" << (command.empty() ? "" : " " + command) << ": " << lost << "\n";
  if (json && !emitted_to_stdout()) report_json(command, error);
  return static_cast<int>(error.exit_code());
}

// Whether the command line asked `command` (or its own command: `queue stats`) for JSON output (--json given).
bool json_given(const CLI::App& app) {
  const auto* option = app.get_option_no_throw("--json");
  if (option != nullptr && option->count() > 0) return true;
  for (const auto* sub : app.get_subcommands()) {  // the parsed ones
    if (json_given(*sub)) return true;
  }
  return false;
}

bool json_in_argv(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view word = argv[i];
    if (word == "--") return false;
    if (word == "--json") return true;
  }
  return false;
}

bool wants_json(const CLI::App& app, const std::string& command) {
  if (command.empty()) return false;
  try {
    return json_given(*app.get_subcommand(command));
  } catch (const CLI::Error&) {
    return false;
  }
}

// Help to a stdout that cannot take it (a full disk) is not help shown: exit 1, as for any result.
int show_help(const std::string& command, const std::string& text) {
  try {
    emit(text);
    return 0;
  } catch (const core::Error& e) {
    return report(command, e);
  }
}

// A standard descriptor the caller closed (`2>&-`) is held by /dev/null opened read-only: the next file swath opens
// (a --log-file, a tile) would otherwise become "stderr" and take every message written there, and writes to the
// held descriptor still fail (EBADF), so a closed stdout is still an output that could not be written (exit 1).
void hold_standard_descriptors() {
  for (int fd = 0; fd <= 2; ++fd) {
    if (::fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
    const int held = ::open("/dev/null", O_RDONLY);
    if (held != -1 && held != fd) {
      ::dup2(held, fd);
      ::close(held);
    }
  }
}

}  // namespace

int run(int argc, char** argv, CommandList commands) {
  CLI::App app{"swath: satellite imagery from raw rasters to georeferenced detections, on one machine or a fleet."};
  app.footer(exit_code_help());
  app.set_help_all_flag("--help-all", "Show help for every command");
  GlobalOptions global;
  ConfigFlags flags;
  app.add_option("--config", global.config_file, "YAML config file (also SWATH_CONFIG)")
      ->check(CLI::Validator(
          [](std::string& path) { return path.empty() ? std::string("'' names no file: give a YAML file") : ""; },
          "FILE"));
  flags.bind(app, log::settings_table().specs());
  app.add_flag("-v,--verbose", global.verbose, "More log output (repeat for more)");
  app.add_flag("-q,--quiet", global.quiet, "Only warnings and errors (wins over -v)");
  app.add_option("--traceparent", global.traceparent, "W3C traceparent of the caller (also TRACEPARENT)");
  app.add_flag("--version", global.version, "Print swath's version and exit");

  Command* chosen = nullptr;
  std::vector<std::pair<CLI::App*, Command*>> subcommands;
  for (auto& command : commands) {
    CLI::App* sub = app.add_subcommand(command->name(), command->summary());
    sub->fallthrough();  // global flags (--log-format, --config, ...) work after the command name too
    command->declare(*sub, flags);
    subcommands.emplace_back(sub, command.get());
  }

  hold_standard_descriptors();
  install_signal_handlers();  // before anything else: a stop while flags are parsed is a stop too
  std::string command_name;
  std::optional<config::Config> effective;  // once built: where each value came from, for messages
  try {
    check_command_name(argc, argv, commands);
    app.parse(argc, argv);
    for (auto& [sub, command] : subcommands) {
      if (sub->parsed()) {
        chosen = command;
        command_name = command->name();
      }
    }
    if (global.version) chosen = find_command(commands, "version");
    if (chosen == nullptr) throw core::UsageError("no command given", "", "swath --help lists the commands");

    effective = build_config(global, flags);
    const config::Config& config = *effective;
    refuse_log_over_arguments(config.get_string("log.file"), *app.get_subcommand(chosen->name()),
                              config_file_of(global));
    refuse_outputs_over_config(*app.get_subcommand(chosen->name()), config_file_of(global));
    log::configure(log_settings(config));
    raster::configure_gdal(raster::gdal_table().apply(config));
    const auto trace = start_trace(global);
    log::ContextGuard trace_scope(log::current().with(log::trace_fields(trace)));
    const auto logger = log::get("cli");
    logger->debug("swath {} {} starting", provenance::build_facts().git_describe, command_name);
    int code = 0;
    try {
      code = chosen->run(Invocation{config, command_name, config_file_of(global)});
    } catch (const core::Error& e) {
      const log::Scope exit_scope{{"exit_code", std::to_string(static_cast<int>(e.exit_code()))}};
      log::log_failure("cli", "swath " + command_name + ": " + core::describe(e));
      throw;
    }
    logger->debug("swath {} finished with exit code {}", command_name, code);
    if (const auto lost = log::lost_file_lines(); !lost.empty())
      std::cerr << "swath " << command_name << ": " << lost << "\n";
    return code;
  } catch (const CLI::CallForHelp&) {
    return show_help(parsed_command_name(app),
                     command_name.empty() ? app.help() : app.get_subcommand(command_name)->help());
  } catch (const CLI::CallForAllHelp&) {
    return show_help(parsed_command_name(app), app.help("", CLI::AppFormatMode::All));
  } catch (const CLI::ParseError& e) {
    // `swath queue --json` names no command for --json to belong to: the word on the command line says it.
    if (const auto missing = missing_subcommand(app, e))
      return report(parsed_command_name(app), *missing, json_in_argv(argc, argv));
    return report(parsed_command_name(app), usage_error_from(e), wants_json(app, parsed_command_name(app)));
  } catch (const core::Error& e) {
    if (e.kind() == core::ErrorKind::usage && effective) {
      return report(command_name, named_where_set(e, *effective, command_name), wants_json(app, command_name));
    }
    return report(command_name, e, wants_json(app, command_name));
  } catch (const std::bad_alloc&) {
    // Not a bug to report: the machine (or a ulimit, a container's limit) had less memory than the run asked for.
    return report(command_name,
                  core::IoError("out of memory", "an allocation failed",
                                "give it more memory, or lower --max-memory and --threads where the command has "
                                "them"),
                  wants_json(app, command_name));
  } catch (const std::exception& e) {
    return report(command_name, core::DataError("internal error", e.what(), "please report this with `swath version`"),
                  wants_json(app, command_name));
  }
}

}  // namespace swath::cli
