#!/bin/sh
# Prints the path of bookworm's QEMU 7.2 qemu-system-x86_64, unpacked (never installed: the host's
# qemu-system-x86 is QEMU 10 from bookworm-backports) into the cache, once per machine.
# The stream tests read a RAM-only stream this QEMU writes. Run it with
# QEMU_MODULE_DIR=<printed dir>/../lib/x86_64-linux-gnu/qemu (its TCG accelerator is a module) and
# -L /usr/share/seabios -L /usr/share/qemu (QEMU 10's firmware packages serve it).
set -eu
CACHE=${MIGSCOPE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/migscope}/debs/qemu-7.2
BIN=$CACHE/usr/bin/qemu-system-x86_64
if [ ! -x "$BIN" ]; then
  # bookworm's own version: the newest 1:7.2 apt knows (bookworm or bookworm-security)
  v=$(apt-cache madison qemu-system-x86 | awk '$3 ~ /^1:7\.2/ { print $3; exit }')
  if [ -z "$v" ]; then
    echo "qemu-7.2.sh: apt knows no qemu-system-x86 1:7.2 (bookworm): apt-get update with bookworm in apt's sources" >&2
    exit 3
  fi
  mkdir -p "$(dirname "$CACHE")"
  tmp=$(mktemp -d "$(dirname "$CACHE")/.fetch.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  chmod 755 "$tmp"   # apt's _apt user downloads into it
  if ! (cd "$tmp" && apt-get download "qemu-system-x86=$v" "qemu-system-common=$v" >/dev/null 2>"$tmp/err"); then
    echo "qemu-7.2.sh: apt-get download qemu-system-x86=$v failed ($(grep -v '^W:' "$tmp/err" | tail -1))" >&2
    exit 3
  fi
  for d in "$tmp"/*.deb; do dpkg -x "$d" "$tmp/x"; done
  rm -rf "$CACHE"
  mv "$tmp/x" "$CACHE"   # rename: a reader never sees half an unpacked package
fi
echo "$BIN"
