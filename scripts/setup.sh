#!/usr/bin/env bash
# Installs the Debian packages listed in packaging/apt-packages.txt that are missing, then the test-only npm
# validators (tests/k8s-schema); idempotent: each step is skipped when already current.
set -euo pipefail
cd "$(dirname "$0")/.."

mapfile -t wanted < <(grep -v '^\s*#' packaging/apt-packages.txt | sed 's/[[:space:]]*=.*//' | grep -v '^\s*$')
missing=()
for pkg in "${wanted[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done

install_k8s_schema_validators() {
  # Test-only: offline Kubernetes/KEDA schema validators, pinned by tests/k8s-schema/package-lock.json.
  # Skipped when node_modules was installed from this exact lock file.
  local dir=tests/k8s-schema stamp=tests/k8s-schema/node_modules/.swath-lock-sha256
  local want
  want=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
  [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]] && return 0
  command -v npm >/dev/null || { echo "setup: npm is needed for the manifest schema tests (apt-get install npm)" >&2; exit 1; }
  echo "setup: installing the Kubernetes/KEDA schema validators into $dir (npm ci)"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$want" >"$stamp"
}

if ((${#missing[@]} == 0)); then
  install_k8s_schema_validators
  exit 0
fi

echo "setup: installing ${#missing[@]} Debian package(s): ${missing[*]}"
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "setup: need root or sudo to apt-get install: ${missing[*]}" >&2; exit 1; }
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
install_k8s_schema_validators
