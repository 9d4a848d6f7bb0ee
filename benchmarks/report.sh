# shellcheck shell=bash
# Sourced by benchmarks/run.sh after the cases ran: turns target/bench/results.tsv into the Markdown
# tables (printed, and written to $out/benchmarks.md), the plot (full runs) and the README's
# table (full runs). Checks that every cell it was asked for holds a number: a case that failed
# shows as n/a and makes the run fail, so CI's smoke run catches a broken benchmark.

missing=0
num() { # key [scale] [decimals] -> the median, formatted; counts n/a
  local v; v=$(median "$1")
  if [[ $v == n/a ]]; then missing=$((missing + 1)); echo "n/a"; return; fi
  awk -v v="$v" -v s="${2:-1}" -v d="${3:-0}" 'BEGIN { printf "%.*f", d, v * s }'
}
ratio() { # numerator-key denominator-key -> a/b with 2 decimals, or n/a
  local a b; a=$(median "$1"); b=$(median "$2")
  if [[ $a == n/a || $b == n/a ]]; then missing=$((missing + 1)); echo "n/a"; return; fi
  awk -v a="$a" -v b="$b" 'BEGIN { if (b == 0) print "n/a"; else printf "%.2f", a / b }'
}
met() { # value op threshold -> yes/no
  [[ $1 == n/a ]] && { echo "n/a"; return; }
  awk -v v="$1" -v t="$3" -v op="$2" 'BEGIN { ok = (op == ">=") ? v >= t : v <= t; print ok ? "yes" : "**no**" }'
}

# A servers x connection-counts table, each cell "rate (p99; cpu)". The key template names the
# connection count as %c and the server as %s, e.g. "echo|64|%c|%s".
# Usage: matrix KEY-TEMPLATE RATE-METRIC "SERVERS..." "CONNS..." [no-latency]
# With no-latency the p99 shows as "-": wrk times a pipelined batch, not a request.
matrix() {
  local template=$1 metric=$2 latency=${5:-} s c k p99
  local -a servers conns
  read -ra servers <<<"$3"
  read -ra conns <<<"$4"
  printf '| server |'; for c in "${conns[@]}"; do printf ' %s conns |' "$c"; done; echo
  printf '|---|'; for _ in "${conns[@]}"; do printf -- '---|'; done; echo
  for s in "${servers[@]}"; do
    printf '| %s |' "${s#http-}"
    for c in "${conns[@]}"; do
      k=${template//%c/$c}
      k=${k//%s/$s}
      if [[ $latency == no-latency ]]; then p99=-; else p99=$(num "$k|p99"); fi
      printf ' %s (%s; %s) |' "$(num "$k|$metric")" "$p99" "$(num "$k|cpu" 1 1)"
    done
    echo
  done
}

netty_version=$(sed -nE 's:.*<netty.version>(.*)</netty.version>.*:\1:p' benchmarks/pom.xml | head -n 1)
machine="$(nproc) CPUs ($(lscpu 2>/dev/null | sed -nE 's/^Model name: *//p' | head -n 1)), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), Linux $(uname -r)"
jdk=$(java -version 2>&1 | head -n 1)

report=$(mktemp)
{
  echo "# Benchmarks"
  echo
  echo "Made by \`./bench$($quick && echo " --quick")\` on $started: $machine; $jdk; Netty ${netty_version:-?};"
  echo "$(command -v wrk >/dev/null && wrk -v 2>&1 | head -n 1 | awk '{print "wrk " $2}'). Server pinned to CPU 0, load to CPU 1; $runs run(s) per case, medians;"
  echo "${warm} s warm-up and ${secs} s measured per case. Server CPU is user + system time of the server"
  echo "process over the measured part, from \`/proc/PID/stat\`. Rerun: \`./bench\` (full) or \`./bench --quick\`."
  if wants echo; then
    for size in "${echo_sizes[@]}"; do
      echo
      echo "## Echo, $size B ping-pong: messages per second (p99 round trip µs; server CPU µs per message)"
      echo
      matrix "echo|$size|%c|%s" msgs "${echo_servers[*]}" "${echo_conns[*]}"
    done
    if [[ " ${echo_conns[*]} " == *" 1000 "* ]]; then
      # Is the load generator the limit? A server whose core is busy all the measured time is
      # its own limit; one that idles part of it waits for the load.
      lo=100; hi=0
      for s in "${echo_servers[@]}"; do
        v=$(median "echo|64|1000|$s|busy")
        [[ $v == n/a ]] && { missing=$((missing + 1)); continue; }
        lo=$(awk -v a="$v" -v b="$lo" 'BEGIN { print (a < b) ? a : b }')
        hi=$(awk -v a="$v" -v b="$hi" 'BEGIN { print (a > b) ? a : b }')
      done
      echo
      echo "Is the load generator the limit? At 64 B x1,000 the server's core (CPU 0) was busy ${lo}-${hi} % of the"
      if awk -v a="$lo" 'BEGIN { exit !(a >= 95) }'; then
        echo "measured time for every Java server above: each server, not the load, sets its own figure."
      else
        echo "measured time across the Java servers above: where it is well under 100 %, the load generator may be the limit."
      fi
      c_busy=$(num "echo|64|1000|c-epoll|busy")
      echo "A plain C epoll echo server (\`benchmarks/c/echo.c\`, one thread) made $(num "echo|64|1000|c-epoll|msgs") messages per second there with"
      if [[ $c_busy != n/a ]] && awk -v a="$c_busy" 'BEGIN { exit !(a < 95) }'; then
        echo "its core busy only $c_busy %: the load generator, not that server, was the limit, so at this count the C server shows"
        echo "the load generator's ceiling for a server that answers that fast (it then gets fewer replies per poll), not a faster server."
      else
        echo "its core busy $c_busy %."
      fi
    fi
  fi
  if wants http; then
    for p in "${http_pipeline[@]}"; do
      echo
      echo "## HTTP hello (\`loomux hello\` and the same handler on the JDK's HttpServer), wrk$([[ $p -gt 1 ]] && echo ", $p pipelined requests"): requests per second (p99 µs$([[ $p -gt 1 ]] && echo ", not kept: wrk times a batch"); server CPU µs per request)"
      echo
      matrix "http|%c|$p|%s" rps "${http_servers[*]}" "${http_conns[*]}" "$([[ $p -gt 1 ]] && echo no-latency)"
    done
  fi
  if wants bulk; then
    echo
    echo "## Bulk echo of $((bulk_bytes >> 20)) MiB, every byte checked: GB/s"
    echo
    printf '| server |'; for c in "${bulk_conns[@]}"; do printf ' %s conns |' "$c"; done; echo
    printf '|---|'; for _ in "${bulk_conns[@]}"; do printf -- '---|'; done; echo
    for s in "${echo_servers[@]}"; do
      printf '| %s |' "$s"; for c in "${bulk_conns[@]}"; do printf ' %s |' "$(num "bulk|$c|$s|gbs" 1 2)"; done; echo
    done
  fi
  if wants churn || wants idle || wants syscalls; then
    echo
    echo "## Per connection and per message"
    echo
    echo "| server | churn: connect, echo, close per s | RSS per idle connection (B) | heap per idle connection (B) | read | write | epoll_wait | epoll_ctl | futex (system calls per echoed message) |"
    echo "|---|---|---|---|---|---|---|---|---|"
    for s in "${echo_servers[@]}"; do
      printf '| %s | %s | %s | %s |' "$s" \
        "$(wants churn && num "churn|$s|rate" || echo -)" \
        "$(wants idle && num "idle|$s|rss" || echo -)" "$(wants idle && num "idle|$s|heap" || echo -)"
      for c in read write epoll_wait epoll_ctl futex; do
        printf ' %s |' "$(wants syscalls && num "sys|$s|$c" 1 3 || echo -)"
      done
      echo
    done
    wants idle && echo && echo "Idle memory: $idle_conns idle connections (each echoed once), server RSS and heap after a full GC, minus the same before, divided by the count; median of $runs."
    echo
    echo "\`$turns_server\` is \`loomux echo --release-idle\`: the same echo served in turns (\`ReadableHandler\`), so an idle connection holds no parked thread, stack or buffer; the other loomux rows and the JDK's keep a virtual thread parked in \`read\` per connection."
    wants syscalls && echo && echo "System calls: 100 connections of 64 B ping-pong for ${secs} s, server process only, counted with $syscall_tool, divided by the messages echoed; median of $runs."
  fi
  echo
  echo "## Goals (ratios from this run)"
  echo
  echo "| goal | measured | met |"
  echo "|---|---|---|"
  if wants echo && [[ " ${echo_conns[*]} " == *" 1000 "* ]]; then
    e="echo|64|1000"
    r=$(ratio "$e|loomux-epoll|msgs" "$e|jdk-virtual-threads|msgs"); echo "| echo 64 B x1,000: loomux epoll ≥ 1.3x JDK virtual threads, msgs/s | ${r}x | $(met "$r" ">=" 1.3) |"
    r=$(ratio "$e|jdk-virtual-threads|cpu" "$e|loomux-epoll|cpu"); echo "| same, CPU per message (JDK / loomux) | ${r}x | $(met "$r" ">=" 1.3) |"
    r=$(ratio "$e|loomux-epoll|msgs" "$e|netty-epoll|msgs"); echo "| echo 64 B x1,000: loomux epoll ≥ 1.0x Netty epoll, msgs/s | ${r}x | $(met "$r" ">=" 1.0) |"
    r=$(ratio "$e|netty-epoll|cpu" "$e|loomux-epoll|cpu"); echo "| same, CPU per message (Netty / loomux) | ${r}x | $(met "$r" ">=" 1.0) |"
    r=$(ratio "$e|loomux-epoll|p99" "$e|jdk-virtual-threads|p99"); echo "| p99 no worse than the JDK's (loomux / JDK) | ${r}x | $(met "$r" "<=" 1.0) |"
    r=$(ratio "$e|loomux-epoll|p99" "$e|netty-epoll|p99"); echo "| p99 no worse than Netty's (loomux / Netty) | ${r}x | $(met "$r" "<=" 1.0) |"
  fi
  if wants syscalls; then
    v=$(num "sys|loomux-epoll|epoll_ctl" 1 3); echo "| 0 epoll_ctl per echoed message (loomux epoll) | $v | $(met "$v" "<=" 0.001) |"
  fi
  if wants idle; then
    r=$(ratio "idle|loomux-epoll-turns|rss" "idle|jdk-virtual-threads|rss"); echo "| memory per idle connection ≤ 0.5x the JDK's (RSS, loomux epoll in turns / JDK) | ${r}x | $(met "$r" "<=" 0.5) |"
    r=$(ratio "idle|loomux-epoll|rss" "idle|jdk-virtual-threads|rss"); echo "| same, loomux epoll with a thread per connection (RSS, loomux / JDK) | ${r}x | $(met "$r" "<=" 0.5) |"
  fi
  if wants http && [[ " ${http_conns[*]} " == *" 1000 "* ]]; then
    r=$(ratio "http|1000|1|http-loomux-epoll|rps" "http|1000|1|http-jdk-virtual|rps"); echo "| HTTP hello x1,000 ≥ 2x the JDK's HttpServer with virtual threads | ${r}x | $(met "$r" ">=" 2) |"
  fi
} >"$report"

cp "$report" "$out/benchmarks.md"
# Every run's raw figure next to the medians, so each cell can be traced.
$quick || cp "$results" "$out/benchmarks-runs.tsv"
cat "$report"

if ! $quick; then
  if wants echo; then
    data=target/bench/echo64.dat
    { printf 'conns'; for s in "${echo_servers[@]}"; do printf ' %s' "$s"; done; echo
      for c in "${echo_conns[@]}"; do
        printf '%s' "$c"; for s in "${echo_servers[@]}"; do printf ' %s' "$(median "echo|64|$c|$s|msgs" | sed 's:n/a:NaN:')"; done; echo
      done; } >"$data"
    gnuplot <<GP
set terminal pngcairo size 900,520 noenhanced
set output "$out/bench-echo.png"
set title "Echo, 64 B ping-pong: messages per second against connections ($started)"
set logscale x
set xlabel "connections"
set ylabel "messages per second (median of $runs)"
set key outside right
set grid
plot for [i=2:$((${#echo_servers[@]} + 1))] "$data" using 1:i with linespoints title columnheader(i)
GP
  fi
  # The README's copy of the tables, between its markers.
  if grep -q '<!-- bench:begin -->' README.md; then
    awk -v f="$report" '
      /<!-- bench:begin -->/ { print; print ""; while ((getline l < f) > 0) if (l !~ /^# Benchmarks/) { sub(/^## /, "### ", l); print l }; print ""; print "![echo throughput](docs/bench-echo.png)"; print ""; skip = 1; next }
      /<!-- bench:end -->/ { skip = 0 }
      !skip { print }' README.md >target/bench/README.md && mv target/bench/README.md README.md
  fi
fi
rm -f "$report"

if [[ $missing -gt 0 ]]; then
  echo "bench: $missing cell(s) could not be measured (n/a above); see target/bench/servers.log" >&2
  exit 1
fi
echo "bench: done; tables in $out/benchmarks.md" >&2
