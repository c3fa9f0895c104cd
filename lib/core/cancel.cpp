// The process-wide cancellation flag.
#include "core/cancel.hpp"

#include <atomic>

namespace swath::core {

namespace {
std::atomic<int> requested_by{0};
static_assert(std::atomic<int>::is_always_lock_free, "must be usable from a signal handler");
}  // namespace

void request_cancel(int signal_number) { requested_by.store(signal_number == 0 ? -1 : signal_number); }
bool cancel_requested() { return requested_by.load(std::memory_order_relaxed) != 0; }
int cancel_signal() { return requested_by.load() < 0 ? 0 : requested_by.load(); }
void reset_cancel() { requested_by.store(0); }

namespace {
std::atomic<bool> left_running{false};
}  // namespace

void mark_threads_left_running() { left_running.store(true); }
bool threads_left_running() { return left_running.load(); }

}  // namespace swath::core
