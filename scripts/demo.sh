#!/usr/bin/env bash
# `make demo`: runs swath end to end on an embedded default (grows as subcommands land).
set -euo pipefail
swath=${1:-build/apps/swath}
echo "== swath version"
"$swath" version
echo
echo "== swath config show (defaults, with SWATH_GDAL__CACHE_MB=32 from the environment)"
SWATH_GDAL__CACHE_MB=32 "$swath" config show

echo
echo "== swath scale-plan: how many worker pods for 1203 queued tasks, by the deadline strategy"
"$swath" scale-plan --stats examples/stats/tiles-stats.json --policy configs/scaling.yaml
echo
echo "== swath scale-plan --simulate: every strategy on a bursty trace (plot: demo-out/scale-bursty.svg)"
mkdir -p demo-out
"$swath" scale-plan --simulate examples/traces/bursty.csv --policy configs/scaling.yaml --plot demo-out/scale-bursty.svg
