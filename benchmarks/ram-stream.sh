#!/usr/bin/env bash
# Prints the path of a QEMU 10 migration stream of at least 1 GiB of RAM pages, made once per
# machine and cached: a 1536 MiB TCG VM whose memory QEMU's generic loader fills with 1200 MiB
# of random bytes (so the pages are not zero pages), migrated with `migrate file:`.
set -euo pipefail
cache="${MIGSCOPE_CACHE:-$HOME/.cache/migscope}/bench"
out="$cache/ram-1g.mig"
[ -s "$out" ] && { echo "$out"; exit 0; }
command -v qemu-system-x86_64 >/dev/null || { echo "ram-stream.sh: qemu-system-x86_64 missing: apt-get install -t bookworm-backports qemu-system-x86" >&2; exit 3; }
mkdir -p "$cache"
work=$(mktemp -d "$cache/.make.XXXXXX")
trap 'kill "$qemu" 2>/dev/null || true; rm -rf "$work"' EXIT
head -c 1200M /dev/urandom > "$work/fill.bin"
qemu-system-x86_64 -machine q35 -m 1536 -nodefaults -display none -accel tcg \
  -device loader,file="$work/fill.bin",addr=0x8000000,force-raw=on \
  -qmp unix:"$work/qmp",server=on,wait=off > "$work/qemu.log" 2>&1 &
qemu=$!
python3 - "$work/qmp" "$work/ram.mig" <<'PY'
import json, os, socket, sys, time
path, dest = sys.argv[1], sys.argv[2]
deadline = time.time() + 120
while not os.path.exists(path):
    if time.time() > deadline: sys.exit("ram-stream.sh: QEMU did not start")
    time.sleep(0.2)
s = socket.socket(socket.AF_UNIX); s.connect(path); f = s.makefile("rw")
def call(cmd, args=None):
    f.write(json.dumps({"execute": cmd, "arguments": args or {}}) + "\n"); f.flush()
    while True:
        m = json.loads(f.readline())
        if "return" in m or "error" in m: return m
f.readline()
call("qmp_capabilities")
print(call("migrate", {"uri": "file:" + dest}), file=sys.stderr)
while True:
    st = call("query-migrate")["return"].get("status")
    if st == "completed": break
    if st in ("failed", "cancelled"): sys.exit("ram-stream.sh: migration " + st)
    if time.time() > deadline + 600: sys.exit("ram-stream.sh: migration did not complete")
    time.sleep(0.5)
call("quit")
PY
mv "$work/ram.mig" "$out"
echo "$out"
