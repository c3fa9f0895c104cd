#!/usr/bin/env bash
# `make image-lock`: makes the image's two Debian roots from the archive's current versions of the lock's build
# and runtime packages, and writes every package they hold (dependencies included) into packaging/apt-lock.txt as
# the build-root and runtime-root sections; the build and runtime entries take the roots' versions. The snapshot
# date and SOURCE_DATE_EPOCH move to today only when a root changed. Usage: lock.sh [build|runtime]...
set -euo pipefail
source "$(dirname "$0")/common.sh"
require_root_tools
roles=("$@")
((${#roles[@]} > 0)) || roles=(build runtime)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
apt_sources

for role in "${roles[@]}"; do
  [[ "$role" == build || "$role" == runtime ]] || die "lock.sh '$role'" "not a root" "build or runtime"
  make_root "$role" "$WORK/$role.tar" unpinned
  rm -f "$WORK/$role.tar"
  cp "$WORK/$role.tar.packages" "$WORK/$role-root.new"
done

changed=0
for role in build runtime; do
  if [[ -f "$WORK/$role-root.new" ]]; then
    diff -q <(lock_entries "$role-root" | LC_ALL=C sort) "$WORK/$role-root.new" >/dev/null || changed=1
  else
    lock_entries "$role-root" | LC_ALL=C sort >"$WORK/$role-root.new"
  fi
done

snapshot=$(lock_meta snapshot)
epoch=$(lock_meta source_date_epoch)
if ((changed)) || [[ -z "$snapshot" ]]; then
  snapshot=${SNAPSHOT:-$(date -u +%Y%m%dT000000Z)}
  epoch=$(date -u -d "${snapshot:0:4}-${snapshot:4:2}-${snapshot:6:2}" +%s)
fi

# The build and runtime entries (what make setup installs, what swath links) at the roots' versions.
version_in() { awk -F= -v p="$1" '$1 == p {print substr($0, length(p) + 2)}' "$2"; }
out=$WORK/lock
{
  sed -n '/^# role /q; /^#/{/^# snapshot /d; /^# source_date_epoch /d; p}' "$LOCK"
  echo "# snapshot $snapshot"
  echo "# source_date_epoch $epoch"
  echo "# role package=version"
  while read -r role spec; do
    [[ "$role" == build || "$role" == dev || "$role" == runtime ]] || continue
    name=${spec%%=*}
    version=${spec#*=}
    if [[ "$role" != dev && -s "$WORK/$role-root.new" ]]; then
      rooted=$(version_in "$name" "$WORK/$role-root.new")
      [[ -n "$rooted" ]] || die "the $role root" "has no $name" "is it still a Debian package?"
      [[ "$rooted" == "$version" ]] || note "$name: $version → $rooted (the archive's; make setup installs it)"
      version=$rooted
    fi
    echo "$role $name=$version"
  done < <(grep -v '^#' "$LOCK")
  for role in build runtime; do sed "s/^/$role-root /" "$WORK/$role-root.new"; done
} >"$out"
cp "$out" "$LOCK"
note "wrote $LOCK: build root $(wc -l <"$WORK/build-root.new") packages, runtime root $(wc -l <"$WORK/runtime-root.new"), snapshot $snapshot"
