// Log lines captured for a test: a JSON log file for the test's lifetime, read back line by line.
#pragma once

#include <cstdlib>
#include <string>
#include <vector>

#include "core/files.hpp"
#include "core/json.hpp"
#include "log/logger.hpp"
#include "support/process.hpp"
#include "support/scratch.hpp"

namespace swath::test {

// What a suite logs to stderr outside a CapturedLog: warnings and above, or the level SWATH_TEST_LOG names.
inline log::Settings suite_log_settings() {
  log::Settings settings;
  const char* level = std::getenv("SWATH_TEST_LOG");
  settings.level = level != nullptr ? log::parse_level(level, "SWATH_TEST_LOG") : spdlog::level::warn;
  return settings;
}

// Sends log lines to a JSON file for the test's lifetime and reads them back.
class CapturedLog {
 public:
  CapturedLog() {
    log::Settings settings;
    settings.level = spdlog::level::debug;
    settings.format = log::Format::text;
    settings.file = dir_ / "log.jsonl";
    log::configure(settings);
  }
  ~CapturedLog() { log::configure(suite_log_settings()); }
  std::vector<core::Json> lines() {
    log::get("test")->flush();
    std::vector<core::Json> out;
    for (const auto& line : test::lines(core::read_file(dir_ / "log.jsonl"))) out.push_back(core::Json::parse(line));
    return out;
  }

 private:
  ScratchDir dir_;
};

// A string field of a captured line; "" when absent or not a string.
inline std::string field(const core::Json& line, const char* key) {
  const auto* value = line.find(key);
  return value != nullptr && value->is_string() ? value->as_string() : "";
}

}  // namespace swath::test
