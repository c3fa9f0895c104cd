// Flags bound to config keys: a flag given on the command line becomes the top config layer.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "config/config.hpp"

namespace swath::cli {

class ConfigFlags {
 public:
  // Adds `flag` (e.g. "--size") setting config key `key`; the help names the key and its default.
  CLI::Option* bind(CLI::App& app, const std::string& flag, const std::string& key, const std::string& help);
  // Adds a boolean switch that sets `key` to true when present.
  CLI::Option* bind_switch(CLI::App& app, const std::string& flag, const std::string& key, const std::string& help);
  // Sets every given flag into `config`, in command-line order.
  void apply(config::Config& config) const;

 private:
  struct Given {
    std::string flag;
    std::string key;
    std::string value;
  };
  std::vector<Given> given_;
};

}  // namespace swath::cli
