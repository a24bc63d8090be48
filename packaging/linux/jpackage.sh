#!/usr/bin/env bash
# Builds migscope's Linux packages with jpackage, under target/packages/:
#   migscope/                         the app-image (runs in place: target/packages/migscope/bin/migscope)
#   migscope_VERSION-1_amd64.deb      installs to /opt/migscope, /usr/bin/migscope, a desktop entry, the bash
#                                     completion and the man pages (links into /usr/share)
#   migscope-VERSION-1.x86_64.rpm     the same for rpm-based distributions
# Each carries a runtime jlinked from the building JDK; the JavaFX jars stay on the class path.
#
# Usage: packaging/linux/jpackage.sh [app-image] [deb] [rpm]
#   no argument: the types in $PACKAGE_TYPES, or else all three.
# Normally run by Maven: ./mvnw -B -Ppackage package (which builds target/migscope.jar first);
# PACKAGE_TYPES=deb ./mvnw -B -Ppackage package builds only the .deb (no rpm tool needed).
# Needs a full JDK 17 with jmods (Debian: openjdk-17-jdk-headless; JAVA_HOME or java on PATH),
# fakeroot and dpkg-deb for the .deb, rpm (rpmbuild) for the .rpm.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
here=$root/packaging/linux
target=$root/target
work=$target/jpackage
dest=$target/packages

types=("$@")
[ ${#types[@]} -gt 0 ] || read -r -a types <<<"${PACKAGE_TYPES:-}"
if [ ${#types[@]} -eq 0 ]; then
  # Nothing asked for: all three, but a machine without rpmbuild still gets its .deb.
  types=(app-image deb rpm)
  if ! command -v rpmbuild >/dev/null; then
    types=(app-image deb)
    echo "jpackage.sh: the .rpm is skipped: rpmbuild is missing (apt-get install rpm)" >&2
  fi
fi
for type in "${types[@]}"; do
  case $type in app-image|deb|rpm) ;; *) echo "jpackage.sh: unknown package type '$type' (app-image, deb, rpm)" >&2; exit 2 ;; esac
done

fail() { echo "jpackage.sh: $*" >&2; exit 1; }

jdk=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}
for tool in jlink jdeps jpackage jar; do
  [ -x "$jdk/bin/$tool" ] || fail "$jdk/bin/$tool not found: set JAVA_HOME to a full JDK 17 (Debian: openjdk-17-jdk-headless)"
done
[ -d "$jdk/jmods" ] || fail "$jdk/jmods not found: jlink needs the JDK's jmods (Debian: openjdk-17-jdk-headless)"
[ -f "$target/migscope.jar" ] && [ -d "$target/lib" ] || fail "target/migscope.jar or target/lib missing: run ./mvnw -B -DskipTests package first"
[ -f "$target/completion/migscope" ] && ls "$target"/man/man1/migscope.1 >/dev/null 2>&1 \
  || fail "target/completion/migscope or target/man/man1 missing: run ./mvnw -B -DskipTests package first"
for type in "${types[@]}"; do
  case $type in
    deb) command -v fakeroot >/dev/null && command -v dpkg-deb >/dev/null || fail "the .deb needs fakeroot and dpkg-deb (apt-get install fakeroot)" ;;
    rpm) command -v rpmbuild >/dev/null || fail "the .rpm needs rpmbuild (apt-get install rpm)" ;;
  esac
done

# The version is the pom's: the jar plugin writes ${project.version} into the manifest.
rm -rf "$work" && mkdir -p "$work/manifest"
(cd "$work/manifest" && "$jdk/bin/jar" xf "$target/migscope.jar" META-INF/MANIFEST.MF)
version=$(sed -n 's/^Implementation-Version: *\([^[:space:]]*\).*/\1/p' "$work/manifest/META-INF/MANIFEST.MF")
[ -n "$version" ] || fail "no Implementation-Version in target/migscope.jar's manifest"
# deb and rpm versions may not contain '-' (it separates the release): 0.2.0-SNAPSHOT -> 0.2.0~SNAPSHOT,
# which also sorts before 0.2.0 in both.
package_version=${version//-/\~}

# jpackage copies everything in --input into the image: the application jar and its runtime jars, and below
# the completion and the man pages.
mkdir -p "$work/input/lib"
cp "$target/migscope.jar" "$work/input/"
cp "$target"/lib/*.jar "$work/input/lib/"
# JavaFX's native libraries beside its jars: JavaFX loads them from the jar's directory first, and
# otherwise extracts them at every new version into ~/.openjfx/cache, outside the XDG directories.
for fxjar in "$work"/input/lib/javafx-*-linux.jar; do
  natives=$("$jdk/bin/jar" tf "$fxjar" | grep '^[^/]*\.so$' || true)
  [ -z "$natives" ] || (cd "$work/input/lib" && "$jdk/bin/jar" xf "$fxjar" $natives)
done
ls "$work"/input/lib/libglass.so >/dev/null 2>&1 || fail "JavaFX's native libraries were not found in target/lib/javafx-*-linux.jar"
# The bash completion and the man pages (built by Maven from the command model) travel in the input
# too, to /opt/migscope/lib/app/{completion,man} (jpackage's packages keep only the directories of its
# own layout); the packages link them from where bash-completion and man look: the deb's postinst, the
# rpm's spec (packaging/linux/resources).
install -D -m 644 "$target/completion/migscope" "$work/input/completion/migscope"
mkdir -p "$work/input/man/man1"
for page in "$target"/man/man1/*.1; do
  gzip -9nc "$page" > "$work/input/man/man1/$(basename "$page").gz"
done

# The runtime: the JDK modules the libraries need (JavaFX: java.desktop, java.xml, jdk.unsupported,
# and jdk.unsupported.desktop for javafx-swing; JNA: java.logging; JFreeChart: java.sql), plus
# whatever migscope's own classes use, as jdeps reads it from the jar.
modules=java.base,java.desktop,java.datatransfer,java.logging,java.xml,java.sql,jdk.unsupported,jdk.unsupported.desktop
app_modules=$("$jdk/bin/jdeps" --multi-release 17 --ignore-missing-deps --print-module-deps "$target/migscope.jar")
modules=$(printf '%s,%s' "$modules" "$app_modules" | tr ',' '\n' | sed '/^$/d' | sort -u | paste -sd, -)
echo "jpackage.sh: migscope $version, runtime modules $modules"
"$jdk/bin/jlink" --add-modules "$modules" --output "$work/runtime" \
  --strip-debug --no-header-files --no-man-pages --compress=2
# JDK 17's jlink writes no class-data-sharing archive: dump the runtime's default one
# (lib/server/classes.jsa, its own JDK classes, valid wherever the package installs it), as a
# JDK ships with, so the packaged app does not start slower than a plain java.
"$work/runtime/bin/java" -Xshare:dump -Xlog:cds=off > /dev/null

mkdir -p "$dest"
common=(
  --name migscope
  --app-version "$package_version"
  --vendor "migscope project"
  --copyright "migscope contributors, GPL-2.0-only"
  --description "Inspector for Linux VFIO device live migration (v2 uAPI)"
  --icon "$root/assets/icons/migscope-256.png"
  --dest "$dest"
)

# The app-image is built once; the .deb and the .rpm package that same image.
# The window starts faster from a class-data archive of its classes, but JDK 17 checks such an
# archive against the absolute class path it was made with, so it cannot ship in the package: the
# post-install script makes it on the installed machine with the migscope-cds launcher, and the
# main launcher maps it when it is there (a missing archive is silently ignored).
rm -rf "$dest/migscope"
"$jdk/bin/jpackage" --type app-image "${common[@]}" \
  --input "$work/input" --main-jar migscope.jar --main-class dev.migscope.Main \
  --java-options '-XX:SharedArchiveFile=$APPDIR/migscope.jsa' \
  --java-options '-Xlog:cds=off' --java-options '-Xlog:cds+dynamic=off' \
  --add-launcher migscope-cds="$here/cds-launcher.properties" \
  --runtime-image "$work/runtime"

linux=(
  --app-image "$dest/migscope"
  --resource-dir "$here/resources"
  --install-dir /opt
  --license-file "$root/LICENSE"
  --linux-package-name migscope
  --linux-shortcut
  --linux-menu-group "System;Development;"
)
for type in "${types[@]}"; do
  case $type in
    deb)
      rm -f "$dest"/migscope_*.deb
      # JavaFX loads GTK, GL and the X extensions at run time from jars; jpackage's dependency
      # scan cannot see them, so they are declared here.
      "$jdk/bin/jpackage" --type deb "${common[@]}" "${linux[@]}" \
        --linux-deb-maintainer "packaging@migscope.invalid" \
        --linux-app-category utils \
        --linux-package-deps "libgtk-3-0, libgl1, libxtst6, libxxf86vm1"
      ;;
    rpm)
      rm -f "$dest"/migscope-*.rpm
      "$jdk/bin/jpackage" --type rpm "${common[@]}" "${linux[@]}" \
        --linux-rpm-license-type GPL-2.0-only \
        --linux-app-category "Applications/System" \
        --linux-package-deps "gtk3, mesa-libGL, libXtst, libXxf86vm"
      ;;
  esac
done
# An app-image that was not asked for was only a step towards the packages.
if [[ " ${types[*]} " != *" app-image "* ]]; then rm -rf "$dest/migscope"; fi

echo "jpackage.sh: built in target/packages:"
(cd "$dest" && du -sh -- * | sed 's/^/  /')
