// swath's entry point: the list of subcommands, handed to the CLI runner.
#include "cli/command.hpp"
#include "commands/commands.hpp"

int main(int argc, char** argv) {
  swath::cli::CommandList commands;
  commands.push_back(swath::commands::make_version());
  commands.push_back(swath::commands::make_config());
  commands.push_back(swath::commands::make_tile());
  commands.push_back(swath::commands::make_scale_plan());
  commands.push_back(swath::commands::make_synth());
  commands.push_back(swath::commands::make_detect());
  commands.push_back(swath::commands::make_eval());
  commands.push_back(swath::commands::make_enqueue());
  commands.push_back(swath::commands::make_worker());
  commands.push_back(swath::commands::make_queue());
  return swath::cli::run(argc, argv, std::move(commands));
}
