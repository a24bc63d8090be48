#!/bin/sh
# Extracts files of Debian's linux-source-VERSION (6.12 or 7.3; the tarball linux-source.sh finds,
# or $LINUX_SOURCE_TARBALL) into a cache and prints the cache directory.
# Usage: kernel-source.sh VERSION path/in/tree ...
# Tests use it to compile against the kernel's own uAPI header and code, never the host's older one.
set -eu
VERSION=${1:?usage: kernel-source.sh VERSION path/in/tree ...}
shift
case $VERSION in 6.12|7.3) ;; *) echo "kernel-source.sh: unknown kernel version '$VERSION' (6.12 or 7.3)" >&2; exit 2 ;; esac
if [ -n "${LINUX_SOURCE_TARBALL:-}" ]; then
  TARBALL=$LINUX_SOURCE_TARBALL
  if [ ! -r "$TARBALL" ]; then
    echo "kernel-source.sh: $TARBALL not found" >&2
    exit 3
  fi
else
  TARBALL=$(sh "$(dirname "$0")/linux-source.sh" "$VERSION")   # says what is missing itself
fi
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/migscope/linux-source-$VERSION
missing=""
for f in "$@"; do
  [ -f "$CACHE/$f" ] || missing="$missing linux-source-$VERSION/$f"
done
if [ -n "$missing" ]; then
  mkdir -p "$CACHE"
  tmp=$(mktemp -d "$CACHE/.extract.XXXXXX")
  # shellcheck disable=SC2086
  tar -xJf "$TARBALL" -C "$tmp" $missing
  (cd "$tmp/linux-source-$VERSION" && find . -type f) | while read -r f; do
    mkdir -p "$CACHE/$(dirname "$f")"
    mv "$tmp/linux-source-$VERSION/$f" "$CACHE/$f"   # rename: readers never see half a file
  done
  rm -rf "$tmp"
fi
echo "$CACHE"
