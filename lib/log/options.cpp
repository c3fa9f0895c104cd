// The log section: its keys, flags and the defaults of log::Settings.
#include "log/options.hpp"

namespace swath::log {

namespace {

std::string level_text(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
      return "trace";
    case spdlog::level::debug:
      return "debug";
    case spdlog::level::info:
      return "info";
    case spdlog::level::warn:
      return "warn";
    case spdlog::level::err:
      return "error";
    case spdlog::level::critical:
      return "critical";
    default:
      return "off";
  }
}

std::string format_text(Format format) {
  return format == Format::text ? "text" : format == Format::json ? "json" : "auto";
}

}  // namespace

const config::OptionTable<Settings>& settings_table() {
  using config::Entry;
  static const auto table =
      config::OptionTable<Settings>("log")
          .parsed(
              {"level", "--log-level", "least severe level logged"}, config::Type::choice,
              [](Settings & s) -> auto& { return s.level; }, level_text,
              [](const Entry& e) { return parse_level(std::get<std::string>(e.value), e.origin.describe()); },
              {"trace", "debug", "info", "warn", "error", "critical", "off"})
          .parsed(
              {"format", "--log-format", "text on a terminal and JSON lines otherwise, unless set"},
              config::Type::choice, [](Settings & s) -> auto& { return s.format; }, format_text,
              [](const Entry& e) { return parse_format(std::get<std::string>(e.value), e.origin.describe()); },
              {"auto", "text", "json"})
          .text(
              {"file", "--log-file", "also append JSON log lines to this file"},
              [](Settings & s) -> auto& { return s.file; });
  return table;
}

}  // namespace swath::log
