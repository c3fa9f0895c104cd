// The Lua helpers and flag lines shared by the queue's scripts (private to lib/queue).
#pragma once

namespace swath::queue::scripts {

// Script flags (Redis 7): a script that may grow the data set is refused whole while Redis is out of memory
// (enqueue: nothing half-queued); the scripts that run and settle work may go beyond maxmemory, since
// draining the queue is what frees memory; read-only scripts run anywhere.
inline constexpr const char* grows = "#!lua\n";
inline constexpr const char* settles = "#!lua flags=allow-oom\n";
inline constexpr const char* reads = "#!lua flags=no-writes\n";

// `flags`, the shared helpers and `body`, as one source that lives as long as the process (Script holds a
// pointer to it).
const char* compose(const char* flags, const char* body);

}  // namespace swath::queue::scripts
