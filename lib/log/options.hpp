// The log section declared once: level, format and file (--log-level, --log-format, --log-file).
#pragma once

#include "config/option_table.hpp"
#include "log/logger.hpp"

namespace swath::log {

const config::OptionTable<Settings>& settings_table();

}  // namespace swath::log
