#!/usr/bin/env bash
# No-op tasks end to end (enqueue, lease, ack) through swath's Redis queue with one worker process,
# against python-rq's SimpleWorker and `redis-benchmark -t lpush`, on one redis-server (AOF on), in one run.
# Usage: bench/queue_bench.sh [path/to/swath] [tasks]   (targets: >= 20000 tasks/s, >= 50x rq, >= 25% of lpush)
set -euo pipefail
SWATH=${1:-build/apps/swath}
TASKS=${2:-200000}
RQ_TASKS=${RQ_TASKS:-3000}
PY=/usr/bin/python3  # Debian's python3-rq lives in the system interpreter
SWATH=$(realpath "$SWATH")

work=$(mktemp -d)
port=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --dir "$work" --appendonly yes --appendfsync everysec \
  --maxmemory-policy noeviction --save '' --daemonize yes --logfile "$work/redis.log" >/dev/null
cleanup() { redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
until redis-cli -p "$port" ping >/dev/null 2>&1; do sleep 0.05; done
url="redis://127.0.0.1:$port/0"
now() { date +%s.%N; }

# 1. redis-benchmark: the ceiling for one small write per request on this machine.
lpush=$(redis-benchmark -p "$port" -t lpush -n 200000 -q | tr '\r' '\n' | awk '/requests per second/ {v=$2} END {print v}')
redis-cli -p "$port" flushall >/dev/null

# 2. swath: a manifest of TASKS lines becomes TASKS no-op tasks; enqueue, then one worker drains them.
$PY -c "
import sys
with open('$work/tiles.jsonl', 'w') as f:
    for i in range($TASKS): f.write('{\"i\":%d}\n' % i)"
t0=$(now)
"$SWATH" -q enqueue --redis "$url" --queue bench --kind noop "$work/tiles.jsonl" --output "$work/out" >/dev/null
t1=$(now)
"$SWATH" -q worker --redis "$url" --queue bench --exit-when-empty --batch 1000 --json > "$work/worker.json"
t2=$(now)
committed=$($PY -c "import json; print(json.load(open('$work/worker.json'))['committed'])")
[ "$committed" = "$TASKS" ] || { echo "swath committed $committed of $TASKS" >&2; exit 1; }
redis-cli -p "$port" flushall >/dev/null

# 3. python-rq: the same no-op work, enqueued with Queue.enqueue and run by SimpleWorker (no fork per job).
cat > "$work/rq_noop.py" <<'PYEOF'
def noop():
    return None
PYEOF
rq_rate=$(cd "$work" && $PY - "$port" "$RQ_TASKS" <<'PYEOF'
import sys, time, logging
from redis import Redis
from rq import Queue, SimpleWorker
import rq_noop
logging.disable(logging.CRITICAL)
conn = Redis(port=int(sys.argv[1]))
n = int(sys.argv[2])
q = Queue("bench", connection=conn)
t0 = time.time()
for _ in range(n):
    q.enqueue(rq_noop.noop)
SimpleWorker([q], connection=conn).work(burst=True, logging_level="CRITICAL")
elapsed = time.time() - t0
done = q.finished_job_registry.count
assert done == n, f"rq finished {done} of {n}"
print(f"{n / elapsed:.0f}")
PYEOF
)

$PY - "$TASKS" "$t0" "$t1" "$t2" "$rq_rate" "$lpush" "$RQ_TASKS" <<'PYEOF'
import sys
tasks, t0, t1, t2, rq, lpush, rq_tasks = int(sys.argv[1]), *map(float, sys.argv[2:7]), int(sys.argv[7])
swath = tasks / (t2 - t0)
print(f"swath queue, {tasks} no-op tasks, one worker: enqueue {tasks / (t1 - t0):,.0f}/s, lease+run+ack {tasks / (t2 - t1):,.0f}/s")
print(f"  end to end            {swath:12,.0f} tasks/s   (target >= 20,000)")
print(f"  python-rq SimpleWorker {rq:11,.0f} tasks/s   ({rq_tasks} tasks)  ratio {swath / rq:6.1f}x  (target >= 50x)")
print(f"  redis-benchmark lpush {lpush:12,.0f} req/s     ratio {100 * swath / lpush:5.1f}%  (target >= 25%)")
PYEOF
