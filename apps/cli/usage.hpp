// Usage errors from the command line: unknown commands with a suggestion, CLI11 errors in swath's words.
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>

#include "cli/command.hpp"
#include "core/errors.hpp"

namespace swath::cli {

// The exit-code table shown at the end of `swath --help`.
std::string exit_code_help();

// Throws UsageError when the first word that is not a global option is not a known command.
void check_command_name(int argc, char** argv, const CommandList& commands);

Command* find_command(const CommandList& commands, const std::string& name);

// The name of the subcommand whose flags were being parsed ("" at the top level).
std::string parsed_command_name(CLI::App& app);

// CLI11's "A subcommand is required", which names neither the word given nor the choices, in swath's words;
// nullopt for any other error.
std::optional<core::UsageError> missing_subcommand(CLI::App& app, const CLI::ParseError& error);

// CLI11's parse error as a swath usage error (exit 2 rather than CLI11's 105-109). A validator's message may end
// with hint_marker and its own hint, which then replaces the generic "add --help to see the flags".
core::UsageError usage_error_from(const CLI::ParseError& error);
inline constexpr const char* hint_marker = "\x1f";

}  // namespace swath::cli
