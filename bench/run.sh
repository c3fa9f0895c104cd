#!/usr/bin/env bash
# `make bench`: runs every benchmark script in bench/ against the built swath, one after the other.
# Each prints its ratios against the named tools, measured side by side in the same run.
set -euo pipefail
swath=$(realpath "${1:-build/apps/swath}")
cd "$(dirname "$0")"
status=0
for script in ./*_bench.sh; do
  [[ -e "$script" ]] || continue
  echo "== $script"
  "$script" "$swath" || status=1
  echo
done
exit $status
