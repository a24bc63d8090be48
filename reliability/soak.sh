#!/bin/sh
# The soak: one hour of simulated time on four simulated devices (see SoakRun). Not part of
# ./mvnw verify. Prints memory and thread figures every five simulated minutes and writes them
# to target/soak-report.txt.
set -e
cd "$(dirname "$0")/.."
exec ./mvnw -B -q -Psoak test "$@"
