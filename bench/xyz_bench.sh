#!/usr/bin/env bash
# swath tile --grid xyz against gdal2tiles.py --xyz, side by side in one run: wall and CPU time, output bytes, the
# z/x/y set and the per-zoom mean absolute difference (bench/xyz_compare.py), peak RSS, 2 threads vs 1.
# Usage: bench/xyz_bench.sh [SWATH_BINARY]. Env: BENCH_DIR (default /tmp/swath-bench) holds inputs and outputs;
# ZOOM (default 6-14); RESAMPLING (default average, given to both tools); XYZ_BIG=1 adds peak RSS on 12000² and
# 24000² scenes (swath only). Input: swath_bench_scene's 6000×6000 3-band uint8 GeoTIFF (UTM 33N, 10 m, DEFLATE).
# Each command runs once: gdal2tiles takes minutes. Every figure is printed; the targets are those of issue 14.
set -euo pipefail

SWATH=$(realpath "${1:-build/apps/swath}")
HERE=$(dirname "$(realpath "$0")")
GENERATOR=$(dirname "$SWATH")/../bench/swath_bench_scene
DIR=${BENCH_DIR:-/tmp/swath-bench}
ZOOM=${ZOOM:-6-14}
RESAMPLING=${RESAMPLING:-average}
TIME=/usr/bin/time
RUN="$DIR/xyz.$$"
mkdir -p "$DIR" "$RUN"
trap 'rm -rf "$RUN"' EXIT
[ -x "$TIME" ] || { echo "xyz_bench: /usr/bin/time is missing (apt-get install time)" >&2; exit 1; }
command -v gdal2tiles.py >/dev/null || { echo "xyz_bench: gdal2tiles.py is missing (gdal-bin, python3-gdal)" >&2; exit 1; }

scene() {  # scene SIZE → path, generated once
  local path="$DIR/scene-$1.tif"
  if [ ! -f "$path" ]; then "$GENERATOR" "$path.tmp.$$" "$1" "$1" && mv "$path.tmp.$$" "$path"; fi
  echo "$path"
}

# timed NAME COMMAND... : runs it once into $RUN/NAME (@OUT@ in COMMAND), keeps wall, CPU and peak RSS.
timed() {
  local name=$1 seconds user system kb
  shift
  mkdir -p "$RUN/$name"
  sync
  "$TIME" -f "%e %U %S %M" -o "$RUN/$name.time" "${@//@OUT@/$RUN/$name}" >/dev/null 2>"$RUN/$name.log" ||
    { cat "$RUN/$name.log" >&2; exit 1; }
  read -r seconds user system kb <"$RUN/$name.time"
  eval "${name//-/_}_s=$seconds; ${name//-/_}_cpu=$(awk "BEGIN {print $user + $system}"); ${name//-/_}_kb=$kb"
  printf '%-14s %8.2f s wall %8.2f s cpu %6d MB   %s\n' "$name" "$seconds" "$(awk "BEGIN {print $user + $system}")" \
    $((kb / 1024)) "$*" | sed "s|$RUN/||g; s|$DIR/||g"
}

bytes_of() { find "$1" -name "*.png" -printf '%s\n' | awk '{s += $1} END {print s + 0}'; }

S6=$(scene 6000)
cat "$S6" >/dev/null
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) (the ratios need an otherwise idle machine)"
echo "swath tile --grid xyz benchmark on $(nproc) cores: $(basename "$S6"), zooms $ZOOM, PNG, resampling $RESAMPLING"
timed gdal2tiles gdal2tiles.py --xyz --processes=2 -q -z "$ZOOM" -r "$RESAMPLING" "$S6" @OUT@
timed swath "$SWATH" -q tile "$S6" -o @OUT@ --grid xyz --zoom "$ZOOM" --resampling "$RESAMPLING" --threads 2
timed swath-1t "$SWATH" -q tile "$S6" -o @OUT@ --grid xyz --zoom "$ZOOM" --resampling "$RESAMPLING" --threads 1
g2t_bytes=$(bytes_of "$RUN/gdal2tiles")
swath_bytes=$(bytes_of "$RUN/swath")
cmp -s <(cd "$RUN/swath" && find . -name "*.png" | sort | xargs sha256sum) \
       <(cd "$RUN/swath-1t" && find . -name "*.png" | sort | xargs sha256sum) && same_bytes=yes || same_bytes=no
echo
echo "fidelity, gdal2tiles (reference) vs swath:"
/usr/bin/python3 "$HERE/xyz_compare.py" "$RUN/gdal2tiles" "$RUN/swath" | tee "$RUN/compare.txt"
worst=$(awk '/^worst/ {print $5}' "$RUN/compare.txt")
same_set=$(awk '/^same z\/x\/y set:/ {print $4}' "$RUN/compare.txt")
same_data_set=$(awk '/^same z\/x\/y set of tiles with data:/ {print $8}' "$RUN/compare.txt")
rss12=0 rss24=0
if [ "${XYZ_BIG:-0}" = 1 ]; then
  for size in 12000 24000; do
    S=$(scene "$size")
    timed "swath-$size" "$SWATH" -q tile "$S" -o @OUT@ --grid xyz --zoom "$ZOOM" --resampling "$RESAMPLING" --threads 2
    rm -rf "$RUN/swath-$size"
  done
  rss12=$swath_12000_kb rss24=$swath_24000_kb
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

/usr/bin/python3 - "$gdal2tiles_s" "$swath_s" "$swath_1t_s" "$g2t_bytes" "$swath_bytes" "$swath_kb" "$rss12" "$rss24" \
  "$worst" "$same_set" "$same_bytes" "$same_data_set" <<'PY'
import sys
g, s, s1, gb, sb, kb, kb12, kb24 = map(float, sys.argv[1:9])
worst, same_set, same_bytes, same_data_set = float(sys.argv[9]), sys.argv[10], sys.argv[11], sys.argv[12]
rows = [
    ("wall: gdal2tiles / swath", g / s, ">= 8", g / s >= 8),
    ("PNG bytes: swath / gdal2tiles", sb / gb, "<= 1.1", sb / gb <= 1.1),
    # gdal2tiles also writes fully transparent tiles at the scene's edge; swath writes no tile without data.
    ("same z/x/y set (every tile)", same_set, "(info)", True),
    ("same z/x/y set, tiles with data", same_data_set, "yes", same_data_set == "yes"),
    ("worst mean abs difference (DN)", worst, "<= 3", worst <= 3),
    ("peak RSS 6000² (MB)", kb / 1024, "<= 300", kb / 1024 <= 300),
    ("swath 1 thread / 2 threads", s1 / s, ">= 1.8", s1 / s >= 1.8),
    ("1 and 2 threads: same tile bytes", same_bytes, "yes", same_bytes == "yes"),
]
if kb12 > 0:
    rows += [("peak RSS 12000² (MB)", kb12 / 1024, "<= 300", kb12 / 1024 <= 300),
             ("peak RSS 24000² (MB)", kb24 / 1024, "<= 300", kb24 / 1024 <= 300)]
print()
for name, value, target, ok in rows:
    shown = f"{value:8.2f}" if isinstance(value, float) else f"{value:>8s}"
    verdict = "" if target == "(info)" else ("ok" if ok else "MISSED")
    print(f"{name:36s} {shown}   target {target:8s} {verdict}")
PY
