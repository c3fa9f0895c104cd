#!/usr/bin/env bash
# `make image-verify`: builds the image twice without any cache (both Debian roots, the compile and the layers
# made afresh) and checks that the two image ids are equal; prints both. Usage: verify.sh [build.sh options]
set -euo pipefail
dir=$(dirname "$0")
first=$("$dir/build.sh" --no-cache "$@" | tail -1)
echo "image-verify: first build  $first" >&2
second=$("$dir/build.sh" --no-cache "$@" | tail -1)
echo "image-verify: second build $second" >&2
if [[ "$first" != "$second" ]]; then
  echo "swath image: not reproduced: two builds without cache gave $first and $second (hint: compare their layers with podman image inspect / podman save)" >&2
  exit 1
fi
echo "image-verify: reproduced" >&2
echo "$first"
