#!/usr/bin/env bash
# The real-kernel rig: boots a Linux guest under QEMU (TCG) with two mtty mdev
# devices and one emulated PCI device (QEMU's edu) bound to vfio-pci in no-IOMMU
# mode, and runs in it, as root, against the host's JDK and this project's
# build output:
#   run-rig.sh                 the vm-tagged JUnit tests (the conformance run among
#                              them) + the CLI smoke checks, on Linux 6.12 and then
#                              on Linux 7.3; prints "N passed, N failed" for each
#                              and in total, exits 1 on any failure
#   run-rig.sh -- CMD [ARG..]  CMD in the project directory on one kernel (6.12
#                              unless --kernel says otherwise); exits with its status
# Options: --kernel VERSION  (6.12 or 7.3; repeatable; default: both for the suite)
#          --timeout SECONDS (each guest run, default 1500; a hung guest is killed)
# Needs, built on the host first: ./mvnw -B package -DskipTests
# (target/classes, target/test-classes, target/rig/, target/migscope.jar).
# Results: target/rig-out/<version>/ for the suite, target/rig-out/ for a command.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
project="$(cd "$here/../../.." && pwd)"
cache_root="${MIGSCOPE_CACHE:-$HOME/.cache/migscope}"
timeout_s=1500
# Fixed, so tests and scripts can name the devices; also passed to the guest
# job as MIGSCOPE_RIG_MTTY (and the vfio-pci device's address as MIGSCOPE_RIG_PCI).
mtty_uuids="83b8f4f2-509f-382f-3c1e-e6bfe0fa1001 83b8f4f2-509f-382f-3c1e-e6bfe0fa1002"
pci_vendor=0x1234 pci_device=0x11e8   # QEMU "edu": no guest driver claims it

die() { echo "run-rig: $*" >&2; exit 2; }
now() { echo "$EPOCHREALTIME"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

command=()
kernels=()
while (($#)); do
  case "$1" in
    --timeout) timeout_s="$2"; shift 2 ;;
    --kernel)
      case "${2:-}" in 6.12|7.3) kernels+=("$2") ;; *) die "unknown kernel '${2:-}' (6.12 or 7.3)" ;; esac
      shift 2 ;;
    --) shift; command=("$@"); break ;;
    *) die "unknown argument '$1' (usage: run-rig.sh [--kernel 6.12|7.3]... [--timeout SECONDS] [-- CMD ARGS...])" ;;
  esac
done
if ((${#command[@]})); then
  ((${#kernels[@]} <= 1)) || die "a command runs on one kernel: give at most one --kernel"
  ((${#kernels[@]})) || kernels=(6.12)
else
  ((${#kernels[@]})) || kernels=(6.12 7.3)
fi

rig_start=$(now)
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 missing: apt-get install qemu-system-x86"
[[ -x /bin/busybox ]] || die "/bin/busybox missing: apt-get install busybox-static"
for f in target/classes target/test-classes target/rig/test-classpath.txt target/rig/junit-platform-console-standalone.jar; do
  [[ -e $project/$f ]] || die "$f missing: run ./mvnw -B package -DskipTests first"
done

# The initramfs holds only busybox and init; what to run comes through the
# writable share, so one cached image serves every run.
busybox_version="$(dpkg-query -W -f='${Version}' busybox-static 2>/dev/null || sha256sum /bin/busybox)"
initrd_hash="$( { cat "$here/init"; echo "$busybox_version"; } | sha256sum | cut -c1-16)"
initrd="$cache_root/guest-initramfs/$initrd_hash/initramfs.cpio.gz"
if [[ ! -s $initrd ]]; then
  mkdir -p "$cache_root/guest-initramfs"
  stage="$(mktemp -d "$cache_root/guest-initramfs/.build-$initrd_hash.XXXXXX")"
  trap 'rm -rf "$stage"' EXIT
  mkdir -p "$stage/root/bin" "$stage/root/dev" "$stage/root/proc" "$stage/root/sys" "$stage/root/tmp" "$stage/out/"
  cp /bin/busybox "$stage/root/bin/busybox"
  cp "$here/init" "$stage/root/init"
  (cd "$stage/root" && find . | cpio --quiet -o -H newc -R 0:0 | gzip -9) > "$stage/out/initramfs.cpio.gz"
  mv -T "$stage/out" "$(dirname "$initrd")" 2>/dev/null || [[ -s $initrd ]] || die "could not move the initramfs into place"
  rm -rf "$stage"; trap - EXIT
fi

# One guest run on Linux $1 with its results in $2. Prints its timings; the
# verdict is left in $2 (result, or command-exit).
run_guest() {
  local version="$1" out="$2" kernel kernel_start kernel_s boot_start boot_s="" junit_s="" guest_s qemu_rc
  kernel_start=$(now)
  kernel="$("$here/build-kernel.sh" "$version")" || die "no Linux $version guest kernel (see above)"
  kernel_s=$(elapsed "$kernel_start" "$(now)")

  mkdir -p "$out"
  cat > "$out/guest.env" <<ENV
PROJECT='$project'
MTTY_UUIDS='$mtty_uuids'
PCI_VENDOR=$pci_vendor
PCI_DEVICE=$pci_device
ENV
  if ((${#command[@]})); then
    printf '%s\0' "${command[@]}" > "$out/command"
  fi

  boot_start=$(now)
  set +e
  timeout --kill-after=10 "$timeout_s" qemu-system-x86_64 \
    -accel tcg -m 2G -smp 2 -nographic -no-reboot \
    -kernel "$kernel" -initrd "$initrd" \
    -append "console=ttyS0 panic=-1 vfio.enable_unsafe_noiommu_mode=1" \
    -fsdev local,id=hostroot,path=/,readonly=on,security_model=none,multidevs=remap \
    -device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot \
    -fsdev local,id=rigout,path="$out",security_model=none \
    -device virtio-9p-pci,fsdev=rigout,mount_tag=rigout \
    -device edu \
    </dev/null 2>&1 | while IFS= read -r line; do
      line="${line%$'\r'}"
      printf '%s\n' "$line"
      printf '%s\n' "$line" >> "$out/console.log"
      case "$line" in
        *"migscope-rig: devices ready"*) elapsed "$boot_start" "$(now)" > "$out/host-boot-seconds" ;;
        *"migscope-rig: junit started"*) junit_start=$(now) ;;
        *"migscope-rig: junit ended"*) elapsed "$junit_start" "$(now)" > "$out/host-junit-seconds" ;;
      esac
    done
  qemu_rc=${PIPESTATUS[0]}
  set -e
  guest_s=$(elapsed "$boot_start" "$(now)")
  [[ -f $out/host-boot-seconds ]] && boot_s=$(cat "$out/host-boot-seconds")
  [[ -f $out/host-junit-seconds ]] && junit_s=$(cat "$out/host-junit-seconds")
  echo "$qemu_rc" > "$out/host-qemu-exit"

  echo "run-rig: Linux $version: kernel ${kernel_s} s (cached at $(dirname "$kernel"), built in $(cat "$(dirname "$kernel")/build-seconds" 2>/dev/null || echo "?") s), boot to devices ready ${boot_s:-n/a} s, JUnit launcher ${junit_s:-n/a} s, guest total ${guest_s} s"
  if ((qemu_rc == 124 || qemu_rc == 137)); then
    echo "run-rig: Linux $version: the guest did not finish within ${timeout_s} s and was killed (console: $out/console.log)" >&2
  fi
  if [[ -f $out/setup-error ]]; then
    echo "run-rig: Linux $version: guest setup failed: $(cat "$out/setup-error")" >&2
  fi
}

if ((${#command[@]})); then
  out="$project/target/rig-out"
  rm -rf "$out"
  run_guest "${kernels[0]}" "$out"
  echo "run-rig: rig total $(elapsed "$rig_start" "$(now)") s"
  [[ -f $out/command-exit ]] || die "the guest command left no exit status (qemu exit $(cat "$out/host-qemu-exit"); console: $out/console.log)"
  exit "$(cat "$out/command-exit")"
fi

rm -rf "$project/target/rig-out"
total_passed=0 total_failed=0
for version in "${kernels[@]}"; do
  out="$project/target/rig-out/$version"
  run_guest "$version" "$out"
  if [[ -f $out/result ]]; then
    read -r passed failed < "$out/result"
  else
    echo "run-rig: Linux $version: the guest left no result (qemu exit $(cat "$out/host-qemu-exit"); console: $out/console.log)" >&2
    passed=0 failed=1
  fi
  echo "run-rig: Linux $version: $passed passed, $failed failed"
  total_passed=$((total_passed + passed)) total_failed=$((total_failed + failed))
done
echo "run-rig: rig total $(elapsed "$rig_start" "$(now)") s"
echo "$total_passed passed, $total_failed failed"
((total_failed == 0))
