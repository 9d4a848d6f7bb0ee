#!/usr/bin/env bash
# The benchmark run behind ./bench: every case side by side in one run, server pinned to CPU 0
# and load to CPU 1, each case warmed up, repeated, and reported as the median.
#
#   ./bench                 full run (about an hour): writes docs/benchmarks.md, the plot
#                           docs/bench-echo.png and the table in README.md
#   ./bench --quick         smoke run (a few minutes): prints the table, writes target/bench/
#   ./bench --only CASES    comma-separated: echo, latency, bulk, churn, http, h2, ws, idle, syscalls;
#                           a partial run writes target/bench/, never docs/ or README.md
#   ./bench report [TSV]    remakes the report (docs/benchmarks.md, the plot, README's table) from
#                           a stored run's figures, without rerunning: default docs/benchmarks-runs.tsv
#   ./bench jmh [JMH ARGS]  builds bench-jmh and runs JMH on this JDK ('./bench jmh -l' lists the
#                           benchmarks, './bench jmh -h' shows JMH's options)
#   ./bench profile SERVER [--conns N] [--secs S] [--pipeline P] [--event cpu|alloc|wall]
#                   [--out DIR] [--syscalls]
#                           a flame graph (SVG) of where one server's CPU time or allocation
#                           goes under wrk's load, with its CPU µs per request (docs/profiles.md;
#                           './bench profile --help' for the rest)
#   ./bench soak [--minutes N] [--seed S] [--no-faults]
#                           the soak (docs/reliability.md): echo, HTTP, HTTPS, h2c and h2 servers
#                           on every backend, over the kit's fault injector (--no-faults: without it),
#                           under clients that check every byte and clients that misbehave, for
#                           N minutes (default 1); ends with one summary line and exits non-zero
#                           on any loss, crossing, leak or server that stops answering
#
# Nothing here is typed by hand: the tables are made from this run's measurements, with the
# date, the commit, the machine and the versions (benchmarks/report.sh). A cell that could not
# be measured says why (n/a) and fails the run, so a broken case cannot pass for a result.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

if [[ ${1:-} == report ]]; then
  shift
  exec benchmarks/report.sh "$@"
fi

if [[ ${1:-} == jmh ]]; then
  shift
  # shellcheck source=lib.sh
  . benchmarks/lib.sh
  echo "bench: building (mvn package -pl bench-jmh -am)" >&2
  mvn_or_exit -DskipTests package -pl bench-jmh -am
  jmh_jar=$(ls -t bench-jmh/target/loomux-bench-jmh-*-all.jar | head -n 1)
  # The JDK that scripts/jdk.sh found (lib.sh put it first on the PATH); JMH forks the same one.
  exec java --enable-native-access=ALL-UNNAMED -jar "$jmh_jar" "$@"
fi

if [[ ${1:-} == profile ]]; then
  shift
  exec benchmarks/profile.sh "$@"
fi

if [[ ${1:-} == soak ]]; then
  shift
  # shellcheck source=lib.sh
  . benchmarks/lib.sh
  echo "bench: building (mvn package -pl benchmarks -am)" >&2
  build_soak_jar
  # The servers and clients share this JVM, so that its descriptors, threads and heap are the
  # servers' and the soak can count them; a bounded heap makes growth fail fast.
  exec java -XX:+UseParallelGC -Xmx512m --enable-native-access=ALL-UNNAMED -cp "$bench_jar" \
    io.loomux.bench.soak.Soak "$@"
fi

quick=false
only=""
while [[ $# -gt 0 ]]; do
  case $1 in
    --quick) quick=true; shift ;;
    --only) only=$2; shift 2 ;;
    --only=*) only=${1#--only=}; shift ;;
    -h|--help) sed -n '2,28p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench: unknown argument '$1' (try ./bench --help)" >&2; exit 2 ;;
  esac
done
wants() { [[ -z $only || ",$only," == *",$1,"* ]]; }
for c in ${only//,/ }; do
  case $c in echo|latency|bulk|churn|http|h2|ws|idle|syscalls) ;; *) echo "bench: unknown case '$c' for --only" >&2; exit 2 ;; esac
done

# shellcheck source=lib.sh
. benchmarks/lib.sh
# shellcheck source=report.sh
. benchmarks/report.sh

if $quick; then
  # A smoke test (CI's): every server runs every case once, unwarmed, for 1 s.
  runs=1; warm=0; secs=1
  echo_sizes=(64); echo_conns=(100)
  lat_size=64; lat_conns=100; lat_rates=(5000)
  # HTTP at 50 connections only, and the fixed rate at one light rate for 1 s, unwarmed: every
  # server still runs every HTTP case once, so a broken one fails CI, for about a minute more.
  http_conns=(50); http_pipeline=(1); http_pipeline_conns=(); http_rates=(2000); http_rate_time=(0 1)
  # HTTP/2: one cell, the hello at 100 connections x 10 streams, 1 s unwarmed: every server once.
  h2_bodies=(hello); h2_conns=(100); h2_streams=(10); h2_warm=0
  # WebSocket: one cell, 64 B at 100 connections, every server once, and its idle WebSockets.
  ws_sizes=(64); ws_conns=(100)
  idle_conns=200
  bulk_bytes=$((64 << 20)); bulk_conns=(1 100)
  churn_secs=1
  out=target/bench
else
  runs=3; warm=3; secs=4
  echo_sizes=(64 4096); echo_conns=(10 100 1000 10000)
  # Fixed rates below every server's ping-pong peak at 1,000 connections (about 45,000 msgs/s
  # for the slowest here): a light load and one at about two thirds of the slowest peak.
  lat_size=64; lat_conns=1000; lat_rates=(10000 30000)
  http_conns=(1 50 1000 10000); http_pipeline=(1 16); http_pipeline_conns=(50)
  # Below the slowest server's peak at 1,000 connections (the JDK's default, about 20,000 req/s
  # here), so that every server keeps up: a light load and one at about half of that peak.
  http_rates=(2000 10000); http_rate_time=("$warm" "$secs")
  h2_bodies=(hello 64k); h2_conns=(1 100); h2_streams=(10 100); h2_warm=$warm
  ws_sizes=(64 4096); ws_conns=(100 1000)
  idle_conns=10000
  bulk_bytes=$((1 << 30)); bulk_conns=(1 100)
  churn_secs=6
  out=docs
fi
# Only a whole run stands for the project: a partial one writes beside the quick run.
[[ -n $only ]] && out=target/bench
mkdir -p "$out" target/bench
results=target/bench/results.tsv
: >"$results"
log=target/bench/servers.log
: >"$log"

# ---- tools -------------------------------------------------------------------------------

need taskset util-linux
need gcc gcc
wants http && need wrk wrk
if wants h2; then
  need h2load nghttp2-client
  need curl curl
fi
# nginx is a peer of the HTTP case: installed like the tools where this is root on Debian (a failed
# install is then an error), and left out, saying so, only where it cannot be installed here.
nginx_skipped=false
if wants http; then
  [[ -x /usr/sbin/nginx ]] && PATH=$PATH:/usr/sbin
  if command -v nginx >/dev/null || { [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; }; then
    need nginx nginx
  else
    echo "bench: skipped: http-nginx (no nginx here, and installing it needs root and apt-get)" >&2
    nginx_skipped=true
  fi
fi
$quick || need gnuplot gnuplot-nox

echo "bench: building (mvn install -pl benchmarks,cli -am, and the C echo server)" >&2
build_jars
gcc -O2 -Wall -Wextra -Werror -o target/bench/echo-c benchmarks/c/echo.c
hz=$(getconf CLK_TCK)
backends=$(available_backends "$server_jar")
[[ -n $backends ]] || { echo "bench: no loomux backend is available here" >&2; exit 1; }

# ---- servers -----------------------------------------------------------------------------

# shellcheck source=servers.sh
. benchmarks/servers.sh
echo_servers=()
for b in $backends; do echo_servers+=("loomux-$b"); done
# The same echo served in turns (loomux echo --release-idle: no thread while a connection is
# idle), on the first (highest-priority) backend.
turns_server="loomux-$(awk 'NF { print $1; exit }' <<<"$backends")-turns"
echo_servers+=("$turns_server" jdk-virtual-threads netty-epoll netty-nio)

record() { printf '%s\t%s\n' "$1" "$2" >>"$results"; } # key value
field() { sed -nE "s#.*(^| )$1=([0-9.]+).*#\\2#p" <<<"$2"; }   # name line
load() { taskset -c 1 java -cp "$bench_jar" io.loomux.bench.EchoLoad "$@"; }

progress() { printf 'bench: %-60s %s\n' "$1" "$2" >&2; }
# Records the latencies and the achieved rate of an open loop's line (OpenLoop.run): key line.
record_open_loop() {
  local m
  for m in p50 p99 p999 max; do record "$1|$m" "$(field "${m}us" "$2")"; done
  record "$1|achieved" "$(field achieved "$2")"
}

# ---- cases -------------------------------------------------------------------------------

# Records a closed loop's figures from its load's line (EchoLoad pingpong, WsEchoLoad) when it
# ran without errors: messages per second, the loop's p99, server CPU µs per message and how
# busy the server's core was. Prints the rate, or FAILED and the line's end. key line
record_closed_loop() {
  local key=$1 line=$2 rate ticks took
  rate=$(field 'msgs/s' "$line"); ticks=$(field serverTicks "$line"); took=$(field seconds "$line")
  if [[ -n $rate && $(field errors "$line") == 0 && -n $ticks && -n $took ]]; then
    record "$key|msgs" "$rate"
    record "$key|p99" "$(field p99us "$line")"
    record "$key|cpu" "$(awk -v t="$ticks" -v hz="$hz" -v r="$rate" -v s="$took" 'BEGIN { printf "%.2f", (t / hz) * 1e6 / (r * s) }')"
    # How busy the server's core was: near 100 % means the server, not the load, is the limit.
    record "$key|busy" "$(awk -v t="$ticks" -v hz="$hz" -v s="$took" 'BEGIN { printf "%.0f", (t / hz) * 100 / s }')"
    echo "$rate"
  else
    echo "FAILED: $(tail -c 200 <<<"$line")"
  fi
}

echo_case() { # server size conns run
  local s=$1 size=$2 c=$3 line
  start_server "$s"
  # The load reads the server's CPU time itself at the start and end of its measured period.
  line=$(taskset -c 1 java -Dechoload.cpuOf="$server_pid" -cp "$bench_jar" io.loomux.bench.EchoLoad \
         pingpong 127.0.0.1 "$port" "$c" "$size" "$warm" "$secs" 2>&1) || true
  stop_server
  progress "echo ${size}B x$c $s (run $4)" "$(record_closed_loop "echo|$size|$c|$s" "$line")"
}

latency_case() { # server rate run: the open loop at a fixed rate (EchoLoad rate)
  local s=$1 r=$2 line p99
  start_server "$s"
  line=$(taskset -c 1 java -Dechoload.cpuOf="$server_pid" -cp "$bench_jar" io.loomux.bench.EchoLoad \
         rate 127.0.0.1 "$port" "$lat_conns" "$lat_size" "$r" "$warm" "$secs" 2>&1) || true
  stop_server
  p99=$(field p99us "$line")
  [[ -n $p99 && $(field errors "$line") == 0 ]] && record_open_loop "lat|$lat_size|$lat_conns|$r|$s" "$line"
  progress "latency ${lat_size}B x$lat_conns at $r/s $s (run $3)" "$([[ -n $p99 ]] && echo "p99 $p99 µs" || echo "FAILED: $(tail -c 200 <<<"$line")")"
}

bulk_case() { # server conns run
  local s=$1 c=$2 line gbs
  start_server "$s"
  line=$(load bulk 127.0.0.1 "$port" "$c" "$bulk_bytes" 2>&1) || true
  stop_server
  gbs=$(field 'GB/s' "$line")
  [[ -n $gbs && $(field errors "$line") == 0 ]] && record "bulk|$c|$s|gbs" "$gbs"
  progress "bulk $((bulk_bytes >> 20)) MiB x$c $s (run $3)" "${gbs:-FAILED: $(tail -c 200 <<<"$line")} GB/s"
}

churn_case() { # server run
  local s=$1 line rate
  start_server "$s"
  line=$(load churn 127.0.0.1 "$port" 50 "$warm" "$churn_secs" 2>&1) || true
  stop_server
  rate=$(field 'conns/s' "$line")
  [[ -n $rate && $(field errors "$line") == 0 ]] && record "churn|$s|rate" "$rate"
  progress "churn $s (run $2)" "${rate:-FAILED: $(tail -c 200 <<<"$line")} conns/s"
}

heap_used_kb() { # pid -> heap used after a full GC, KiB; nothing for a process that is not a JVM
  # jcmd signals (SIGQUIT) the process it attaches to, which would stop nginx: JVMs only.
  [[ $(readlink "/proc/$1/exe") == */java ]] || return 0
  # One attach for both commands; the heap's generations are the lines at the margin:
  # "PSYoungGen      total 113152K, used 2048K [...]", "ParOldGen ... used 1338K [...]".
  printf 'GC.run\nGC.heap_info\n' >target/bench/heap.jcmd
  jcmd "$1" -f "$PWD/target/bench/heap.jcmd" 2>/dev/null \
    | awk '/^[A-Za-z].*total [0-9]+K, used [0-9]+K/ { sub(/.*used /, ""); n += $1 + 0; seen = 1 } END { if (seen) print n }' || true
}
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

idle_case() { # server run [http|ws]: an echo server's idle connections, or keep-alive ones, or WebSockets
  local s=$1 rss0 heap0 rss1 heap1 cp per ready=false how=()
  if ! start_server "$s"; then
    stop_server
    progress "idle x$idle_conns $s (run $2)" "FAILED: the server did not start (see $log)"
    return
  fi
  # Warm the paths once.
  if [[ ${3:-} == http ]]; then
    how=(--http)
    taskset -c 1 wrk -t1 -c10 -d1s "http://127.0.0.1:$port/" >/dev/null 2>&1 || true
  elif [[ ${3:-} == ws ]]; then
    how=(--ws)
    taskset -c 1 java -cp "$bench_jar" io.loomux.bench.WsEchoLoad 127.0.0.1 "$port" 10 64 1 1 >/dev/null 2>&1 || true
  else
    load pingpong 127.0.0.1 "$port" 10 64 1 1 >/dev/null 2>&1 || true
  fi
  heap0=$(heap_used_kb "$server_pid"); rss0=$(rss_kb "$server_pid")
  coproc IDLE { taskset -c 1 java -cp "$bench_jar" io.loomux.bench.IdleClients "${how[@]}" 127.0.0.1 "$port" "$idle_conns" 120 2>&1; }
  cp=$IDLE_PID
  local l
  # Bounded: IdleClients prints its "idle N" line or ends within its 120 s.
  while IFS= read -r -t 120 l <&"${IDLE[0]}"; do
    if [[ $l == idle* ]]; then ready=true; break; fi
  done
  if $ready; then
    heap1=$(heap_used_kb "$server_pid"); rss1=$(rss_kb "$server_pid")
    per=$(awk -v a="$rss0" -v b="$rss1" -v n="$idle_conns" 'BEGIN { printf "%.0f", (b - a) * 1024 / n }')
    record "idle|$s|rss" "$per"
    # A server that is not a JVM (nginx) has no heap to weigh.
    [[ -n $heap0 && -n $heap1 ]] && record "idle|$s|heap" "$(awk -v a="$heap0" -v b="$heap1" -v n="$idle_conns" 'BEGIN { printf "%.0f", (b - a) * 1024 / n }')"
  fi
  kill "$cp" 2>/dev/null || true; wait "$cp" 2>/dev/null || true
  stop_server
  progress "idle x$idle_conns $s (run $2)" "$($ready && echo "$per B RSS/conn" || echo FAILED)"
}

syscall_tool=none
syscalls_case() { # server run
  local s=$1 line total f
  f=$(mktemp)
  start_server "$s"
  local tool=strace
  if perf stat -e syscalls:sys_enter_read true >/dev/null 2>&1; then
    tool=perf
    local ev; ev=$(printf 'syscalls:sys_enter_%s,' "${sys_calls[@]}")
    perf stat -x, -e "${ev%,}" -p "$server_pid" -o "$f" &
  else
    strace -f -c -o "$f" -p "$server_pid" &
  fi
  local tracer=$!
  line=$(load pingpong 127.0.0.1 "$port" 100 64 0 "$secs" 2>&1) || true
  kill -INT "$tracer" 2>/dev/null || true; wait "$tracer" 2>/dev/null || true
  stop_server
  syscall_tool=$tool
  total=$(field total "$line")
  # One "name count" line per call, from either tool's output.
  local counts
  if [[ $tool == perf ]]; then
    counts=$(awk -F, '/sys_enter_/ { n = $3; sub(/.*sys_enter_/, "", n); print n, $1 + 0 }' "$f")
  else
    counts=$(awk '$NF ~ /^[a-z_0-9]+$/ && $4 ~ /^[0-9]+$/ { print $NF, $4 }' "$f")
  fi
  for c in read write epoll_wait epoll_ctl futex; do
    local n
    n=$(awk -v c="$c" '{ k = $1 }
        k == "readv" || k == "recvfrom" || k == "recvmsg" { k = "read" }
        k == "writev" || k == "sendto" || k == "sendmsg" { k = "write" }
        k == "epoll_pwait" { k = "epoll_wait" }
        k == c { n += $2 } END { print n + 0 }' <<<"$counts")
    [[ -n $total && $total -gt 0 ]] && record "sys|$s|$c" "$(awk -v n="$n" -v t="$total" 'BEGIN { printf "%.3f", n / t }')"
  done
  rm -f "$f"
  progress "system calls x100 $s (run $2)" "$(median "sys|$s|read") reads/msg"
}

http_case() { # server conns pipeline run
  local s=$1 c=$2 p=$3 outw rate t0 t1 script=() lua=""
  if [[ $p -gt 1 ]]; then
    lua=$(pipeline_lua "$p")
    script=(-s "$lua")
  fi
  start_server "$s"
  taskset -c 1 wrk -t1 -c"$c" -d"${warm}s" "${script[@]}" "http://127.0.0.1:$port/" >/dev/null 2>&1 || true
  t0=$(cpu_ticks "$server_pid")
  outw=$(taskset -c 1 wrk -t1 -c"$c" -d"${secs}s" --latency "${script[@]}" "http://127.0.0.1:$port/" 2>&1) || true
  t1=$(cpu_ticks "$server_pid")
  stop_server
  rate=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$outw")
  local key="http|$c|$p|$s" e n errs
  if [[ -n $rate ]]; then
    # wrk prints its socket errors only when there were some: "Socket errors: connect 0, read 2,
    # write 0, timeout 5", and answers other than 2xx/3xx as "Non-2xx or 3xx responses: N".
    errs=0
    for e in connect read write timeout non2xx; do
      n=$(awk -v e="$e" '/Socket errors:/ { for (i = 1; i < NF; i++) if ($i == e) v = $(i + 1) + 0 }
                         /Non-2xx or 3xx responses:/ && e == "non2xx" { v = $NF }
                         END { print v + 0 }' <<<"$outw")
      record "$key|$e" "$n"
      errs=$((errs + n))
    done
    record "$key|rps" "$rate"
    record "$key|p99" "$(awk '$1 == "99%" { v = $2; if (v ~ /us$/) v = v + 0; else if (v ~ /ms$/) v = v * 1000; else if (v ~ /s$/) v = v * 1e6; print v }' <<<"$outw")"
    record "$key|cpu" "$(awk -v t="$((t1 - t0))" -v hz="$hz" -v r="$rate" -v s="$secs" 'BEGIN { printf "%.2f", (t / hz) * 1e6 / (r * s) }')"
  fi
  progress "http x$c pipeline $p ${s#http-} (run $4)" "${rate:-FAILED} req/s${errs:+, $errs errors}"
}

http_rate_case() { # server rate run: HttpRateLoad, the open loop at a fixed rate
  local s=$1 r=$2 line p99 key="hlat|$http_rate_conns|$2|$1"
  start_server "$s"
  line=$(taskset -c 1 java -Dechoload.cpuOf="$server_pid" -cp "$bench_jar" io.loomux.bench.HttpRateLoad \
         127.0.0.1 "$port" "$http_rate_conns" "$r" "${http_rate_time[@]}" 2>&1) || true
  stop_server
  echo "$line" >>"$log" # with the load's reasons for any errors
  p99=$(field p99us "$line")
  # Errors do not void the cell: the report shows them beside the latencies.
  if [[ -n $p99 ]]; then
    record_open_loop "$key" "$line"
    record "$key|err" "$(field errors "$line")"
  fi
  progress "http latency x$http_rate_conns at $r/s ${s#http-} (run $3)" \
    "$([[ -n $p99 ]] && echo "p99 $p99 µs, $(field errors "$line") errors" || echo "FAILED: $(tail -c 200 <<<"$line")")"
}

# shellcheck source=h2.sh
. benchmarks/h2.sh
# shellcheck source=ws.sh
. benchmarks/ws.sh

http_servers=()
for b in $backends; do http_servers+=("http-loomux-$b"); done
http_servers+=(http-netty http-helidon http-robaho)
$nginx_skipped || http_servers+=(http-nginx)
http_servers+=(http-jdk-default http-jdk-virtual)
http_rate_conns=1000
h2_servers=()
for b in $backends; do h2_servers+=("h2-loomux-$b"); done
h2_servers+=(h2-netty h2-helidon)
# WebSocket echo: loomux ws-echo on each backend, in turns on the first, and Netty's.
ws_servers=()
for b in $backends; do ws_servers+=("ws-loomux-$b"); done
ws_servers+=("ws-$turns_server" ws-netty)
ws_loomux=true
if wants ws && ! ws_loomux_available; then
  ws_loomux=false
  echo "bench: loomux ws-echo not available (this CLI has no ws-echo command): the loomux WebSocket cells are left out (n/a)" >&2
fi

# The run's settings, beside its figures, so that the report can be remade from them alone.
meta_line() { record "meta|$1" "$2"; }
started=$(date -u +%Y-%m-%dT%H:%MZ)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo "not recorded (no git)")
[[ -n $(git status --porcelain 2>/dev/null) ]] && commit+=" + uncommitted changes"
cases=""
for c in echo latency http h2 ws bulk churn idle syscalls; do wants "$c" && cases+="$c "; done
meta_line started "$started"
meta_line commit "$commit"
meta_line machine "$(nproc) CPUs ($(lscpu 2>/dev/null | sed -nE 's/^Model name: *//p' | head -n 1)), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), Linux $(uname -r)"
meta_line jdk "$(java -version 2>&1 | head -n 1)"
meta_line netty "$(sed -nE 's:.*<netty.version>(.*)</netty.version>.*:\1:p' benchmarks/pom.xml | head -n 1)"
wants http && meta_line wrk "$(wrk -v 2>&1 | head -n 1 | awk '{print "wrk " $2}')"
if wants http; then
  pom_version() { sed -nE "s:.*<$1>(.*)</$1>.*:\1:p" benchmarks/pom.xml | head -n 1; }
  meta_line http_peers "Helidon $(pom_version helidon.version), robaho httpserver $(pom_version robaho.version), $($nginx_skipped && echo "no nginx" || nginx -v 2>&1 | sed 's/^nginx version: //')"
fi
if wants h2; then
  meta_line h2load "$(h2load --version 2>&1 | head -n 1)"
  meta_line h2_bodies "${h2_bodies[*]}"
  meta_line h2_conns "${h2_conns[*]}"
  meta_line h2_streams "${h2_streams[*]}"
  meta_line h2_servers "${h2_servers[*]}"
  meta_line h2_warm "$h2_warm"
fi
if wants ws; then
  meta_line ws_sizes "${ws_sizes[*]}"
  meta_line ws_conns "${ws_conns[*]}"
  meta_line ws_servers "${ws_servers[*]}"
  meta_line ws_loomux "$($ws_loomux && echo available || echo missing)"
fi
meta_line quick "$quick"
meta_line runs "$runs"
meta_line warm "$warm"
meta_line secs "$secs"
meta_line cases "${cases% }"
meta_line echo_sizes "${echo_sizes[*]}"
meta_line echo_conns "${echo_conns[*]}"
meta_line echo_servers "${echo_servers[*]}"
meta_line turns_server "$turns_server"
meta_line lat_size "$lat_size"
meta_line lat_conns "$lat_conns"
meta_line lat_rates "${lat_rates[*]}"
meta_line http_conns "${http_conns[*]}"
meta_line http_pipeline "${http_pipeline[*]}"
meta_line http_servers "${http_servers[*]}"
meta_line http_pipeline_conns "${http_pipeline_conns[*]}"
meta_line http_rates "${http_rates[*]}"
meta_line http_rate_conns "$http_rate_conns"
meta_line http_rate_time "${http_rate_time[*]}"
meta_line partial "$([[ -n $only ]] && echo true || echo false)"
meta_line bulk_bytes "$bulk_bytes"
meta_line bulk_conns "${bulk_conns[*]}"
meta_line idle_conns "$idle_conns"

for run in $(seq 1 "$runs"); do
  if wants echo; then
    for size in "${echo_sizes[@]}"; do
      for c in "${echo_conns[@]}"; do
        for s in "${echo_servers[@]}"; do echo_case "$s" "$size" "$c" "$run"; done
      done
    done
    [[ $run -eq 1 ]] && echo_case c-epoll 64 1000 "$run"
  fi
  if wants latency; then
    for r in "${lat_rates[@]}"; do
      for s in "${echo_servers[@]}"; do latency_case "$s" "$r" "$run"; done
    done
  fi
  if wants http; then
    for p in "${http_pipeline[@]}"; do
      conns=("${http_conns[@]}")
      [[ $p -gt 1 ]] && conns=("${http_pipeline_conns[@]}")
      for c in "${conns[@]}"; do
        for s in "${http_servers[@]}"; do http_case "$s" "$c" "$p" "$run"; done
      done
    done
    for r in "${http_rates[@]}"; do
      for s in "${http_servers[@]}"; do http_rate_case "$s" "$r" "$run"; done
    done
  fi
  if wants h2; then
    for body in "${h2_bodies[@]}"; do
      for c in "${h2_conns[@]}"; do
        for m in "${h2_streams[@]}"; do
          for s in "${h2_servers[@]}"; do h2_case "$s" "$body" "$c" "$m" "$run"; done
        done
      done
    done
  fi
  if wants ws; then
    for size in "${ws_sizes[@]}"; do
      for c in "${ws_conns[@]}"; do
        for s in "${ws_servers[@]}"; do ws_echo_case "$s" "$size" "$c" "$run"; done
      done
    done
    # Memory per idle WebSocket belongs to the ws case, beside its other figures.
    for s in "${ws_servers[@]}"; do ws_idle_case "$s" "$run"; done
  fi
  if wants bulk; then
    for c in "${bulk_conns[@]}"; do
      for s in "${echo_servers[@]}"; do bulk_case "$s" "$c" "$run"; done
    done
  fi
  if wants churn; then
    for s in "${echo_servers[@]}"; do churn_case "$s" "$run"; done
  fi
  if wants idle; then
    for s in "${echo_servers[@]}"; do idle_case "$s" "$run"; done
  fi
  # HTTP's idle keep-alive connections belong to the HTTP case, beside its other figures.
  if wants http; then
    for s in "${http_servers[@]}"; do idle_case "$s" "$run" http; done
  fi
  if wants syscalls; then
    for s in "${echo_servers[@]}"; do syscalls_case "$s" "$run"; done
  fi
done

# ---- report ------------------------------------------------------------------------------

wants syscalls && meta_line syscall_tool "$syscall_tool"
write_report
