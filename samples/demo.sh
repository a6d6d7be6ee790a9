#!/bin/sh
# jperf's main job on the bundled samples. Builds jperf if needed, then:
#  1. profiles the 'mixed' workload (a hot Java loop, zlib, small writes) in-process, at 1 kHz, into jperf.data, on
#     the JVM's default command line (complete stacks need no -XX:+PreserveFramePointer), and turns it into an HTML
#     flame graph and a text report (top of it printed here);
#  2. when perf is installed, records the same workload with perf while jperf keeps /tmp/perf-PID.map current,
#     and prints perf's report, where Java frames now have names (perf walks frame pointers: this JVM keeps them).
# Kernel frames need root or kernel.perf_event_paranoid <= 1.
set -eu
cd "$(dirname "$0")/.."
[ -f attach-cli/target/jperf.jar ] && [ -f samples/target/jperf-samples.jar ] || mvn -q -B -DskipTests package
out=${TMPDIR:-/tmp}/jperf-demo
mkdir -p "$out"
java -Dsamples.delay=0.5 \
     -javaagent:attach-cli/target/jperf.jar=start,event=cpu,interval=1ms,file="$out/jperf.data" \
     -jar samples/target/jperf-samples.jar mixed 5
attach-cli/target/jperf flamegraph -i "$out/jperf.data" -o "$out/flamegraph.html"
attach-cli/target/jperf report -i "$out/jperf.data" -o "$out/report.txt"
head -40 "$out/report.txt"
echo "Flame graph: $out/flamegraph.html   Report: $out/report.txt   Data: $out/jperf.data"

if perf --version >/dev/null 2>&1; then
  java -XX:+PreserveFramePointer -javaagent:attach-cli/target/jperf.jar=perfmap \
       -jar samples/target/jperf-samples.jar mixed 6 > /dev/null &
  pid=$!
  sleep 2
  perf record -q -g -p "$pid" -o "$out/perf.data" -- sleep 3
  wait "$pid"
  perf report -i "$out/perf.data" --stdio --no-children --sort comm,sym -g none --percent-limit 1 2>/dev/null \
      | grep -v '^#' | grep -v '^$'
  echo "perf took the Java names above from /tmp/perf-$pid.map, written by jperf."
fi
