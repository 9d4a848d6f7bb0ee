#!/usr/bin/env bash
# Echo throughput, side by side in one run: loomux's echo server on each available backend, and
# the JDK's own ServerSocket + virtual threads. Server pinned to CPU 0, load to CPU 1.
#
#   bench/echo-compare.sh [connections] [message-bytes] [seconds]     (defaults: 1000 64 10)
#
# Prints, per server: messages per second, p50/p99 round trip, and server CPU microseconds per
# message (from /proc/PID/stat). One run; the machine is noisy, so run it more than once and
# compare medians and ratios, not single figures.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=lib.sh
. bench/lib.sh
conns=${1:-1000}
size=${2:-64}
secs=${3:-10}
warm=3
build_jars
hz=$(getconf CLK_TCK)

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }


run_case() { # name port command...
  local name=$1 port=$2; shift 2
  taskset -c 0 "$@" >"/tmp/loomux-echo-$port.log" 2>&1 &
  local pid=$!
  wait_port "$port"
  local t0 t1 line rate cpu
  t0=$(cpu_ticks "$pid")
  line=$(taskset -c 1 java -cp "$bench_jar" io.loomux.bench.EchoLoad 127.0.0.1 "$port" "$conns" "$size" "$warm" "$secs" || true)
  t1=$(cpu_ticks "$pid")
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rate=$(sed -nE 's/.*msgs\/s=([0-9.]+).*/\1/p' <<<"$line")
  # server CPU over warm-up and measurement, over the messages of both (rate x seconds)
  cpu=$(awk -v t="$((t1 - t0))" -v hz="$hz" -v r="${rate:-0}" -v s="$((secs + warm))" \
      'BEGIN { if (r > 0) printf "%.1f", (t / hz) * 1e6 / (r * s); else print "n/a" }')
  printf '%-22s %s cpu_us_per_msg~%s\n' "$name" "${line:-failed}" "$cpu"
}

echo "echo: $conns connections, $size B messages, ${secs}s after ${warm}s warm-up; $(java -version 2>&1 | head -1)"
port=7101
backends=$(available_backends "$server_jar")
for backend in $backends; do
  run_case "loomux-$backend" "$port" java --enable-native-access=ALL-UNNAMED -jar "$server_jar" echo --bind 127.0.0.1 --port "$port" --backend "$backend"
  port=$((port + 1))
done
run_case "jdk-virtual-threads" "$port" java -cp "$bench_jar" io.loomux.bench.JdkEchoServer "$port"
