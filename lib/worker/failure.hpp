// Failure classes and retry delays (pure: no clock, no I/O; the caller supplies the random draw).
#pragma once

#include <cstdint>
#include <exception>
#include <string>

namespace swath::worker {

struct Classified {
  bool permanent = false;  // bad input: dead-letter now, retrying cannot help
  std::string reason;      // what goes into the dead-letter record / the retry log
};

// Maps the exception a task threw to its class (see TaskHandler for the rules).
Classified classify(const std::exception_ptr& error);

// Exponential backoff with "equal jitter": half of min(max, base * 2^(attempt-1)) fixed, half random.
// `unit` is a uniform draw in [0, 1).
std::int64_t retry_delay_ms(std::int64_t attempt, std::int64_t base_ms, std::int64_t max_ms, double unit);

}  // namespace swath::worker
