#!/bin/sh
# Extracts files of Debian's linux-source-6.12 (apt-get install linux-source-6.12) into a cache
# and prints the cache directory. Usage: kernel-source.sh path/in/tree ...
# Tests use it to compile against the kernel's own uAPI header and code, never the host's older one.
set -eu
TARBALL=${LINUX_SOURCE_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/migscope/linux-source-6.12
if [ ! -r "$TARBALL" ]; then
  echo "kernel-source.sh: $TARBALL not found: apt-get install linux-source-6.12" >&2
  exit 3
fi
missing=""
for f in "$@"; do
  [ -f "$CACHE/$f" ] || missing="$missing linux-source-6.12/$f"
done
if [ -n "$missing" ]; then
  mkdir -p "$CACHE"
  tmp=$(mktemp -d "$CACHE/.extract.XXXXXX")
  # shellcheck disable=SC2086
  tar -xJf "$TARBALL" -C "$tmp" $missing
  (cd "$tmp/linux-source-6.12" && find . -type f) | while read -r f; do
    mkdir -p "$CACHE/$(dirname "$f")"
    mv "$tmp/linux-source-6.12/$f" "$CACHE/$f"   # rename: readers never see half a file
  done
  rm -rf "$tmp"
fi
echo "$CACHE"
