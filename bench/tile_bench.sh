#!/usr/bin/env bash
# swath tile against gdal_retile.py, side by side in one run, on two scenes: GTiff speed, 2 vs 1 thread, 2-thread
# CPU/wall, and the machine's limit for each scene measured in the same run; then PNG speed and peak RSS.
# Each command runs $TRIES times (default 3) in turns with the others it is compared with; its fastest run counts.
# Usage: bench/tile_bench.sh [SWATH_BINARY] ; BENCH_DIR (default /tmp/swath-bench) holds inputs and outputs.
# Inputs (made once by swath_bench_scene; 3-band uint8 GeoTIFFs tiled 256×256 DEFLATE), 512-px tiles:
#   terrain: 12000×12000, terrain plus 4 bits of noise (blocks decode fast), also 24000×24000 for the RSS check;
#   noise40: 6000×6000, the same smooth base plus uniform noise of 0–40 DN per band (`swath_bench_scene
#            --noise-dn 40`; DEFLATE packs it only to ~83%, so decoding and writing weigh more).
# The limit of a scene: max(decoding all its blocks on 2 threads (swath_bench_decode), writing the bytes of swath's
# tiles with `dd oflag=direct` to the same file system); swath's 2-thread wall / limit is the last figure, then
# swath's CPU seconds over the decode helper's: what that ratio comes to once both cores stay busy, whatever the load.
# Also measured, in the same run: the decode helper and `dd oflag=direct conv=fsync` of the same bytes started
# together ("together"): on a VM whose direct writes cost the guest CPU (steal) and whose cache flush at the
# manifest's fsync waits for the device, that is what decoding and durably writing cost at once; swath against it is
# printed beside the issue's figure (bench/README.md, "Where the threads wait").
# swath runs with --edge shrink, so both tools write the same tiles (gdal_retile shrinks edge tiles).
set -euo pipefail

SWATH=$(realpath "${1:-build/apps/swath}")
GENERATOR=$(dirname "$SWATH")/../bench/swath_bench_scene
DECODER=$(dirname "$SWATH")/../bench/swath_bench_decode
DIR=${BENCH_DIR:-/tmp/swath-bench}
TIME=/usr/bin/time
RUN="$DIR/run.$$"  # outputs and timings of this run only: concurrent runs share nothing but the inputs
mkdir -p "$DIR" "$RUN"
trap 'rm -rf "$RUN"' EXIT
[ -x "$TIME" ] || { echo "tile_bench: /usr/bin/time is missing (apt-get install time)" >&2; exit 1; }
command -v gdal_retile.py >/dev/null || { echo "tile_bench: gdal_retile.py is missing (gdal-bin, python3-gdal)" >&2; exit 1; }

scene() {  # scene SIZE [NOISE_DN] → path, generated once
  local path="$DIR/scene-$1.tif" noise=()
  if [ -n "${2:-}" ]; then path="$DIR/scene-$1-noise$2.tif" noise=(--noise-dn "$2"); fi
  if [ ! -f "$path" ]; then "$GENERATOR" "${noise[@]}" "$path.tmp.$$" "$1" "$1" && mv "$path.tmp.$$" "$path"; fi
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
  "$TIME" -f "%e %U %S %M" -o "$RUN/$name.time" "${@//@OUT@/$dir}" >"$RUN/$name.out" 2>"$RUN/$name.log" ||
    { cat "$RUN/$name.log" >&2; exit 1; }
  read -r seconds user system kb <"$RUN/$name.time"
  local best_var="${var}_s" kb_var="${var}_kb"
  if [ -z "${!best_var:-}" ] || awk "BEGIN {exit !($seconds < ${!best_var})}"; then
    eval "${var}_s=$seconds; ${var}_cpu=$(awk "BEGIN {print $user + $system}")"
    mv "$RUN/$name.out" "$RUN/$name.best.out"
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
N6=$(scene 6000 40)
cat "$S12" "$S24" "$N6" >/dev/null  # every run reads from the page cache

# direct_write NAME BYTES: the command writing BYTES (rounded up to MiB) around the page cache into @OUT@.
direct_write() { declare -n to="cmd_$1"; to=(dd if=/dev/zero of=@OUT@/direct.bin bs=1M count=$((($2 + 1048575) / 1048576)) oflag=direct status=none); }
# together NAME BYTES SCENE: the decode helper on 2 threads while dd writes BYTES durably (direct, then fsync).
together() {
  declare -n to="cmd_$1"
  to=(bash -c "dd if=/dev/zero of=@OUT@/direct.bin bs=1M count=$((($2 + 1048575) / 1048576)) oflag=direct conv=fsync status=none & \"$DECODER\" \"$3\" 2 >/dev/null && wait \$!")
}
# stages NAME: seconds per stage (wall/CPU, summed over threads) from the fastest try's --json summary.
stages() {
  python3 -c 'import json, sys; s = json.load(open(sys.argv[1]))["stages"]; w = s.pop("writers")
print(" ".join("%s %.2f/%.2f" % (k, v["wall"], v["cpu"]) for k, v in s.items()), "writers", w)' "$RUN/$1.best.out"
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) (the ratios need an otherwise idle machine)"
echo "swath tile benchmark on $(nproc) cores, fastest of ${TRIES:-3} tries per command; inputs $(basename "$S12"), $(basename "$N6") and $(basename "$S24") (3-band uint8, 256×256 DEFLATE tiles)"
for scene in terrain noise40; do
  if [ $scene = terrain ]; then input=$S12; else input=$N6; fi
  declare -n retile="cmd_retile_$scene" swath="cmd_swath_$scene" swath1="cmd_swath_${scene}_1t" decode="cmd_decode_$scene"
  retile=(gdal_retile.py -ps 512 512 -targetDir @OUT@ "$input")
  swath=("$SWATH" tile "$input" -o @OUT@ --size 512 --edge shrink --json)
  swath1=("${swath[@]}" --threads 1)
  decode=("$DECODER" "$input" 2)
  unset -n retile swath swath1 decode
  echo
  interleaved "retile-$scene" "swath-$scene" "swath-$scene-1t"
  direct_write "write_$scene" "$(bytes_of "$RUN/swath-$scene" tif)"
  together "together_$scene" "$(bytes_of "$RUN/swath-$scene" tif)" "$input"
  interleaved "decode-$scene" "write-$scene" "together-$scene"
  echo "swath-$scene stages (wall/CPU s): $(stages "swath-$scene")"
  echo "swath-$scene-1t stages (wall/CPU s): $(stages "swath-$scene-1t")"
done
echo
cmd_retile_png=(gdal_retile.py -of PNG -ps 512 512 -targetDir @OUT@ "$S12")
cmd_swath_png=("$SWATH" -q tile "$S12" -o @OUT@ --size 512 --edge shrink --format PNG)
cmd_swath_gtiff_24k=("$SWATH" -q tile "$S24" -o @OUT@ --size 512 --edge shrink)
interleaved retile-png swath-png
retile_png_bytes=$(bytes_of "$RUN/retile-png" png)
swath_png_bytes=$(bytes_of "$RUN/swath-png" png)
interleaved swath-gtiff-24k
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

figures() {  # figures SCENE → the eight numbers the summary needs for SCENE
  local v
  for v in retile_$1_s swath_$1_s swath_$1_cpu swath_$1_1t_s decode_$1_s write_$1_s decode_$1_cpu together_$1_s; do
    printf '%s ' "${!v}"
  done
}
python3 - $(figures terrain) $(figures noise40) "$retile_png_s" "$swath_png_s" "$retile_png_bytes" "$swath_png_bytes" \
  "$swath_terrain_kb" "$swath_gtiff_24k_kb" <<'PY'
import sys
v = list(map(float, sys.argv[1:]))
rows = []
for name, (rg, sg, cpu, s1, dec, wr, dec_cpu, both) in (("terrain", v[0:8]), ("noise40", v[8:16])):
    limit = max(dec, wr)
    rows += [
        (f"{name} GTiff: gdal_retile / swath", rg / sg, ">= 2.0", rg / sg >= 2.0),
        (f"{name} 1 thread / 2 threads", s1 / sg, ">= 1.8", s1 / sg >= 1.8),
        (f"{name} 2 threads: CPU / wall", cpu / sg, ">= 1.7", cpu / sg >= 1.7),
        (f"{name} limit max({dec:.2f}, {wr:.2f}) s", limit, "", True),
        (f"{name} swath {sg:.2f} s / limit", sg / limit, "<= 1.2", sg / limit <= 1.2),
        # CPU seconds move little with the machine's load: what the wall-time ratio comes to on an idle machine
        # once both cores stay busy (no target; the decode helper's CPU includes its own start-up).
        (f"{name} CPU swath {cpu:.2f} / decode {dec_cpu:.2f} s", cpu / dec_cpu, "", True),
        # No target: the machine's own cost of decoding while writing durably (see the header).
        (f"{name} swath {sg:.2f} s / together {both:.2f} s", sg / both, "", True),
    ]
rp, sp, rpb, spb, kb12, kb24 = v[16:]
rows += [
    ("PNG: gdal_retile / swath", rp / sp, ">= 1.8", rp / sp >= 1.8),
    ("PNG bytes: swath / gdal_retile", spb / rpb, "<= 1.0", spb <= rpb),
    ("peak RSS 12000² (MB)", kb12 / 1024, "<= 300", kb12 / 1024 <= 300),
    ("peak RSS 24000² / 12000²", kb24 / kb12, "<= 1.15", kb24 / kb12 <= 1.15),
]
print()
for name, value, target, ok in rows:
    mark = "" if not target else ("ok" if ok else "MISSED")
    print(f"{name:40s} {value:8.2f}   target {target:8s} {mark}")
PY
