// swath's entry point: the list of subcommands, handed to the CLI runner.
#include <cstdlib>
#include <iostream>

#include "cli/command.hpp"
#include "commands/commands.hpp"
#include "core/cancel.hpp"

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
  const int code = swath::cli::run(argc, argv, std::move(commands));
  if (swath::core::threads_left_running()) {  // a worker's abandoned task: no static destructors under it
    std::cout.flush();
    std::cerr.flush();
    std::_Exit(code);
  }
  return code;
}
