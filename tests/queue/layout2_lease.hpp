// The lease script of queue layout 2 as swath 2880993 ran it (its prelude and body, verbatim from
// `git show 2880993:lib/queue/script_prelude.cpp` and `:lib/queue/scripts.cpp`): a worker of that build keeps
// running it during a rolling upgrade, so the upgrade tests run it against what this build writes.
#pragma once

namespace swath::test {

inline constexpr const char* layout2_lease =
    "#!lua flags=allow-oom\n"
    R"lua(
local prefix = ARGV[1]
local function k(name) return prefix .. name end
local function jk(job) return prefix .. 'job:' .. job end
local function tk(job) return prefix .. 'job:' .. job .. ':t' end
local function now_ms() local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) end
-- One command over a long list, 1000 elements per call (Lua's unpack has a stack limit).
local function bulk(cmd, key, list)
  for i = 1, #list, 1000 do redis.call(cmd, key, unpack(list, i, math.min(i + 999, #list))) end end
local function split_key(el)
  local c = string.find(el, ':', 1, true)
  if not c then return nil, nil end
  return string.sub(el, 1, c - 1), string.sub(el, c + 1)
end
local function parse(rec)
  local bar = string.find(rec, '|', 2, true)
  local head = bar and string.sub(rec, 2, bar - 1) or string.sub(rec, 2)
  local n = {}
  for v in string.gmatch(head, '[^,]+') do n[#n + 1] = v end
  return string.sub(rec, 1, 1), n, bar and string.sub(rec, bar + 1) or ''
end
local function record(job, id) return redis.call('HGET', tk(job), id) end
local function put(job, id, rec) redis.call('HSET', tk(job), id, rec) end
-- Ready list order: [high, FIFO] [normal and promoted low, FIFO]. High ids are inserted after the last waiting
-- high id (`high_tail`); low ids wait in `low` while any high/normal id waits, and move to the tail of
-- `ready` when none does, so LLEN(ready) > 0 whenever anything waits.
local delta = {high = 0, normal = 0, low = 0}
local tail = {}
local function stored(p) return tonumber(redis.call('HGET', k('counts'), p) or '0') end
local function waiting(p) return stored(p) + delta[p] end
local function flush_tail()
  bulk('RPUSH', k('ready'), tail)
  tail = {} end
local function push_ready(el, p)
  if p ~= 'high' and p ~= 'low' then p = 'normal' end
  if p == 'high' then
    local last = redis.call('GET', k('high_tail'))
    if not (waiting('high') > 0 and last and redis.call('LINSERT', k('ready'), 'AFTER', last, el) > 0) then
      redis.call('LPUSH', k('ready'), el) end
    redis.call('SET', k('high_tail'), el)
  elseif p == 'low' and waiting('high') + waiting('normal') > 0 then
    redis.call('RPUSH', k('low'), el)
  else tail[#tail + 1] = el end
  delta[p] = delta[p] + 1
end
local function promote_low()
  if waiting('high') + waiting('normal') > 0 then return end
  flush_tail()
  local parked = redis.call('LRANGE', k('low'), 0, -1)
  bulk('RPUSH', k('ready'), parked)
  redis.call('DEL', k('low'))
end
local function flush()
  flush_tail()
  for p, d in pairs(delta) do if d ~= 0 then redis.call('HINCRBY', k('counts'), p, d) end end
  delta = {high = 0, normal = 0, low = 0}
end
local priority_names = {h = 'high', n = 'normal', l = 'low'}
local function priority(letter) return priority_names[letter] or 'normal' end
-- `unfinished` holds one element per task not yet finished (waiting, running, retrying, or committed with
-- files not yet in place): its LLEN is the scaling signal KEDA reads. Each job counts its own; a job with
-- nothing unfinished keeps its records (done bits, dead tasks) for the queue's retention, then expires.
local function grow(n)
  if n <= 0 then return end
  local ones = {}
  for i = 1, n do ones[i] = '1' end
  bulk('RPUSH', k('unfinished'), ones) end
local function shrink(n) if n > 0 then redis.call('LPOP', k('unfinished'), n) end end
local function unfinished(job, n)
  if n == 0 then return end
  if n > 0 then grow(n) else shrink(-n) end
  local left = redis.call('HINCRBY', jk(job), 'unfinished', n)
  if left > 0 then
    redis.call('PERSIST', jk(job))
    redis.call('PERSIST', tk(job))
  else
    local retention = tonumber(redis.call('GET', k('retention')) or '604800')
    redis.call('EXPIRE', jk(job), retention)
    redis.call('EXPIRE', tk(job), retention)
  end
end
-- A task leaves for the dead list (at most `dead_max` of them: the oldest go first, with their records).
local function bury(job, id, now, attempt, failures, p, payload, err)
  put(job, id, 'x' .. attempt .. ',' .. failures .. ',' .. now .. ',' .. (p or 'n') .. '|' .. payload)
  redis.call('HSET', tk(job), id .. '#', err)
  local size = redis.call('RPUSH', k('dead'), job .. ':' .. id)
  redis.call('HINCRBY', k('stats'), 'dead', 1)
  redis.call('HINCRBY', jk(job), 'dead', 1)
  unfinished(job, -1)
  local limit = tonumber(redis.call('GET', k('dead_max')) or '100000')
  for _ = 1, size - limit do
    local oldest = redis.call('LPOP', k('dead'))
    local j, i = split_key(oldest or '')
    if j and string.sub(record(j, i) or '', 1, 1) == 'x' then redis.call('HDEL', tk(j), i, i .. '#') end
  end
end
-- The envelope a worker runs: the task's own fields and its job's, composed here, stored apart.
local metas = {}
local function envelope(job, id, attempt, payload)
  if not metas[job] then metas[job] = redis.call('HGET', jk(job), 'meta') or '{}' end
  local tab = string.find(payload, '\t', 1, true)
  local inputs = tab and string.sub(payload, 1, tab - 1) or payload
  local slice = tab and string.sub(payload, tab + 1) or '{}'
  return '{"schema":"swath.task/2","id":"' .. id .. '","job":"' .. job .. '","attempt":' .. attempt ..
    ',"inputs":' .. inputs .. ',"slice":' .. slice .. ',"job_meta":' .. metas[job] .. '}'
end

local worker, max_count, lease_ms, max_leases = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local now = now_ms()
for _, el in ipairs(redis.call('ZRANGEBYSCORE', k('leased'), '-inf', now, 'LIMIT', 0, 500)) do
  redis.call('ZREM', k('leased'), el)
  local job, id = split_key(el)
  local rec = job and record(job, id)
  if rec and string.sub(rec, 1, 1) == 'l' then
    local _, n, payload = parse(rec)
    redis.call('HINCRBY', jk(job), 'running', -1)
    if tonumber(n[1]) >= max_leases then
      bury(job, id, now, n[1], n[2], n[4], payload, 'its lease expired ' .. n[1] .. ' times: the task may crash or hang its worker')
    else
      put(job, id, 'r' .. n[1] .. ',' .. n[2] .. ',' .. n[4] .. '|' .. payload)
      push_ready(el, priority(n[4]))
    end
  end
end
for _, el in ipairs(redis.call('ZRANGEBYSCORE', k('delayed'), '-inf', now, 'LIMIT', 0, 500)) do
  redis.call('ZREM', k('delayed'), el)
  local job, id = split_key(el)
  local rec = job and record(job, id)
  if rec and string.sub(rec, 1, 1) == 'y' then
    local _, n = parse(rec)
    put(job, id, 'r' .. string.sub(rec, 2))
    push_ready(el, priority(n[3]))
  end
end
-- Dead tasks of jobs past their retention (expired with their job) leave the dead list.
for _ = 1, 5 do
  local j = split_key(redis.call('LINDEX', k('dead'), 0) or '')
  if not j or redis.call('EXISTS', tk(j)) == 1 then break end
  redis.call('LPOP', k('dead'))
end
flush_tail()
local out = {now, 0, 0}
local popped = false
if max_count > 0 then popped = redis.call('LPOP', k('ready'), max_count) end
if popped then
  local base = redis.call('INCRBY', k('fence'), #popped) - #popped
  local deadline = now + lease_ms
  local zargs, nz, nout = {}, 0, 3  -- indexed stores, not table.insert: this loop runs once per task
  for i, el in ipairs(popped) do
    local job, id = split_key(el)
    local rec = job and record(job, id)
    local token = base + i
    local attempt, env = nil, nil
    if not job or redis.call('EXISTS', jk(job)) == 0 and not rec and not string.match(el, '^%x+:%x+$') then
      -- A foreign producer pushed something itself: keep it as a task so it is dead-lettered with a reason.
      job, id = 'raw', 'raw-' .. redis.sha1hex(el)
      redis.call('HSETNX', jk(job), 'meta', '{}')
      unfinished(job, 1)
      redis.call('HINCRBY', jk(job), 'running', 1)
      attempt, env = 1, el
      put(job, id, 'l1,0,' .. token .. ',n|[]')
    elseif not rec then
      -- A swath task whose record is gone (evicted under memory pressure, or deleted): say so.
      delta.normal = delta.normal - 1  -- as it was counted is unknown: its record is gone
      bury(job, id, now, 0, 0, 'n', '[]', 'its record is gone from Redis (evicted under memory pressure, or deleted): ' ..
        'the task cannot run; enqueue its work again, on a Redis with maxmemory-policy noeviction')
    elseif string.sub(rec, 1, 1) == 'r' then
      local _, n, payload = parse(rec)
      local p = priority(n[3])
      delta[p] = delta[p] - 1
      attempt = tonumber(n[1]) + 1
      put(job, id, 'l' .. attempt .. ',' .. n[2] .. ',' .. token .. ',' .. n[3] .. '|' .. payload)
      redis.call('HINCRBY', jk(job), 'running', 1)
      env = envelope(job, id, attempt, payload)
    end
    if attempt then
      local key = job .. ':' .. id
      zargs[nz + 1], zargs[nz + 2] = deadline, key
      nz = nz + 2
      out[nout + 1], out[nout + 2], out[nout + 3], out[nout + 4] = key, token, attempt, env
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
)lua";

}  // namespace swath::test
