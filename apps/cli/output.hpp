// Where a command's result goes: stdout, or a file written atomically (-o).
#pragma once

#include <string>

#include "core/errors.hpp"
#include "core/json.hpp"

namespace swath::cli {

// Writes `text` to stdout when `path` is empty or "-", else atomically to `path` (IoError on failure).
void emit(const std::string& text, const std::string& path = {});

// Whether emit() wrote anything to stdout in this process (a command that fails after printing its own summary).
bool emitted_to_stdout();

// An error's fields as swath.error/1 has them: exit_code, kind, message, subject, why, hint (a command's own JSON
// summary that ends in an error carries them too).
void add_error_fields(core::Json& json, const core::Error& error);

}  // namespace swath::cli
