// Flags bound to config keys: a flag given on the command line becomes the top config layer.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "config/schema.hpp"

namespace swath::cli {

class ConfigFlags {
 public:
  // Adds the flag of every key in `keys` that has one (of those named in `only`, when given): a switch for a
  // boolean, a repeatable flag for a list, an option taking a value otherwise. The help is the key's, with
  // the key and its default.
  void bind(CLI::App& app, const std::vector<config::KeySpec>& keys, const std::vector<std::string>& only = {});
  // Sets every given flag into `config` (a list flag given several times sets all its values).
  void apply(config::Config& config) const;

 private:
  struct Given {
    std::string flag;
    std::string key;
    std::string value;
    bool list = false;
  };
  std::vector<Given> given_;
};

// A whole number of at least `min` for an option, in words ("'0' must be 1 or more (hint)"; `hint` may be empty);
// CLI11's own ranges print a 309-digit bound and let an unsigned option wrap -1 to 2^64 - 1. Decimal digits only
// (CLI11 reads "010" as octal, "" as 0), rewritten without leading zeros: bind it with ->transform (->check would
// drop the rewrite).
// `max`: the option's largest value (its type's, or a bound its use needs).
CLI::Validator at_least(long long min, const std::string& hint = "",
                        unsigned long long max = static_cast<unsigned long long>(INT64_MAX));

// A path to write a file at: an existing directory is refused at parsing, before any work (exit 2); so is "-"
// unless `stdout_too` (the option writes to stdout for "-").
CLI::Validator file_to_write(bool stdout_too = true);

// A number from `min` to `max` (CLI11's Range lets NaN through: no comparison with it is true).
CLI::Validator between(double min, double max);

}  // namespace swath::cli
