// Logger registry and configuration: one set of sinks shared by every component logger.
#include "log/logger.hpp"

#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cstdio>
#include <map>
#include <mutex>

#include "core/errors.hpp"
#include "log/file_sink.hpp"
#include "log/formatters.hpp"
#include "log/stderr_sink.hpp"

namespace swath::log {

namespace {

struct Registry {
  std::mutex mutex;
  std::vector<spdlog::sink_ptr> sinks;
  std::shared_ptr<AppendFileSink> file_sink;  // also in `sinks`, when --log-file is given
  spdlog::level::level_enum level = spdlog::level::info;
  std::map<std::string, std::shared_ptr<spdlog::logger>, std::less<>> loggers;
};

Registry& registry() {
  static Registry* instance = [] {
    auto* r = new Registry();  // never destroyed: loggers may be used from static destructors
    auto sink = std::make_shared<StderrSink>();
    sink->set_formatter(std::make_unique<TextFormatter>());
    r->sinks.push_back(sink);
    return r;
  }();
  return *instance;
}

std::unique_ptr<spdlog::formatter> make_formatter(Format format, bool terminal) {
  const bool json = format == Format::json || (format == Format::automatic && !terminal);
  if (json) return std::make_unique<JsonFormatter>();
  return std::make_unique<TextFormatter>();
}

}  // namespace

spdlog::level::level_enum parse_level(std::string_view name, const std::string& source) {
  if (name == "trace") return spdlog::level::trace;
  if (name == "debug") return spdlog::level::debug;
  if (name == "info") return spdlog::level::info;
  if (name == "warn" || name == "warning") return spdlog::level::warn;
  if (name == "error") return spdlog::level::err;
  if (name == "critical") return spdlog::level::critical;
  if (name == "off") return spdlog::level::off;
  throw core::UsageError(source + ": unknown log level '" + std::string(name) + "'", "",
                         "use one of trace, debug, info, warn, error, critical, off");
}

Format parse_format(std::string_view name, const std::string& source) {
  if (name == "text") return Format::text;
  if (name == "json") return Format::json;
  if (name == "auto") return Format::automatic;
  throw core::UsageError(source + ": unknown log format '" + std::string(name) + "'", "", "use text, json or auto");
}

void configure(const Settings& settings) {
  std::vector<spdlog::sink_ptr> sinks;
  auto stderr_sink = std::make_shared<StderrSink>();
  stderr_sink->set_formatter(make_formatter(settings.format, ::isatty(STDERR_FILENO) != 0));
  sinks.push_back(stderr_sink);
  std::shared_ptr<AppendFileSink> file_sink;
  if (!settings.file.empty()) {
    file_sink = std::make_shared<AppendFileSink>(settings.file);
    file_sink->set_formatter(std::make_unique<JsonFormatter>());  // files are for machines
    sinks.push_back(file_sink);
  }
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  r.file_sink = std::move(file_sink);
  r.sinks = std::move(sinks);
  r.level = settings.level;
  for (auto& [name, logger] : r.loggers) {
    logger->sinks() = r.sinks;
    logger->set_level(r.level);
  }
}

std::shared_ptr<spdlog::logger> get(std::string_view component) {
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  if (auto it = r.loggers.find(component); it != r.loggers.end()) return it->second;
  auto logger = std::make_shared<spdlog::logger>(std::string(component), r.sinks.begin(), r.sinks.end());
  logger->set_level(r.level);
  logger->flush_on(spdlog::level::warn);
  r.loggers.emplace(std::string(component), logger);
  return logger;
}

void log_failure(std::string_view component, const std::string& message) {
  spdlog::sink_ptr file_sink;
  spdlog::level::level_enum level = spdlog::level::info;
  {
    auto& r = registry();
    std::lock_guard lock(r.mutex);
    file_sink = r.file_sink;
    level = r.level;
  }
  if (file_sink == nullptr) return;
  spdlog::logger logger(std::string(component), file_sink);
  logger.set_level(level);
  logger.error("{}", message);
  logger.flush();
}

std::string lost_file_lines() {
  std::shared_ptr<AppendFileSink> sink;
  {
    auto& r = registry();
    std::lock_guard lock(r.mutex);
    sink = r.file_sink;
  }
  if (sink == nullptr || sink->lost_lines() == 0) return "";
  return std::to_string(sink->lost_lines()) + " log line(s) could not be written to '" + sink->path() +
         "': " + sink->first_error();
}

const char* severity_name(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
    case spdlog::level::debug:
      return "DEBUG";
    case spdlog::level::info:
      return "INFO";
    case spdlog::level::warn:
      return "WARNING";
    case spdlog::level::err:
      return "ERROR";
    case spdlog::level::critical:
      return "CRITICAL";
    default:
      return "DEFAULT";
  }
}

}  // namespace swath::log
