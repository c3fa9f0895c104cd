// Every key swath can be configured with: the modules' option tables, in one explicit list.
#pragma once

#include "config/config.hpp"
#include "config/schema.hpp"

namespace swath::settings {

// log, gdal, run, tile, scale, detect, queue, worker: the order `swath config show` lists them in.
const config::Schema& swath_schema();

// Parses every key as the commands that read it do, so a value they would refuse (tile.format tiff, tile.shard 5/2)
// is refused here too, naming where it was set. Throws UsageError.
void check_values(const config::Config& config);

// A Config of every key at its default (then layered: file, environment, flags).
inline config::Config defaults() { return config::Config(swath_schema()); }

}  // namespace swath::settings
