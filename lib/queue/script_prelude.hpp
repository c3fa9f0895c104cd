// The Lua helpers and flag lines shared by the queue's scripts (private to lib/queue).
#pragma once

// Script flags (Redis 7): a script that may grow the data set is refused whole while Redis is out of memory
// (enqueue: nothing half-queued); the scripts that run and settle work may go beyond maxmemory, since
// draining the queue is what frees memory; read-only scripts run anywhere.
#define SWATH_GROWS "#!lua\n"
#define SWATH_SETTLES "#!lua flags=allow-oom\n"
#define SWATH_READS "#!lua flags=no-writes\n"

// Shared helpers, prepended to every script (after its flags line).
// Ready list order: [high, FIFO] [normal and promoted low, FIFO]. High ids are inserted after the last
// waiting high id (`high_tail`); low ids wait in `low` while any high/normal id waits, and move to the
// tail of `ready` when none does, so LLEN(ready) > 0 whenever anything waits.
#define SWATH_PRELUDE                                                                                     \
  "local prefix = ARGV[1]\n"                                                                              \
  "local function k(name) return prefix .. name end\n"                                                    \
  "local function tk(id) return prefix .. 'task:' .. id end\n"                                            \
  "local function now_ms() local t = redis.call('TIME')\n"                                                \
  "  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) end\n"                              \
  "-- One command over a long list, 1000 elements per call (Lua's unpack has a stack limit).\n"            \
  "local function bulk(cmd, key, list)\n"                                                                  \
  "  for i = 1, #list, 1000 do redis.call(cmd, key, unpack(list, i, math.min(i + 999, #list))) end end\n"   \
  "local delta = {high = 0, normal = 0, low = 0}\n"                                                       \
  "local tail = {}\n"                                                                                     \
  "local function stored(p) return tonumber(redis.call('HGET', k('counts'), p) or '0') end\n"             \
  "local function waiting(p) return stored(p) + delta[p] end\n"                                           \
  "local function flush_tail()\n"                                                                         \
  "  bulk('RPUSH', k('ready'), tail)\n"                                                                   \
  "  tail = {} end\n"                                                                                     \
  "local function push_ready(id, p)\n"                                                                    \
  "  if p ~= 'high' and p ~= 'low' then p = 'normal' end\n"                                               \
  "  if p == 'high' then\n"                                                                               \
  "    local last = redis.call('GET', k('high_tail'))\n"                                                  \
  "    if not (waiting('high') > 0 and last and redis.call('LINSERT', k('ready'), 'AFTER', last, id) > 0) then\n" \
  "      redis.call('LPUSH', k('ready'), id) end\n"                                                       \
  "    redis.call('SET', k('high_tail'), id)\n"                                                           \
  "  elseif p == 'low' and waiting('high') + waiting('normal') > 0 then\n"                                \
  "    redis.call('RPUSH', k('low'), id)\n"                                                               \
  "  else table.insert(tail, id) end\n"                                                                   \
  "  delta[p] = delta[p] + 1\n"                                                                           \
  "end\n"                                                                                                 \
  "local function promote_low()\n"                                                                        \
  "  if waiting('high') + waiting('normal') > 0 then return end\n"                                        \
  "  flush_tail()\n"                                                                                      \
  "  local parked = redis.call('LRANGE', k('low'), 0, -1)\n"                                              \
  "  bulk('RPUSH', k('ready'), parked)\n"                                                                 \
  "  redis.call('DEL', k('low'))\n"                                                                       \
  "end\n"                                                                                                 \
  "local function flush()\n"                                                                              \
  "  flush_tail()\n"                                                                                      \
  "  for p, d in pairs(delta) do if d ~= 0 then redis.call('HINCRBY', k('counts'), p, d) end end\n"       \
  "  delta = {high = 0, normal = 0, low = 0}\n"                                                           \
  "end\n"                                                                                                 \
  "-- `unfinished` holds one element per task not yet finished (waiting, running, retrying, or committed\n" \
  "-- with files not yet in place): its LLEN is the scaling signal KEDA reads.\n"                          \
  "local function grow(n)\n"                                                                              \
  "  if n <= 0 then return end\n"                                                                         \
  "  local ones = {}\n"                                                                                   \
  "  for i = 1, n do ones[i] = '1' end\n"                                                                 \
  "  bulk('RPUSH', k('unfinished'), ones) end\n"                                                          \
  "local function shrink(n) if n > 0 then redis.call('LPOP', k('unfinished'), n) end end\n"              \
  "-- A task record leaves for the dead list: kept (no TTL) until `swath queue dead purge`.\n"           \
  "local function bury(id, now, err)\n"                                                                  \
  "  redis.call('HSET', tk(id), 'state', 'dead', 'token', '', 'dead_at', now, 'error', err)\n"           \
  "  redis.call('PERSIST', tk(id))\n"                                                                     \
  "  redis.call('RPUSH', k('dead'), id)\n"                                                                \
  "  redis.call('HINCRBY', k('stats'), 'dead', 1)\n"                                                      \
  "  shrink(1)\n"                                                                                         \
  "end\n"
