#!/bin/sh
# Checks that `swath version --json` in the image (packaging/image/build.sh) reports, at run time, the library
# versions the apt lock pins (libgdal32=3.6.2+dfsg-1+b2 → gdal 3.6.2, ...): a package swath links is looked up
# among the lock's runtime entries, one it loads through another (PROJ, through GDAL) in the runtime root's.
# Usage: check-image-versions.sh LOCK VERSION_JSON
set -eu
lock=$1
json=$2
status=0
# dependency name in `swath version --json` → runtime package in the lock
for pair in gdal:libgdal32 tbb:libtbb12 spdlog:libspdlog1.10 fmt:libfmt9 yaml-cpp:libyaml-cpp0.7 hiredis:libhiredis0.14 \
            opencv:libopencv-core406 proj:libproj25; do
  dep=${pair%%:*}
  pkg=${pair#*:}
  locked=$(awk -v p="$pkg" '$1 == "runtime" {split($2, a, "="); if (a[1] == p) print a[2]}' "$lock")
  [ -n "$locked" ] || locked=$(awk -v p="$pkg" '$1 == "runtime-root" {split($2, a, "="); if (a[1] == p) print a[2]}' "$lock")
  if [ -z "$locked" ]; then
    echo "check-image-versions: $pkg is neither a runtime package nor in the runtime root in $lock" >&2
    status=1
    continue
  fi
  upstream=$(echo "$locked" | sed -e 's/^[0-9]*://' -e 's/[+~-].*//')  # 1:1.10.0+ds-0.4 → 1.10.0
  runtime=$(tr -d '\n' <"$json" | sed -n "s/.*\"$dep\":{\"build\":\"[^\"]*\",\"runtime\":\"\([^\"]*\)\".*/\1/p")
  if [ -z "$runtime" ]; then
    echo "MISMATCH $dep: swath version --json does not report a run-time version" >&2
    status=1
    continue
  fi
  case "$upstream" in
    "$runtime"*) echo "ok $dep: swath reports $runtime, lock has $pkg=$locked" ;;
    *) echo "MISMATCH $dep: swath reports '$runtime', lock has $pkg=$locked" >&2; status=1 ;;
  esac
done
exit $status
