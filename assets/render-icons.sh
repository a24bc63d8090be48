#!/bin/sh
# Renders the application icon to every PNG size the packages and the window use.
# Needs rsvg-convert (Debian: librsvg2-bin). The PNGs are committed, so builds do not need it;
# run this again after editing assets/migscope.svg or assets/migscope-small.svg.
set -eu
cd "$(dirname "$0")"
command -v rsvg-convert >/dev/null || { echo "render-icons.sh: rsvg-convert not found (apt-get install librsvg2-bin)" >&2; exit 1; }
mkdir -p icons
for size in 16 24 32 48 64 128 256 512; do
  # Below 32 px the rings and arrowheads of the full drawing blur together: use the small one.
  if [ "$size" -lt 32 ]; then source=migscope-small.svg; else source=migscope.svg; fi
  rsvg-convert --width "$size" --height "$size" "$source" --output "icons/migscope-$size.png"
done
# The window's icons (Stage.getIcons): the window manager picks the size that fits.
resources=../src/main/resources/dev/migscope/ui
mkdir -p "$resources"
for size in 16 32 48 64 128 256; do
  cp "icons/migscope-$size.png" "$resources/icon-$size.png"
done
echo "render-icons.sh: wrote assets/icons/migscope-{16..512}.png and src/main/resources/dev/migscope/ui/icon-*.png"
