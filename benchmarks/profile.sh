#!/usr/bin/env bash
# './bench profile': where one bench server's CPU time (or its allocation) goes under HTTP load,
# as a flame graph, tied to the run's CPU time per request.
#
#   ./bench profile SERVER [--conns N] [--secs S] [--pipeline P] [--event E] [--out DIR]
#                   [--warm W] [--syscalls]
#
#   SERVER      any name benchmarks/servers.sh knows that runs on a JVM, e.g. http-loomux-epoll
#   --conns     wrk's connections (default 1000)
#   --secs      how long the profile runs, under load (default 20)
#   --pipeline  requests per write, HTTP pipelining (default 1)
#   --event     cpu (default), alloc, wall, itimer, ctimer, or another event async-profiler takes
#   --out       where the SVG and its summary go (default target/bench/profiles)
#   --warm      seconds of load before the profile starts, for the JIT (default 10)
#   --syscalls  after the profile, S more seconds counting system calls per request, by thread
#               (perf stat at the kernel's tracepoints; strace -f -c where perf cannot)
#
# The server runs pinned to CPU 0 and wrk to CPU 1, as in every bench case. async-profiler (from
# Maven Central, unpacked by the benchmarks module's build) is loaded into the server's JVM at
# start, idle, with its control server on a loopback port; it is started after the warm-up and
# stopped when wrk ends, so the profile is the measured window and nothing else. (It is told over
# HTTP, not attached with jcmd: attaching needs the JVM's attach mechanism, which some sandboxes
# and containers do not give. In a loomux JVM the control server is itself served by loomux, the
# provider of com.sun.net.httpserver there: one more poller thread, idle in the window.) Writes DIR/SERVER-N[-pP]-EVENT.svg and .txt (the run's figures
# and the top frames), and the raw stacks to target/bench/profiles/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

usage() { sed -n '5,18p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
server="" conns=1000 secs=20 pipeline=1 event=cpu out=target/bench/profiles warm=10 syscalls=false
while [[ $# -gt 0 ]]; do
  case $1 in
    --conns) conns=$2; shift 2 ;;
    --secs) secs=$2; shift 2 ;;
    --pipeline) pipeline=$2; shift 2 ;;
    --event) event=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --warm) warm=$2; shift 2 ;;
    --syscalls) syscalls=true; shift ;;
    -h|--help) usage ;;
    -*) echo "bench profile: unknown option '$1'" >&2; usage ;;
    *) [[ -z $server ]] || { echo "bench profile: one server at a time" >&2; usage; }; server=$1; shift ;;
  esac
done
[[ -n $server ]] || usage
for n in "$conns" "$secs" "$pipeline" "$warm"; do
  [[ $n =~ ^[0-9]+$ && $n -gt 0 ]] || { echo "bench profile: '$n' is not a positive number" >&2; exit 2; }
done
command_line="./bench profile $server --conns $conns --secs $secs --pipeline $pipeline --event $event"
[[ $warm == 10 ]] || command_line+=" --warm $warm"
[[ $out == target/bench/profiles ]] || command_line+=" --out $out"
$syscalls && command_line+=" --syscalls"

# shellcheck source=lib.sh
. benchmarks/lib.sh
need taskset util-linux
need wrk wrk
need curl curl
$syscalls && need strace strace
echo "bench profile: building (mvn install -pl benchmarks,cli -am)" >&2
build_jars
mkdir -p target/bench/profiles "$out"
log=target/bench/profile-server.log
: >"$log"
# shellcheck source=servers.sh
. benchmarks/servers.sh

first_word=$(server_cmd "$server" 0 | head -n 1) || exit 2
[[ $first_word == java ]] || {
  echo "bench profile: $server does not run on a JVM ($first_word); async-profiler profiles JVMs" >&2
  exit 2
}
case $(uname -m) in
  x86_64) agent=$root/benchmarks/target/async-profiler/linux-x64/libasyncProfiler.so ;;
  aarch64) agent=$root/benchmarks/target/async-profiler/linux-arm64/libasyncProfiler.so ;;
  *) echo "bench profile: async-profiler has no agent for $(uname -m)" >&2; exit 1 ;;
esac
[[ -r $agent ]] || { echo "bench profile: $agent is missing (the benchmarks build unpacks it)" >&2; exit 1; }

# CPU profiling uses the kernel's perf_events (kernel frames included), which an unprivileged
# user only gets with perf_event_paranoid <= 1 (and kernel symbols with kptr_restrict 0). Root
# gets them anyway; anyone else without them gets ctimer, a timer per thread, blind to the kernel.
event_note=""
paranoid=$(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null || echo 2)
if [[ $event == cpu && $(id -u) -ne 0 && $paranoid -gt 1 ]]; then
  event=ctimer
  event_note=" (cpu asked for; perf_event_paranoid=$paranoid and not root, so ctimer: no kernel frames)"
fi
args="event=$event,threads,ann"
case $event in
  cpu|itimer|ctimer) args+=",interval=1000000"; unit=samples; what="$event every 1 ms of CPU time" ;;
  alloc) args+=",interval=262144"; unit=bytes; what="alloc, sampled every 256 KiB, counted in bytes" ;;
  wall) unit=samples; what="wall clock, every thread, running or not" ;;
  *) unit=samples; what=$event ;;
esac
stop_args="collapsed,ann"
[[ $event == alloc ]] && stop_args+=",total"

name=$server-$conns
[[ $pipeline -gt 1 ]] && name+="-p$pipeline"
name+="-${event//[^a-zA-Z0-9_]/_}"
stacks=target/bench/profiles/$name.collapsed
script=()
[[ $pipeline -gt 1 ]] && script=(-s "$(pipeline_lua "$pipeline")")
load() { # seconds [wrk options]: wrk on CPU 1 against the server, its report on stdout
  local s=$1
  shift
  taskset -c 1 wrk -t1 -c"$conns" -d"${s}s" "${script[@]}" "$@" "http://127.0.0.1:$port/" 2>&1
}

# The agent rides in on JAVA_TOOL_OPTIONS, which every JVM reads: the server table stays as it is.
control=$((port + 1001))
while [[ $control -lt 65535 ]] && (exec 3<>"/dev/tcp/127.0.0.1/$control") 2>/dev/null; do control=$((control + 1)); done
JAVA_TOOL_OPTIONS="-agentpath:$agent=server=127.0.0.1:$control" start_server "$server"
wait_port "$control"
profiler() { curl -fsS -m 30 "http://127.0.0.1:$control/$1" >/dev/null; }

echo "bench profile: $server on $port, warming for ${warm}s at $conns connections" >&2
load "$warm" >/dev/null || true
echo "bench profile: profiling $event for ${secs}s" >&2
profiler "start,$args"
t0=$(cpu_ticks "$server_pid")
report=$(load "$secs" --latency) || true
t1=$(cpu_ticks "$server_pid")
profiler "stop,file=$root/$stacks,$stop_args"

syscall_report=""
if $syscalls; then
  # A window of its own, the profiler stopped. perf counts at the kernel's tracepoints, barely
  # slowing the server, and per thread: whose calls they are (the poller's, a carrier's). strace,
  # the fallback, slows every call, so its counts hold but the run's rate does not.
  counts=$(mktemp)
  if perf stat -e syscalls:sys_enter_read true >/dev/null 2>&1; then
    tool="perf stat --per-thread"
    events=$(printf 'syscalls:sys_enter_%s,' "${sys_calls[@]}")
    timeout -s INT "$secs" perf stat --per-thread -x, -e "${events%,}" -p "$server_pid" -o "$counts" &
  else
    tool="strace -f -c"
    # Every thread by its id: -p PID alone would trace the main thread only.
    tids=()
    for t in /proc/"$server_pid"/task/*; do tids+=(-p "${t##*/}"); done
    timeout -s INT "$secs" strace -f -c -o "$counts" "${tids[@]}" 2>/dev/null &
  fi
  tracer=$!
  echo "bench profile: counting system calls for ${secs}s ($tool)" >&2
  traced=$(load "$secs") || true
  wait "$tracer" || true
  traced_requests=$(awk '/requests in/ { print $1 }' <<<"$traced")
  syscall_report="system calls per request ($tool, ${traced_requests:-no} requests; by thread where known):"$'\n'
  # One "call count thread" line per count, from either tool's output.
  if [[ $tool == perf* ]]; then
    lines=$(awk -F, '$4 ~ /sys_enter_/ && $2 ~ /^[0-9]+$/ && $2 > 0 {
      c = $4; sub(/.*sys_enter_/, "", c); t = $1; sub(/-[0-9]+$/, "", t); gsub(/ /, "_", t); print c, $2, t }' "$counts")
  else
    lines=$(awk '$NF ~ /^[a-z_0-9]+$/ && $4 ~ /^[0-9]+$/ && $NF != "total" { print $NF, $4, "-" }' "$counts")
  fi
  syscall_report+=$(awk -v n="${traced_requests:-0}" '
    # Threads with fewer than one call in 200 requests (the JIT, the GC) only clutter the line.
    $2 > 0 { sum[$1] += $2; if ($3 != "-" && $2 / n >= 0.005) by[$1] = by[$1] sprintf(" %s %.3f", $3, $2 / n) }
    END { if (n > 0) for (c in sum) printf "  %8.3f  %-11s%s\n", sum[c] / n, c, by[c] ? " (" substr(by[c], 2) ")" : "" }' \
    <<<"$lines" | sort -rn)
  rm -f "$counts"
fi
stop_server

# Anything async-profiler had to say (a fallback, a missing permission) is in the server's log.
warnings=$(grep -E '^\[(WARN|ERROR)\]' "$log" || true)
[[ -n $warnings ]] && echo "bench profile: async-profiler said: $warnings" >&2
[[ -s $stacks ]] || { echo "bench profile: no stacks were written ($stacks); see $log" >&2; exit 1; }
if [[ $event == cpu ]] && ! grep -q '_\[k\]' "$stacks"; then
  event_note+=" (no kernel frames: perf_events gave none; see kptr_restrict)"
fi

requests=$(awk '/requests in/ { print $1 }' <<<"$report")
rate=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$report")
[[ -n $requests && $requests -gt 0 ]] || { echo "bench profile: wrk reported no requests:"$'\n'"$report" >&2; exit 1; }
hz=$(getconf CLK_TCK)
cpu_us=$(awk -v t="$((t1 - t0))" -v hz="$hz" -v r="$requests" 'BEGIN { printf "%.1f", t / hz * 1e6 / r }')
# How busy the server's core was: near 100 % means the server set the rate; much less, that the
# load did, or that something else had the core (every bench server is pinned to CPU 0).
busy=$(awk -v t="$((t1 - t0))" -v hz="$hz" -v s="$secs" 'BEGIN { printf "%.0f", t / hz * 100 / s }')
errors=$(grep -E 'Socket errors|Non-2xx' <<<"$report" || true)

title="$server: $event, $conns connection$([[ $conns == 1 ]] || echo s)"
[[ $pipeline -gt 1 ]] && title+=", pipeline $pipeline"
details="async-profiler 4.2, $what, ${secs} s; $(printf '%.0f' "$rate") req/s, $cpu_us µs CPU/request"
kind=()
[[ $event == alloc ]] && kind=(--alloc)
summary=$(java -cp "$bench_jar" io.loomux.bench.flame.FlameGraph "$stacks" "$out/$name.svg" \
  --title "$title" --details "$details" --unit "$unit" "${kind[@]}")
total=$(sed -n 's/^total=//p' <<<"$summary")

{
  echo "$command_line"
  echo "server: $server (pinned to CPU 0), wrk -t1 -c$conns on CPU 1, pipeline $pipeline"
  echo "event: $what$event_note"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown), $(date -u +%Y-%m-%dT%H:%MZ), $(java -version 2>&1 | head -n 1)"
  echo "requests: $requests in ${secs} s ($rate req/s)${errors:+; $errors}"
  echo "server CPU: $cpu_us µs per request ($((t1 - t0)) ticks at $hz Hz, core $busy % busy), profiler running"
  if [[ $event == alloc ]]; then
    awk -v b="$total" -v r="$requests" \
      'BEGIN { printf "allocated: %.0f bytes per request (%.0f bytes in the profile, as async-profiler scales its samples)\n", b / r, b }'
  fi
  sed 's/^total=/profile total: /' <<<"$summary"
  if [[ -n $syscall_report ]]; then echo "$syscall_report"; fi
} | tee "$out/$name.txt"
echo "bench profile: wrote $out/$name.svg ($(($(stat -c %s "$out/$name.svg") / 1024)) KiB) and $out/$name.txt" >&2
