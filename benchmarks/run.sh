#!/usr/bin/env bash
# The benchmarks of docs/BENCHMARKS.md, each figure a ratio against its baseline run beside it in
# the same invocation, interleaved (baseline, ours, baseline, ours, ...), reported as the median
# ratio with its min-max over the rounds.
#   benchmarks/run.sh [bitmap] [datapath] [jnacall] [memory] [firstframe] [charts] [control] [attach] [eventscreen] [remote] [stream] [tap] [libvirtlag]
#   (none: all; attach, stream and tap need qemu-system-x86_64 10 on PATH, tap socat, remote /usr/sbin/sshd: openssh-server;
#   stream also python3 and QEMU's analyzer, fetched by benchmarks/qemu-analyzer.sh;
#   libvirtlag root and libvirt-daemon-system: it starts its own libvirtd)
# Env: ROUNDS (default 5; control: CONTROL_ROUNDS, default 3), DATA_MIB (default 512), QEMU_MIB (attach, default 256),
#      QEMU_GUEST (attach: "dirty" boots the rig's kernel with a guest that dirties memory; default: an idle SeaBIOS VM),
#      REMOTE_N (remote: SETs per round, default 200), LIBVIRT_CYCLES (libvirtlag: suspend/resume per round, default 200), REMOTE_SECONDS (remote: telemetry per round, default 20),
#      QEMU_BANDWIDTH (attach: migrate max-bandwidth in bytes/s, default 262144: the idle guest's ~1.2 MB take ~4.5 s; 0: QEMU's default),
#      TAP_MIB (tap: the stream forwarded, default 256), TAP_QEMU_MIB (tap: the migrated VM, default 256),
#      TAP_FILL_MIB, TAP_FILL_QEMU_MIB (tap: the filled VM's random bytes and its memory, default 1200 and 1536),
#      BENCH_DIR (tmpfs for the data-path file, default /dev/shm).
# Writes the table to target/bench/results.md (paste into docs/BENCHMARKS.md) and the raw
# per-round figures to target/bench/*.txt.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export LC_ALL=C
rounds="${ROUNDS:-5}"
out=target/bench
stats() { python3 benchmarks/stats.py "$@"; }

names=("$@")
((${#names[@]})) || names=(bitmap datapath jnacall memory firstframe charts control attach eventscreen remote tap libvirtlag)
needs_package=0
needs_jar=0
for n in "${names[@]}"; do
  case "$n" in
    bitmap|datapath|jnacall|memory|charts|attach|eventscreen|remote|tap|libvirtlag) ;;
    control|firstframe) needs_package=1 ;;
    stream) needs_jar=1 ;;
    *) echo "run.sh: unknown benchmark '$n' (bitmap, datapath, jnacall, memory, firstframe, charts, control, attach, eventscreen, remote, stream, tap, libvirtlag)" >&2; exit 2 ;;
  esac
done

# The rig needs the packaged build (target/rig/, the jar); the others only the compiled classes.
if ((needs_package)); then
  # firstframe also times the installed package's start: its app-image (no .deb/.rpm needed).
  PACKAGE_TYPES=app-image ./mvnw -B -q -Pbench,package -DskipTests package
elif ((needs_jar)); then
  # stream times ./migscope as a user runs it: the jar and its libraries.
  ./mvnw -B -q -Pbench -DskipTests package
else
  ./mvnw -B -q -Pbench -DskipTests test-compile
fi
mkdir -p "$out"
gcc -O2 -mpopcnt -o "$out/popcount" benchmarks/c/popcount.c
gcc -O2 -o "$out/control" benchmarks/c/control.c
gcc -O2 -o "$out/syscall" benchmarks/c/syscall.c
# The JNI shim of the benchmarks' jni variants (JniShim; never part of the application).
java_home=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
gcc -O2 -shared -fPIC -I"$java_home/include" -I"$java_home/include/linux" -o "$out/libjnishim.so" benchmarks/c/jnishim.c
cp="target/test-classes:target/classes:$(cat "$out/classpath.txt")"
java=(java --enable-native-access=ALL-UNNAMED "-Dmigscope.jnishim=$PWD/$out/libjnishim.so" -cp "$cp")

results="$out/results.md"
{
  echo "| row | ours (median) | baseline (median) | ratio median [min-max], rounds | target | met |"
  echo "|---|---|---|---|---|---|"
} > "$results"
row() { echo "| $* |" >> "$results"; }
met() { awk -v r="$1" -v t="$2" -v op="$3" 'BEGIN { print ((op == ">=" ? r >= t : r <= t) ? "yes" : "no") }'; }
# The numbers on stdin, one per line, as "median [min-max]", each in printf format $1.
median_range() { sort -n | awk -v f="$1" '{ a[NR] = $1 } END { printf f " [" f "-" f "]", a[int((NR + 1) / 2)], a[1], a[NR] }'; }

bench_bitmap() {
  local raw="$out/bitmap.txt"
  : > "$raw"
  for ((r = 1; r <= rounds; r++)); do
    local c
    c=$("$out/popcount" 3 | sed -n 's/.*us_per_pass=\([0-9.]*\).*/\1/p')
    "${java[@]}" org.openjdk.jmh.Main DirtyBitmapBench -f 1 -wi 2 -w 1s -i 3 -r 1s \
      -rf csv -rff "$out/bitmap-jmh.csv" > "$out/bitmap-jmh.log" 2>&1
    for b in dirtyPages longBuffer unrolled4; do
      echo "$r $b $c $(grep "DirtyBitmapBench.$b\"" "$out/bitmap-jmh.csv" | cut -d, -f5)" >> "$raw"
    done
    echo "bitmap round $r: C $c us/pass; $(grep -o 'Bench\.[a-zA-Z0-9]*",[^,]*,[^,]*,[^,]*,[0-9.]*' "$out/bitmap-jmh.csv" | tr '\n' ' ')"
  done
  grep -h "dirty pages" "$out/bitmap-jmh.log" | head -1
  for b in dirtyPages longBuffer unrolled4; do
    # throughput relative to C: C time / Java time
    read -r cmed jmed rmed rmin rmax n < <(awk -v b="$b" '$2 == b { print $1, $3, $4 }' "$raw" | stats --invert)
    row "bitmap 64 MiB, DirtyBitmap $b (us/pass) | $jmed | C popcount $cmed | $rmed [$rmin-$rmax], $n | >= 0.8x C | $(met "$rmed" 0.8 '>=')"
  done
}

dd_rate() { # bytes/s from dd's summary line
  sed -n 's/^\([0-9]*\) bytes .* copied, \([0-9.e-]*\) s.*/\1 \2/p' | awk '{ printf "%.0f\n", $1 / $2 }'
}
drain_rate() {
  sed -n 's/^bytes=\([0-9]*\) seconds=\([0-9.]*\).*/\1 \2/p' | awk '{ printf "%.0f\n", $1 / $2 }'
}

# Rates of a drain's lines: "cold" is the first (file: first pass; pipe: first segment, on a JVM
# that just started), "warm" the mean rate of the others (the loop in a running application).
cold_rate() { drain_rate | head -1; }
warm_rate() { drain_rate | tail -n +2 | awk '{ s += $1; n++ } END { printf "%.0f\n", s / n }'; }

bench_datapath() {
  local dir="${BENCH_DIR:-/dev/shm}" mib="${DATA_MIB:-512}"
  local src="$dir/migscope-bench-$$.bin"
  trap 'rm -f "$src"' RETURN
  dd if=/dev/urandom of="$src" bs=1M count="$mib" status=none
  local kinds=(file-session file-malloc pipe-session pipe-malloc file-session-cold pipe-session-cold)
  for f in "${kinds[@]}"; do : > "$out/datapath-$f.txt"; done
  for ((r = 1; r <= rounds; r++)); do
    local d dp js ja ps pa
    # file: dd reads it once; the drain 4 times in one JVM. pipe: cat sends it 4 times to each.
    d=$(dd if="$src" bs=1M of=/dev/null 2>&1 | dd_rate)
    js=$("${java[@]}" dev.migscope.linux.DataPathDrain "$src" session 4)
    ja=$("${java[@]}" dev.migscope.linux.DataPathDrain "$src" malloc 4)
    dp=$(cat "$src" "$src" "$src" "$src" | dd bs=1M of=/dev/null 2>&1 | dd_rate)
    ps=$(cat "$src" "$src" "$src" "$src" | "${java[@]}" dev.migscope.linux.DataPathDrain - session "$mib")
    pa=$(cat "$src" "$src" "$src" "$src" | "${java[@]}" dev.migscope.linux.DataPathDrain - malloc "$mib")
    echo "$r $d $(warm_rate <<< "$js")" >> "$out/datapath-file-session.txt"
    echo "$r $d $(warm_rate <<< "$ja")" >> "$out/datapath-file-malloc.txt"
    echo "$r $d $(cold_rate <<< "$js")" >> "$out/datapath-file-session-cold.txt"
    echo "$r $dp $(warm_rate <<< "$ps")" >> "$out/datapath-pipe-session.txt"
    echo "$r $dp $(warm_rate <<< "$pa")" >> "$out/datapath-pipe-malloc.txt"
    echo "$r $dp $(cold_rate <<< "$ps")" >> "$out/datapath-pipe-session-cold.txt"
    echo "datapath round $r (B/s): file: dd $d, session $(drain_rate <<< "$js" | tr '\n' ' ')malloc $(drain_rate <<< "$ja" | tr '\n' ' ')"
    echo "datapath round $r (B/s): pipe: dd $dp, session $(drain_rate <<< "$ps" | tr '\n' ' ')malloc $(drain_rate <<< "$pa" | tr '\n' ' ')"
  done
  local cmed jmed rmed rmin rmax n
  for f in "${kinds[@]}"; do
    local what="$mib MiB file on tmpfs" base="dd bs=1M"
    [[ $f == pipe-* ]] && what="4x $mib MiB through a pipe from cat" base="cat \\| dd bs=1M"
    local buf="the session's buffer (MigrationStream.alignedBuffer, on a page boundary), warm"
    [[ $f == *-malloc ]] && buf="variant: allocateDirect (16 B into a page; the buffer before the fix), warm"
    [[ $f == *-cold ]] && buf="the session's buffer, cold (first pass/segment of a new JVM)"
    read -r cmed jmed rmed rmin rmax n < <(stats < "$out/datapath-$f.txt")
    row "data path, $what, $buf (B/s) | $jmed | $base $cmed | $rmed [$rmin-$rmax], $n | >= 0.9x dd | $(met "$rmed" 0.9 '>=')"
  done
}

# Seconds of wall time of one run of a command (its output discarded).
wall() { python3 -c 'import subprocess, sys, time
t = time.monotonic(); r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
sys.exit("failed: %s" % sys.argv[1:]) if r.returncode else print("%.6f" % (time.monotonic() - t))' "$@"; }

bench_stream() {
  local file analyzer size
  file=$(benchmarks/ram-stream.sh)
  analyzer=$(benchmarks/qemu-analyzer.sh)
  size=$(stat -c %s "$file")
  cat "$file" > /dev/null   # in the page cache
  : > "$out/stream-whole.txt"; : > "$out/stream-warm.txt"; : > "$out/stream-cold.txt"; : > "$out/stream-analyzer.txt"
  for ((r = 1; r <= rounds; r++)); do
    local c m a rates
    c=$(wall sh -c "cat '$file' > /dev/null")
    m=$(wall ./migscope stream "$file")
    a=$(wall python3 "$analyzer" -f "$file")
    rates=$("${java[@]}" dev.migscope.stream.StreamReadBench "$file" 4)
    echo "$r $(awk -v s="$size" -v t="$c" 'BEGIN { printf "%.0f", s / t }') $(awk -v s="$size" -v t="$m" 'BEGIN { printf "%.0f", s / t }')" >> "$out/stream-whole.txt"
    echo "$r $(awk -v s="$size" -v t="$c" 'BEGIN { printf "%.0f", s / t }') $(warm_rate <<< "$rates")" >> "$out/stream-warm.txt"
    echo "$r $(awk -v s="$size" -v t="$c" 'BEGIN { printf "%.0f", s / t }') $(cold_rate <<< "$rates")" >> "$out/stream-cold.txt"
    echo "$r $a $m" >> "$out/stream-analyzer.txt"
    echo "stream round $r: cat $c s, ./migscope stream $m s, analyze-migration.py $a s, in one JVM (B/s): $(drain_rate <<< "$rates" | tr '\n' ' ')"
  done
  local cmed jmed rmed rmin rmax n
  read -r cmed jmed rmed rmin rmax n < <(stats < "$out/stream-whole.txt")
  row "stream, $((size >> 20)) MiB RAM stream in the page cache, \`./migscope stream\` whole process (B/s) | $jmed | cat $cmed | $rmed [$rmin-$rmax], $n | >= 0.5x cat | $(met "$rmed" 0.5 '>=')"
  read -r cmed jmed rmed rmin rmax n < <(stats < "$out/stream-warm.txt")
  row "stream, the same, the reader warm in one JVM (B/s) | $jmed | cat $cmed | $rmed [$rmin-$rmax], $n | >= 0.5x cat | $(met "$rmed" 0.5 '>=')"
  read -r cmed jmed rmed rmin rmax n < <(stats < "$out/stream-cold.txt")
  row "stream, the same, the reader's first pass in a new JVM (B/s) | $jmed | cat $cmed | $rmed [$rmin-$rmax], $n | (>= 0.5x cat) | $(met "$rmed" 0.5 '>=')"
  read -r cmed jmed rmed rmin rmax n < <(stats --invert < "$out/stream-analyzer.txt")
  row "stream against QEMU's analyze-migration.py, whole processes (s) | $jmed | analyzer $cmed | $rmed [$rmin-$rmax] faster, $n | >= 10x | $(met "$rmed" 10 '>=')"
}

bench_control() {
  local n="${CONTROL_N:-20000}" warmup="${CONTROL_WARMUP:-50000}" raw="$out/control.txt"
  src/test/vm/run-rig.sh --timeout 600 -- bash benchmarks/control-path-guest.sh "${CONTROL_ROUNDS:-3}" "$n" "$warmup" \
    > "$out/control-rig.log" 2>&1 || { tail -20 "$out/control-rig.log"; return 1; }
  cp target/rig-out/control-path.txt "$raw"
  cat "$raw"
  local cmed jmed rmed rmin rmax k
  for pair in "roundtrip_ns roundtrip_ns SET RUNNING_P2P+SET RUNNING round trip" "get_ns get_ns GET MIG_DEVICE_STATE" \
      "roundtrip_ns raw_roundtrip_ns variant: round trip, raw LibC.ioctl, reused buffer" "get_ns raw_get_ns variant: GET, raw LibC.ioctl, reused buffer" \
      "roundtrip_ns jni_roundtrip_ns variant: round trip, JNI shim (benchmarks only), reused buffer" "get_ns jni_get_ns variant: GET, JNI shim (benchmarks only), reused buffer"; do
    read -r ck jk label <<< "$pair"
    read -r cmed jmed rmed rmin rmax k < <(awk -v ck="$ck" -v jk="$jk" '
      $2 == "c" { for (i = 3; i <= NF; i++) { split($i, kv, "="); if (kv[1] == ck) c[$1] = kv[2] } }
      $2 == "java" { for (i = 3; i <= NF; i++) { split($i, kv, "="); if (kv[1] == jk) j[$1] = kv[2] } }
      END { for (r in c) print r, c[r], j[r] }' "$raw" | sed 's/round=//' | stats)
    row "control, mtty in the rig: $label (ns/op) | $jmed | C $cmed | $rmed [$rmin-$rmax], $k | <= 1.2x C | $(met "$rmed" 1.2 '<=')"
  done
}

jnacall_variants=(libc plain addr addrPlain jni)
bench_jnacall() {
  local raw="$out/jnacall.txt"
  : > "$raw"
  for ((r = 1; r <= rounds; r++)); do
    local c
    c=$("$out/syscall" 2 | sed -n 's/.*ns_per_call=\([0-9.]*\).*/\1/p')
    "${java[@]}" org.openjdk.jmh.Main JnaCallBench -f 1 -wi 2 -w 1s -i 3 -r 1s \
      -rf csv -rff "$out/jnacall-jmh.csv" > "$out/jnacall-jmh.log" 2>&1
    for b in "${jnacall_variants[@]}"; do
      echo "$r $b $c $(grep "JnaCallBench.$b\"" "$out/jnacall-jmh.csv" | cut -d, -f5)" >> "$raw"
    done
    echo "jnacall round $r: C $c ns/call; $(awk -v r="$r" '$1 == r { printf "%s %s ns/call ", $2, $4 }' "$raw")"
  done
  local cmed jmed rmed rmin rmax n
  for b in "${jnacall_variants[@]}"; do
    read -r cmed jmed rmed rmin rmax n < <(awk -v b="$b" '$2 == b { print $1, $3, $4 }' "$raw" | stats)
    local what
    case "$b" in
      libc) what="LibC.read, as the backend binds read, write and ioctl" ;;
      plain) what="variant: JNA direct, Pointer argument, without LastErrorException" ;;
      addr) what="variant: JNA direct, primitives only (long address), LastErrorException" ;;
      addrPlain) what="variant: JNA direct, primitives only, without LastErrorException" ;;
      jni) what="variant: JNI shim (benchmarks only), errno in-band" ;;
    esac
    row "host: one cheap syscall (read 8 B of /dev/zero), $what (ns/call) | $jmed | C $cmed | $rmed [$rmin-$rmax], $n | (floor of the control path) | - "
  done
}

bench_firstframe() {
  local flags cp_jars c1=-XX:TieredStopAtLevel=1
  # the headless flags of the pom's surefire argLine (Monocle, software pipeline), for both sides
  flags=$(sed -n 's:.*<testfx.argLine>\(.*\)</testfx.argLine>.*:\1:p' pom.xml)
  # AppCDS maps classes from jars only: the bench class in a jar, then the packaged build as
  # ./migscope runs it (target/migscope.jar, target/lib/*).
  (cd target/test-classes && jar cf "../bench/firstframe.jar" dev/migscope/ui/FirstFrameBench*.class)
  cp_jars="$PWD/$out/firstframe.jar:$PWD/target/migscope.jar:$PWD/target/lib/*"
  local ff=(java --enable-native-access=ALL-UNNAMED -cp "$cp_jars" $flags -Xlog:cds=off -Xlog:cds+dynamic=off)
  # Each side's own archive, as ./migscope writes one on a window's first exit: one training start.
  local app
  for app in hello migscope; do
    rm -f "$out/firstframe-$app.jsa"
    "${ff[@]}" -XX:ArchiveClassesAtExit="$out/firstframe-$app.jsa" dev.migscope.ui.FirstFrameBench "$app" > /dev/null 2>&1
  done
  # The installed package's start: its jlinked runtime, its launcher's class path in the launcher's
  # order (the bench's jar after it, so the archive's class path stays a prefix), and the archive
  # its post-install script makes with the migscope-cds launcher, made here the same way.
  local image=$PWD/target/packages/migscope pkg_cp
  pkg_cp=$(sed -n 's|^app.classpath=\$APPDIR|'"$image"'/lib/app|p' "$image/lib/app/migscope.cfg" | paste -sd:)
  rm -f "$image/lib/app/migscope.jsa"
  HOME=$(mktemp -d) "$image/bin/migscope-cds" screenshot "$out/firstframe-cds.png" > /dev/null 2>&1
  mv "$image/lib/app/migscope.jsa.new" "$image/lib/app/migscope.jsa"
  local pkg=("$image/lib/runtime/bin/java" -cp "$pkg_cp:$PWD/$out/firstframe.jar" $flags
    -XX:SharedArchiveFile="$image/lib/app/migscope.jsa" -Xlog:cds=off -Xlog:cds+dynamic=off)
  local v
  for v in launcher package alike plain c1 complete; do : > "$out/firstframe-$v.txt"; done
  : > "$out/firstframe-phases.txt"
  first_frame() { # ms from JVM launch to the first frame, and to the charts drawn (migscope; else 0)
    local t0 o f c
    t0=$(date +%s%3N)
    o=$("$@" 2>/dev/null | tee -a "$out/firstframe-phases.txt")
    f=$(sed -n 's/first_frame_epoch_ms=//p' <<< "$o")
    c=$(sed -n 's/charts_drawn_epoch_ms=//p' <<< "$o")
    echo "$((f - t0)) $(( ${c:-$t0} - t0 ))"
  }
  for ((r = 1; r <= rounds; r++)); do
    local h hc hj m mc mj mp _ mcc
    read -r h _ < <(first_frame "${ff[@]}" dev.migscope.ui.FirstFrameBench hello)
    read -r m _ < <(first_frame "${ff[@]}" dev.migscope.ui.FirstFrameBench migscope)
    read -r mp _ < <(first_frame "${pkg[@]}" dev.migscope.ui.FirstFrameBench migscope)
    read -r hc _ < <(first_frame "${ff[@]}" -XX:SharedArchiveFile="$out/firstframe-hello.jsa" dev.migscope.ui.FirstFrameBench hello)
    read -r mc mcc < <(first_frame "${ff[@]}" -XX:SharedArchiveFile="$out/firstframe-migscope.jsa" dev.migscope.ui.FirstFrameBench migscope)
    read -r hj _ < <(first_frame "${ff[@]}" -XX:SharedArchiveFile="$out/firstframe-hello.jsa" $c1 dev.migscope.ui.FirstFrameBench hello)
    read -r mj _ < <(first_frame "${ff[@]}" -XX:SharedArchiveFile="$out/firstframe-migscope.jsa" $c1 dev.migscope.ui.FirstFrameBench migscope)
    echo "$r $h $mc" >> "$out/firstframe-launcher.txt"
    echo "$r $h $mp" >> "$out/firstframe-package.txt"
    echo "$r $h $mcc" >> "$out/firstframe-complete.txt"
    echo "$r $hc $mc" >> "$out/firstframe-alike.txt"
    echo "$r $h $m" >> "$out/firstframe-plain.txt"
    echo "$r $hj $mj" >> "$out/firstframe-c1.txt"
    echo "firstframe round $r (ms): hello world $h, with its AppCDS archive $hc, and C1 only $hj; migscope $m, with its AppCDS archive $mc (charts drawn $mcc), and C1 only $mj; as the installed package $mp"
  done
  local cmed jmed rmed rmin rmax n what base
  for v in launcher package complete alike plain c1; do
    case $v in
      launcher) what="as ./migscope starts the window (its AppCDS archive)" base="JavaFX hello world, plain java" ;;
      package) what="as the installed package starts it (its runtime, the archive its postinst makes)" base="JavaFX hello world, plain java" ;;
      complete) what="variant: as ./migscope starts it, until the charts, which start drawing after the first frame, are drawn" base="JavaFX hello world, plain java" ;;
      alike) what="variant: both with their own AppCDS archive" base="JavaFX hello world, its AppCDS archive" ;;
      plain) what="variant: both plain java (./mvnw javafx:run)" base="JavaFX hello world, plain java" ;;
      c1) what="variant: both AppCDS and C1 only (-XX:TieredStopAtLevel=1; tried, not shipped)" base="JavaFX hello world, same flags" ;;
    esac
    read -r cmed jmed rmed rmin rmax n < <(stats < "$out/firstframe-$v.txt")
    row "UI: time to first frame, headless Monocle (ms from JVM launch), $what | $jmed | $base $cmed | $rmed [$rmin-$rmax], $n | <= 1.5x | $(met "$rmed" 1.5 '<=')"
  done
}

bench_charts() {
  local raw="$out/charts.txt" flags
  flags=$(sed -n 's:.*<testfx.argLine>\(.*\)</testfx.argLine>.*:\1:p' pom.xml)
  : > "$raw"
  for ((r = 1; r <= rounds; r++)); do
    "${java[@]}" $flags dev.migscope.ui.ChartsBench 8 2>/dev/null | grep '^busy=' | tee -a "$raw"
  done
  local busy p99
  busy=$(sed 's/^busy=\([0-9.]*\).*/\1/' "$raw" | median_range %.3f)
  p99=$(sed 's/.*p99_ms=\([0-9.]*\).*/\1/' "$raw" | median_range %.0f)
  row "UI: FX-thread busy fraction, 4 charts, 1 h window, 20 Hz sampling, 72,000-sample history (headless) | $busy | - | p99 frame (AnimationTimer to end of layout): $p99 ms, $rounds rounds | <= 10 % | $(met "${busy%% *}" 0.10 '<=')"
}

bench_attach() {
  local raw="$out/attach.txt"
  # one JVM, interleaved inside it: baseline then attached, ROUNDS times, each a fresh pair of QEMUs
  local bw="${QEMU_BANDWIDTH:-262144}" guest=() what="an idle TCG VM (SeaBIOS, no OS)"
  if [[ "${QEMU_GUEST:-}" == dirty ]]; then
    # The rig's Linux 6.12 kernel (built once, cached) with benchmarks/dirty-guest-init as PID 1.
    local kernel stage="$out/dirty-guest"
    kernel=$(src/test/vm/build-kernel.sh 6.12)
    rm -rf "$stage" && mkdir -p "$stage/root/bin" "$stage/root/dev" "$stage/root/tmp"
    cp /bin/busybox "$stage/root/bin/busybox" && cp benchmarks/dirty-guest-init "$stage/root/init"
    (cd "$stage/root" && find . | cpio --quiet -o -H newc -R 0:0 | gzip -1) > "$stage/initramfs.cpio.gz"
    guest=("$kernel" "$stage/initramfs.cpio.gz")
    what="a Linux guest rewriting 24 MiB 20 times a second"
  fi
  "${java[@]}" dev.migscope.qemu.AttachOverheadBench "$rounds" "${QEMU_MIB:-256}" "$bw" "${guest[@]}" | tee "$out/attach-rounds.txt"
  sed -n 's/^round=\([0-9]*\) baseline_ms=\([0-9]*\) attached_ms=\([0-9]*\) .*/\1 \2 \3/p' "$out/attach-rounds.txt" > "$raw"
  local cmed jmed rmed rmin rmax n
  read -r cmed jmed rmed rmin rmax n < <(stats < "$raw")
  row "QEMU: RAM-only migration of a ${QEMU_MIB:-256} MiB TCG VM ($what) over a UNIX socket, max-bandwidth $bw B/s (0: QEMU's default), QEMU's total-time with migscope attached to both sides (query-migrate at 20 Hz) (ms) | $jmed | not attached $cmed | $rmed [$rmin-$rmax], $n | <= 1.02 | $(met "$rmed" 1.02 '<=')"
  local variant
  for variant in connected polled; do
    read -r cmed jmed rmed rmin rmax n < <(sed -n "s/^round=\([0-9]*\) baseline_ms=\([0-9]*\) .* ${variant}_ms=\([0-9]*\).*/\1 \2 \3/p" \
      "$out/attach-rounds.txt" | stats)
    row "QEMU: variant: $([[ $variant == connected ]] && echo "a bare QMP connection on each side, no command sent (the noise floor)" || echo "query-migrate at 20 Hz on each side, nothing else") (ms) | $jmed | not attached $cmed | $rmed [$rmin-$rmax], $n | - | -"
  done
}

bench_eventscreen() {
  local raw="$out/eventscreen.txt" flags
  flags=$(sed -n 's:.*<testfx.argLine>\(.*\)</testfx.argLine>.*:\1:p' pom.xml)
  : > "$raw"
  for ((r = 1; r <= rounds; r++)); do
    "${java[@]}" $flags dev.migscope.ui.QemuEventToScreenBench 400 50 2>/dev/null | grep '^n=' | tee -a "$raw"
  done
  # one field of the printed line over the rounds
  field() { sed "s/.* $1=\([0-9.]*\).*/\1/" "$raw" | median_range %.1f; }
  local p99
  p99=$(field p99_ms)
  row "UI: VFIO_MIGRATION event (scripted QEMU's write) to the graph showing the state (end of that pulse's layout), headless, p99 (ms) | $p99 | - | p50 $(field p50_ms) ms, max $(field max_ms) ms, 400 events after 50 warm-up ones, $rounds rounds; warm-up: the first event $(field first_ms) ms, the slowest $(field warmup_max_ms) ms | <= 20 ms | $(met "${p99%% *}" 20 '<=')"
}

bench_remote() {
  local raw="$out/remote-rounds.txt"
  # The far side's launcher runs this JVM's class path (testsupport.Sshd.launcher): absolute paths.
  java -cp "$PWD/target/test-classes:$PWD/target/classes:$(cat "$out/classpath.txt")" dev.migscope.remote.RemoteBench \
    "$rounds" "${REMOTE_N:-200}" 10 "${REMOTE_SECONDS:-20}" 2>/dev/null | tee "$raw"
  local cmed jmed rmed rmin rmax n
  read -r cmed jmed rmed rmin rmax n < <(sed -n 's/^round=\([0-9]*\) raw_ms=\([0-9.]*\) set_ms=\([0-9.]*\).*/\1 \2 \3/p' "$raw" | stats)
  row "remote: SET round trip through --host (sim:mlx5-0, STOP <-> RUNNING, one open ssh connection to 127.0.0.1) (ms) | $jmed | raw request round trip on the same connection (agent arm, no device call) $cmed | $rmed [$rmin-$rmax], $n | (none in the issue) | -"
  read -r cmed jmed rmed rmin rmax n < <(sed -n 's/^round=\([0-9]*\) .*set_ms=\([0-9.]*\) ssh_true_ms=\([0-9.]*\)$/\1 \3 \2/p' "$raw" | stats --invert)
  row "remote: variant: the same SET against \`ssh HOST true\` (a new connection per command; ratio: how many SETs one ssh HOST true costs) (ms) | $jmed | ssh HOST true $cmed | $rmed [$rmin-$rmax], $n | (none in the issue) | -"
  med() { sed -n "s/^telemetry .*$1=\([0-9.]*\).*/\1/p" "$raw" | median_range %s; }
  row "remote: 20 Hz telemetry over ssh, one device: the agent's sample lines (B/s) | $(med payload_Bps) | - | ssh's reads from its socket $(med ssh_socket_Bps) B/s, $rounds rounds of ${REMOTE_SECONDS:-20} s | (none in the issue) | -"
  row "remote: 20 Hz telemetry over ssh: lag from the far sampler's reading to its arrival here (upper bound), p50 / p99 (ms) | $(med lag_p50_ms) / $(med lag_p99_ms) | - | max $(med lag_max_ms) ms; bound's slack (the open's round trip) $(med open_ms) ms | (none in the issue) | -"
}

bench_libvirtlag() {
  local raw="$out/libvirtlag.txt"
  "${java[@]}" dev.migscope.libvirt.LibvirtLagBench "$rounds" "${LIBVIRT_CYCLES:-200}" 2>/dev/null | grep '^round=' | tee "$raw"
  field() { sed "s/.* $1=\([0-9.]*\).*/\1/" "$raw" | median_range %.2f; }
  row "libvirt: STOP/RESUME (virsh suspend/resume) from QEMU's timestamp to its arrival here through libvirt (monitor events), p50 / p99 (ms) | $(field libvirt_p50_ms) / $(field libvirt_p99_ms) | second -qmp socket on the same QEMU $(field qmp_p50_ms) / $(field qmp_p99_ms) | max $(field libvirt_max_ms) ms against $(field qmp_max_ms) ms; $((2 * ${LIBVIRT_CYCLES:-200})) events a round, $rounds rounds | (none in the issue) | -"
}

bench_memory() {
  local raw="$out/memory.txt"
  "${java[@]}" dev.migscope.session.MemoryBench 72000 | tee "$raw"
  # RSS at the half-hour mark and after; flat = max - min over the last half
  local half last lo hi
  read -r half last lo hi < <(awk '/^samples=/ { split($1, s, "="); split($3, m, "="); if (s[2] >= 36000) { if (h == "") h = m[2]; if (lo == "" || m[2] < lo) lo = m[2]; if (m[2] > hi) hi = m[2]; l = m[2] } }
      END { print h, l, lo, hi }' "$raw")
  row "memory, 72,000 samples at 20 Hz (1 h, compressed): RSS at the end (MB) | $((last / 1024)) | (absolute) | last half: $((lo / 1024))-$((hi / 1024)) MB, growth $(((hi - lo) / 1024)) MB | <= 300 MB, flat | $( ((last < 300 * 1024 && hi - lo < 10 * 1024)) && echo yes || echo no)"
}

bench_tap() {
  # socat and the tap in turn per round, each its own process, the same stream through the same kind of socket pair
  local raw="$out/tap-forward.txt" mib="${TAP_MIB:-256}" qmib="${TAP_QEMU_MIB:-256}" fill="${TAP_FILL_MIB:-1200}" fqmib="${TAP_FILL_QEMU_MIB:-1536}"
  "${java[@]}" dev.migscope.stream.TapBench forward "$rounds" "$mib" | tee "$out/tap-forward-rounds.txt"
  sed -n 's/^round=\([0-9]*\) socat_Bps=\([0-9]*\) tap_Bps=\([0-9]*\).*/\1 \2 \3/p' "$out/tap-forward-rounds.txt" > "$raw"
  local cmed jmed rmed rmin rmax n
  read -r cmed jmed rmed rmin rmax n < <(stats < "$raw")
  row "tap: forwarding a ${mib} MiB QEMU RAM stream through a UNIX socket pair, migscope tap (its own JVM, decoding as it forwards) (B/s) | $jmed | socat -b 262144 $cmed | $rmed [$rmin-$rmax], $n | >= 0.9x socat | $(met "$rmed" 0.9 '>=')"
  tap_migrate "RAM-only migration of a ${qmib} MiB TCG VM (idle SeaBIOS)" tap-migrate env "$qmib"
  # the same with a stream of pages, not zero pages: 1200 MiB of random bytes in a 1536 MiB VM
  tap_migrate "RAM-only migration of a ${fqmib} MiB TCG VM holding ${fill} MiB of random bytes" tap-migrate-filled \
    env TAP_QEMU_FILL="$fill" "$fqmib"
}

# tap_migrate TITLE NAME ENV... MIB: direct, socat and the tap interleaved per round; rows tap and socat against direct
tap_migrate() {
  local title="$1" name="$2" mib="${*: -1}" cmed jmed rmed rmin rmax n
  shift 2
  local envs=("${@:1:$#-1}")
  "${envs[@]}" "${java[@]}" dev.migscope.stream.TapBench migrate "$rounds" "$mib" | tee "$out/$name-rounds.txt"
  sed -n 's/^round=\([0-9]*\) direct_ms=\([0-9]*\) socat_ms=[0-9]* tap_ms=\([0-9]*\).*/\1 \2 \3/p' "$out/$name-rounds.txt" > "$out/$name.txt"
  sed -n 's/^round=\([0-9]*\) direct_ms=\([0-9]*\) socat_ms=\([0-9]*\).*/\1 \2 \3/p' "$out/$name-rounds.txt" > "$out/$name-socat.txt"
  read -r cmed jmed rmed rmin rmax n < <(stats < "$out/$name.txt")
  row "tap: $title over UNIX sockets, QEMU's total-time through migscope tap (ms) | $jmed | direct $cmed | $rmed [$rmin-$rmax], $n | <= 1.05x direct | $(met "$rmed" 1.05 '<=')"
  read -r cmed jmed rmed rmin rmax n < <(stats < "$out/$name-socat.txt")
  row "tap: variant: the same through socat -b 262144 (a middle hop that only copies) (ms) | $jmed | direct $cmed | $rmed [$rmin-$rmax], $n | - | -"
}

for n in "${names[@]}"; do
  "bench_$n"
done
echo
cat "$results"
