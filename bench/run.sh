#!/usr/bin/env bash
# `make bench`: every bench/*_bench.sh against the given swath binary, one after the other.
set -euo pipefail
SWATH=${1:-build/apps/swath}
for bench in "$(dirname "$0")"/*_bench.sh; do
  echo "== $(basename "$bench")"
  "$bench" "$SWATH"
done
