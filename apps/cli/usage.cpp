// Command-line usage errors and help text shared by every command.
#include "cli/usage.hpp"

#include <algorithm>
#include <optional>
#include <set>

#include "core/text.hpp"

namespace swath::cli {

namespace {

const std::set<std::string> global_options_with_value = {"--config", "--log-level", "--log-format", "--log-file",
                                                         "--traceparent"};

}  // namespace

std::string exit_code_help() {
  return "Exit codes:\n"
         "  0    success\n"
         "  1    failure (I/O or data error, Redis unreachable, ...)\n"
         "  2    usage or config error (bad flag, key or value)\n"
         "  3    partial success (some items failed; see the report)\n"
         "  130  interrupted (SIGINT or SIGTERM)\n";
}

Command* find_command(const CommandList& commands, const std::string& name) {
  for (const auto& command : commands) {
    if (command->name() == name) return command.get();
  }
  return nullptr;
}

void check_command_name(int argc, char** argv, const CommandList& commands) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (global_options_with_value.count(arg) != 0) {
      ++i;
      continue;
    }
    if (arg.rfind("-", 0) == 0) continue;
    if (find_command(commands, arg) != nullptr) return;
    std::vector<std::string> names;
    for (const auto& command : commands) names.push_back(command->name());
    const auto best = core::closest_match(arg, names);
    throw core::UsageError(
        "unknown command '" + arg + "'", "",
        (best ? "did you mean '" + *best + "'? " : std::string()) + "swath --help lists the commands");
  }
}

std::string parsed_command_name(CLI::App& app) {
  for (auto* sub : app.get_subcommands()) return sub->get_name();
  return {};
}

std::optional<core::UsageError> missing_subcommand(CLI::App& app, const CLI::ParseError& error) {
  if (dynamic_cast<const CLI::RequiredError*>(&error) == nullptr ||
      std::string(error.what()).find("subcommand") == std::string::npos) {
    return std::nullopt;
  }
  // The innermost parsed command is the one that lacks a command of its own (`queue`, `queue dead`).
  CLI::App* needing = &app;
  std::string path = "swath";
  for (bool deeper = true; deeper;) {
    deeper = false;
    for (auto* sub : needing->get_subcommands()) {
      needing = sub;
      path += " " + sub->get_name();
      deeper = true;
      break;
    }
  }
  std::vector<std::string> names;
  for (const auto* sub : needing->get_subcommands({})) names.push_back(sub->get_name());
  const std::string choices = "one of " + core::join(names, ", ") + "; `" + path + " --help` says what each does";
  auto stray = needing->remaining();
  if (stray.empty()) stray = app.remaining();  // a word no command took falls through to the top
  // The first word left is the mistyped command (`queue stat --redis URL`); a flag first (`queue --redis URL stat`)
  // leaves no telling which word was meant as the command and which as a flag's value.
  if (stray.empty() || stray.front().rfind('-', 0) == 0) return core::UsageError("a command is needed", "", choices);
  const auto best = core::closest_match(stray.front(), names);
  return core::UsageError("unknown command '" + stray.front() + "'", "",
                          (best ? "did you mean '" + *best + "'? " : std::string()) + choices);
}

namespace {

// "--flag: why" (a validator's words) → the flag as the subject, the rest as why (as `--json` reports them); any
// other message whole as the subject.
core::UsageError split_at_flag(const std::string& message, const std::string& hint) {
  const auto colon = message.find(": ");
  if (message.rfind('-', 0) == 0 && colon != std::string::npos)
    return core::UsageError(message.substr(0, colon), message.substr(colon + 2), hint);
  return core::UsageError(message, "", hint);
}

}  // namespace

core::UsageError usage_error_from(const CLI::ParseError& error) {
  std::string message = error.what();
  if (!message.empty() && message.back() == '\n') message.pop_back();
  constexpr std::string_view generic = "add --help to see the flags";
  // A validator that knows what to do says it after hint_marker: its hint, not the generic one after it.
  if (const auto at = message.find(hint_marker); at != std::string::npos)
    return split_at_flag(message.substr(0, at), message.substr(at + std::string_view(hint_marker).size()));
  // CLI11's own wording for a flag's value, in swath's ("--iou 'abc': not a number").
  constexpr std::string_view convert = "Could not convert: ";
  if (const auto equals = message.find(" = "); message.rfind(convert, 0) == 0 && equals != std::string::npos) {
    const std::string flag = message.substr(convert.size(), equals - convert.size());
    return core::UsageError(flag + " '" + message.substr(equals + 3) + "'", "not a number",
                            "`--help` gives what " + flag + " takes");
  }
  if (const auto colon = message.find(": 1 required "); colon != std::string::npos && message.ends_with(" missing"))
    return core::UsageError(message.substr(0, colon), "needs a value", std::string(generic));
  // CLI11's "The following argument was not expected: --frobnicate" (or "arguments were": several).
  if (const auto colon = message.find(" expected: ");
      dynamic_cast<const CLI::ExtrasError*>(&error) != nullptr && colon != std::string::npos) {
    return core::UsageError(message.substr(colon + 11), "not a flag or argument of this command", std::string(generic));
  }
  // "truth is required": an argument not given.
  if (dynamic_cast<const CLI::RequiredError*>(&error) != nullptr && message.ends_with(" is required"))
    return core::UsageError(message.substr(0, message.size() - 12), "required, and not given", std::string(generic));
  return split_at_flag(message, std::string(generic));
}

}  // namespace swath::cli
