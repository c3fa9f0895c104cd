// Test helper: the message of the UsageError a call throws, so a test can check its wording.
#pragma once

#include <functional>
#include <string>

#include "core/errors.hpp"

namespace swath::test {

// core::describe of the UsageError `fn` throws, or "(no error)".
inline std::string usage_message(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const core::UsageError& e) {
    return core::describe(e);
  }
  return "(no error)";
}

}  // namespace swath::test
