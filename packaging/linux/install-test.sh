#!/usr/bin/env bash
# Install test for the Linux packages: builds the .deb and the .rpm, installs the .deb, runs the
# installed CLI, its bash completion and man pages, and the installed window (headless, under Xvfb),
# checks the desktop entry, removes and purges the package and checks that nothing is left. The .rpm is
# checked by its file list and its requirements (installing it needs an rpm-based system).
#
# Usage (as root, from anywhere): packaging/linux/install-test.sh [--no-build]
#   --no-build  test the packages already in target/packages instead of building them
# Needs: apt-get/dpkg, xvfb-run (xvfb, xauth), ImageMagick (identify, convert), jq,
# desktop-file-validate (desktop-file-utils), rpm, man (man-db), bash-completion; and for the build
# fakeroot and a JDK 17.
# Runs again after a failed run: a migscope left installed is purged first.
set -uo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
packages=$root/target/packages
start=$(date +%s)
passed=0
failed=0

pass() { passed=$((passed + 1)); echo "PASS  $1"; }
fail() { failed=$((failed + 1)); echo "FAIL  $1${2:+: $2}"; }
# check NAME COMMAND...: one named check, passed when the command succeeds.
check() {
  local name=$1; shift
  local out
  if out=$("$@" 2>&1); then pass "$name"; else fail "$name" "$(printf '%s' "$out" | tail -n 5)"; fi
}
finish() {
  echo "install-test: $(( $(date +%s) - start )) s"
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
  exit
}
abort() { fail "$1" "$2"; finish; }

[ "$(id -u)" = 0 ] || { echo "install-test.sh: must run as root (it installs and removes a package)" >&2; exit 2; }
for tool in dpkg apt-get xvfb-run xauth identify convert jq desktop-file-validate rpm man; do
  command -v "$tool" >/dev/null || abort "tools present" "$tool not found (apt-get install xvfb xauth imagemagick jq desktop-file-utils rpm man-db)"
done
[ -f /usr/share/bash-completion/bash_completion ] || abort "tools present" "bash-completion not found (apt-get install bash-completion)"

# A previous run that stopped half-way may have left the package installed.
if dpkg-query -W -f='${Status}' migscope 2>/dev/null | grep -q 'ok installed\|config-files'; then
  dpkg -P migscope >/dev/null 2>&1 || abort "purge leftover migscope" "dpkg -P migscope failed"
fi

if [ "${1:-}" != --no-build ]; then
  (cd "$root" && ./mvnw -B -q -DskipTests -Ppackage package) || abort "build packages" "./mvnw -B -DskipTests -Ppackage package failed"
fi
deb=$(ls "$packages"/migscope_*_amd64.deb 2>/dev/null | head -n 1)
rpm=$(ls "$packages"/migscope-*.x86_64.rpm 2>/dev/null | head -n 1)
[ -n "$deb" ] || abort "deb built" "no target/packages/migscope_*_amd64.deb"
[ -n "$rpm" ] || abort "rpm built" "no target/packages/migscope-*.x86_64.rpm"
pass "packages built"
echo "      $(du -h "$deb" | cut -f1) $(basename "$deb"), $(du -h "$rpm" | cut -f1) $(basename "$rpm")"

# The application's version as the pom gives it (the packages spell '-' as '~').
version=$(dpkg-deb -f "$deb" Version)
version=${version%-*}
version=${version//\~/-}

# --- the .rpm: its file list and its requirements --------------------------------------------------
rpm_files=$(rpm -qpl "$rpm" 2>/dev/null)
rpm_requires=$(rpm -qpR "$rpm" 2>/dev/null)
for file in /opt/migscope/bin/migscope /usr/bin/migscope /opt/migscope/lib/migscope-migscope.desktop \
            /usr/share/bash-completion/completions/migscope /usr/share/man/man1/migscope.1.gz \
            /usr/share/man/man1/migscope-set.1.gz /opt/migscope/lib/app/man/man1/migscope.1.gz \
            /opt/migscope/lib/migscope.png /opt/migscope/lib/app/migscope.jar /opt/migscope/lib/runtime/lib/server/libjvm.so; do
  check "rpm contains $file" grep -qx "$file" <<<"$rpm_files"
done
# The rpm must not claim directories that the filesystem package owns.
for dir in /opt /usr /usr/bin /usr/share /usr/share/man /usr/share/man/man1 /usr/share/bash-completion/completions; do
  check "rpm does not own $dir" bash -c '! grep -qx "$1" <<<"$2"' _ "$dir" "$rpm_files"
done
for dep in gtk3 mesa-libGL libXtst libXxf86vm xdg-utils; do
  check "rpm requires $dep" grep -qx "$dep" <<<"$rpm_requires"
done
check "rpm license is GPL-2.0-only" test "$(rpm -qp --queryformat '%{LICENSE}' "$rpm" 2>/dev/null)" = GPL-2.0-only

# --- the .deb: control fields --------------------------------------------------------------------
depends=$(dpkg-deb -f "$deb" Depends)
for dep in libgtk-3-0 libgl1 libxtst6 libxxf86vm1 xdg-utils; do
  check "deb depends on $dep" grep -qE "(^|, *)$dep(,|$| )" <<<"$depends"
done

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# The application runs as a user whose home is a scratch directory: what it writes there is checked,
# and root's home stays clean. Java takes user.home from the password database, not from HOME.
mkdir -p "$scratch/home"
run() { env -u XDG_CONFIG_HOME -u XDG_STATE_HOME -u XDG_CACHE_HOME HOME="$scratch/home" JAVA_TOOL_OPTIONS="-Duser.home=$scratch/home" "$@" 2>"$scratch/stderr"; }

# Everything on this machine named after migscope before the install: after the purge it must be the same.
leftovers() {
  find / -xdev \( -path /proc -o -path /sys -o -path /tmp -o -path /work -o -path "$root" -o -path /root/.m2 \) -prune \
    -o -iname '*migscope*' -print 2>/dev/null | sort
}
before=$(leftovers)

# --- a system without a desktop menu (a server, a container): the CLI must install and go ----------
# xdg-desktop-menu finds no menu directory under these XDG directories, as on such a system.
nomenu=(env XDG_CONFIG_DIRS="$scratch/nomenu" XDG_DATA_DIRS="$scratch/nomenu")
mkdir -p "$scratch/nomenu"
if out=$("${nomenu[@]}" apt-get install -y --no-install-recommends "$deb" 2>&1); then
  pass "installs on a system without a desktop menu"
  check "  there: migscope --version runs" run migscope --version
  check "  there: no desktop entry" test ! -e /usr/share/applications/migscope-migscope.desktop
  check "  there: dpkg -P migscope" "${nomenu[@]}" dpkg -P migscope
  check "  there: /opt/migscope and /usr/bin/migscope removed" test ! -e /opt/migscope -a ! -L /usr/bin/migscope
else
  fail "installs on a system without a desktop menu" "$(tail -n 5 <<<"$out")"
  dpkg -P migscope >/dev/null 2>&1
fi

# --- install -------------------------------------------------------------------------------------
# xdg-desktop-menu refuses to install a menu entry where no desktop menu exists (containers, minimal
# systems): give it the two directories a desktop system has.
mkdir -p /etc/xdg/menus /usr/share/desktop-directories
if ! out=$(apt-get install -y --no-install-recommends "$deb" 2>&1); then
  abort "apt-get install the deb" "$(tail -n 5 <<<"$out")"
fi
check "dpkg reports migscope installed" test "$(dpkg-query -W -f='${Status}' migscope)" = "install ok installed"
check "migscope on PATH is /usr/bin/migscope" test "$(command -v migscope)" = /usr/bin/migscope
check "/usr/bin/migscope links to /opt/migscope/bin/migscope" test "$(readlink /usr/bin/migscope)" = /opt/migscope/bin/migscope
check "the runtime is bundled" test -x /opt/migscope/lib/runtime/bin/java
check "JavaFX natives beside the jars (no ~/.openjfx cache)" test -f /opt/migscope/lib/app/lib/libglassgtk3.so
check "postinst made the window's class-data archive" test -s /opt/migscope/lib/app/migscope.jsa
# -Xshare:on makes an archive the JVM cannot map (made for another class path, stale) fatal.
check "the installed launcher maps that archive" run env JAVA_TOOL_OPTIONS="-Xshare:on -Duser.home=$scratch/home" migscope --version


# --- the installed CLI ---------------------------------------------------------------------------
if out=$(cd / && run migscope --version); then
  check "migscope --version prints $version" grep -qF -- "$version" <<<"$out"
else
  fail "migscope --version" "$(tail -n 5 "$scratch/stderr")"
fi

if out=$(cd / && run migscope list --sim --json); then
  check "list --sim --json is a JSON array of simulated devices" \
    jq -e 'type == "array" and length >= 4
           and all(.[]; (.id | startswith("sim:")) and has("kind") and has("driver") and (.features | type == "array"))' <<<"$out"
  # The four feature sets of real drivers, each on at least one simulated device.
  check "list --sim --json covers the four feature sets" \
    jq -e '[.[] | .features | sort | join(",")] | unique as $sets
           | all(["stop-copy", "p2p,stop-copy", "pre-copy,stop-copy", "p2p,pre-copy,stop-copy"][]; . as $s | $sets | index($s))' <<<"$out"
else
  fail "migscope list --sim --json" "$(tail -n 5 "$scratch/stderr")"
fi

if out=$(cd / && run migscope fsm table --features stop-copy,p2p,pre-copy); then
  tab=$'\t'
  check "fsm table: TSV header" test "$(head -n 1 <<<"$out")" = "from${tab}to${tab}next${tab}path"
  check "fsm table: 64 rows" test "$(tail -n +2 <<<"$out" | grep -c .)" = 64
  # Two rows of vfio_mig_get_next_state (Linux 6.12): with P2P, RUNNING reaches STOP through
  # RUNNING_P2P; STOP_COPY can never go back to PRE_COPY.
  check "fsm table: RUNNING -> STOP via RUNNING_P2P" grep -qx "RUNNING${tab}STOP${tab}RUNNING_P2P${tab}RUNNING>RUNNING_P2P>STOP" <<<"$out"
  check "fsm table: STOP_COPY -> PRE_COPY refused" grep -qx "STOP_COPY${tab}PRE_COPY${tab}EINVAL${tab}EINVAL" <<<"$out"
else
  fail "migscope fsm table" "$(tail -n 5 "$scratch/stderr")"
fi

# --- the bash completion and the man pages ---------------------------------------------------------
completion=/usr/share/bash-completion/completions/migscope
check "bash completion installed in $completion" test -s "$completion"
check "man page installed in /usr/share/man/man1/migscope.1.gz" test -s /usr/share/man/man1/migscope.1.gz
check "a man page per command (migscope-set.1.gz)" test -s /usr/share/man/man1/migscope-set.1.gz
# COMPREPLY for a command line, one a line: bash-completion finds migscope's completion as it does at a
# prompt (its loader), and bash splits COMP_WORDS at ':' as it does by default.
complete_line() {
  run bash -c 'source /usr/share/bash-completion/bash_completion
    _completion_loader migscope
    fn=$(complete -p migscope | sed -n "s/.*-F \([^ ]*\) .*/\1/p")
    COMP_LINE=$1; COMP_POINT=${#COMP_LINE}
    read -r -a COMP_WORDS <<<"${COMP_LINE//:/ : }"
    [[ $COMP_LINE == *[[:blank:]] || $COMP_LINE == *: ]] && COMP_WORDS+=("")
    COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
    "$fn" migscope "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
    printf "%s\n" "${COMPREPLY[@]}"' _ "$1"
}
check "completion: migscope s<TAB> offers the commands starting with s" \
  test "$(cd / && complete_line 'migscope s' | sort | paste -sd' ')" = "save screenshot set show state stream"
# After the ':' bash completes only the rest of the word: the ids without their "sim:".
ids=$(cd / && complete_line 'migscope --sim show sim:' | sort | paste -sd' ')
check "completion: migscope --sim show sim:<TAB> offers the simulated ids ($ids)" \
  bash -c 'grep -qw "mlx5-0" <<<"$1" && grep -qw "pds-0" <<<"$1" && ! grep -q "sim:" <<<"$1"' _ "$ids"
check "man migscope renders the page" \
  bash -c 'MANPAGER=cat MANWIDTH=100 man migscope 2>&1 | grep -q "migscope - Inspect and drive VFIO device live migration"'
check "man migscope-set renders the set command's page" \
  bash -c 'MANPAGER=cat MANWIDTH=100 man migscope-set 2>&1 | grep -q "Device id, as migscope list shows it"'

# --- the desktop entry ---------------------------------------------------------------------------
entry=/usr/share/applications/migscope-migscope.desktop
check "desktop entry installed in $entry" test -f "$entry"
check "desktop entry validates" desktop-file-validate "$entry"
exec_line=$(sed -n 's/^Exec=//p' "$entry" 2>/dev/null)
launcher=${exec_line%% *}
icon=$(sed -n 's/^Icon=//p' "$entry" 2>/dev/null)
check "desktop entry runs the installed launcher" test "$launcher" = /opt/migscope/bin/migscope -a -x "$launcher"
check "desktop entry icon is an installed PNG" bash -c 'identify "$1" | grep -q " PNG 256x256 "' _ "$icon"
check "desktop entry categories System and Development" grep -qx 'Categories=System;Development;' "$entry"

# --- the installed window, headless: what the desktop entry starts, asked for a screenshot ---------
shot=$scratch/window.png
if run xvfb-run -a -s '-screen 0 1920x1200x24' "$launcher" screenshot "$shot"; then
  if [ -s "$shot" ] && size=$(identify -format '%m %w %h' "$shot" 2>/dev/null); then
    read -r format width height <<<"$size"
    check "screenshot is a PNG of at least 800x600 (${width}x${height})" test "$format" = PNG -a "$width" -ge 800 -a "$height" -ge 600
    # A window that drew its content has many colours and contrast; a blank or black frame has neither.
    colours=$(identify -format '%k' "$shot")
    deviation=$(convert "$shot" -colorspace Gray -format '%[fx:int(standard_deviation*1000)]' info:)
    check "screenshot shows a drawn window ($colours colours, grey deviation $deviation/1000)" test "$colours" -ge 64 -a "$deviation" -ge 10
  else
    fail "screenshot written" "no PNG at $shot"
  fi
else
  fail "migscope screenshot under xvfb-run" "$(tail -n 5 "$scratch/stderr")"
fi
# Nothing written into the home directory outside the XDG directories (settings ~/.config/migscope,
# logs ~/.local/state/migscope, caches ~/.cache; GTK keeps ~/.cache/dconf). Two exceptions, not ours:
# the JDK's AWT font configuration caches what fontconfig found in ~/.java/fonts/<java version>/ (no
# option moves it; the charts draw text through AWT fonts), and jpackage's launcher asks rpm and dpkg
# which package owns it, for which Debian's rpm tool, where installed (as on this build machine),
# opens a per-user database ~/.rpmdb.
exempt=(-o -path ./.java/fonts)
if command -v rpm >/dev/null && [ -f /etc/debian_version ]; then exempt+=(-o -path ./.rpmdb); fi
outside=$(cd "$scratch/home" && find . -mindepth 1 \( -path ./.config -o -path ./.local -o -path ./.cache "${exempt[@]}" \) -prune -o ! -type d -print)
check "nothing written to the home directory outside XDG directories" test -z "$outside"
[ -z "$outside" ] || sed 's/^/      written: /' <<<"$outside"

# --- remove, then purge: nothing may be left -----------------------------------------------------
check "dpkg -r migscope" dpkg -r migscope
check "/usr/bin/migscope removed" test ! -e /usr/bin/migscope -a ! -L /usr/bin/migscope
check "bash completion and man pages removed" \
  bash -c '! ls /usr/share/bash-completion/completions/migscope /usr/share/man/man1/migscope*.1.gz >/dev/null 2>&1'
check "desktop entry removed" test ! -e "$entry"
check "dpkg -P migscope" dpkg -P migscope
check "/opt/migscope removed" test ! -e /opt/migscope
check "dpkg no longer knows migscope" bash -c '! dpkg-query -W migscope >/dev/null 2>&1'
after=$(leftovers)
check "no file named migscope left behind" test "$after" = "$before"
[ "$after" = "$before" ] || comm -13 <(echo "$before") <(echo "$after") | sed 's/^/      left: /'

finish
