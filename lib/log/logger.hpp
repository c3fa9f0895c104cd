// swath's logging: spdlog to stderr (and optionally a file) in text or JSON lines, with the
// thread's log context on every line (raster::install_gdal_error_handler routes GDAL's own messages here too).
#pragma once

#include <spdlog/logger.h>

#include <memory>
#include <string>
#include <string_view>

namespace swath::log {

enum class Format { automatic, text, json };  // automatic: text on a terminal, JSON otherwise

struct Settings {
  spdlog::level::level_enum level = spdlog::level::info;
  Format format = Format::automatic;
  std::string file;  // also append log lines here when not empty
};

// Parses a level name (trace, debug, info, warn|warning, error, critical, off); throws UsageError.
spdlog::level::level_enum parse_level(std::string_view name, const std::string& source);
// Parses text|json|auto; throws UsageError.
Format parse_format(std::string_view name, const std::string& source);

// (Re)configures every component logger. Throws IoError when the log file cannot be opened.
void configure(const Settings& settings);

// The logger of a component ("tile", "queue", "gdal", ...); created on first use, sharing the sinks.
std::shared_ptr<spdlog::logger> get(std::string_view component);

// A status line on stderr (a progress bar) kept below the log lines: a line logged to stderr while it is
// shown clears it, is written, and draws it again, so a log line always starts on its own line. Thread-safe.
void show_status(const std::string& text);  // draws it, replacing the one shown
void end_status();                          // leaves the last one on its own line; nothing when none is shown
// One line on stderr outside the loggers (a sink's own trouble), stepping around the status line as log lines do.
void print_notice(const std::string& line);

// The error a command ends with, as a log line (with the thread's context: trace, task, scene) in the --log-file, which
// the plain final line on stderr does not reach. stderr is left as it is: that line is its last, in any format.
void log_failure(std::string_view component, const std::string& message);

// "" when every line reached the configured --log-file (or there is none); else how many did not, and why.
std::string lost_file_lines();

// The Cloud Logging severity name of an spdlog level: DEBUG, INFO, WARNING, ERROR, CRITICAL.
const char* severity_name(spdlog::level::level_enum level);

}  // namespace swath::log
