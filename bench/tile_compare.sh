#!/usr/bin/env bash
# Two swath binaries side by side on one bench scene: CPU seconds of the process and of each tile stage (the --json
# "stages"), which move little with the machine's load, and the decode helper's CPU (the limit's work) between them.
# Usage: bench/tile_compare.sh OLD_SWATH NEW_SWATH [terrain|noise40] ; ROUNDS (default 5) rounds in turns;
# BENCH_DIR as for tile_bench.sh (run that first: it makes the scenes). Prints one line per run, then medians.
set -euo pipefail

OLD=$(realpath "$1")
NEW=$(realpath "$2")
case "${3:-terrain}" in
  terrain) SCENE=scene-12000.tif ;;
  noise40) SCENE=scene-6000-noise40.tif ;;
  *) echo "tile_compare: scene is terrain or noise40" >&2; exit 2 ;;
esac
DIR=${BENCH_DIR:-/tmp/swath-bench}
DECODER=$(dirname "$NEW")/../bench/swath_bench_decode
[ -f "$DIR/$SCENE" ] || { echo "tile_compare: $DIR/$SCENE is missing (run bench/tile_bench.sh once)" >&2; exit 1; }
RUN=$(mktemp -d "$DIR/compare.XXXXXX")
trap 'rm -rf "$RUN"' EXIT
cat "$DIR/$SCENE" >/dev/null

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq "${ROUNDS:-5}"); do
  for which in old new; do
    if [ $which = old ]; then binary=$OLD; else binary=$NEW; fi
    rm -rf "$RUN/out"
    sync
    /usr/bin/time -f "%e %U %S" -o "$RUN/time" "$binary" -q tile "$DIR/$SCENE" -o "$RUN/out" --size 512 --edge shrink \
      --json >"$RUN/summary.json"
    python3 -c 'import json, sys
s = json.load(open(sys.argv[1]))["stages"]; wall, user, system = open(sys.argv[2]).read().split()
print(sys.argv[3], "wall", wall, "cpu %.3f" % (float(user) + float(system)),
      " ".join("%s %.3f" % (k, s[k]["cpu"]) for k in ("read", "encode", "hash", "sink", "write")))' \
      "$RUN/summary.json" "$RUN/time" $which | tee -a "$RUN/lines"
  done
  /usr/bin/time -f "%e %U %S" -o "$RUN/time" "$DECODER" "$DIR/$SCENE" 2 >/dev/null
  read -r wall user system <"$RUN/time"
  echo "decode wall $wall cpu $(awk "BEGIN {print $user + $system}")" | tee -a "$RUN/lines"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 -c 'import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    f = line.split()
    rows.setdefault(f[0], []).append({f[i]: float(f[i + 1]) for i in range(1, len(f), 2)})
print("medians:")
for name, runs in rows.items():
    print(" ", name, " ".join("%s %.3f" % (k, statistics.median(r[k] for r in runs)) for k in runs[0]))' "$RUN/lines"
