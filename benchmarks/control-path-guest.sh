#!/usr/bin/env bash
# Runs in the rig's guest (src/test/vm/run-rig.sh -- bash benchmarks/control-path-guest.sh ROUNDS N WARMUP):
# on the first mtty device, interleaved, ROUNDS times: the C baseline (target/bench/control), then
# ControlPathBench through JNA (its jni variant through target/bench/libjnishim.so, built by run.sh).
# Lines go to stdout and target/rig-out/control-path.txt.
set -euo pipefail
rounds="${1:-3}" n="${2:-20000}" warmup="${3:-50000}"
uuid="${MIGSCOPE_RIG_MTTY%% *}"
out=target/rig-out/control-path.txt
# guest-job.sh limits the JIT to C1 for the short test runs; the application runs with the
# JVM's defaults, so the benchmark does too.
unset JAVA_TOOL_OPTIONS
cp="target/test-classes:target/classes:$(cat target/bench/classpath.txt)"
: > "$out"
for ((r = 1; r <= rounds; r++)); do
  echo "round=$r c $(target/bench/control "$uuid" "$n")" | tee -a "$out"
  echo "round=$r java $(java --enable-native-access=ALL-UNNAMED "-Dmigscope.jnishim=$PWD/target/bench/libjnishim.so" \
    -cp "$cp" dev.migscope.linux.ControlPathBench "$uuid" "$n" "$warmup")" | tee -a "$out"
done
