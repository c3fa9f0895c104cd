// Lua sources of the queue's scripts (see scripts.hpp for each one's contract and the README for the state machine).
#include "queue/scripts.hpp"

#include "queue/script_prelude.hpp"

namespace swath::queue::scripts {


const Script enqueue{"enqueue", SWATH_GROWS SWATH_PRELUDE R"lua(
local force = ARGV[2] == '1'
local added, duplicates, recounted = 0, 0, 0
for i = 3, #ARGV, 3 do
  local id, p, envelope = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local key = tk(id)
  local state = redis.call('HGET', key, 'state')
  if state and not (force and (state == 'done' or state == 'dead')) then
    duplicates = duplicates + 1
  else
    if state then
      if state == 'dead' then redis.call('LREM', k('dead'), 0, id) end
      -- Committed but its files not yet in place: already counted as unfinished.
      if state == 'done' then recounted = recounted + redis.call('ZREM', k('finishing'), id) end
      redis.call('DEL', key)
    end
    redis.call('HSET', key, 'state', 'ready', 'priority', p, 'envelope', envelope, 'attempt', 0, 'failures', 0)
    push_ready(id, p)
    added = added + 1
  end
end
flush()
grow(added - recounted)
if added > 0 then redis.call('HINCRBY', k('stats'), 'enqueued', added) end
return {added, duplicates}
)lua"};

const Script lease{"lease", SWATH_SETTLES SWATH_PRELUDE R"lua(
local worker, max_count, lease_ms, max_leases = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local now = now_ms()
for _, id in ipairs(redis.call('ZRANGEBYSCORE', k('leased'), '-inf', now, 'LIMIT', 0, 500)) do
  redis.call('ZREM', k('leased'), id)
  local f = redis.call('HMGET', tk(id), 'state', 'priority', 'attempt')
  if f[1] == 'leased' then
    if tonumber(f[3] or '0') >= max_leases then
      bury(id, now, 'its lease expired ' .. f[3] .. ' times: the task may crash or hang its worker')
    else
      redis.call('HSET', tk(id), 'state', 'ready', 'token', '')
      push_ready(id, f[2])
    end
  end
end
for _, id in ipairs(redis.call('ZRANGEBYSCORE', k('delayed'), '-inf', now, 'LIMIT', 0, 500)) do
  redis.call('ZREM', k('delayed'), id)
  local f = redis.call('HMGET', tk(id), 'state', 'priority')
  if f[1] == 'delayed' then
    redis.call('HSET', tk(id), 'state', 'ready')
    push_ready(id, f[2])
  end
end
flush_tail()
local out = {now, 0, 0}
local popped = false
if max_count > 0 then popped = redis.call('LPOP', k('ready'), max_count) end
if popped then
  local base = redis.call('INCRBY', k('fence'), #popped) - #popped
  local deadline = now + lease_ms
  local zargs, nz, nout = {}, 0, 3  -- indexed stores, not table.insert: this loop runs once per task
  for i, element in ipairs(popped) do
    local id = element
    local key = tk(id)
    local f = redis.call('HMGET', key, 'state', 'priority', 'envelope', 'attempt')
    if not f[1] and not f[3] and #element == 32 and string.match(element, '^%x+$') then
      -- A swath task id whose record is gone (evicted under memory pressure, or deleted): say so.
      redis.call('HSET', key, 'priority', 'normal', 'envelope', '', 'failures', 0)
      bury(id, now, 'its record is gone from Redis (evicted under memory pressure, or deleted): ' ..
        'the task cannot run; enqueue its work again, on a Redis with maxmemory-policy noeviction')
      f = {}
    elseif not f[1] and not f[3] then
      -- A foreign producer pushed an envelope itself: keep it as a task so it is dead-lettered with a reason.
      id = 'raw-' .. redis.sha1hex(element)
      key = tk(id)
      f = {'ready', 'normal', element, '0'}
      redis.call('HSET', key, 'priority', 'normal', 'envelope', element, 'failures', 0)
      grow(1)
    elseif f[1] == 'ready' then
      local p = f[2]
      if p ~= 'high' and p ~= 'low' then p = 'normal' end
      delta[p] = delta[p] - 1
    end
    if f[1] == 'ready' then
      local attempt = tonumber(f[4] or '0') + 1
      local token = base + i
      redis.call('HSET', key, 'state', 'leased', 'token', token, 'attempt', attempt, 'worker', worker,
        'deadline', deadline)
      zargs[nz + 1], zargs[nz + 2] = deadline, id
      nz = nz + 2
      out[nout + 1], out[nout + 2], out[nout + 3], out[nout + 4] = id, token, attempt, f[3]
      nout = nout + 4
    end
  end
  bulk('ZADD', k('leased'), zargs)
end
promote_low()
flush()
out[2] = redis.call('LLEN', k('ready')) + redis.call('LLEN', k('low')) + redis.call('ZCARD', k('delayed')) +
  redis.call('ZCARD', k('leased')) + redis.call('ZCARD', k('finishing'))
out[3] = redis.call('ZCOUNT', k('finishing'), '-inf', now)
return out
)lua"};

const Script renew{"renew", SWATH_SETTLES SWATH_PRELUDE R"lua(
local lease_ms, worker = tonumber(ARGV[2]), ARGV[3]
local now = now_ms()
redis.call('ZADD', k('workers'), now, worker)
redis.call('ZREMRANGEBYSCORE', k('workers'), '-inf', now - 3600000)
local lost = {}
for i = 4, #ARGV, 2 do
  local id, token = ARGV[i], ARGV[i + 1]
  local f = redis.call('HMGET', tk(id), 'state', 'token', 'deadline')
  if f[1] == 'leased' and f[2] == token and tonumber(f[3] or '0') >= now then
    redis.call('HSET', tk(id), 'deadline', now + lease_ms)
    redis.call('ZADD', k('leased'), now + lease_ms, id)
  else
    table.insert(lost, id)
  end
end
return lost
)lua"};

const Script commit{"commit", SWATH_SETTLES SWATH_PRELUDE R"lua(
local ttl, hold_ms = tonumber(ARGV[2]), tonumber(ARGV[3])
local now = now_ms()
local status, finished, samples, moving = {}, {}, {}, {}
local ns, nf, nm = 0, 0, 0  -- indexed stores, not table.insert: this loop runs once per task
for i = 4, #ARGV, 6 do
  local id, token = ARGV[i], ARGV[i + 1]
  local key = tk(id)
  local f = redis.call('HMGET', key, 'state', 'token', 'deadline', 'commits')
  ns = ns + 1
  if f[1] == 'leased' and f[2] == token and tonumber(f[3] or '0') >= now then
    local commits = tonumber(f[4] or '0') + 1
    if ARGV[i + 2] ~= '' then
      redis.call('HSET', key, 'state', 'done', 'result', ARGV[i + 3], 'done_at', now, 'commits', commits,
        'outputs', ARGV[i + 2])
    else
      redis.call('HSET', key, 'state', 'done', 'result', ARGV[i + 3], 'done_at', now, 'commits', commits)
    end
    if ARGV[i + 5] == '1' then
      -- Unfinished until its worker has moved the files into place; any worker takes over after hold_ms.
      moving[nm + 1], moving[nm + 2] = now + hold_ms, id
      nm = nm + 2
    end
    redis.call('EXPIRE', key, ttl)
    nf = nf + 1
    finished[nf], samples[nf] = id, now .. ':' .. ARGV[i + 4]
    status[ns] = 1
  elseif f[1] == 'done' and f[2] == token then
    status[ns] = 1
  else
    status[ns] = 0
  end
end
bulk('ZADD', k('finishing'), moving)
shrink(nf - math.floor(nm / 2))  -- tasks without files are finished now
if #finished > 0 then
  bulk('ZREM', k('leased'), finished)
  bulk('LPUSH', k('durations'), samples)
  redis.call('LTRIM', k('durations'), 0, 9999)
  redis.call('HINCRBY', k('stats'), 'done', #finished)
  local bucket = math.floor(now / 10000)
  if redis.call('HINCRBY', k('throughput'), bucket, #finished) == #finished then
    for _, b in ipairs(redis.call('HKEYS', k('throughput'))) do
      if tonumber(b) < bucket - 360 then redis.call('HDEL', k('throughput'), b) end
    end
  end
end
return status
)lua"};

const Script claim_finishing{"claim_finishing", SWATH_SETTLES SWATH_PRELUDE R"lua(
local hold_ms = tonumber(ARGV[2])
local now = now_ms()
local out = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', k('finishing'), '-inf', now, 'LIMIT', 0, 100)) do
  -- Held for hold_ms by this worker, so two workers rarely move the same files (both may: moves are idempotent).
  redis.call('ZADD', k('finishing'), now + hold_ms, id)
  local f = redis.call('HMGET', tk(id), 'outputs', 'finish_tries')
  table.insert(out, id)
  table.insert(out, f[1] or '')
  table.insert(out, tonumber(f[2] or '0'))
end
return out
)lua"};

const Script finished{"finished", SWATH_SETTLES SWATH_PRELUDE R"lua(
local n = 0
for i = 2, #ARGV do n = n + redis.call('ZREM', k('finishing'), ARGV[i]) end
shrink(n)
return n
)lua"};

const Script finish_failed{"finish_failed", SWATH_SETTLES SWATH_PRELUDE R"lua(
local max_tries, base_ms = tonumber(ARGV[2]), tonumber(ARGV[3])
local now = now_ms()
local out = {}
for i = 4, #ARGV, 2 do
  local id, err = ARGV[i], ARGV[i + 1]
  if not redis.call('ZSCORE', k('finishing'), id) then
    table.insert(out, 'gone')  -- another worker finished it meanwhile
  else
    local tries = redis.call('HINCRBY', tk(id), 'finish_tries', 1)
    if tries >= max_tries then
      redis.call('ZREM', k('finishing'), id)
      redis.call('HINCRBY', k('stats'), 'done', -1)
      bury(id, now, 'committed, but its outputs could not be moved into place (' .. tries .. ' tries; they wait in ' ..
        'the staging directory): ' .. err)
      table.insert(out, 'dead')
    else
      redis.call('ZADD', k('finishing'), now + math.floor(math.min(60000, base_ms * 2 ^ (tries - 1))), id)
      table.insert(out, 'retry')
    end
  end
end
return out
)lua"};

}  // namespace swath::queue::scripts
