#!/usr/bin/env bash
# Installs the Debian packages listed in packaging/apt-packages.txt that are missing, then the test-only npm
# validators (tests/k8s-schema) and PMTiles reader (tests/pmtiles-reader); idempotent: each step is skipped when already
# current.
set -euo pipefail
cd "$(dirname "$0")/.."

mapfile -t wanted < <(grep -v '^\s*#' packaging/apt-packages.txt | sed 's/[[:space:]]*=.*//' | grep -v '^\s*$')

# Exact versions come from packaging/apt-lock.txt (roles build and dev), the lock `make image` also uses.
declare -A locked=()
while read -r role spec; do
  if [[ "$role" == build || "$role" == dev ]]; then locked[${spec%%=*}]=${spec#*=}; fi
done < <(grep -v '^\s*#' packaging/apt-lock.txt)

missing=()  # name=version when locked, else name
names=()
for pkg in "${wanted[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  if [[ "$status" == "install ok installed" ]]; then
    have=$(dpkg-query -W -f='${Version}' "$pkg")
    if [[ -n "${locked[$pkg]:-}" && "$have" != "${locked[$pkg]}" ]]; then
      echo "setup: note: $pkg $have is installed, the lock has ${locked[$pkg]} (scripts/apt-lock.sh updates the lock)" >&2
    fi
    continue
  fi
  [[ -n "${locked[$pkg]:-}" ]] || echo "setup: note: $pkg is not in packaging/apt-lock.txt yet (run scripts/apt-lock.sh)" >&2
  missing+=("$pkg${locked[$pkg]:+=${locked[$pkg]}}")
  names+=("$pkg")
done

# Test-only npm packages, pinned by DIR/package-lock.json; skipped when node_modules was installed from this exact
# lock file. $2 says what they are for.
install_npm_test_packages() {
  local dir=$1 purpose=$2 stamp=$1/node_modules/.swath-lock-sha256
  local want
  want=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
  [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]] && return 0
  command -v npm >/dev/null || { echo "setup: npm is needed for $purpose (apt-get install npm)" >&2; exit 1; }
  echo "setup: installing $purpose into $dir (npm ci)"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$want" >"$stamp"
}

install_test_packages() {
  # Offline Kubernetes/KEDA schema validators (the manifest schema tests).
  install_npm_test_packages tests/k8s-schema "the Kubernetes/KEDA schema validators"
  # The Protomaps reference reader (the PMTiles archive tests).
  install_npm_test_packages tests/pmtiles-reader "the PMTiles reader"
}

if ((${#missing[@]} == 0)); then
  install_test_packages
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
# The live mirror keeps only the newest version of each package, so an exact version from the lock can be
# gone after a point release or security update: then install by name (`make image` pins every version and names
# the ones the archive no longer has).
if ! "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"; then
  echo "setup: some locked versions are not on this mirror; installing by name: ${names[*]}" >&2
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${names[@]}"
fi
# Debian's nodejs has no npm (NodeSource's has); the test packages need it.
command -v npm >/dev/null || "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends npm
install_test_packages
