// Parsing a config value's text by its key's type, with errors that name the key, value and place.
#pragma once

#include <string>
#include <string_view>

#include "config/config.hpp"

namespace swath::config {

// Throws UsageError "<place>: key '<key>': '<text>' is not <expectation>".
Scalar parse_value(const KeySpec& spec, std::string_view text, const std::string& place);

// "512MiB" → 536870912; accepts B, K/KB/KiB, M/MB/MiB, G/GB/GiB (binary multiples); nothing when malformed.
std::optional<double> parse_byte_size(std::string_view text);

core::Json to_json(const Scalar& value);

}  // namespace swath::config
