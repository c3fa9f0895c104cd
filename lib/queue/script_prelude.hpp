// The Lua helpers shared by the queue scripts that move tasks into the ready list (private to lib/queue).
#pragma once

// Shared helpers, prepended to scripts that move tasks into the ready list.
// Ready list order: [high, FIFO] [normal and promoted low, FIFO]. High ids are inserted after the last
// waiting high id (`high_tail`); low ids wait in `low` while any high/normal id waits, and move to the
// tail of `ready` when none does, so LLEN(ready) > 0 whenever anything waits (the KEDA signal).
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
  "end\n"
