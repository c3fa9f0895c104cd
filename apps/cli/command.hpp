// What every subcommand provides: a name, a summary, its declared flags and one run function.
#pragma once

#include <CLI/CLI.hpp>

#include <memory>
#include <string>
#include <vector>

#include "cli/flags.hpp"
#include "config/config.hpp"

namespace swath::cli {

struct Invocation {
  const config::Config& config;
  std::string command;      // "tile", for messages
  std::string config_file;  // the config file read (--config or SWATH_CONFIG), or ""
};

class Command {
 public:
  virtual ~Command() = default;
  virtual std::string name() const = 0;
  virtual std::string summary() const = 0;
  // Declares flags and positionals; flags that set config keys go through `flags`.
  virtual void declare(CLI::App& app, ConfigFlags& flags) = 0;
  // Runs the command; returns an exit code (core::ExitCode). Errors are thrown, caught in main.
  virtual int run(const Invocation& invocation) = 0;
};

using CommandList = std::vector<std::unique_ptr<Command>>;

// Parses argv, sets up config, logging, trace and signals, runs the chosen command, maps errors.
int run(int argc, char** argv, CommandList commands);

}  // namespace swath::cli
