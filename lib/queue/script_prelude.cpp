// The Lua prelude every queue script starts with: key names, the ready list's priority order, task records,
// the unfinished count and the end of a job.
#include "queue/script_prelude.hpp"

#include <deque>
#include <mutex>
#include <string>

namespace swath::queue::scripts {

namespace {

// Keys (ARGV[1] is the prefix "swath:{NAME}:"): a task is named "J:ID" (its job, its id) in the lists and sets;
// its record lives in the job's hash job:J:t, field ID — or, in a job of B > 1 buckets (field `buckets` of job:J,
// set when the job is created), in job:J:t:<the id's first 6 hex digits mod B>: hashes of ~32 fields, which
// Redis keeps as listpacks (a few bytes per field instead of ~60 of a hash table's entry).
//
// A record is one string: a state letter, numbers, then after '|' the task's payload (its inputs as JSON,
// a tab and its slice when it has one):
//   r<attempt>,<failures>,<p>|payload            waiting (ready or parked low); p: priority h, n or l
//   y<attempt>,<failures>,<p>|payload            waiting for a retry (delayed)
//   l<attempt>,<failures>,<token>,<p>|payload    leased
//   d<token>|payload                             committed, files not yet in place (in `finishing`)
//   d<token>                                     done: all exactly-once needs
//   x<attempt>,<failures>,<dead_at>,<p>|payload  dead; the reason is in field ID#
//   h<attempt>,<failures>,<p>|payload            held: in no list until the job's other tasks are finished
constexpr const char* prelude = R"lua(
local prefix = ARGV[1]
local function k(name) return prefix .. name end
local function jk(job) return prefix .. 'job:' .. job end
local bucket_counts = {}
local function buckets(job)
  local n = bucket_counts[job]
  if not n then
    n = tonumber(redis.call('HGET', jk(job), 'buckets') or '1') or 1
    bucket_counts[job] = n
  end
  return n
end
-- Each job's bucket keys made once per call (an enqueue of 500 tasks looks up 500 of them).
local task_keys = {}
local function tk(job, id)
  local made = task_keys[job]
  if not made then
    made = {[-1] = prefix .. 'job:' .. job .. ':t'}
    task_keys[job] = made
  end
  local n = buckets(job)
  local h = n > 1 and tonumber(string.sub(id, 1, 6), 16)
  if not h then return made[-1] end
  local b = h % n
  local key = made[b]
  if not key then
    -- '%d': a float's '%.14g' (what .. does with a number) costs several times more, for the same digits.
    key = made[-1] .. ':' .. (b % 1 == 0 and string.format('%d', b) or b)
    made[b] = key
  end
  return key
end
-- Every key of a job (its hash and its task buckets): one command each.
local function each_job_key(job, cmd, ...)
  redis.call(cmd, jk(job), ...)
  local base, n = prefix .. 'job:' .. job .. ':t', buckets(job)
  redis.call(cmd, base, ...)
  if n > 1 then for b = 0, n - 1 do redis.call(cmd, base .. ':' .. b, ...) end end
end
-- The queue layouts these scripts read (docs/queue.md): a queue laid out anew since this swath started (a newer
-- swath's enqueue or migration) is refused whole, so nothing of it is misread; checked first by every script that
-- reads records or claims (all but goodbye, which only removes a worker's heartbeat).
local function foreign_layout()
  local layout = redis.call('GET', k('layout'))
  if layout and layout ~= '2' and layout ~= '3' then
    return redis.error_reply('SWATH_LAYOUT ' .. layout .. ' 2 3')
  end
end
-- A worker's leases (ARGV[first], then every `step`-th, each followed by its token) on a queue reset under it: no
-- layout key (every enqueue sets it), or a fence below a token's count (the fence only grows; FLUSHDB, or a restart
-- without AOF, starts it again, even if an enqueue since laid the queue out anew) with the token's job gone. An error
-- reply, else nil.
local function queue_reset(first, step)
  if #ARGV < first then return nil end
  if redis.call('EXISTS', k('layout')) == 0 then
    return redis.error_reply('SWATH_QUEUE_GONE its layout key is missing')
  end
  local fence = tonumber(redis.call('GET', k('fence')) or '0') or 0
  for i = first, #ARGV, step do
    local token = tonumber(string.match(ARGV[i + 1] or '', '^%d+'))  -- its count: <count>-<time>
    if token and token > fence then
      -- Deleted under the worker (its job with it, even if an enqueue laid the queue out again since); or Redis lost
      -- its last writes: the job is there, and the lease is lost as any whose token its record does not hold. The
      -- fence then moves past the count, which no lease gets again.
      local job = string.match(ARGV[i] or '', '^([^:]+):')
      if not job or redis.call('EXISTS', jk(job)) == 0 then
        return redis.error_reply('SWATH_QUEUE_GONE its lease counter is at ' .. string.format('%d', fence) ..
          ', below a lease it issued (' .. string.format('%d', token) .. '), and the job is gone')
      end
      redis.call('SET', k('fence'), string.format('%d', token))
      fence = token
    end
  end
  return nil
end
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
local function record(job, id) return redis.call('HGET', tk(job, id), id) end
local function put(job, id, rec) redis.call('HSET', tk(job, id), id, rec) end
-- Ready list order: [high, FIFO] [normal, FIFO]. High ids are inserted after the last waiting high id
-- (`high_tail`). Low ids wait in `low`, FIFO, and are leased only when the ready list runs short (nothing of higher
-- priority waits): no list is ever moved whole, and a normal task queued later runs before them.
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
  elseif p == 'low' then
    redis.call('RPUSH', k('low'), el)
  else tail[#tail + 1] = el end
  delta[p] = delta[p] + 1
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
-- Held tasks (a pyramid's merge, which reads what the job's shards committed): recorded `h...`, listed in the set
-- job:J:held and counted in their job's `held` and `unfinished` (so the job neither looks finished nor expires), but
-- not in the `unfinished` list (nothing can run them yet: KEDA does not scale for them). Released — made ready, and
-- counted in that list — once every other task of the job is finished and none of them is dead.
local none_held = {}  -- jobs seen without held tasks in this call (a commit of hundreds of tasks asks once)
local function release_held(job)
  if none_held[job] then return end
  local f = redis.call('HMGET', jk(job), 'held', 'unfinished', 'dead')
  local held = tonumber(f[1] or '0') or 0
  if held <= 0 then none_held[job] = true end
  if held <= 0 or (tonumber(f[2] or '0') or 0) > held or (tonumber(f[3] or '0') or 0) > 0 then return end
  for _, id in ipairs(redis.call('SMEMBERS', jk(job) .. ':held')) do
    local rec = record(job, id)
    if rec and string.sub(rec, 1, 1) == 'h' then
      local _, n = parse(rec)
      put(job, id, 'r' .. string.sub(rec, 2))
      push_ready(job .. ':' .. id, priority(n[3]))
    end
  end
  redis.call('DEL', jk(job) .. ':held')
  redis.call('HSET', jk(job), 'held', 0)
  grow(held)
  flush()
end
-- The job in the deadlines ZSET (queue stats reads the soonest for the planner) while it has unfinished tasks and
-- its meta a deadline; out of it otherwise. Past deadlines are dropped: their tasks not started have expired.
local function track_deadline(job)
  local f = redis.call('HMGET', jk(job), 'meta', 'unfinished')
  local deadline = nil
  if f[1] and (tonumber(f[2] or '0') or 0) > 0 then
    local ok, m = pcall(cjson.decode, f[1])
    if ok and type(m) == 'table' and type(m.deadline) == 'number' then deadline = m.deadline end
  end
  if deadline then redis.call('ZADD', k('deadlines'), deadline, job) else redis.call('ZREM', k('deadlines'), job) end
  redis.call('ZREMRANGEBYSCORE', k('deadlines'), '-inf', now_ms())
end
local function unfinished(job, n)
  if n == 0 then return end
  if n > 0 then grow(n) else shrink(-n) end
  local left = redis.call('HINCRBY', jk(job), 'unfinished', n)
  if n < 0 and left > 0 then release_held(job) end
  -- Only when the job starts or stops having unfinished work: a big job has thousands of buckets.
  if left > 0 and left - n <= 0 then
    each_job_key(job, 'PERSIST')
    track_deadline(job)
  elseif left <= 0 then
    each_job_key(job, 'EXPIRE', tonumber(redis.call('GET', k('retention')) or '604800'))
    track_deadline(job)
  end
end
-- A held task (a pyramid's merge) of a job one of whose tasks was purged (`queue dead purge`, or the dead list's cap)
-- can never have all it waits for: it goes too, and the job ends once its other tasks do. Not released: it would
-- merge shards that are missing. The same work enqueued again (--force) holds a new one.
local function drop_held(job)
  local held = tonumber(redis.call('HGET', jk(job), 'held') or '0') or 0
  if held <= 0 then return end
  for _, id in ipairs(redis.call('SMEMBERS', jk(job) .. ':held')) do
    if string.sub(record(job, id) or '', 1, 1) == 'h' then redis.call('HDEL', tk(job, id), id) end
  end
  redis.call('DEL', jk(job) .. ':held')
  redis.call('HSET', jk(job), 'held', 0)
  redis.call('HINCRBY', jk(job), 'tasks', -held)
  -- Held tasks count in their job's unfinished, not in the unfinished list (unfinished() would shrink it).
  if redis.call('HINCRBY', jk(job), 'unfinished', -held) <= 0 then
    each_job_key(job, 'EXPIRE', tonumber(redis.call('GET', k('retention')) or '604800'))
    track_deadline(job)
  end
end
-- A task leaves for the dead list (at most `dead_max` of them: the oldest go first, with their records).
local function bury(job, id, now, attempt, failures, p, payload, err)
  put(job, id, 'x' .. attempt .. ',' .. failures .. ',' .. now .. ',' .. (p or 'n') .. '|' .. payload)
  redis.call('HSET', tk(job, id), id .. '#', err)
  local size = redis.call('RPUSH', k('dead'), job .. ':' .. id)
  redis.call('HINCRBY', k('stats'), 'dead', 1)
  redis.call('HINCRBY', jk(job), 'dead', 1)
  unfinished(job, -1)
  local limit = tonumber(redis.call('GET', k('dead_max')) or '100000')
  for _ = 1, size - limit do
    local oldest = redis.call('LPOP', k('dead'))
    local j, i = split_key(oldest or '')
    if j and string.sub(record(j, i) or '', 1, 1) == 'x' then
      redis.call('HDEL', tk(j, i), i, i .. '#')
      -- Counted out as a purge is: else its job kept a dead task no list holds (and refused --reclaim for good).
      if redis.call('EXISTS', jk(j)) == 1 then
        redis.call('HINCRBY', jk(j), 'dead', -1)
        redis.call('HINCRBY', jk(j), 'tasks', -1)
        drop_held(j)
      end
    end
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
)lua";

}  // namespace

const char* compose(const char* flags, const char* body) {
  static std::mutex mutex;
  static std::deque<std::string> sources;  // a deque: earlier strings never move
  std::lock_guard lock(mutex);
  return sources.emplace_back(std::string(flags) + prelude + body).c_str();
}

}  // namespace swath::queue::scripts
