// Lua sources of the failure, hand-back, statistics and dead-letter scripts (see scripts.hpp).
#include "queue/script_prelude.hpp"
#include "queue/scripts.hpp"

namespace swath::queue::scripts {

const Script fail{"fail", SWATH_SETTLES SWATH_PRELUDE R"lua(
local max_attempts = tonumber(ARGV[2])
local now = now_ms()
local out = {}
for i = 3, #ARGV, 5 do
  local id, token, err, permanent, delay = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3] == '1', tonumber(ARGV[i + 4])
  local f = redis.call('HMGET', tk(id), 'state', 'token', 'deadline', 'failures')
  if f[1] == 'leased' and f[2] == token and tonumber(f[3] or '0') >= now then
    local failures = tonumber(f[4] or '0') + 1
    redis.call('ZREM', k('leased'), id)
    redis.call('HINCRBY', k('stats'), 'failed', 1)
    if permanent or failures >= max_attempts then
      redis.call('HSET', tk(id), 'failures', failures)
      bury(id, now, err)
      table.insert(out, 'dead')
    else
      redis.call('HSET', tk(id), 'state', 'delayed', 'token', '', 'error', err, 'failures', failures)
      redis.call('ZADD', k('delayed'), now + delay, id)
      table.insert(out, 'retry')
    end
  else
    table.insert(out, 'lost')
  end
end
return out
)lua"};

const Script release{"release", SWATH_SETTLES SWATH_PRELUDE R"lua(
local n = 0
for i = 2, #ARGV, 2 do
  local id, token = ARGV[i], ARGV[i + 1]
  local f = redis.call('HMGET', tk(id), 'state', 'token', 'priority', 'attempt')
  if f[1] == 'leased' and f[2] == token then
    redis.call('ZREM', k('leased'), id)
    -- Handed back unstarted or interrupted by shutdown: not an attempt of its own.
    redis.call('HSET', tk(id), 'state', 'ready', 'token', '', 'attempt', math.max(0, tonumber(f[4] or '1') - 1))
    push_ready(id, f[3])
    n = n + 1
  end
end
flush()
return n
)lua"};

const Script goodbye{"goodbye", SWATH_SETTLES SWATH_PRELUDE R"lua(
return redis.call('ZREM', k('workers'), ARGV[2])
)lua"};

const Script stats{"stats", SWATH_READS SWATH_PRELUDE R"lua(
local window_ms, alive_ms = tonumber(ARGV[2]), tonumber(ARGV[3])
local now = now_ms()
local c = redis.call('HMGET', k('counts'), 'high', 'normal', 'low')
local s = redis.call('HMGET', k('stats'), 'done')
local samples = {}
for _, entry in ipairs(redis.call('LRANGE', k('durations'), 0, -1)) do
  local colon = string.find(entry, ':', 1, true)
  if tonumber(string.sub(entry, 1, colon - 1)) < now - window_ms then break end
  table.insert(samples, string.sub(entry, colon + 1))
end
local buckets = redis.call('HGETALL', k('throughput'))
return {now, redis.call('LLEN', k('ready')), redis.call('LLEN', k('low')),
  tonumber(c[1] or '0'), tonumber(c[2] or '0'), tonumber(c[3] or '0'),
  redis.call('ZCARD', k('leased')), redis.call('ZCARD', k('delayed')), redis.call('LLEN', k('dead')),
  tonumber(s[1] or '0'), redis.call('ZCOUNT', k('workers'), now - alive_ms, '+inf'), samples, buckets,
  redis.call('ZCARD', k('finishing')), redis.call('LLEN', k('unfinished'))}
)lua"};

const Script dead_list{"dead_list", SWATH_READS SWATH_PRELUDE R"lua(
local out = {}
for _, id in ipairs(redis.call('LRANGE', k('dead'), tonumber(ARGV[2]), tonumber(ARGV[3]))) do
  local f = redis.call('HMGET', tk(id), 'error', 'failures', 'attempt', 'envelope', 'dead_at')
  table.insert(out, id)
  for j = 1, 5 do table.insert(out, f[j] or '') end
end
return out
)lua"};

// The dead tasks named in ARGV[2..] (or all of them), taken off the dead list: shared by retry and purge.
#define SWATH_TAKE_DEAD                                                                                     \
  "local function take_dead()\n"                                                                            \
  "  local ids = {}\n"                                                                                      \
  "  if #ARGV >= 2 then\n"                                                                                  \
  "    for i = 2, #ARGV do if redis.call('LREM', k('dead'), 0, ARGV[i]) > 0 then table.insert(ids, ARGV[i]) end end\n" \
  "  else\n"                                                                                                \
  "    ids = redis.call('LRANGE', k('dead'), 0, -1)\n"                                                      \
  "    redis.call('DEL', k('dead'))\n"                                                                      \
  "  end\n"                                                                                                 \
  "  return ids\n"                                                                                          \
  "end\n"

const Script dead_retry{"dead_retry", SWATH_SETTLES SWATH_PRELUDE SWATH_TAKE_DEAD R"lua(
local ids = take_dead()
for _, id in ipairs(ids) do
  local p = redis.call('HGET', tk(id), 'priority') or 'normal'
  redis.call('HSET', tk(id), 'state', 'ready', 'attempt', 0, 'failures', 0, 'token', '', 'finish_tries', 0)
  redis.call('ZREM', k('finishing'), id)
  push_ready(id, p)
end
flush()
grow(#ids)
return #ids
)lua"};

const Script dead_purge{"dead_purge", SWATH_SETTLES SWATH_PRELUDE SWATH_TAKE_DEAD R"lua(
local ids = take_dead()
for _, id in ipairs(ids) do redis.call('DEL', tk(id)) end
return #ids
)lua"};

}  // namespace swath::queue::scripts
