#!/usr/bin/env bash
# `make demo`: the main job end to end on an embedded default — synth → tile → detect → eval, with quicklooks.
set -euo pipefail
swath=$(realpath "${1:-build/apps/swath}")
root=$(cd "$(dirname "$0")/.." && pwd)
out=${DEMO_OUT:-$root/demo-out}
rm -rf "$out" && mkdir -p "$out" && cd "$out"
export SWATH_LOG__FORMAT=text
step() { echo; echo "== $*"; }

step "swath version"
"$swath" version | head -1

step "synth: a seeded 2048×2048 SAR-like scene (uint16 sea clutter, UTM 31N) with 104 ships and their truth"
"$swath" synth -o sar.tif --seed 42 --kind sar

step "tile: 512-px tiles with 64 px of overlap, manifest tiles.jsonl and footprints tiles.geojson"
"$swath" tile sar.tif -o tiles --size 512 --overlap 64 --json -q

step "detect: CFAR over the tiles (windows merged across tile edges), features in WGS84"
"$swath" detect tiles/tiles.jsonl --detector cfar -o ships.geojson

step "eval: detections against the truth (IoU 0.5)"
"$swath" eval ships.geojson sar.truth.geojson

step "detect on the whole scene with a quicklook"
"$swath" detect sar.tif --detector cfar -o ships.gpkg --quicklook ships.png -q

step "synth + onnx: an optical scene, the shipped vehicle model (models/vehicles.onnx), eval"
"$swath" synth -o optical.tif --seed 7 --kind optical --size 1024x1024
"$swath" detect optical.tif --detector onnx --model "$root/models/vehicles.yaml" -o vehicles.geojson --quicklook vehicles.png -q
"$swath" eval vehicles.geojson optical.truth.geojson

step "done: outputs in $out (quicklooks ships.png and vehicles.png)"
ls "$out"
