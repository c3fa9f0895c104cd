#!/bin/sh
# Installs one role's packages (build or runtime) from packaging/apt-lock.txt at their exact versions, from
# snapshot.debian.org at the lock's snapshot date, so a rebuild gets the same bytes. Used by the Dockerfile.
# Usage: docker-apt.sh ROLE [--print]   (--print: show the apt-get command, change nothing)
set -eu
role=$1
lock=${APT_LOCK:-/tmp/packaging/apt-lock.txt}
packages=$(awk -v role="$role" '!/^#/ && $1 == role {print $2}' "$lock" | tr '\n' ' ')
[ -n "$packages" ] || { echo "docker-apt: no '$role' packages in $lock" >&2; exit 2; }
if [ "${2:-}" = "--print" ]; then
  echo "apt-get install -y --no-install-recommends $packages"
  exit 0
fi
snapshot=$(awk '$2 == "snapshot" {print $3}' "$lock")
rm -f /etc/apt/sources.list /etc/apt/sources.list.d/*
cat >/etc/apt/sources.list.d/snapshot.sources <<SOURCES
Types: deb
URIs: http://snapshot.debian.org/archive/debian/$snapshot/
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://snapshot.debian.org/archive/debian-security/$snapshot/
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
# Snapshot Release files are older than apt's validity window by design.
apt-get -o Acquire::Check-Valid-Until=false -o Acquire::Retries=3 update
# shellcheck disable=SC2086 # one word per package=version
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $packages
apt-get clean
rm -rf /var/lib/apt/lists/*
