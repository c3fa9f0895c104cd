// Lua sources of the failure, hand-back, statistics, job and dead-letter scripts (see scripts.hpp).
#include "queue/script_prelude.hpp"
#include "queue/scripts.hpp"

#include <string>

namespace swath::queue::scripts {

namespace {

// The dead tasks named in ARGV[2..] by task id or by key (or all of them), taken off the dead list: shared by
// retry and purge.
constexpr const char* take_dead = R"lua(
local function take_dead()
  local taken = {}
  local all = redis.call('LRANGE', k('dead'), 0, -1)
  if #ARGV < 2 then
    redis.call('DEL', k('dead'))
    return all
  end
  local wanted = {}
  for i = 2, #ARGV do wanted[ARGV[i]] = true end
  -- One pass, the list written again without them: an LREM per id scanned the whole list each time (40,000 dead
  -- tasks held Redis for 17 s, and every worker's script meanwhile got BUSY).
  local kept = {}
  for _, el in ipairs(all) do
    local _, id = split_key(el)
    if wanted[el] or (id and wanted[id]) then
      taken[#taken + 1] = el
    else
      kept[#kept + 1] = el
    end
  end
  if #taken > 0 then
    redis.call('DEL', k('dead'))
    bulk('RPUSH', k('dead'), kept)
  end
  return taken
end
)lua";

std::string with_take_dead(const char* body) { return std::string(take_dead) + body; }

}  // namespace

const Script fail{"fail", compose(settles, R"lua(
local refused = foreign_layout()
if refused then return refused end
local reset = queue_reset(3, 5)
if reset then return reset end
local max_attempts = tonumber(ARGV[2])
local now = now_ms()
local out = {}
for i = 3, #ARGV, 5 do
  local el, token, err, permanent, delay = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3] == '1', tonumber(ARGV[i + 4])
  local job, id = split_key(el)
  local state, n, payload = parse((job and record(job, id)) or '-')
  if state == 'l' and n[3] == token and tonumber(redis.call('ZSCORE', k('leased'), el) or '0') >= now then
    local failures = tonumber(n[2]) + 1
    redis.call('ZREM', k('leased'), el)
    redis.call('HINCRBY', jk(job), 'running', -1)
    redis.call('HINCRBY', k('stats'), 'failed', 1)
    if permanent or failures >= max_attempts then
      bury(job, id, now, n[1], failures, n[4], payload, err)
      out[#out + 1] = 'dead'
    else
      put(job, id, 'y' .. n[1] .. ',' .. failures .. ',' .. n[4] .. '|' .. payload)
      redis.call('ZADD', k('delayed'), now + delay, el)
      out[#out + 1] = 'retry'
    end
  else
    out[#out + 1] = 'lost'
  end
end
return out
)lua")};

const Script release{"release", compose(settles, R"lua(
local refused = foreign_layout()
if refused then return refused end
local n = 0
for i = 2, #ARGV, 2 do
  local el, token = ARGV[i], ARGV[i + 1]
  local job, id = split_key(el)
  local state, parts, payload = parse((job and record(job, id)) or '-')
  if state == 'l' and parts[3] == token then
    redis.call('ZREM', k('leased'), el)
    redis.call('HINCRBY', jk(job), 'running', -1)
    -- Handed back unstarted or interrupted by shutdown: not an attempt of its own.
    put(job, id, 'r' .. math.max(0, tonumber(parts[1]) - 1) .. ',' .. parts[2] .. ',' .. parts[4] .. '|' .. payload)
    push_ready(el, priority(parts[4]))
    n = n + 1
  end
end
flush()
return n
)lua")};

const Script goodbye{"goodbye", compose(settles, R"lua(
return redis.call('ZREM', k('workers'), ARGV[2])
)lua")};

const Script stats{"stats", compose(reads, R"lua(
local refused = foreign_layout()
if refused then return refused end
local window_ms, alive_ms = tonumber(ARGV[2]), tonumber(ARGV[3])
local now = now_ms()
local c = redis.call('HMGET', k('counts'), 'high', 'normal', 'low')
local s = redis.call('HMGET', k('stats'), 'done')
local samples = {}
for _, entry in ipairs(redis.call('LRANGE', k('durations'), 0, -1)) do
  local colon = string.find(entry, ':', 1, true)
  if tonumber(string.sub(entry, 1, colon - 1)) < now - window_ms then break end
  samples[#samples + 1] = string.sub(entry, colon + 1)
end
local buckets = redis.call('HGETALL', k('throughput'))
-- The deadlines still ahead of jobs with tasks to start (the planner's), soonest first, up to 32: each with the
-- tasks not yet started of every job due by then (run soonest first, a later job's wait for the earlier ones').
-- From the deadlines ZSET (jobs with unfinished tasks only: track_deadline) in deadline order, so a poll reads the
-- jobs due soonest, not every job the queue lists. Running and finishing tasks have started.
local function to_start(job)
  local f = redis.call('HMGET', jk(job), 'unfinished', 'running', 'finishing')
  return (tonumber(f[1] or '0') or 0) - (tonumber(f[2] or '0') or 0) - (tonumber(f[3] or '0') or 0)
end
local limit, due, before_last, by_then, full = 256, 0, 0, {}, false
local entries = redis.call('ZRANGEBYSCORE', k('deadlines'), '(' .. now, '+inf', 'WITHSCORES', 'LIMIT', 0, limit)
for i = 1, #entries, 2 do
  local deadline = tonumber(entries[i + 1])
  local n = to_start(entries[i])
  if n > 0 then
    if #by_then > 0 and by_then[#by_then - 1] == deadline then
      due = due + n
      by_then[#by_then] = due
    elseif #by_then == 64 then
      full = true
      break
    else
      before_last = due
      due = due + n
      by_then[#by_then + 1] = deadline
      by_then[#by_then + 1] = due
    end
  end
end
-- Cut off by the limit, the deadline read last may lack some of its jobs (one enqueue's jobs share theirs): counted
-- again whole (up to 10000 jobs: a poll must not read every job of a huge enqueue).
if not full and #entries == 2 * limit then
  local cut = tonumber(entries[#entries])
  local n = 0
  for _, job in ipairs(redis.call('ZRANGEBYSCORE', k('deadlines'), cut, cut, 'LIMIT', 0, 10000)) do
    n = n + math.max(0, to_start(job))
  end
  if #by_then > 0 and by_then[#by_then - 1] == cut then
    by_then[#by_then] = before_last + n
  elseif n > 0 and #by_then < 64 then
    by_then[#by_then + 1] = cut
    by_then[#by_then + 1] = due + n
  end
end
return {now, redis.call('LLEN', k('ready')), redis.call('LLEN', k('low')),
  tonumber(c[1] or '0'), tonumber(c[2] or '0'), tonumber(c[3] or '0'),
  redis.call('ZCARD', k('leased')), redis.call('ZCARD', k('delayed')), redis.call('LLEN', k('dead')),
  tonumber(s[1] or '0'), redis.call('ZCOUNT', k('workers'), now - alive_ms, '+inf'), samples, buckets,
  redis.call('ZCARD', k('finishing')), redis.call('LLEN', k('unfinished')), redis.call('ZCARD', k('jobs')), by_then}
)lua")};

const Script jobs{"jobs", compose(settles, R"lua(
local refused = foreign_layout()
if refused then return refused end
-- ARGV[2]: one job id, or '' for all. A job whose records expired leaves the list.
local ids = ARGV[2] ~= '' and {ARGV[2]} or redis.call('ZRANGE', k('jobs'), 0, -1)
local out = {redis.call('ZCARD', k('jobs'))}
for _, job in ipairs(ids) do
  local f = redis.call('HMGET', jk(job), 'meta', 'created', 'tasks', 'done', 'dead', 'running', 'finishing',
    'unfinished', 'first_done', 'last_done', 'held')
  if f[1] then
    out[#out + 1] = job
    for j = 1, 11 do out[#out + 1] = f[j] or '' end
  elseif ARGV[2] == '' then
    redis.call('ZREM', k('jobs'), job)
  end
end
return out
)lua")};

const Script dead_list{"dead_list", compose(reads, R"lua(
local refused = foreign_layout()
if refused then return refused end
local out = {}
for _, el in ipairs(redis.call('LRANGE', k('dead'), tonumber(ARGV[2]), tonumber(ARGV[3]))) do
  local job, id = split_key(el)
  local state, n, payload = parse((job and record(job, id)) or '-')
  if state == 'x' then
    out[#out + 1] = el
    out[#out + 1] = redis.call('HGET', tk(job, id), id .. '#') or ''
    out[#out + 1] = n[2]
    out[#out + 1] = n[1]
    out[#out + 1] = envelope(job, id, n[1], payload)
    out[#out + 1] = n[3]
  end
end
return out
)lua")};

const Script dead_members{"dead_members", compose(reads, R"lua(
local refused = foreign_layout()
if refused then return refused end
-- ARGV[2..]: task ids or keys → the ones that are dead tasks of this queue.
local dead = {}
for _, el in ipairs(redis.call('LRANGE', k('dead'), 0, -1)) do
  local _, id = split_key(el)
  dead[el] = true
  if id then dead[id] = true end
end
local out = {}
for i = 2, #ARGV do if dead[ARGV[i]] then out[#out + 1] = ARGV[i] end end
return out
)lua")};

const Script dead_retry{"dead_retry", compose(settles, with_take_dead(R"lua(
local refused = foreign_layout()
if refused then return refused end
local taken = take_dead()
local count = 0
for _, el in ipairs(taken) do
  local job, id = split_key(el)
  local state, n, payload = parse((job and record(job, id)) or '-')
  if state == 'x' then
    put(job, id, 'r0,0,' .. (n[4] or 'n') .. '|' .. payload)
    redis.call('HDEL', tk(job, id), id .. '#')
    redis.call('HINCRBY', jk(job), 'dead', -1)
    push_ready(el, priority(n[4]))
    unfinished(job, 1)
    count = count + 1
  end
end
flush()
return count
)lua")
                                                           .c_str())};

const Script dead_purge{"dead_purge", compose(settles, with_take_dead(R"lua(
local refused = foreign_layout()
if refused then return refused end
local taken = take_dead()
local jobs = {}
for _, el in ipairs(taken) do
  local job, id = split_key(el)
  if job and string.sub(record(job, id) or '', 1, 1) == 'x' then
    redis.call('HDEL', tk(job, id), id, id .. '#')
    -- Gone from its job: the same task enqueued again is new there (and counted once in 'tasks').
    redis.call('HINCRBY', jk(job), 'dead', -1)
    redis.call('HINCRBY', jk(job), 'tasks', -1)
    jobs[job] = true
  end
end
for job in pairs(jobs) do drop_held(job) end  -- a merge waiting for a purged shard never runs
return #taken
)lua")
                                                           .c_str())};

}  // namespace swath::queue::scripts
