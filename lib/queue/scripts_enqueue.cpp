// Lua source of the enqueue script: a job created once, its tasks queued by priority, duplicates skipped, and
// with --force done, dead or orphaned tasks queued again (see scripts.hpp and docs/queue.md).
#include "queue/script_prelude.hpp"
#include "queue/scripts.hpp"

namespace swath::queue::scripts {

const Script enqueue{"enqueue", compose(grows, R"lua(
local force, job, meta, p = ARGV[2] == '1', ARGV[3], ARGV[4], ARGV[5]
local refused = foreign_layout()
if refused then return refused end
redis.call('SET', k('layout'), '3')
redis.call('SET', k('retention'), ARGV[6])
redis.call('SET', k('dead_max'), ARGV[7])
if redis.call('HSETNX', jk(job), 'meta', meta) == 1 then
  local now = now_ms()
  -- Buckets for ~32 records each of the tasks this enqueue brings (a job that grows later fills them more), once
  -- `swath queue migrate` has said no worker of layout 2 serves the queue: their scripts read job:J:t only, and
  -- would dead-letter a bucketed task as gone (docs/queue.md, *Upgrades*).
  local b = redis.call('EXISTS', k('bucketed')) == 1 and math.max(1, tonumber(ARGV[8]) or 1) or 1
  redis.call('HSET', jk(job), 'priority', p, 'created', now, 'tasks', 0, 'done', 0, 'dead', 0, 'running', 0,
    'finishing', 0, 'unfinished', 0, 'buckets', b)
  redis.call('ZADD', k('jobs'), now, job)
else
  -- The job exists (the same kind, options and output enqueued before): this enqueue's priority, trace and deadline
  -- become the job's, for all its unfinished tasks. Else a deadline once passed would expire every task enqueued
  -- into the job again, and a later enqueue's deadline would be silently ignored.
  redis.call('HSET', jk(job), 'meta', meta, 'priority', p)
end
local added, duplicates, again, recounted, held, dead = 0, 0, 0, 0, 0, 0
local waiting = 'r0,0,' .. string.sub(p, 1, 1) .. '|'
-- An id marked '!' is held (see release_held): it waits, in no list, for the job's other tasks.
local function hold(id)
  redis.call('SADD', jk(job) .. ':held', id)
  held = held + 1
end
-- A waiting, leased or delayed task in no list of its state is orphaned: a layout-2 worker took it from a bucketed
-- job (docs/queue.md, *Upgrades*). Its lease reaper drops an expired lease or a due retry whose record it cannot
-- find; its lease dead-letters a popped task as gone, leaving its trace: a record in job:J:t, where a bucketed job
-- keeps none. Each test is O(1): the ready list is never scanned. --force queues an orphaned task again.
local function orphaned(job, id, el, state)
  if state == 'l' then return not redis.call('ZSCORE', k('leased'), el) end
  if state == 'y' then return not redis.call('ZSCORE', k('delayed'), el) end
  return state == 'r' and jk(job) .. ':t' ~= tk(job, id) and redis.call('HEXISTS', jk(job) .. ':t', id) == 1
end
-- An id already known: a duplicate, or (with --force) a task done, dead or orphaned, queued again.
local function known(id, payload, held_id, first)
  local el = job .. ':' .. id
  local rec = record(job, id)
  local state = string.sub(rec, 1, 1)
  -- A task whose files are being moved (committed, in `finishing`) is left to finish, forced or not: queued again,
  -- its committed attempt would be thrown away while a worker moves its files. --force again once it is done.
  local moving = state == 'd' and redis.call('ZSCORE', k('finishing'), el)
  if not (force and ((state == 'd' and not moving) or state == 'x' or orphaned(job, id, el, state))) then
    duplicates = duplicates + 1
    if state == 'x' then dead = dead + 1 end
  elseif state == 'r' or state == 'l' or state == 'y' then
    -- Orphaned: still counted (unfinished; waiting by priority), unless a layout-2 lease dead-lettered it as
    -- gone, which left its trace — a record in job:J:t, where a bucketed job keeps none — and uncounted it.
    local base = jk(job) .. ':t'
    if base ~= tk(job, id) and redis.call('HEXISTS', base, id) == 1 then
      redis.call('HDEL', base, id, id .. '#')
      redis.call('LREM', k('dead'), 0, el)
      redis.call('HINCRBY', jk(job), 'dead', -1)
      delta.normal = delta.normal + 1  -- what that lease took off
    else
      recounted = recounted + 1
    end
    local _, n = parse(rec)
    if state == 'r' then delta[priority(n[3])] = delta[priority(n[3])] - 1 end
    if state == 'l' then redis.call('HINCRBY', jk(job), 'running', -1) end
    again = again + 1
    put(job, id, waiting .. payload)
    push_ready(el, p)
    added = added + 1
  else
    if state == 'x' then
      redis.call('LREM', k('dead'), 0, el)
      redis.call('HDEL', tk(job, id), id .. '#')
      redis.call('HINCRBY', jk(job), 'dead', -1)
    else
      redis.call('HINCRBY', jk(job), 'done', -1)
    end
    again = again + 1
    put(job, id, first .. payload)
    if held_id then hold(id) else push_ready(el, p) end
    added = added + 1
  end
end
-- Any task but a new one of normal priority: held, or of another priority.
local function enqueue_one(id, payload)
  local held_id = string.sub(id, 1, 1) == '!'
  if held_id then id = string.sub(id, 2) end
  local first = held_id and 'h' .. string.sub(waiting, 2) or waiting
  -- A new task in one call; an id already known is looked at only then.
  if redis.call('HSETNX', tk(job, id), id, first .. payload) == 1 then
    if held_id then hold(id) else push_ready(job .. ':' .. id, p) end
    added = added + 1
  else
    known(id, payload, held_id, first)
  end
end
-- The common case, a new task of normal priority (push_ready's tail), inline: one HSETNX and no function call of
-- this script's. Its record comes whole: the client put ARGV[9] before each payload, stored as is when that is this
-- script's own waiting prefix (else cut off: the task takes the slower path). Its bucket's key (tk's) comes with it
-- when the client made it for this job's number of buckets (ARGV[8]; '' for an id not led by 6 hex digits); else
-- it is made here, its number formatted as an integer ('%d', not a float's '%.14g': the same digits).
local call, byte, sub, format = redis.call, string.byte, string.sub, string.format
local n, base = buckets(job), jk(job) .. ':t'
local base_colon, el_prefix, new, cut = base .. ':', job .. ':', 0, #ARGV[9] + 1
local fast, keyed = p == 'normal' and n % 1 == 0 and ARGV[9] == waiting, n > 1 and n == tonumber(ARGV[8])
for i = 10, #ARGV, 3 do
  local id = ARGV[i]
  if fast and byte(id) ~= 33 then  -- not '!': not held
    local key = keyed and ARGV[i + 2] or ''
    if key == '' then
      key = base
      local h = n > 1 and tonumber(sub(id, 1, 6), 16)
      if h then key = base_colon .. format('%d', h % n) end
    end
    if call('HSETNX', key, id, ARGV[i + 1]) == 1 then
      new = new + 1
      tail[#tail + 1] = el_prefix .. id
    else
      known(id, sub(ARGV[i + 1], cut), false, waiting)
    end
  else
    enqueue_one(id, sub(ARGV[i + 1], cut))
  end
end
delta.normal = delta.normal + new  -- push_ready's count, once (nothing above reads it while p is normal)
added = added + new
flush()
redis.call('HINCRBY', jk(job), 'tasks', added - again)
unfinished(job, added - recounted - held)
if held > 0 then
  -- Counted in the job only; released at once when nothing else of the job is unfinished (its shards already done).
  redis.call('HINCRBY', jk(job), 'held', held)
  if redis.call('HINCRBY', jk(job), 'unfinished', held) == held then each_job_key(job, 'PERSIST') end
end
-- Also when nothing new is held: a merge whose last shard a worker without this step finished is released by
-- enqueueing the same job again (docs/queue.md, *Upgrades*).
release_held(job)
track_deadline(job)  -- this enqueue's deadline is the job's, for its unfinished tasks
if added > 0 then redis.call('HINCRBY', k('stats'), 'enqueued', added) end
return {added, duplicates, dead}
)lua")};

}  // namespace swath::queue::scripts
