#!/usr/bin/env bash
# Builds the rig's guest kernel from Debian's linux-source-VERSION (6.12, the default, or 7.3)
# and prints the path of the cached bzImage on stdout (progress goes to stderr).
# Usage: build-kernel.sh [6.12|7.3]. Both kernels get the same guest.config (options renamed
# since 6.12 under their new name, see below).
#
# Cache: ${MIGSCOPE_CACHE:-~/.cache/migscope}/guest-kernel/<hash>/bzImage, where
# <hash> covers the configuration this version gets (guest.config with the renames below),
# the source package and RECIPE, so a machine builds each configuration once, and an edit of
# this script that builds the same kernel keeps the cache. Bump RECIPE when a change here
# changes what is built other than through the configuration. The build runs in a temp dir next to
# the cache entry and is renamed into place, so an interrupted build never
# leaves a half-written entry that a later run would trust.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
config="$here/guest.config"
version="${1:-6.12}"
cache_root="${MIGSCOPE_CACHE:-$HOME/.cache/migscope}/guest-kernel"

die() { echo "build-kernel: $*" >&2; exit 1; }

tarball="$("$here/../scripts/linux-source.sh" "$version")" || die "no linux-source-$version (see above)"
for tool in make gcc bc flex bison xz; do
  command -v "$tool" >/dev/null || die "'$tool' missing: apt-get install build-essential bc flex bison xz-utils libelf-dev libssl-dev"
done

src_version="$version-$(stat -c %s "$tarball")"
RECIPE=1
guest_config="$(mktemp)"
trap 'rm -f "$guest_config"' EXIT

# Options renamed after 6.12: guest.config names them as 6.12 does, and a newer kernel gets (and
# is checked for) its own name. 7.3 merged PROC_SYSCTL ("Sysctl support (/proc/sys)") into SYSCTL,
# the option with the same prompt in fs/proc/Kconfig.
declare -A renamed=()
[[ $version == 6.12 ]] || renamed=([CONFIG_PROC_SYSCTL]=CONFIG_SYSCTL)
while IFS= read -r line; do
  if [[ $line =~ ^(CONFIG_[A-Za-z0-9_]+)=(.*)$ && -n ${renamed[${BASH_REMATCH[1]}]:-} ]]; then
    echo "build-kernel: Linux $version names ${BASH_REMATCH[1]} ${renamed[${BASH_REMATCH[1]}]}" >&2
    line="${renamed[${BASH_REMATCH[1]}]}=${BASH_REMATCH[2]}"
  fi
  printf '%s\n' "$line"
done < "$config" > "$guest_config"

hash="$( { cat "$guest_config"; echo "$src_version recipe $RECIPE"; } | sha256sum | cut -c1-16)"
dest="$cache_root/$hash"

if [[ -s $dest/bzImage ]]; then
  echo "$dest/bzImage"
  exit 0
fi

mkdir -p "$cache_root"
work="$(mktemp -d "$cache_root/.build-$hash.XXXXXX")"
trap 'rm -rf "$work" "$guest_config"' EXIT

start=$SECONDS
echo "build-kernel: extracting $tarball (linux-source $src_version)" >&2
tar -xJf "$tarball" -C "$work"
ksrc="$work/linux-source-$version"
[[ -d $ksrc ]] || die "tarball did not contain linux-source-$version/"


kmake() { make -C "$ksrc" ARCH=x86_64 "$@"; }
# tinyconfig's inputs plus guest.config, given to allnoconfig in one file: every
# option nobody asked for stays off. (Merging guest.config after tinyconfig and
# running olddefconfig would turn on the default-y options under each newly
# enabled menu, IPv6 under INET for one, and double the build.)
cat "$ksrc/kernel/configs/tiny-base.config" "$ksrc/kernel/configs/tiny.config" \
    "$ksrc/arch/x86/configs/tiny.config" "$guest_config" > "$work/allno.config"
KCONFIG_ALLCONFIG="$work/allno.config" kmake allnoconfig >/dev/null

# olddefconfig drops any option whose dependencies are unmet without a word;
# a guest missing one of them would fail later in a far more confusing way.
missing=()
while IFS= read -r line; do
  [[ $line =~ ^(CONFIG_[A-Za-z0-9_]+)=(.*)$ ]] || continue
  grep -qxF "$line" "$ksrc/.config" || missing+=("$line (got: $(grep -E "^(# )?${BASH_REMATCH[1]}[= ]" "$ksrc/.config" || echo absent))")
done < "$guest_config"
if ((${#missing[@]})); then
  printf 'build-kernel: option not in the final .config: %s\n' "${missing[@]}" >&2
  die "fix guest.config (add the missing dependencies) and rerun"
fi

echo "build-kernel: compiling bzImage with $(nproc) jobs" >&2
kmake -j"$(nproc)" bzImage >"$work/build.log" 2>&1 || { tail -40 "$work/build.log" >&2; die "kernel build failed"; }

mkdir -p "$work/out"
cp "$ksrc/arch/x86/boot/bzImage" "$ksrc/.config" "$work/out/"
echo "$src_version" > "$work/out/source-version"
echo "$((SECONDS - start))" > "$work/out/build-seconds"
mv -T "$work/out" "$dest" 2>/dev/null || [[ -s $dest/bzImage ]] || die "could not move the build into $dest"
echo "build-kernel: built in $((SECONDS - start)) s" >&2
echo "$dest/bzImage"
