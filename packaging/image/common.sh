# shellcheck shell=bash
# Sourced by the image scripts: the lock, the container engine, Debian roots made by mmdebstrap, the caches.
# Every failure ends in one line: `swath image: <what>: <why> (hint: <what to do>)`, exit 1.

SWATH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
IMAGE_DIR=$SWATH_ROOT/packaging/image
LOCK=${SWATH_APT_LOCK:-$SWATH_ROOT/packaging/apt-lock.txt}
CACHE=${SWATH_IMAGE_CACHE:-${XDG_CACHE_HOME:-${HOME:-/var/cache}/.cache}/swath-image}
SUITE=bookworm
REFRESH_HINT="make image-lock refreshes the lock from the archive; commit packaging/apt-lock.txt"

die() {  # what why [hint]
  echo "swath image: $1: $2${3:+ (hint: $3)}" >&2
  exit 1
}
die_missing() {  # exit 4: a tool is missing here; the container tests are skipped on it, not failed
  echo "swath image: $1: $2${3:+ (hint: $3)}" >&2
  exit 4
}
note() { echo "image: $*" >&2; }

lock_meta() { awk -v k="$1" '$1 == "#" && $2 == k {print $3}' "$LOCK"; }
lock_entries() { awk -v r="$1" '$1 == r {print $2}' "$LOCK"; }                   # role → package=version lines
lock_names() { lock_entries "$1" | sed 's/=.*//'; }
source_date_epoch() {
  local epoch
  epoch=$(lock_meta source_date_epoch)
  [[ "$epoch" =~ ^[0-9]+$ ]] || die "$LOCK" "no '# source_date_epoch N' line" "$REFRESH_HINT"
  echo "$epoch"
}
swath_version() { sed -n 's/^project(swath VERSION \([0-9.]*\).*/\1/p' "$SWATH_ROOT/CMakeLists.txt"; }
sha256_of() { sha256sum | cut -c1-64; }

# ENGINE (podman, else a docker whose daemon answers) and RUN_FLAGS for every `run`. Podman runs with runc where
# it is installed (crun refuses cgroups in hybrid mode) and with limits at or below the host's (raising one is
# refused). SWATH_IMAGE_ENGINES lists the programs tried, in order.
detect_engine() {
  ENGINE=""
  local candidate
  for candidate in ${SWATH_IMAGE_ENGINES:-podman docker}; do
    command -v "$candidate" >/dev/null 2>&1 || continue
    if [[ "$candidate" == docker ]] && ! timeout 20 docker info >/dev/null 2>&1; then continue; fi
    ENGINE=$candidate
    break
  done
  [[ -n "$ENGINE" ]] || die_missing "no container engine" "neither podman nor a running docker daemon was found" \
    "apt-get install podman runc mmdebstrap (make setup installs them)"
  RUN_FLAGS=(--ulimit nofile=1024:1024 --ulimit nproc=1000:1000)
  if [[ "$ENGINE" == podman ]] && command -v runc >/dev/null 2>&1; then RUN_FLAGS+=(--runtime runc); fi
}

require_root_tools() {
  command -v mmdebstrap >/dev/null 2>&1 ||
    die_missing "mmdebstrap not found" "the image's Debian roots are made with it" "apt-get install mmdebstrap (make setup installs it)"
  [[ $(id -u) -eq 0 ]] || die_missing "not root" "mmdebstrap --mode=root and the engine's storage need root" "run as root (or with sudo)"
}

# Where packages come from: Debian's snapshot archive at the lock's date where it answers (an old lock stays
# buildable), else mmdebstrap's default archive for the suite (with its -updates and -security parts).
# SWATH_APT_MIRROR replaces both (a local mirror); SWATH_APT_SNAPSHOT_URL="" skips the snapshot probe. Chosen once
# per build (compile.sh's build root takes the choice build.sh made, through $WORK).
apt_sources() {
  if [[ -f "$WORK/apt-sources" ]]; then
    source "$WORK/apt-sources"
    return
  fi
  choose_apt_sources
  declare -p SOURCES SOURCES_NOTE | sed 's/^declare -/declare -g -/' >"$WORK/apt-sources"
}

choose_apt_sources() {
  SOURCES=()
  SOURCES_NOTE="the current Debian archive"
  local archive=http://deb.debian.org/debian  # mmdebstrap's default for the suite
  if [[ -n "${SWATH_APT_MIRROR:-}" ]]; then
    SOURCES=("$SWATH_APT_MIRROR")
    SOURCES_NOTE=$SWATH_APT_MIRROR
    archive=""
    [[ "$SWATH_APT_MIRROR" =~ ^https?://[^[:space:]]+$ ]] && archive=${SWATH_APT_MIRROR%/}
  else
    local snapshot base
    snapshot=$(lock_meta snapshot)
    base=${SWATH_APT_SNAPSHOT_URL-http://snapshot.debian.org/archive}
    if [[ -n "$base" && -n "$snapshot" ]] &&
       curl -fsS --max-time 10 -o /dev/null "$base/debian/$snapshot/dists/$SUITE/InRelease" 2>/dev/null; then
      local list=$WORK/snapshot.sources
      printf 'Types: deb\nURIs: %s\nSuites: %s %s-updates\nComponents: main\n\nTypes: deb\nURIs: %s\nSuites: %s-security\nComponents: main\n' \
        "$base/debian/$snapshot/" "$SUITE" "$SUITE" "$base/debian-security/$snapshot/" "$SUITE" >"$list"
      SOURCES=("$list")
      SOURCES_NOTE="Debian's snapshot archive at $snapshot"
      return
    fi
    note "Debian's snapshot archive does not answer; packages come from the current archive (a locked version it no longer has is named)"
  fi
  # An archive that takes connections and never answers would hold apt for minutes (InRelease, then Release, of
  # each suite in turn, every one with its retries: 6 min at a 30 s timeout); one look fails within one timeout.
  [[ -n "$archive" ]] && command -v curl >/dev/null 2>&1 || return 0
  local timeout=${SWATH_APT_TIMEOUT:-30} err
  err=$(curl -fsS --max-time "$timeout" -o /dev/null "$archive/dists/$SUITE/InRelease" 2>&1) ||
    die "cannot reach the Debian archive ($SOURCES_NOTE)" "$archive/dists/$SUITE/InRelease: ${err:-no answer}" \
      "check the network or proxy, or set SWATH_APT_MIRROR to a reachable Debian mirror"
}

# Makes the Debian root ROLE (build | runtime) as a tar: mmdebstrap's essential set plus the lock's ROLE packages
# and their dependencies, no docs, man pages or apt lists. pinned: every package at the version of the lock's
# ROLE-root section, and the result must equal that section. unpinned (make image-lock): the archive's
# versions of the ROLE packages. Writes the root's `package=version` list to OUT.tar.packages.
make_root() {
  local role=$1 out=$2 mode=${3:-pinned}
  local log=$out.log list=$out.packages prefs=$WORK/$role.pref
  local -a includes
  if [[ "$mode" == pinned ]]; then
    mapfile -t includes < <(lock_entries "$role-root")
    ((${#includes[@]} > 0)) || die "$LOCK" "no '$role-root' packages" "$REFRESH_HINT"
    # apt prefers the locked version of every package, also in the essential set mmdebstrap picks itself.
    lock_entries "$role-root" | awk -F= '{printf "Package: %s\nPin: version %s\nPin-Priority: 1001\n\n", $1, substr($0, length($1) + 2)}' >"$prefs"
  else
    mapfile -t includes < <(lock_names "$role")
    : >"$prefs"
  fi
  local -a hooks=(
    --setup-hook="mkdir -p \"\$1/etc/apt/preferences.d\" && cp '$prefs' \"\$1/etc/apt/preferences.d/swath-lock.pref\""
    --customize-hook="rm -f \"\$1/etc/apt/preferences.d/swath-lock.pref\""
    --customize-hook="$IMAGE_DIR/root-customize.sh \"\$1\" $role"
    --customize-hook="chroot \"\$1\" dpkg-query -W -f='\${Package}=\${Version}\n' | LC_ALL=C sort >'$list'"
  )
  # The runtime root keeps no apt state at all: root-customize.sh removes it, so mmdebstrap must not clean it.
  [[ "$role" == runtime ]] && hooks+=(--skip=cleanup/apt,cleanup/mmdebstrap)
  note "making the $role root: ${#includes[@]} packages ($mode) from $SOURCES_NOTE with mmdebstrap ..."
  # merged-usr: /bin, /lib, /sbin as links into /usr made at setup, and usr-is-merged rather than usrmerge (perl).
  local -a cmd=(mmdebstrap --variant=essential --mode=root --format=tar --include="$(IFS=,; echo "${includes[*]}")"
    --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr
    --aptopt="Acquire::http::Timeout \"${SWATH_APT_TIMEOUT:-30}\"" --aptopt='Acquire::Retries "2"'
    --aptopt='Acquire::Check-Valid-Until "false"'
    --dpkgopt="$IMAGE_DIR/dpkg-excludes.cfg" "${hooks[@]}" "$SUITE" "$out.tmp" "${SOURCES[@]}")
  if ! (close_inherited_fds
         TMPDIR=$WORK SOURCE_DATE_EPOCH=$(source_date_epoch) exec timeout --kill-after=30 "${SWATH_IMAGE_ROOT_TIMEOUT:-2400}" "${cmd[@]}"
        ) >"$log" 2>&1; then
    rm -f "$out.tmp"
    explain_mmdebstrap_failure "$role" "$log"
  fi
  if [[ "$mode" == pinned ]] && ! diff <(lock_entries "$role-root" | LC_ALL=C sort) "$list" >"$WORK/$role.diff"; then
    rm -f "$out.tmp"
    sed 's/^/  /' "$WORK/$role.diff" >&2
    die "the $role root differs from the lock" "'<' lines are locked, '>' lines were installed (see above)" "$REFRESH_HINT"
  fi
  mv "$out.tmp" "$out"
}

# mmdebstrap hands apt a pipe whose number dash must write to (`cat >&N`), and dash takes only 0-9: descriptors a
# caller left open (a test harness, the build's lock) push it past 9. In a subshell, so the lock stays held.
close_inherited_fds() {
  local fd
  for fd in /proc/$BASHPID/fd/*; do
    fd=${fd##*/}
    ((fd > 2)) && eval "exec $fd>&-" 2>/dev/null
  done
  return 0
}

explain_mmdebstrap_failure() {  # role log
  local role=$1 log=$2 gone
  gone=$(sed -n "s/^E: Version '\(.*\)' for '\(.*\)' was not found.*/\2=\1/p" "$log" | sort -u | paste -sd ' ')
  [[ -z "$gone" ]] || die "the Debian archive no longer has these locked versions" "$gone" "$REFRESH_HINT"
  gone=$(sed -n "s/^E: Unable to locate package \(.*\)/\1/p" "$log" | sort -u | paste -sd ' ')
  [[ -z "$gone" ]] || die "the Debian archive has no package" "$gone" "$REFRESH_HINT"
  if grep -qE "Failed to fetch|Could not resolve|Connection failed|Could not connect|timed out|apt-get update .* failed" "$log"; then
    grep -E "^(E|W|Err):" "$log" | head -5 | sed 's/^/  /' >&2
    die "cannot reach the Debian archive ($SOURCES_NOTE)" "apt-get update failed (see above)" \
      "check the network or proxy, or set SWATH_APT_MIRROR to a reachable Debian mirror"
  fi
  if grep -q "^Terminated\|timeout: sending signal" "$log" || [[ ! -s "$log" ]]; then
    die "making the $role root" "mmdebstrap took longer than ${SWATH_IMAGE_ROOT_TIMEOUT:-2400} s" "see $log"
  fi
  tail -15 "$log" | sed 's/^/  /' >&2
  die "making the $role root" "mmdebstrap failed (last lines above)" "the whole log: $log"
}

# A root from the cache, made when missing: keyed by its lock section, the suite and these scripts.
cached_root() {  # role → prints the tar's path
  local role=$1 key
  key=$( { lock_entries "$role-root"; lock_meta source_date_epoch; echo "$SUITE";
           cat "$IMAGE_DIR/common.sh" "$IMAGE_DIR/root-customize.sh" "$IMAGE_DIR/dpkg-excludes.cfg"; } | sha256_of)
  local tar=$CACHE/$role-root-${key:0:16}.tar
  if [[ -f "$tar" && "${NO_CACHE:-0}" != 1 ]]; then
    note "the $role root is cached ($tar)"
  else
    mkdir -p "$CACHE"
    [[ -n "${SOURCES_NOTE:-}" ]] || apt_sources
    make_root "$role" "$tar"
    find "$CACHE" -maxdepth 1 -name "$role-root-*.tar*" ! -name "$(basename "$tar")*" -delete  # older roots
  fi
  echo "$tar"
}
