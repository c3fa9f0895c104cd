// Factories of every subcommand; main lists them in one place.
#pragma once

#include <memory>

#include "cli/command.hpp"

namespace swath::commands {

std::unique_ptr<cli::Command> make_version();
std::unique_ptr<cli::Command> make_config();
std::unique_ptr<cli::Command> make_tile();
std::unique_ptr<cli::Command> make_scale_plan();
std::unique_ptr<cli::Command> make_synth();
std::unique_ptr<cli::Command> make_detect();
std::unique_ptr<cli::Command> make_eval();
std::unique_ptr<cli::Command> make_enqueue();
std::unique_ptr<cli::Command> make_worker();
std::unique_ptr<cli::Command> make_queue();

}  // namespace swath::commands
