// `swath config show [--json] [-o FILE]`: the effective config and where each value came from.
#include <algorithm>
#include <sstream>

#include "cli/output.hpp"
#include "commands/commands.hpp"
#include "config/schema.hpp"
#include "core/errors.hpp"
#include "core/files.hpp"
#include "queue/redis_url.hpp"
#include "settings/schema.hpp"

namespace swath::commands {

namespace {

std::string config_text(const config::Config& config) {
  std::size_t key_width = 0, value_width = 0;
  for (const auto& spec : config.schema().keys()) {
    key_width = std::max(key_width, spec.key.size());
    value_width = std::max(value_width, queue::redacted_url(config.entry(spec.key).text).size() + 2);
  }
  std::ostringstream out;
  for (const auto& spec : config.schema().keys()) {
    const auto& entry = config.entry(spec.key);
    const std::string value = "\"" + queue::redacted_url(entry.text) + "\"";
    out << spec.key << std::string(key_width - spec.key.size() + 2, ' ') << value
        << std::string(value_width - value.size() + 2, ' ') << "# " << entry.origin.describe() << "\n";
  }
  return out.str();
}

// A password in a Redis URL is never printed (the file may be shared, the terminal recorded).
core::Json config_json(const config::Config& config) {
  core::Json shown = core::Json::object();
  const core::Json all = to_json(config);
  for (const auto& [key, entry] : all.as_object()) {
    core::Json e = entry;
    if (e.at("value").is_string()) e.set("value", queue::redacted_url(e.at("value").as_string()));
    shown.set(key, std::move(e));
  }
  return shown;
}

class ConfigCommand final : public cli::Command {
 public:
  std::string name() const override { return "config"; }
  std::string summary() const override { return "Show the effective config and where each value came from"; }
  void declare(CLI::App& app, cli::ConfigFlags&) override {
    app.require_subcommand(1, 1);
    auto* show = app.add_subcommand("show", "Print every key, its value and its source (default < file < env < flag)");
    show->add_flag("--json", json_, "Print JSON for machines");
    show->add_option("-o,--output", output_, "Write to this file (atomically) instead of stdout")
        ->check(cli::file_to_write());
  }
  int run(const cli::Invocation& invocation) override {
    const auto& config = invocation.config;
    settings::check_values(config);  // what a command would refuse is refused here, not shown as if it were fine
    core::refuse_output_is_input("-o", output_, {invocation.config_file});
    cli::emit(json_ ? config_json(config).dump() + "\n" : config_text(config), output_);
    return static_cast<int>(core::ExitCode::ok);
  }

 private:
  bool json_ = false;
  std::string output_;
};

}  // namespace

std::unique_ptr<cli::Command> make_config() { return std::make_unique<ConfigCommand>(); }

}  // namespace swath::commands
