#!/usr/bin/env bash
# swath tile against gdal_retile.py, side by side in one run: GTiff and PNG speed, 2 vs 1 thread, peak RSS.
# Each command runs $TRIES times (default 3) in turns with the others it is compared with; its fastest run counts.
# Usage: bench/tile_bench.sh [SWATH_BINARY] ; BENCH_DIR (default /tmp/swath-bench) holds inputs and outputs.
# Input: a 12000×12000 3-band uint8 GeoTIFF tiled 256×256 DEFLATE (made once by swath_bench_scene), 512-px tiles;
# swath runs with --edge shrink, so both tools write the same tiles (gdal_retile shrinks edge tiles).
set -euo pipefail

SWATH=$(realpath "${1:-build/apps/swath}")
GENERATOR=$(dirname "$SWATH")/../bench/swath_bench_scene
DIR=${BENCH_DIR:-/tmp/swath-bench}
TIME=/usr/bin/time
RUN="$DIR/run.$$"  # outputs and timings of this run only: concurrent runs share nothing but the inputs
mkdir -p "$DIR" "$RUN"
trap 'rm -rf "$RUN"' EXIT
[ -x "$TIME" ] || { echo "tile_bench: /usr/bin/time is missing (apt-get install time)" >&2; exit 1; }
command -v gdal_retile.py >/dev/null || { echo "tile_bench: gdal_retile.py is missing (gdal-bin, python3-gdal)" >&2; exit 1; }

scene() {  # scene SIZE → path, generated once
  local path="$DIR/scene-$1.tif"
  if [ ! -f "$path" ]; then "$GENERATOR" "$path.tmp.$$" "$1" "$1" && mv "$path.tmp.$$" "$path"; fi
  echo "$path"
}

# One try of a command: try_once NAME TRY COMMAND... (COMMAND names its output directory as @OUT@, which
# becomes $RUN/NAME for the first try and $RUN/NAME.tryN after). Input in the page cache, earlier output
# flushed (not deleted: freshly deleted inodes slow the next run's file creation on ext4). Keeps the fastest
# try's wall and CPU seconds (user + system) and the largest peak RSS of all tries in NAME's variables.
try_once() {
  local name=$1 try=$2 dir seconds user system kb var=${1//-/_}
  shift 2
  dir="$RUN/$name"
  [ "$try" -gt 1 ] && dir="$RUN/$name.try$try"
  mkdir -p "$dir"
  sync
  "$TIME" -f "%e %U %S %M" -o "$RUN/$name.time" "${@//@OUT@/$dir}" >/dev/null 2>"$RUN/$name.log" ||
    { cat "$RUN/$name.log" >&2; exit 1; }
  read -r seconds user system kb <"$RUN/$name.time"
  local best_var="${var}_s" kb_var="${var}_kb"
  if [ -z "${!best_var:-}" ] || awk "BEGIN {exit !($seconds < ${!best_var})}"; then
    eval "${var}_s=$seconds; ${var}_cpu=$(awk "BEGIN {print $user + $system}")"
  fi
  [ "$kb" -gt "${!kb_var:-0}" ] && eval "${var}_kb=$kb"
  [ "$try" -gt 1 ] && rm -rf "$dir"  # only the first try's tiles are kept (PNG bytes are compared on them)
  return 0
}

# interleaved NAME... : $TRIES rounds (default 3), each running every named command once in turn, and keeps
# each command's fastest try: noise from the machine only ever slows a run down, and slow spells of this VM
# last seconds, so taking turns lets them hit every command alike. Commands are the arrays cmd_NAME.
interleaved() {
  local try name var s cpu kb
  for try in $(seq "${TRIES:-3}"); do
    for name in "$@"; do
      local -n command="cmd_${name//-/_}"
      try_once "$name" "$try" "${command[@]}"
      unset -n command
    done
  done
  for name in "$@"; do
    var=${name//-/_}
    s="${var}_s" cpu="${var}_cpu" kb="${var}_kb"
    local -n command="cmd_$var"
    printf '%-16s %7.2f s wall %7.2f s cpu %6d MB   %s\n' "$name" "${!s}" "${!cpu}" $((${!kb} / 1024)) "${command[*]}" |
      sed "s|$RUN/||g; s|$DIR/||g; s|@OUT@|$name|g"
    unset -n command
  done
}

bytes_of() { find "$1" -name "*.$2" -printf '%s\n' | awk '{s += $1} END {print s + 0}'; }

S12=$(scene 12000)
S24=$(scene 24000)
cat "$S12" "$S24" >/dev/null  # both runs of a pair read from the page cache

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) (the ratios need an otherwise idle machine)"
echo "swath tile benchmark on $(nproc) cores, fastest of ${TRIES:-3} tries per command; inputs $(basename "$S12") and $(basename "$S24") (3-band uint8, 256×256 DEFLATE tiles)"
cmd_retile_gtiff=(gdal_retile.py -ps 512 512 -targetDir @OUT@ "$S12")
cmd_swath_gtiff=("$SWATH" -q tile "$S12" -o @OUT@ --size 512 --edge shrink)
cmd_swath_gtiff_1t=("$SWATH" -q tile "$S12" -o @OUT@ --size 512 --edge shrink --threads 1)
cmd_retile_png=(gdal_retile.py -of PNG -ps 512 512 -targetDir @OUT@ "$S12")
cmd_swath_png=("$SWATH" -q tile "$S12" -o @OUT@ --size 512 --edge shrink --format PNG)
cmd_swath_gtiff_24k=("$SWATH" -q tile "$S24" -o @OUT@ --size 512 --edge shrink)
interleaved retile-gtiff swath-gtiff swath-gtiff-1t
interleaved retile-png swath-png
retile_png_bytes=$(bytes_of "$RUN/retile-png" png)
swath_png_bytes=$(bytes_of "$RUN/swath-png" png)
interleaved swath-gtiff-24k
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$retile_gtiff_s" "$swath_gtiff_s" "$swath_gtiff_1t_s" "$retile_png_s" "$swath_png_s" \
  "$retile_png_bytes" "$swath_png_bytes" "$swath_gtiff_kb" "$swath_gtiff_24k_kb" <<'PY'
import sys
rg, sg, s1, rp, sp, rpb, spb, kb12, kb24 = map(float, sys.argv[1:])
rows = [
    ("GTiff: gdal_retile / swath", rg / sg, ">= 2.0", rg / sg >= 2.0),
    ("PNG: gdal_retile / swath", rp / sp, ">= 1.8", rp / sp >= 1.8),
    ("PNG bytes: swath / gdal_retile", spb / rpb, "<= 1.0", spb <= rpb),
    ("swath 1 thread / 2 threads", s1 / sg, ">= 1.8", s1 / sg >= 1.8),
    ("peak RSS 12000² (MB)", kb12 / 1024, "<= 300", kb12 / 1024 <= 300),
    ("peak RSS 24000² / 12000²", kb24 / kb12, "<= 1.15", kb24 / kb12 <= 1.15),
]
print()
for name, value, target, ok in rows:
    print(f"{name:34s} {value:8.2f}   target {target:8s} {'ok' if ok else 'MISSED'}")
PY
