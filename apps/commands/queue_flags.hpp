// The queue section's flags and values, shared by enqueue, worker and queue: where Redis is, which queue.
#pragma once

#include "cli/command.hpp"
#include "queue/settings.hpp"

namespace swath::commands {

inline void declare_queue_flags(CLI::App& app, cli::ConfigFlags& flags) {
  flags.bind(app, queue::settings_table().specs());
}

inline queue::Settings queue_settings(const config::Config& config) { return queue::settings_from(config); }

}  // namespace swath::commands
