// ConfigFlags: CLI11 options made from the modules' option tables, whose values feed the flag layer of the config.
#include "cli/flags.hpp"
#include "cli/usage.hpp"
#include "core/files.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <map>

namespace swath::cli {

namespace {

std::string help_of(const config::KeySpec& spec) {
  std::string help = spec.help;
  if (!help.empty()) help[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(help[0])));
  help += " [" + spec.key;
  if (!spec.default_text.empty()) help += ", default " + spec.default_text;
  return help + "]";
}

std::string long_name(const std::string& flag) {
  const auto comma = flag.rfind(',');
  return comma == std::string::npos ? flag : flag.substr(comma + 1);
}

}  // namespace

void ConfigFlags::bind(CLI::App& app, const std::vector<config::KeySpec>& keys, const std::vector<std::string>& only) {
  for (const auto& spec : keys) {
    if (spec.flag.empty()) continue;
    if (!only.empty() && std::find(only.begin(), only.end(), spec.key) == only.end()) continue;
    const std::string flag = spec.flag, key = spec.key;
    if (spec.type == config::Type::boolean) {
      app.add_flag_callback(
          flag,
          [this, flag, key] {
            given_.push_back({long_name(flag), key, "true"});
          },
          help_of(spec));
      continue;
    }
    if (spec.type == config::Type::list) {
      // Repeatable, one value per occurrence (never the positionals that follow it).
      app.add_option_function<std::vector<std::string>>(
             flag,
             [this, flag, key](const std::vector<std::string>& values) {
               for (const auto& value : values) given_.push_back({long_name(flag), key, value, true});
             },
             help_of(spec))
          ->allow_extra_args(false)
          ->expected(1)  // help shows one value per flag, not "TEXT ..."
          ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
      continue;
    }
    app.add_option_function<std::string>(
        flag,
        [this, flag, key](const std::string& value) {
          given_.push_back({long_name(flag), key, value});
        },
        help_of(spec));
  }
}

void ConfigFlags::apply(config::Config& config) const {
  std::map<std::string, Given> lists;  // a list flag given several times: all its values, comma-joined
  for (const auto& g : given_) {
    if (!g.list) {
      config.set(g.key, g.value, config::Origin{config::Layer::flag, g.flag});
      continue;
    }
    auto [it, first] = lists.emplace(g.key, g);
    if (!first) it->second.value += "," + g.value;
  }
  for (const auto& [key, g] : lists) config.set(key, g.value, config::Origin{config::Layer::flag, g.flag});
}

CLI::Validator at_least(long long min, const std::string& hint, unsigned long long max) {
  return CLI::Validator(
      [min, hint, max](std::string& text) -> std::string {
        // Decimal digits only: CLI11 reads "010" as octal, "0x10" as hex, "" as 0, " -1" wrapped to 2^64 - 1.
        const std::size_t digits = !text.empty() && text[0] == '-' ? 1 : 0;
        if (text.size() == digits || text.find_first_not_of("0123456789", digits) != std::string::npos)
          return "'" + text + "' is not a whole number";
        const std::string too_small =
            "'" + text + "' must be " + std::to_string(min) + " or more" + (hint.empty() ? "" : " (" + hint + ")");
        if (digits == 1) {
          long long n = 0;
          const auto ec = std::from_chars(text.data(), text.data() + text.size(), n).ec;
          if (ec != std::errc{} || n < min) return too_small;
          text = std::to_string(n);
          return "";
        }
        // Past the option's range CLI11 saturates (a signed option at 2^63 - 1, whose use may then overflow).
        unsigned long long u = 0;
        const auto ec = std::from_chars(text.data(), text.data() + text.size(), u).ec;
        if (ec == std::errc::result_out_of_range || u > max)
          return "'" + text + "' is too large (at most " + std::to_string(max) + ")";
        if (min > 0 && u < static_cast<unsigned long long>(min)) return too_small;
        text = std::to_string(u);  // without leading zeros: not octal to CLI11
        return "";
      },
      "N>=" + std::to_string(min));
}

CLI::Validator file_to_write(bool stdout_too) {
  return CLI::Validator(
      [stdout_too](std::string& path) -> std::string {
        if (path == "-" && !stdout_too) return "'-' is not a file here: name the file to write";
        // Was: taken as "not given", and the output went to stdout without a word.
        if (path.empty())
          return std::string("an empty path") + hint_marker + "name the file to write, or leave the flag out";
        std::error_code ec;
        if (std::filesystem::is_directory(path, ec)) {
          return "'" + path + "' is a directory: give a file path (e.g. " +
                 (std::filesystem::path(path) / "out").string() + ")";
        }
        // Refused now, not when the file is written after all the work.
        if (const auto problem = path == "-" ? "" : core::unreplaceable_problem(path); !problem.empty())
          return problem + ": swath writes an output whole and renames it into place (name a regular file)";
        const auto problem = path == "-" ? "" : core::parent_directory_problem(path);
        return problem.empty()
                   ? ""
                   : "'" + path + "': " + problem + hint_marker + "give a path in a directory you may write into";
      },
      "FILE");
}

CLI::Validator between(double min, double max) {
  const auto range = fmt::format("{:g} to {:g}", min, max);
  return CLI::Validator(
      [min, max, range](std::string& text) -> std::string {
        char* end = nullptr;
        const double value = std::strtod(text.c_str(), &end);
        if (text.empty()) return "'' is not a number";     // CLI11 would read 0
        if (end != text.c_str() + text.size()) return "";  // not a number: CLI11 says so
        if (value >= min && value <= max) return "";       // false for NaN
        return "'" + text + "' must be a number from " + range;
      },
      "FLOAT in [" + range + "]");
}

}  // namespace swath::cli
