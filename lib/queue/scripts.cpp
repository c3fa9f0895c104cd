// Lua sources of the queue's scripts that run work: lease, renew, commit and finishing (enqueue: scripts_enqueue.cpp;
// see scripts.hpp for each one's contract, script_prelude.cpp for the records, docs/queue.md for the state machine).
#include "queue/scripts.hpp"

#include "queue/script_prelude.hpp"

namespace swath::queue::scripts {

const Script lease{"lease", compose(settles, R"lua(
local refused = foreign_layout()
if refused then return refused end
local worker, max_count, lease_ms, max_leases = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local max_low = tonumber(ARGV[6]) or max_count  -- low tasks at most: a worker's free slots, not its prefetch
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
  if not j or redis.call('EXISTS', jk(j)) == 1 then break end
  redis.call('LPOP', k('dead'))
end
flush_tail()
local out = {now, 0, 0}
local popped, from_ready = {}, 0
if max_count > 0 then
  popped = redis.call('LPOP', k('ready'), max_count) or {}
  from_ready = #popped
  -- Low tasks only when the ready list ran short: nothing of higher priority waits.
  local lows = math.min(max_count - #popped, max_low)
  if lows > 0 then
    for _, el in ipairs(redis.call('LPOP', k('low'), lows) or {}) do popped[#popped + 1] = el end
  end
end
if #popped > 0 then
  local base = redis.call('INCRBY', k('fence'), #popped) - #popped
  -- A token is the fence's count and the lease's time (ms, low 32 bits, hex): the count alone repeats once Redis has
  -- lost its last writes (a host crash under appendfsync everysec, a lagging replica promoted, an older AOF
  -- restored), and a task leased again under its old token would have two holders, both able to commit.
  local stamp = string.format('-%x', now % 4294967296)
  local deadline = now + lease_ms
  local zargs, nz, nout = {}, 0, 3  -- indexed stores, not table.insert: this loop runs once per task
  local running = {}  -- job → tasks leased: each job's counter written once per call, not once per task
  for i, el in ipairs(popped) do
    local job, id = split_key(el)
    local rec = job and record(job, id)
    local token = (base + i) .. stamp
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
      -- Counted as its list says: the low list holds low tasks only; the ready list high and normal ones (which of
      -- the two is unknown: its record is gone).
      local p = i > from_ready and 'low' or 'normal'
      delta[p] = delta[p] - 1
      bury(job, id, now, 0, 0, 'n', '[]', 'its record is gone from Redis (evicted under memory pressure, or deleted): ' ..
        'the task cannot run; enqueue its work again with --force (a plain enqueue skips dead tasks), on a Redis ' ..
        'with maxmemory-policy noeviction')
    elseif string.sub(rec, 1, 1) == 'r' then
      local _, n, payload = parse(rec)
      local p = priority(n[3])
      delta[p] = delta[p] - 1
      attempt = tonumber(n[1]) + 1
      put(job, id, 'l' .. attempt .. ',' .. n[2] .. ',' .. token .. ',' .. n[3] .. '|' .. payload)
      running[job] = (running[job] or 0) + 1
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
  for job, n in pairs(running) do redis.call('HINCRBY', jk(job), 'running', n) end
end
flush()
out[2] = redis.call('LLEN', k('ready')) + redis.call('LLEN', k('low')) + redis.call('ZCARD', k('delayed')) +
  redis.call('ZCARD', k('leased')) + redis.call('ZCARD', k('finishing'))
out[3] = redis.call('ZCOUNT', k('finishing'), '-inf', now)
return out
)lua")};

const Script renew{"renew", compose(settles, R"lua(
local refused = foreign_layout()
if refused then return refused end
local reset = queue_reset(4, 2)
if reset then return reset end
local lease_ms, worker = tonumber(ARGV[2]), ARGV[3]
local now = now_ms()
redis.call('ZADD', k('workers'), now, worker)
redis.call('ZREMRANGEBYSCORE', k('workers'), '-inf', now - 3600000)
local lost = {}
for i = 4, #ARGV, 2 do
  local el, token = ARGV[i], ARGV[i + 1]
  local job, id = split_key(el)
  local rec = job and record(job, id)
  local state, n = parse(rec or '-')
  if state == 'l' and n[3] == token and tonumber(redis.call('ZSCORE', k('leased'), el) or '0') >= now then
    redis.call('ZADD', k('leased'), now + lease_ms, el)
  else
    lost[#lost + 1] = el
  end
end
return lost
)lua")};

const Script commit{"commit", compose(settles, R"lua(
local refused = foreign_layout()
if refused then return refused end
local reset = queue_reset(3, 6)
if reset then return reset end
local hold_ms = tonumber(ARGV[2])
local now = now_ms()
local status, finished, samples, moving = {}, {}, {}, {}
local ns, nf, nm = 0, 0, 0  -- indexed stores, not table.insert: this loop runs once per task
-- job → tasks committed, of them entering finishing, and finished at once: each job's counters are written once
-- per call, not once per task (a call commits hundreds of no-op tasks).
local committed, finishing, finished_now = {}, {}, {}
for i = 3, #ARGV, 6 do
  local el, token = ARGV[i], ARGV[i + 1]
  local job, id = split_key(el)
  local rec = job and record(job, id)
  local state, n, payload = parse(rec or '-')
  ns = ns + 1
  if state == 'l' and n[3] == token and tonumber(redis.call('ZSCORE', k('leased'), el) or '0') >= now then
    committed[job] = (committed[job] or 0) + 1
    if ARGV[i + 5] == '1' then
      -- Unfinished until its worker has moved the files into place; any worker takes over after hold_ms.
      put(job, id, 'd' .. token .. '|' .. payload)
      moving[nm + 1], moving[nm + 2] = now + hold_ms, el
      nm = nm + 2
      redis.call('HSET', k('finish'), el, ARGV[i + 2])
      finishing[job] = (finishing[job] or 0) + 1
    else
      put(job, id, 'd' .. token)
      finished_now[job] = (finished_now[job] or 0) + 1
    end
    nf = nf + 1
    finished[nf], samples[nf] = el, now .. ':' .. ARGV[i + 4]
    status[ns] = 1
  elseif state == 'd' and n[1] == token then
    status[ns] = 1
  else
    status[ns] = 0
  end
end
for job, c in pairs(committed) do
  redis.call('HINCRBY', jk(job), 'running', -c)
  redis.call('HINCRBY', jk(job), 'done', c)
  redis.call('HSETNX', jk(job), 'first_done', now)
  redis.call('HSET', jk(job), 'last_done', now)
  if finishing[job] then redis.call('HINCRBY', jk(job), 'finishing', finishing[job]) end
  if finished_now[job] then unfinished(job, -finished_now[job]) end
end
bulk('ZADD', k('finishing'), moving)
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
)lua")};

const Script claim_finishing{"claim_finishing", compose(settles, R"lua(
local refused = foreign_layout()
if refused then return refused end
local hold_ms = tonumber(ARGV[2])
local per_file_ms = tonumber(ARGV[3] or '0') or 0
local now = now_ms()
-- Held by this worker, so two workers rarely move the same files (both may: moves are idempotent): it moves them one
-- after another and reports them together, so each is held hold_ms plus per_file_ms for every file claimed. Up to a
-- minute of files per call (and 100 moves): more would leave them held long should this worker die.
local claimed, outputs, files = {}, {}, 0
for _, el in ipairs(redis.call('ZRANGEBYSCORE', k('finishing'), '-inf', now, 'LIMIT', 0, 100)) do
  local record = redis.call('HGET', k('finish'), el) or ''
  -- One '":"' per file ("name":"hash"), and a few more: counted, not decoded (15,625 tiles' record is 1.5 MB).
  local _, n = string.gsub(record, '":"', '')
  if #claimed > 0 and (files + n) * per_file_ms > 60000 then break end
  files = files + n
  claimed[#claimed + 1], outputs[#outputs + 1] = el, record
end
local held = now + hold_ms + math.ceil(files * per_file_ms)
local out = {}
for i, el in ipairs(claimed) do
  redis.call('ZADD', k('finishing'), held, el)
  out[#out + 1] = el
  out[#out + 1] = outputs[i]
  out[#out + 1] = tonumber(redis.call('HGET', k('finish_tries'), el) or '0')
  local job, id = split_key(el)
  local _, parts = parse((job and record(job, id)) or 'd')
  out[#out + 1] = parts[1] or ''  -- the commit's token: finished and finish_failed are fenced by it
end
return out
)lua")};

const Script finished{"finished", compose(settles, R"lua(
local refused = foreign_layout()
if refused then return refused end
-- (id, token) pairs: a commit is finished only under its own token. A worker that stalled past its hold and moved
-- (or found moved) an earlier commit's files must not finish a later commit of the task (enqueue --force) whose files
-- are not in place yet.
local n = 0
for i = 2, #ARGV, 2 do
  local el, token = ARGV[i], ARGV[i + 1]
  local job, id = split_key(el)
  local state, parts = parse((job and record(job, id)) or '-')
  -- A record gone (evicted, deleted) has no token: claim_finishing named it '', and the entry still leaves.
  local own = (state == 'd' and parts[1] == token) or (state == '-' and token == '')
  if own and redis.call('ZREM', k('finishing'), el) == 1 then
    n = n + 1
    redis.call('HDEL', k('finish'), el)
    redis.call('HDEL', k('finish_tries'), el)
    if state == 'd' then put(job, id, 'd' .. token) end  -- done: only the token is kept
    redis.call('HINCRBY', jk(job), 'finishing', -1)
    unfinished(job, -1)
  end
end
return n
)lua")};

const Script finish_failed{"finish_failed", compose(settles, R"lua(
local refused = foreign_layout()
if refused then return refused end
local max_tries, base_ms = tonumber(ARGV[2]), tonumber(ARGV[3])
local now = now_ms()
local out = {}
for i = 4, #ARGV, 3 do
  local el, token, err = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local job, id = split_key(el)
  local state, parts = parse((job and record(job, id)) or '-')
  local own = (state == 'd' and parts[1] == token) or (state == '-' and token == '')
  if not redis.call('ZSCORE', k('finishing'), el) or not own then
    out[#out + 1] = 'gone'  -- another worker finished it meanwhile, or it is a later commit's (fenced by its token)
  else
    local tries = redis.call('HINCRBY', k('finish_tries'), el, 1)
    if tries >= max_tries then
      local _, _, payload = parse((job and record(job, id)) or 'd')
      redis.call('ZREM', k('finishing'), el)
      redis.call('HDEL', k('finish'), el)
      redis.call('HDEL', k('finish_tries'), el)
      redis.call('HINCRBY', k('stats'), 'done', -1)
      redis.call('HINCRBY', jk(job), 'done', -1)
      redis.call('HINCRBY', jk(job), 'finishing', -1)
      bury(job, id, now, 0, 0, 'n', payload, 'committed, but its outputs could not be moved into place (' .. tries ..
        ' tries; they wait in the staging directory): ' .. err)
      out[#out + 1] = 'dead'
    else
      redis.call('ZADD', k('finishing'), now + math.floor(math.min(60000, base_ms * 2 ^ (tries - 1))), el)
      out[#out + 1] = 'retry'
    end
  end
end
return out
)lua")};

}  // namespace swath::queue::scripts
