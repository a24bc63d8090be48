#!/usr/bin/env bash
# Runs inside the rig's guest, chrooted into the host's root (read-only), as
# root, with the devices from init in place. Argument: the project directory.
# target/rig-out is the writable share; the host reads its verdict from there.
#
# Default job: the vm-tagged JUnit tests, then the CLI smoke checks, counted
# together in one closing line "N passed, N failed" (also written to
# target/rig-out/result). With target/rig-out/command present (NUL-separated
# argv written by run-rig.sh -- CMD...), runs that command instead and writes
# its exit status to target/rig-out/command-exit.
set -uo pipefail

project="$1"
cd "$project" || exit 1
out=target/rig-out
export HOME=/tmp
export JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64
export PATH="$JAVA_HOME/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# Under TCG emulation the C2 compiler costs more than it saves in a short run.
export JAVA_TOOL_OPTIONS="-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"

if [[ -f $out/command ]]; then
  mapfile -d '' argv < "$out/command"
  "${argv[@]}"
  echo "$?" > "$out/command-exit"
  exit 0
fi

passed=0
failed=0

run_junit() {
  local log="$out/junit.txt"
  # The host times the suite from these console lines: under a loaded host the
  # guest's clock falls behind the wall clock.
  echo "migscope-rig: junit started"
  java -jar target/rig/junit-platform-console-standalone.jar execute \
    --disable-banner --disable-ansi-colors --details=tree \
    --class-path "target/test-classes:target/classes:$(cat target/rig/test-classpath.txt)" \
    --scan-class-path target/test-classes --include-tag vm \
    --config jqwik.database=/tmp/jqwik-database \
    --reports-dir "$out/junit-reports" 2>&1 | tee "$log"
  echo "migscope-rig: junit ended"

  # The launcher's summary box, e.g. "[         3 tests successful      ]".
  count() { sed -n "s/^\[ *\([0-9][0-9]*\) $1 *\]\$/\1/p" "$log"; }
  local found ok containers_failed
  found=$(count "tests found"); ok=$(count "tests successful"); containers_failed=$(count "containers failed")
  if [[ -z $found || -z $ok || -z $containers_failed ]]; then
    echo "migscope-rig: the JUnit launcher printed no summary (see $log)"
    failed=$((failed + 1))
    return
  fi
  # Skipped and aborted tests did not pass: they count as failures here.
  passed=$((passed + ok))
  failed=$((failed + found - ok + containers_failed))
  if ((found == 0)); then
    echo "migscope-rig: no test tagged vm was found in target/test-classes"
    failed=$((failed + 1))
  fi
}

# One CLI check: a name, a text its output must contain ("" for none), a
# condition on the device afterwards (a bash test, "true" for none), then argv.
cli_check() {
  local name="$1" expect="$2" condition="$3"; shift 3
  local output rc
  output=$(timeout 120 java -jar target/migscope.jar "$@" 2>&1); rc=$?
  printf '%s\n' "$output" | sed 's/^/    /'
  if ((rc == 0)) && [[ $output == *"$expect"* ]] && eval "$condition"; then
    echo "migscope-rig: cli $name: passed"
    passed=$((passed + 1))
  else
    [[ $condition == true ]] && condition=""
    echo "migscope-rig: cli $name: FAILED (exit $rc${expect:+, expected output containing $expect}${condition:+, then $condition})"
    failed=$((failed + 1))
  fi
}

run_cli_smoke() {
  local checks=6
  if [[ ! -f target/migscope.jar ]]; then
    echo "migscope-rig: target/migscope.jar is missing: build it with ./mvnw -B package; all $checks CLI checks fail"
    failed=$((failed + checks))
    return
  fi
  local a b stream=/tmp/rig-stream.bin
  read -r a b <<< "$MIGSCOPE_RIG_MTTY"
  # debugfs reads the state without opening the device: the kernel's own word.
  local state_a="/sys/kernel/debug/vfio/$a/migration/state"
  cli_check "list --json" "$a" '[[ $output == *"$b"* ]]' list --json
  # Linux 7.1's PRECOPY_INFOv2 opt-in as a session makes it: accepted from 7.1 on, absent before.
  local optin="PRECOPY_INFOv2: not in this kernel"
  if [[ $(uname -r) =~ ^([0-9]+)\.([0-9]+) ]] \
      && (( BASH_REMATCH[1] > 7 || (BASH_REMATCH[1] == 7 && BASH_REMATCH[2] >= 1) )); then
    optin="PRECOPY_INFOv2: accepted"
  fi
  cli_check "show" "$optin" '[[ $output == *"$a"* ]]' show "$a"
  cli_check "set STOP" "" '[[ $(<"$state_a") == STOP ]]' set "$a" STOP
  cli_check "save" "" '[[ -s $stream ]]' save "$a" "$stream"
  cli_check "resume" "" "true" resume "$b" "$stream"
  cli_check "watch --count 3" "" "true" watch "$a" --count 3
}

run_junit
run_cli_smoke
echo "$passed $failed" > "$out/result"
echo "$passed passed, $failed failed"
