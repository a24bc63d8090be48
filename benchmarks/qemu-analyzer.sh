#!/usr/bin/env bash
# Prints the path of QEMU 10's scripts/analyze-migration.py, from the orig tarball of Debian's qemu
# source package in bookworm-backports (apt-get source --download-only; the .dsc may be missing,
# the tarball is there), unpacked once per machine into the cache. Needs a deb-src line for
# bookworm-backports: as root this script adds one of its own on the mirror apt already uses.
set -euo pipefail
cache="${MIGSCOPE_CACHE:-$HOME/.cache/migscope}/qemu-src"
script=$(ls "$cache"/qemu-*/scripts/analyze-migration.py 2>/dev/null | head -1 || true)
[ -n "$script" ] && { echo "$script"; exit 0; }
src=/etc/apt/sources.list.d/migscope-deb-src.sources
if ! grep -rqs "deb-src" /etc/apt/sources.list.d/ /etc/apt/sources.list && [ "$(id -u)" = 0 ]; then
  mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  printf 'Types: deb-src\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    "${mirror:-http://deb.debian.org/debian}" > "$src"
  apt-get update -qq
fi
mkdir -p "$cache"
work=$(mktemp -d "$cache/.fetch.XXXXXX")
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
(cd "$work" && apt-get source --download-only -t bookworm-backports qemu >/dev/null 2>&1 || true)
tarball=$(ls "$work"/qemu_*.orig.tar.* 2>/dev/null | head -1 || true)
[ -n "$tarball" ] || { echo "qemu-analyzer.sh: no qemu orig tarball downloaded (a deb-src line for bookworm-backports is needed)" >&2; exit 3; }
tar -xf "$tarball" -C "$work" --wildcards '*/scripts/analyze-migration.py'
dir=$(ls -d "$work"/qemu-*/ | head -1)
mv "$dir" "$cache/"
ls "$cache"/qemu-*/scripts/analyze-migration.py | head -1
