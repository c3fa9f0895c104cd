// Failure classification and backoff.
#include "worker/failure.hpp"

#include <algorithm>
#include <new>

#include "core/errors.hpp"

namespace swath::worker {

Classified classify(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const core::DataError& e) {
    return {true, core::describe(e)};
  } catch (const core::UsageError& e) {
    return {true, core::describe(e)};
  } catch (const core::Error& e) {
    return {false, core::describe(e)};
  } catch (const std::bad_alloc&) {
    return {false, "out of memory"};
  } catch (const std::exception& e) {
    return {false, std::string("internal error: ") + e.what()};
  } catch (...) {
    return {false, "unknown error"};
  }
}

std::int64_t retry_delay_ms(std::int64_t attempt, std::int64_t base_ms, std::int64_t max_ms, double unit) {
  const std::int64_t exponent = std::clamp<std::int64_t>(attempt - 1, 0, 40);
  const double full =
      std::min(static_cast<double>(max_ms), static_cast<double>(base_ms) * static_cast<double>(1LL << exponent));
  return static_cast<std::int64_t>(full / 2 + full / 2 * std::clamp(unit, 0.0, 1.0));
}

}  // namespace swath::worker
