#!/usr/bin/env bash
# `make demo`: runs swath end to end on an embedded default (grows as subcommands land).
set -euo pipefail
swath=${1:-build/apps/swath}
echo "== swath version"
"$swath" version
echo
echo "== swath config show (defaults, with SWATH_GDAL__CACHE_MB=32 from the environment)"
SWATH_GDAL__CACHE_MB=32 "$swath" config show
