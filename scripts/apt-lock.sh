#!/usr/bin/env bash
# Regenerates the build, dev and runtime entries of packaging/apt-lock.txt, the one lock of Debian package
# versions read by `make setup` and `make image`: every package of packaging/apt-packages.txt, plus the run-time
# libraries the swath binary links (objdump NEEDED → dpkg -S) and the image's own run-time packages, each at the
# version installed on this machine. The run-time set is the union over the binaries given (default:
# build/apps/swath and build-asan/apps/swath when built: a Debug link keeps every OpenCV component swath links, a
# release link may drop unused ones). The build-root and runtime-root sections (every package of the image's
# Debian roots) are kept as they are: `make image-lock` writes those, from the archive.
# Usage: scripts/apt-lock.sh [OUTPUT [SWATH_BINARY...]]   (OUTPUT defaults to the lock itself)
set -euo pipefail
cd "$(dirname "$0")/.."
lock=packaging/apt-lock.txt
output=${1:-$lock}
shift || true
binaries=("$@")
if ((${#binaries[@]} == 0)); then
  for b in build/apps/swath build-asan/apps/swath; do [[ -x "$b" ]] && binaries+=("$b"); done
fi
((${#binaries[@]} > 0)) || { echo "apt-lock: build swath first (make build), or pass its path" >&2; exit 2; }

# Tools for tests and demos only, not needed to compile swath (the image's build stage skips them).
dev_only=" gdal-bin python3-gdal redis-server nodejs npm time clang-format python3-rq python3-torch podman runc mmdebstrap "
# Run-time packages of the image that swath does not link: CA certificates for GDAL's /vsicurl/ and /vsis3/.
image_runtime=" ca-certificates "
# In every Debian base image already, pinned by the base image digest; never up- or downgraded by us.
in_base=" libc6 libgcc-s1 libstdc++6 "

# Keep the snapshot date of the existing lock unless SNAPSHOT is given: a new date is a deliberate update.
snapshot=${SNAPSHOT:-$(awk '$2=="snapshot"{print $3}' "$lock" 2>/dev/null || true)}
snapshot=${snapshot:-$(date -u +%Y%m%dT000000Z)}
epoch=$(date -u -d "${snapshot:0:4}-${snapshot:4:2}-${snapshot:6:2}" +%s)

version_of() {
  dpkg-query -W -f='${Version}' "$1" 2>/dev/null || { echo "apt-lock: $1 is not installed; run make setup" >&2; exit 1; }
}
# A build or runtime package keeps the version of its image root when it has one there: one version per package.
locked_version() {  # role package
  local rooted
  rooted=$(awk -v r="$1-root" -v p="$2" '$1 == r {split($2, a, "="); if (a[1] == p) print substr($2, length(p) + 2)}' "$lock" 2>/dev/null)
  if [[ -n "$rooted" ]]; then echo "$rooted"; else version_of "$2"; fi
}

runtime_packages() {
  for b in "${binaries[@]}"; do objdump -p "$b"; done | awk '/NEEDED/{print $2}' | sort -u | while read -r lib; do
    path=$(ldconfig -p | awk -v l="$lib" '$1==l && !seen {print $NF; seen=1}')
    [[ -n "$path" ]] || { echo "apt-lock: cannot find $lib" >&2; exit 1; }
    # usrmerge: dpkg knows a library under /lib or /usr/lib, whichever its package shipped
    { dpkg -S "$path" 2>/dev/null || dpkg -S "$(readlink -f "$path")" 2>/dev/null || dpkg -S "/usr$path"; } |
      awk -F: 'NR==1 {print $1}'
  done | sort -u
}

tmp=$(mktemp)
{
  echo "# Debian package versions for swath; do not edit. build, dev and runtime: what make setup installs and swath"
  echo "# links, written by scripts/apt-lock.sh from this machine. build-root and runtime-root: every package of the"
  echo "# image's two Debian roots, dependencies included, written by make image-lock from the archive (packaging/image)."
  echo "# snapshot $snapshot"
  echo "# source_date_epoch $epoch"
  echo "# role package=version"
  grep -v '^\s*#' packaging/apt-packages.txt | sed 's/[[:space:]]*=.*//' | grep -v '^\s*$' | while read -r pkg; do
    role=build
    [[ "$dev_only" == *" $pkg "* ]] && role=dev
    echo "$role $pkg=$(locked_version "$role" "$pkg")"
  done
  { runtime_packages; tr ' ' '\n' <<<"$image_runtime"; } | grep -v '^$' | sort -u | while read -r pkg; do
    [[ "$in_base" == *" $pkg "* ]] && continue
    [[ "$pkg" =~ ^lib(a|ub|t|l)san[0-9]+$ ]] && continue  # sanitizer builds (make test-asan) only
    echo "runtime $pkg=$(locked_version runtime "$pkg")"
  done
  grep -E '^(build|runtime)-root ' "$lock" 2>/dev/null || true
} >"$tmp"
mv "$tmp" "$output"
echo "apt-lock: wrote $output ($(grep -vc '^#' "$output") packages, snapshot $snapshot)"
