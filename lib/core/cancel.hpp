// Cooperative cancellation: a signal handler requests it, long-running loops check it and stop cleanly.
#pragma once

namespace swath::core {

// Async-signal-safe: only stores the signal number.
void request_cancel(int signal_number);
bool cancel_requested();
int cancel_signal();  // the signal that asked, 0 when none
void reset_cancel();  // for tests

// A thread left running at exit (a worker's task abandoned mid-way, stuck in a system call or still winding down):
// the process must then end without static destructors (OpenCV's, TBB's, GDAL's), which that thread may still be
// using — "pure virtual method called" and an abort (exit 134) instead of the exit code.
void mark_threads_left_running();
bool threads_left_running();

}  // namespace swath::core
