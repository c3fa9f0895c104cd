// Cooperative cancellation: a signal handler requests it, long-running loops check it and stop cleanly.
#pragma once

namespace swath::core {

// Async-signal-safe: only stores the signal number.
void request_cancel(int signal_number);
bool cancel_requested();
int cancel_signal();  // the signal that asked, 0 when none
void reset_cancel();  // for tests

}  // namespace swath::core
