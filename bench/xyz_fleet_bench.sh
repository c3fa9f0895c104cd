#!/usr/bin/env bash
# The fleet figure of issue 14: `swath enqueue --kind tile --grid xyz --shards N` run by 2 workers (N shards, then the
# held merge) against `swath tile --grid xyz` on one machine, same scene and zooms: wall time of each, and whether
# every file is the same bytes. Usage: bench/xyz_fleet_bench.sh [SWATH_BINARY]. Env: BENCH_DIR (default
# /tmp/swath-bench), ZOOM (default 6-14), SHARDS (default 4), THREADS per worker (default 1: 2 workers on 2 cores).
# Needs redis-server (a private one is started on a free loopback port and stopped at the end).
set -euo pipefail

SWATH=$(realpath "${1:-build/apps/swath}")
GENERATOR=$(dirname "$SWATH")/../bench/swath_bench_scene
DIR=${BENCH_DIR:-/tmp/swath-bench}
ZOOM=${ZOOM:-6-14}
SHARDS=${SHARDS:-4}
THREADS=${THREADS:-1}
RUN="$DIR/xyz-fleet.$$"
mkdir -p "$DIR" "$RUN"
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$RUN" >"$RUN/redis.log" 2>&1 &
REDIS_PID=$!
trap 'kill $REDIS_PID 2>/dev/null; rm -rf "$RUN"' EXIT
for _ in $(seq 50); do redis-cli -p "$PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
QUEUE=(--redis "redis://127.0.0.1:$PORT" --queue bench)

SCENE="$DIR/scene-6000.tif"
[ -f "$SCENE" ] || { "$GENERATOR" "$SCENE.tmp.$$" 6000 6000 && mv "$SCENE.tmp.$$" "$SCENE"; }
cat "$SCENE" >/dev/null
now() { date +%s.%N; }
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "fleet pyramid on $(nproc) cores: $(basename "$SCENE"), zooms $ZOOM, $SHARDS shards, 2 workers × $THREADS thread(s)"

start=$(now)
"$SWATH" -q tile "$SCENE" -o "$RUN/one" --grid xyz --zoom "$ZOOM" --threads 2
one_s=$(awk "BEGIN {print $(now) - $start}")

start=$(now)
"$SWATH" -q enqueue "${QUEUE[@]}" --kind tile --grid xyz --zoom "$ZOOM" --shards "$SHARDS" "$SCENE" --output "$RUN/fleet"
"$SWATH" -q worker "${QUEUE[@]}" --exit-when-empty --threads "$THREADS" >"$RUN/w1.json" &
W1=$!
"$SWATH" -q worker "${QUEUE[@]}" --exit-when-empty --threads "$THREADS" >"$RUN/w2.json" &
W2=$!
wait $W1 $W2
fleet_s=$(awk "BEGIN {print $(now) - $start}")

listing() { (cd "$1" && find . -type f ! -name 'tiles.shard-*' ! -path './swath-records/*' | sort | xargs sha256sum); }
cmp -s <(listing "$RUN/one") <(listing "$RUN/fleet") && same=yes || same=no
files=$(listing "$RUN/one" | wc -l)
printf 'one machine (2 threads)           %8.2f s wall\n' "$one_s"
printf '%d shards + merge on 2 workers      %8.2f s wall (enqueue to the last commit)\n' "$SHARDS" "$fleet_s"
echo "same bytes, every file ($files: tiles, tiles.jsonl, tiles.geojson, tilejson.json): $same"
[ "$same" = yes ]
