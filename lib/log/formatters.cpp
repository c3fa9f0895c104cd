// JSON and text log line formatting, with RFC 3339 UTC timestamps in microseconds.
#include "log/formatters.hpp"

#include <chrono>
#include <ctime>
#include <string>

#include "core/json.hpp"
#include "core/text.hpp"
#include "log/context.hpp"
#include "log/logger.hpp"

namespace swath::log {

namespace {

std::string rfc3339_utc(spdlog::log_clock::time_point time) {
  using namespace std::chrono;
  const auto since_epoch = time.time_since_epoch();
  const auto secs = duration_cast<seconds>(since_epoch);
  auto micros = duration_cast<microseconds>(since_epoch - secs).count();
  if (micros < 0) micros += 1000000;
  const std::time_t t = static_cast<std::time_t>(secs.count());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[80];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<long>(micros));
  return buf;
}

std::string_view message_of(const spdlog::details::log_msg& msg) {
  return std::string_view(msg.payload.data(), msg.payload.size());
}

void append(spdlog::memory_buf_t& dest, std::string_view text) { dest.append(text.data(), text.data() + text.size()); }

}  // namespace

void JsonFormatter::format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) {
  std::string line;
  line.reserve(256);
  line += "{\"ts\":\"";
  line += rfc3339_utc(msg.time);
  line += "\",\"severity\":\"";
  line += severity_name(msg.level);
  line += "\",\"component\":";
  core::append_json_string(line, std::string_view(msg.logger_name.data(), msg.logger_name.size()), true);
  line += ",\"message\":";
  core::append_json_string(line, message_of(msg), true);
  for (const auto& field : current().fields()) {
    line += ',';
    core::append_json_string(line, field.key, true);
    line += ':';
    if (field.numeric)
      line += field.value;
    else
      core::append_json_string(line, field.value, true);
  }
  line += "}\n";
  append(dest, line);
}

std::unique_ptr<spdlog::formatter> JsonFormatter::clone() const { return std::make_unique<JsonFormatter>(); }

// One entry, one line, and no terminal control (core::visible).
void TextFormatter::format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) {
  std::string line = rfc3339_utc(msg.time);
  line += ' ';
  line += severity_name(msg.level);
  line += ' ';
  line.append(msg.logger_name.data(), msg.logger_name.size());
  line += ": ";
  line += core::visible(message_of(msg));
  for (const auto& field : current().fields()) {
    if (field.key == "span_id" || field.key == "trace_flags") continue;  // noise for a person; JSON keeps them
    line += ' ';
    line += field.key;
    line += '=';
    line += core::visible(field.value);
  }
  line += '\n';
  append(dest, line);
}

std::unique_ptr<spdlog::formatter> TextFormatter::clone() const { return std::make_unique<TextFormatter>(); }

}  // namespace swath::log
