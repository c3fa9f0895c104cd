// Every key swath can be configured with: the modules' option tables, in one explicit list.
#pragma once

#include "config/config.hpp"
#include "config/schema.hpp"

namespace swath::settings {

// log, gdal, run, tile, scale, detect, queue, worker: the order `swath config show` lists them in.
const config::Schema& swath_schema();

// A Config of every key at its default (then layered: file, environment, flags).
inline config::Config defaults() { return config::Config(swath_schema()); }

}  // namespace swath::settings
