#!/usr/bin/env bash
# Regenerates the swath manifests of this folder with `swath scale-plan --emit` (redis.yaml and data-pvc.yaml
# are written by hand). A test checks that the committed files equal this script's output.
set -euo pipefail
cd "$(dirname "$0")/../.."
swath=${1:-build/apps/swath}
out=${2:-examples/k8s}
"$swath" scale-plan --stats examples/stats/tiles-stats.json --policy configs/scaling.yaml --emit all -o "$out" \
  --namespace swath --image registry.example.com/swath:0.1.0 --redis-in-cluster redis://redis.swath.svc:6379 \
  --redis-password-secret swath-redis --scene /data/scenes/a.tif --shards 16 >/dev/null
# At most one ScaledObject may drive a Deployment, and this folder also holds the queue's keda-scaledobject.yaml:
# generate yours with `--emit keda` when you use the Deployment path with it instead.
rm -f "$out/scaledobject.yaml"
