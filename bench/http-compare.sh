#!/usr/bin/env bash
# HTTP hello throughput, side by side in one run: `loomux hello` on each available backend, and
# the same handler on the JDK's built-in HttpServer with its default executor and with a virtual
# thread per exchange. wrk is the client (installed with apt-get if missing). Server pinned to
# CPU 0, load to CPU 1.
#
#   bench/http-compare.sh [connections...] [-d seconds] [--pipeline N]   (defaults: 50 1000, 10 s)
#
# Prints, per server and connection count: requests per second, p50/p99 latency, socket errors,
# and server CPU microseconds per request (from /proc/PID/stat). One run; the machine is noisy,
# so compare ratios within a run.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=lib.sh
. bench/lib.sh

conns=()
secs=10
pipeline=1
while [[ $# -gt 0 ]]; do
  case $1 in
    -d) secs=$2; shift 2 ;;
    --pipeline) pipeline=$2; shift 2 ;;
    *) conns+=("$1"); shift ;;
  esac
done
[[ ${#conns[@]} -gt 0 ]] || conns=(50 1000)
warm=3

require_wrk() {
  command -v wrk >/dev/null && return 0
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    echo "installing wrk (apt-get)..." >&2
    (apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }) \
      || { echo "could not install wrk" >&2; exit 1; }
  else
    echo "wrk is missing: apt-get install wrk" >&2
    exit 1
  fi
}
require_wrk
build_jars
hz=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# wrk sends $pipeline requests back to back on each connection when asked to.
lua=""
if [[ $pipeline -gt 1 ]]; then
  lua=$(mktemp --suffix=.lua)
  cat >"$lua" <<LUA
init = function(args)
  local r = {}
  for i = 1, $pipeline do r[i] = wrk.format(nil, "/") end
  req = table.concat(r)
end
request = function() return req end
LUA
fi

run_case() { # name connections port command...
  local name=$1 c=$2 port=$3; shift 3
  taskset -c 0 "$@" >"/tmp/loomux-http-$port.log" 2>&1 &
  local pid=$!
  wait_port "$port"
  local script=()
  [[ -n $lua ]] && script=(-s "$lua")
  taskset -c 1 wrk -t1 -c"$c" -d"${warm}s" "${script[@]}" "http://127.0.0.1:$port/" >/dev/null 2>&1 || true
  local t0 t1 out rate p50 p99 errors cpu
  t0=$(cpu_ticks "$pid")
  out=$(taskset -c 1 wrk -t1 -c"$c" -d"${secs}s" --latency "${script[@]}" "http://127.0.0.1:$port/" 2>&1 || true)
  t1=$(cpu_ticks "$pid")
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rate=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  errors=$(awk '/Socket errors/ {print $0}' <<<"$out" | sed 's/^ *Socket errors: //')
  # wrk counts a pipelined batch as $pipeline requests; CPU is over the measured part only.
  cpu=$(awk -v t="$((t1 - t0))" -v hz="$hz" -v r="${rate:-0}" -v s="$secs" \
      'BEGIN { if (r > 0) printf "%.1f", (t / hz) * 1e6 / (r * s); else print "n/a" }')
  printf '%-26s conns=%-5s req/s=%-10s p50=%-9s p99=%-9s cpu_us_per_req~%-6s %s\n' \
      "$name" "$c" "${rate:-failed}" "${p50:-?}" "${p99:-?}" "$cpu" "${errors:+errors: $errors}"
}

echo "http hello: ${secs}s after ${warm}s warm-up, pipeline $pipeline; wrk $(wrk -v 2>&1 | head -1 | awk '{print $2}'); $(java -version 2>&1 | head -1)"
backends=$(available_backends "$server_jar")
port=7201
for c in "${conns[@]}"; do
  for backend in $backends; do
    run_case "loomux-$backend" "$c" "$port" java --enable-native-access=ALL-UNNAMED -jar "$server_jar" hello -b 127.0.0.1 -p "$port" --backend "$backend"
    port=$((port + 1))
  done
  run_case "jdk-httpserver-default" "$c" "$port" java -jar "$server_jar" hello -b 127.0.0.1 -p "$port" --server jdk
  port=$((port + 1))
  run_case "jdk-httpserver-virtual" "$c" "$port" java -jar "$server_jar" hello -b 127.0.0.1 -p "$port" --server jdk --executor virtual
  port=$((port + 1))
done
[[ -n $lua ]] && rm -f "$lua"
