#!/usr/bin/env bash
# `make image`: builds swath:<version> from Debian roots at the lock's versions, no registry touched; the image id
# is the last line. swath is compiled in the build root (--compile root) or, where this machine's packages equal
# the build root's lock, here (--compile host); --binary FILE takes a swath built elsewhere (the container tests
# use the test build's). Roots, the compile tree and the layers are cached; --no-cache rebuilds them all.
# Usage: build.sh [--compile root|host] [--binary FILE] [--tag NAME] [--no-cache]
set -euo pipefail
source "$(dirname "$0")/common.sh"
umask 022  # the modes of what goes into the layers do not depend on the caller's umask

compile=root
binary=""
tag=""
NO_CACHE=0
while (($#)); do
  case $1 in
    --compile) compile=$2; shift 2 ;;
    --binary) binary=$(realpath "$2"); shift 2 ;;
    --tag) tag=$2; shift 2 ;;
    --no-cache) NO_CACHE=1; shift ;;
    *) die "build.sh $1" "unknown option" "--compile root|host, --binary FILE, --tag NAME, --no-cache" ;;
  esac
done
[[ "$compile" == root || "$compile" == host ]] || die "--compile $compile" "unknown" "root or host"
detect_engine
require_root_tools
version=$(swath_version)
tag=${tag:-swath:$version}
epoch=$(source_date_epoch)
mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9  # one image build at a time on this machine: the caches are shared
WORK=$(mktemp -d -p "$CACHE" work.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
export WORK NO_CACHE

runtime_tar=$(cached_root runtime)
if [[ -n "$binary" ]]; then
  [[ -x "$binary" ]] || die "--binary $binary" "not an executable file" "build it first (make build)"
  objcopy --strip-debug "$binary" "$WORK/swath"  # the debug info is a build's, not the image's
  describe=$("$binary" version --json | sed -n 's/.*"git_describe":"\([^"]*\)".*/\1/p')
else
  describe=$(git -C "$SWATH_ROOT" describe --always --dirty --tags 2>/dev/null || echo unknown)
  DESCRIBE=$describe "$IMAGE_DIR/compile.sh" "$compile" "$WORK/swath"
fi

# The image's own files: the binary, configs and the shipped model, in a tar that depends on their bytes only.
app=$WORK/app
install -D -m 0755 "$WORK/swath" "$app/usr/local/bin/swath"
for f in "$SWATH_ROOT"/configs/*.yaml; do install -D -m 0644 "$f" "$app/etc/swath/$(basename "$f")"; done
for f in "$SWATH_ROOT"/models/*; do install -D -m 0644 "$f" "$app/usr/share/swath/models/$(basename "$f")"; done
mkdir -p "$WORK/context"
tar -C "$app" --sort=name --mtime="@$epoch" --owner=0 --group=0 --numeric-owner --format=gnu -cf "$WORK/context/swath.tar" .
ln "$runtime_tar" "$WORK/context/runtime-root.tar" 2>/dev/null || cp "$runtime_tar" "$WORK/context/runtime-root.tar"
cp "$IMAGE_DIR/Containerfile" "$WORK/context/Containerfile"
lock_sha=$(sha256sum "$LOCK" | cut -c1-64)

note "building $tag with $ENGINE ..."
build_flags=(-t "$tag" -f "$WORK/context/Containerfile" --build-arg "VERSION=$version" --build-arg "REVISION=$describe"
             --build-arg "LOCK_SHA256=$lock_sha")
((NO_CACHE)) && build_flags+=(--no-cache)
if [[ "$ENGINE" == podman ]]; then
  build_flags+=(--timestamp "$epoch")
else
  build_flags+=(--build-arg "SOURCE_DATE_EPOCH=$epoch")  # BuildKit takes the creation time from it
fi
"$ENGINE" build -q "${build_flags[@]}" "$WORK/context" >"$WORK/build.log" 2>&1 ||
  { tail -20 "$WORK/build.log" >&2; die "$ENGINE build" "failed (last lines above)" "see the engine's message"; }
id=$("$ENGINE" image inspect --format '{{.Id}}' "$tag")
id=sha256:${id#sha256:}
# Earlier builds of swath that no tag names any more take disk space only.
"$ENGINE" image prune -f --filter label=org.opencontainers.image.title=swath >/dev/null 2>&1 || true

# What is in the image must be what the lock says, and swath must load those versions; else no image.
refuse() { "$ENGINE" rmi -f "$tag" >/dev/null 2>&1 || true; die "$tag" "$1" "$2"; }
"$ENGINE" run --rm "${RUN_FLAGS[@]}" --network none --entrypoint dpkg-query "$tag" -W -f='${Package}=${Version}\n' |
  LC_ALL=C sort >"$WORK/image.packages" || refuse "dpkg-query does not run in the image" "see the engine's message"
diff <(lock_entries runtime-root | LC_ALL=C sort) "$WORK/image.packages" >&2 ||
  refuse "its packages differ from the lock's runtime-root section ('<' locked, '>' in the image)" "$REFRESH_HINT"
"$ENGINE" run --rm "${RUN_FLAGS[@]}" --network none "$tag" version --json >"$WORK/version.json" ||
  refuse "swath version does not run in the image" "see the message above"
"$SWATH_ROOT/packaging/check-image-versions.sh" "$LOCK" "$WORK/version.json" >/dev/null ||
  refuse "swath reports other library versions than the lock" "see the MISMATCH lines above"
note "$tag: $(du -m "$runtime_tar" | cut -f1) MB runtime root + $(du -m "$WORK/context/swath.tar" | cut -f1) MB swath; packages and versions checked against the lock"
echo "$id"
