// Renders a library's progress: a bar on a terminal, periodic log lines otherwise.
#pragma once

#include <chrono>
#include <memory>

#include "pipeline/progress.hpp"

namespace swath::cli {

// A bar on stderr when it is a terminal (tiles done/total, MPix/s, ETA), else an info log line every `period`;
// nothing (null) when the log level hides information, as -q does.
std::unique_ptr<pipeline::ProgressSink> make_progress(std::chrono::seconds period = std::chrono::seconds(10));

}  // namespace swath::cli
