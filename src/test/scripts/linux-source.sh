#!/bin/sh
# Prints the path of Debian's linux-source-VERSION tarball (VERSION: 6.12, the default, or 7.3).
# 6.12 is a bookworm package: apt-get install linux-source-6.12 puts it under /usr/src.
# 7.3 is in trixie-backports and architecture-independent: this script downloads the package
# (apt-get download, no install) and unpacks it with dpkg -x into the cache, once per machine.
# .ci/run adds the trixie-backports suite that apt-get download needs.
set -eu
VERSION=${1:-6.12}
case $VERSION in 6.12|7.3) ;; *) echo "linux-source.sh: unknown kernel version '$VERSION' (6.12 or 7.3)" >&2; exit 2 ;; esac
PKG=linux-source-$VERSION
if [ -r "/usr/src/$PKG.tar.xz" ]; then
  echo "/usr/src/$PKG.tar.xz"
  exit 0
fi
CACHE=${MIGSCOPE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/migscope}/debs/$PKG
if [ ! -r "$CACHE/usr/src/$PKG.tar.xz" ]; then
  if [ "$VERSION" = 6.12 ]; then
    echo "linux-source.sh: /usr/src/$PKG.tar.xz not found: apt-get install $PKG" >&2
    exit 3
  fi
  mkdir -p "$(dirname "$CACHE")"
  tmp=$(mktemp -d "$(dirname "$CACHE")/.fetch.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  if ! (cd "$tmp" && apt-get download "$PKG" >/dev/null 2>"$tmp/err"); then
    echo "linux-source.sh: apt-get download $PKG failed ($(tail -1 "$tmp/err")): add Debian's trixie-backports suite to apt's sources and apt-get update, as .ci/run does" >&2
    exit 3
  fi
  dpkg -x "$tmp"/"$PKG"_*.deb "$tmp/x"
  rm -rf "$CACHE"
  mv "$tmp/x" "$CACHE"   # rename: a reader never sees half an unpacked package
fi
echo "$CACHE/usr/src/$PKG.tar.xz"
