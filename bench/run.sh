#!/usr/bin/env bash
# `make bench`: runs every bench/*_bench.sh with the swath binary; one failing benchmark fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
swath=${1:-build/apps/swath}
status=0
for bench in bench/*_bench.sh; do
  echo "#### $bench"
  "$bench" "$swath" || status=1
  echo
done
exit $status
