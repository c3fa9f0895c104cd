#!/usr/bin/env bash
# Compiles the image's swath binary: in the build root (root) through the container engine, or on this machine
# (host) when every package of the build root's lock is installed here at its locked version. The same flags
# and the same source and build paths in the binary (-ffile-prefix-map), so both give the same bytes.
# The tree under the cache is kept between runs (an incremental build); --no-cache starts afresh.
# Usage: DESCRIBE=<git describe> compile.sh root|host OUT
set -euo pipefail
source "$(dirname "$0")/common.sh"
where=$1
out=$2
[[ -n "${DESCRIBE:-}" ]] || die "compile.sh" "DESCRIBE is not set" "run it through build.sh"
tree=$CACHE/compile-$where
[[ "${NO_CACHE:-0}" != 1 ]] || rm -rf "$tree"
mkdir -p "$tree/build"

# The sources git tracks (as they are in the work tree), unchanged files keeping their times for make.
files=$WORK/sources
(cd "$SWATH_ROOT" && { git ls-files -- CMakeLists.txt cmake lib apps bench 2>/dev/null || find CMakeLists.txt cmake lib apps bench -type f; }) >"$files"
rm -rf "$tree/src.new" && mkdir "$tree/src.new"
(cd "$SWATH_ROOT" && tar -cf - -T "$files") | tar -C "$tree/src.new" -xf -
if [[ -d "$tree/src" ]] && diff -rq "$tree/src" "$tree/src.new" >/dev/null 2>&1; then
  rm -rf "$tree/src.new"
else
  # Files that did not change keep the old copy's time, so make recompiles only what did.
  if [[ -d "$tree/src" ]]; then
    (cd "$tree/src.new" && find . -type f) | while read -r f; do
      cmp -s "$tree/src/$f" "$tree/src.new/$f" 2>/dev/null && touch -r "$tree/src/$f" "$tree/src.new/$f"
    done
  fi
  rm -rf "$tree/src" && mv "$tree/src.new" "$tree/src"
fi

jobs=${JOBS:-$(nproc)}
script='cmake -S "$1" -B "$2" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF -DSWATH_GIT_DESCRIBE="$3" \
  -DCMAKE_CXX_FLAGS="-ffile-prefix-map=$1=/usr/src/swath -ffile-prefix-map=$2=/usr/src/swath-build" >/dev/null &&
  cmake --build "$2" --target swath -j "$4" && objcopy --strip-debug "$2/apps/swath" "$2/swath.image"'
if [[ "$where" == host ]]; then
  mismatch=$(lock_entries build-root | while IFS== read -r p v; do
               [[ "$(dpkg-query -W -f='${Version}' "$p" 2>/dev/null)" == "$v" ]] || echo "$p=$v"; done | head -5 | tr '\n' ' ')
  [[ -z "$mismatch" ]] || die "--compile host" "this machine's packages differ from the build root's lock, e.g. $mismatch" \
    "make setup installs the locked versions; or use --compile root"
  note "compiling swath here (packages equal the build root's lock) ..."
  env -u CMAKE_CXX_COMPILER_LAUNCHER -u CMAKE_C_COMPILER_LAUNCHER bash -c "$script" _ "$tree/src" "$tree/build" "$DESCRIBE" "$jobs" >"$tree/build.log" 2>&1 ||
    { tail -20 "$tree/build.log" >&2; die "compiling swath here" "failed (last lines above)" "the whole log: $tree/build.log"; }
else
  detect_engine
  build_tar=$(cached_root build)
  image=localhost/swath-build-root:$(basename "$build_tar" .tar | sed 's/^build-root-//')
  [[ "${NO_CACHE:-0}" != 1 ]] || "$ENGINE" rmi -f "$image" >/dev/null 2>&1 || true
  if ! "$ENGINE" image inspect "$image" >/dev/null 2>&1; then
    note "importing the build root as $image ..."
    "$ENGINE" import -q "$build_tar" "$image" >/dev/null
    # Older build roots are of no use any more.
    "$ENGINE" images --format '{{.Repository}}:{{.Tag}}' | grep '/swath-build-root:' | grep -vx "$image" |
      xargs -r "$ENGINE" rmi -f >/dev/null 2>&1 || true
  fi
  note "compiling swath in the build root ($jobs jobs) ..."
  "$ENGINE" run --rm "${RUN_FLAGS[@]}" --network none -v "$tree/src:/src:ro" -v "$tree/build:/build" "$image" \
    bash -c "$script" _ /src /build "$DESCRIBE" "$jobs" >"$tree/build.log" 2>&1 ||
    { tail -20 "$tree/build.log" >&2; die "compiling swath in the build root" "failed (last lines above)" "the whole log: $tree/build.log"; }
fi
cp "$tree/build/swath.image" "$out"
