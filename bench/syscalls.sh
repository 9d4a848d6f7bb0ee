#!/usr/bin/env bash
# System calls per echoed message, server side, side by side in one run: loomux's echo server on
# each available backend and the JDK's own ServerSocket + virtual threads. Counted with
# `perf stat` on the kernel's syscall tracepoints for the server process only: unlike strace it
# does not slow the server down (strace makes reads find data already queued, which hides the
# waits being measured).
#
#   bench/syscalls.sh [connections] [seconds]      (defaults: 100 5)
#
# Needs perf (apt-get install linux-perf) and tracefs, which the script mounts when it can.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=lib.sh
. bench/lib.sh
conns=${1:-100}
secs=${2:-5}
command -v perf >/dev/null || { echo "bench/syscalls.sh needs perf: apt-get install -y linux-perf" >&2; exit 1; }
[ -e /sys/kernel/tracing/events/syscalls ] || mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null || true
[ -e /sys/kernel/tracing/events/syscalls ] || { echo "bench/syscalls.sh needs tracefs with syscall events (/sys/kernel/tracing)" >&2; exit 1; }
build_jars
calls=(read write readv writev recvfrom sendto recvmsg sendmsg epoll_wait epoll_pwait epoll_ctl futex accept4 sched_yield)
events=$(printf 'syscalls:sys_enter_%s,' "${calls[@]}")
events=${events%,}


run_case() { # name port command...
  local name=$1 port=$2; shift 2
  taskset -c 0 "$@" >"/tmp/loomux-sys-$port.log" 2>&1 &
  local pid=$! out line total
  wait_port "$port"
  out=$(mktemp)
  perf stat -x, -e "$events" -p "$pid" -o "$out" &
  local perf_pid=$!
  line=$(taskset -c 1 java -cp "$bench_jar" io.loomux.bench.EchoLoad 127.0.0.1 "$port" "$conns" 64 0 "$secs" || true)
  kill -INT "$perf_pid"; wait "$perf_pid" 2>/dev/null || true
  kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
  total=$(sed -nE 's/.*total=([0-9]+).*/\1/p' <<<"$line")
  printf '%-20s msgs=%-9s' "$name" "${total:-?}"
  awk -F, -v n="${total:-0}" '/sys_enter_/ { sub(/syscalls:sys_enter_/, "", $3); if ($1 + 0 > 0 && n > 0) printf " %s=%.3f", $3, $1 / n } END { print "" }' "$out"
  rm -f "$out"
}

echo "system calls per echoed message (server only): $conns connections, 64 B, ${secs}s; $(java -version 2>&1 | head -1)"
port=7301
backends=$(available_backends "$server_jar")
for backend in $backends; do
  run_case "loomux-$backend" "$port" java --enable-native-access=ALL-UNNAMED -jar "$server_jar" echo --bind 127.0.0.1 --port "$port" --backend "$backend"
  port=$((port + 1))
done
run_case "jdk-virtual-threads" "$port" java -cp "$bench_jar" io.loomux.bench.JdkEchoServer "$port"
