#!/usr/bin/env bash
# No-op tasks end to end (enqueue, lease, ack) through swath's Redis queue with one worker process,
# against python-rq's SimpleWorker and `redis-benchmark -t lpush`, on one redis-server (AOF on), in one run.
# Usage: bench/queue_bench.sh [path/to/swath] [tasks]   (targets: >= 20000 tasks/s, >= 50x rq, >= 25% of lpush)
# Then the scale figures of section 4 (MILLION, SCENES, WAITING, MEASURED; see there).
set -euo pipefail
SWATH=${1:-build/apps/swath}
TASKS=${2:-200000}
RQ_TASKS=${RQ_TASKS:-3000}
PY=/usr/bin/python3  # Debian's python3-rq lives in the system interpreter
SWATH=$(realpath "$SWATH")

work=$(mktemp -d)
port=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# LISTPACK_VALUE: Redis' hash-max-listpack-value (docs/queue.md, "Small hashes": 256 recommended; Redis' default 64).
LISTPACK_VALUE=${LISTPACK_VALUE:-256}
redis-server --port "$port" --bind 127.0.0.1 --dir "$work" --appendonly yes --appendfsync everysec \
  --maxmemory-policy noeviction --save '' --hash-max-listpack-value "$LISTPACK_VALUE" \
  --daemonize yes --logfile "$work/redis.log" >/dev/null
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
"$SWATH" -q queue migrate --redis "$url" --queue bench >/dev/null  # record buckets (docs/queue.md, Upgrades)
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

# 4. At planetary scale (issue 15): Redis bytes per waiting and per done task, enqueue from a tiles manifest,
#    and tasks/s as the queue grows. MILLION tasks (default 1,000,000), SCENES one-scene tasks (default 20,000:
#    enqueue opens each scene), WAITING depths (default "10000 1000000 10000000"; the deepest needs ~2 GB).
MILLION=${MILLION:-1000000}
SCENES=${SCENES:-20000}
WAITING=${WAITING:-"10000 1000000 10000000"}
MEASURED=${MEASURED:-100000}
used() { redis-cli -p "$port" info memory | awk -F: '/^used_memory:/ {print $2}' | tr -d '\r'; }
redis-cli -p "$port" flushall >/dev/null
# The tiles manifest: a real header from `swath tile` (one shard of a big sparse scene), MILLION lines like its own.
side=$($PY -c "import math; print(int(math.ceil(math.sqrt($MILLION))) * 64)")
gdal_create -q -of GTiff -outsize "$side" "$side" -bands 1 -ot Byte -co TILED=YES -co SPARSE_OK=YES "$work/big.tif"
"$SWATH" -q tile "$work/big.tif" -o "$work/shard" --size 64 --shard "1/$(( MILLION / 4 ))" 2>/dev/null
$PY - "$work" "$MILLION" "$side" <<'PYEOF'
import sys, json, glob
work, n, side = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
header = open(glob.glob(work + "/shard/tiles.*.jsonl")[0]).readline()
cols = side // 64
with open(work + "/million.jsonl", "w") as f:
    f.write(header)
    for i in range(n):
        r, c = divmod(i, cols)
        f.write(json.dumps({"id": "big/r%06d_c%06d" % (r, c), "scene": "big", "index": i, "row": r, "col": c, "status": "written",
                            "path": "big/r%06d_c%06d.tif" % (r, c), "window": {"x": c * 64, "y": r * 64, "width": 64, "height": 64},
                            "source_window": {"x": c * 64, "y": r * 64, "width": 64, "height": 64}, "bytes": 5134,
                            "sha256": "%064x" % i}, separators=(",", ":")) + "\n")
PYEOF
mkdir -p "$work/scenes"
gdal_create -q -of GTiff -outsize 256 256 -bands 1 -ot Byte -burn 3 -a_srs EPSG:32633 -a_ullr 500000 4000256 500256 4000000 "$work/one.tif"
$PY -c "
import os
for i in range($SCENES): os.symlink('$work/one.tif', '$work/scenes/s%07d.tif' % i)"
bytes_per() {  # kind, count, inputs... → "bytes-per-waiting-task enqueue-tasks/s"
  local kind=$1 n=$2; shift 2
  redis-cli -p "$port" flushall >/dev/null
  "$SWATH" -q queue migrate --redis "$url" --queue mem >/dev/null  # record buckets (docs/queue.md, Upgrades)
  local m0 s0 s1 m1; m0=$(used); s0=$(now)
  "$SWATH" -q enqueue --redis "$url" --queue mem --kind "$kind" "$@" --output "$work/out-$kind" >/dev/null
  s1=$(now); m1=$(used)
  echo "$(( (m1 - m0) / n )) $($PY -c "print(f'{$n / ($s1 - $s0):,.0f}')")"
}
$PY -c "
with open('$work/noop.jsonl', 'w') as f:
    for i in range($MILLION): f.write('{\"i\":%d}\n' % i)"
read -r noop_waiting noop_rate < <(bytes_per noop "$MILLION" "$work/noop.jsonl")
m_before=$(( $(used) - noop_waiting * MILLION ))
"$SWATH" -q worker --redis "$url" --queue mem --exit-when-empty >/dev/null
noop_done=$(( ($(used) - m_before) / MILLION ))
read -r tile_manifest tile_rate < <(bytes_per tile "$MILLION" "$work/million.jsonl" --tiles-per-task 1)
read -r tile_scene _ < <(bytes_per tile "$SCENES" "$work/scenes/*.tif")
read -r detect_scene _ < <(bytes_per detect "$SCENES" "$work/scenes/*.tif")
echo "swath queue at scale (Redis used_memory before and after, hash-max-listpack-value $LISTPACK_VALUE; target <= 250 B per waiting task):"
echo "  per waiting task: no-op $noop_waiting B ($MILLION tasks, as in section 2), one-tile tile $tile_manifest B ($MILLION),"
echo "                    one-scene tile $tile_scene B, one-scene detect $detect_scene B ($SCENES scenes)"
echo "  per done task:    no-op $noop_done B (its commit token; the record sits beside the outputs)"
echo "  enqueue of a $MILLION-line tiles manifest: $tile_rate tasks/s as one-tile tile tasks (target >= 100,000); no-op manifest $noop_rate tasks/s"
# Tasks/s at depth: MEASURED tasks enqueued and run (one worker, --max-tasks) while DEPTH others wait behind them.
# The waiting ones are queued first-come behind the measured ones, in enqueues of at most CHUNK tasks (default
# 1,000,000), each its own job (its own --output), so the enqueuing process stays small and each job's record
# buckets are sized for it.
CHUNK=${CHUNK:-1000000}
$PY -c "
with open('$work/measured.jsonl', 'w') as f:
    for i in range($MEASURED): f.write('{\"m\":%d}\n' % i)"
for depth in $WAITING; do
  redis-cli -p "$port" flushall >/dev/null
  "$SWATH" -q queue migrate --redis "$url" --queue deep >/dev/null
  "$SWATH" -q enqueue --redis "$url" --queue deep --kind noop "$work/measured.jsonl" --output "$work/out" >/dev/null
  p0=$(now)
  r0=$(redis-cli -p "$port" info persistence | awk -F: '/^aof_rewrites:/ {print $2}' | tr -d '\r')
  for (( start = 0; start < depth; start += CHUNK )); do
    $PY -c "
with open('$work/deep.jsonl', 'w') as f:
    for i in range($start, min($depth, $start + $CHUNK)): f.write('{\"deep\":%d}\n' % i)"
    "$SWATH" -q enqueue --redis "$url" --queue deep --kind noop "$work/deep.jsonl" --output "$work/deep-$start" >/dev/null
  done
  # The pre-fill grows the AOF past twice its last rewrite, so Redis forks a rewrite of the whole dataset (seconds
  # of one core per GB; docs/queue.md, "AOF at depth"). Measured while it runs, the rate is the rewrite's share of
  # 2 cores, not the queue's depth: the steady state is measured once it is done (its wait printed).
  w0=$(now)
  while redis-cli -p "$port" info persistence | grep -qE '^aof_rewrite_(in_progress|scheduled):1'; do sleep 0.5; done
  w1=$(now)
  d0=$(now)
  "$SWATH" -q worker --redis "$url" --queue deep --max-tasks "$MEASURED" >/dev/null
  d1=$(now)
  rewrites=$(redis-cli -p "$port" info persistence | awk -F: '/^aof_rewrites:/ {print $2}' | tr -d '\r')
  $PY -c "print(f'  {$depth:>10,} waiting: lease+run+ack {$MEASURED / ($d1 - $d0):10,.0f} tasks/s ($MEASURED tasks; Redis {$(used) / 1e9:.2f} GB; pre-fill {$depth / ($d0 - $p0 - ($w1 - $w0)):,.0f} tasks/s, then {$w1 - $w0:.1f} s for the AOF rewrite it started; {$rewrites - $r0} rewrites since it began)')"
done
