#!/bin/sh
# mmdebstrap customize hook for the image's roots: drops what differs between hosts or runs, and for the runtime
# root what apt would need (apt is not in the image), then adds the non-root user swath (uid/gid 10001) and /data.
# Usage: root-customize.sh ROOT build|runtime
set -eu
root=$1
role=$2
# The engine provides these at run time; the host's copies would make the root differ between machines.
rm -f "$root/etc/resolv.conf" "$root/etc/hostname"
rm -f "$root"/var/lib/dpkg/*-old "$root"/var/cache/debconf/*-old
[ "$role" = runtime ] || exit 0
rm -rf "$root/etc/apt" "$root/var/lib/apt" "$root/var/cache/apt" "$root/var/log/apt"  # mmdebstrap --skip=cleanup/apt
rm -f "$root/usr/share/info/dir"  # the index of info pages, which are not installed
echo 'swath:x:10001:10001:swath:/nonexistent:/usr/sbin/nologin' >>"$root/etc/passwd"
echo 'swath:x:10001:' >>"$root/etc/group"
mkdir -p "$root/data"
chown 10001:10001 "$root/data"
