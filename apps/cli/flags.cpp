// ConfigFlags: CLI11 options whose values feed the flag layer of the config.
#include "cli/flags.hpp"

#include "config/schema.hpp"

namespace swath::cli {

namespace {
std::string help_with_key(const std::string& help, const std::string& key) {
  const auto* spec = config::find_key(key);
  std::string out = help + " [" + key;
  if (spec != nullptr && !spec->default_text.empty()) out += ", default " + spec->default_text;
  return out + "]";
}

std::string long_name(const std::string& flag) {
  const auto comma = flag.rfind(',');
  return comma == std::string::npos ? flag : flag.substr(comma + 1);
}
}  // namespace

CLI::Option* ConfigFlags::bind(CLI::App& app, const std::string& flag, const std::string& key, const std::string& help) {
  auto* option = app.add_option_function<std::string>(
      flag, [this, flag, key](const std::string& value) { given_.push_back({long_name(flag), key, value}); },
      help_with_key(help, key));
  return option;
}

CLI::Option* ConfigFlags::bind_switch(CLI::App& app, const std::string& flag, const std::string& key, const std::string& help) {
  return app.add_flag_callback(
      flag, [this, flag, key] { given_.push_back({long_name(flag), key, "true"}); }, help_with_key(help, key));
}

void ConfigFlags::apply(config::Config& config) const {
  for (const auto& g : given_) config.set(g.key, g.value, config::Origin{config::Layer::flag, g.flag});
}

}  // namespace swath::cli
