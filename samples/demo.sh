#!/bin/sh
# jperf's main job on the bundled samples: Java symbols for Linux perf.
# Runs the 'mixed' workload (hot loop, zlib, syscalls) with jperf's perf map, records it with perf, and prints
# perf's report, where the Java frames carry Java names. Builds jperf first if needed. Needs perf and root (or
# kernel.perf_event_paranoid <= 1).
set -eu
cd "$(dirname "$0")/.."
[ -f attach-cli/target/jperf.jar ] && [ -f samples/target/jperf-samples.jar ] || mvn -q -B -DskipTests package
java -XX:+PreserveFramePointer -javaagent:attach-cli/target/jperf.jar=perfmap \
     -jar samples/target/jperf-samples.jar mixed 8 > /dev/null &
pid=$!
sleep 3
perf record -q -g -p "$pid" -o /tmp/jperf-demo.data -- sleep 3
wait "$pid"
perf report -i /tmp/jperf-demo.data --stdio --no-children --sort comm,sym -g none --percent-limit 0.5 2>/dev/null
echo "Java symbols came from /tmp/perf-$pid.map, written by jperf (perf script -i /tmp/jperf-demo.data shows stacks)."
