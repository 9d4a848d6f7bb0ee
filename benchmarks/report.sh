#!/usr/bin/env bash
# Turns a run's figures (a tsv of "key<TAB>value" lines, one per run of each case, and the run's
# "meta|..." lines: date, commit, machine, what was run) into the Markdown report: printed, written
# to docs/benchmarks.md (target/bench/benchmarks.md for a --quick or --only run), and for a full run the
# plot docs/bench-echo.png and the README's copy of the tables. Each cell is the median of the
# runs with their min-max; a cell that could not be measured shows n/a and fails the run, so CI's
# smoke run catches a broken benchmark.
#
#   benchmarks/report.sh [TSV]   remake the report from a stored run without rerunning it
#                                (default docs/benchmarks-runs.tsv); './bench report [TSV]'
#
# benchmarks/run.sh sources this file and calls write_report after the cases ran.

# shellcheck source=report-http.sh
. "$(dirname "${BASH_SOURCE[0]}")/report-http.sh"
# shellcheck source=report-h2.sh
. "$(dirname "${BASH_SOURCE[0]}")/report-h2.sh"
# shellcheck source=report-ws.sh
. "$(dirname "${BASH_SOURCE[0]}")/report-ws.sh"

# ---- figures -----------------------------------------------------------------------------

# The value of a meta line of the run (the last one of that name), or nothing.
meta() { awk -F'\t' -v k="meta|$1" '$1 == k { v = $2 } END { print v }' "$results"; }

# key -> "count median min max" of its recorded values ("0" when there are none).
stats() {
  awk -F'\t' -v k="$1" '$1 == k { print $2 }' "$results" | sort -g | awk '
    { v[NR] = $1 }
    END {
      if (NR == 0) { print 0; exit }
      m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
      print NR, m, v[1], v[NR]
    }'
}

# key -> the median of its recorded values, or n/a.
median() { local s; read -ra s <<<"$(stats "$1")"; [[ ${s[0]} -gt 0 ]] && echo "${s[1]}" || echo n/a; }

# Formats numbers with thousands separators: fmt DECIMALS VALUE...
fmt() {
  awk -v d="$1" 'function f(v,   s, i, n, sign) {
      s = sprintf("%.*f", d, v); sign = ""
      if (s ~ /^-/) { sign = "-"; s = substr(s, 2) }
      n = index(s, "."); i = (n ? n - 1 : length(s))
      while (i > 3) { s = substr(s, 1, i - 3) "," substr(s, i - 2); i -= 3 }
      return sign s
    }
    BEGIN { for (a = 2; a < ARGC; a++) printf "%s%s", (a > 2 ? " " : ""), f(ARGV[a]); print "" }' "$@"
}

# The widest spread of one case's runs, over the rates: "PERCENT KEY LOWEST HIGHEST".
widest() {
  awk -F'\t' '$1 !~ /^meta\|/ && $1 ~ /\|(msgs|rps|gbs|rate)$/ {
      if (!($1 in lo) || $2 < lo[$1]) lo[$1] = $2
      if (!($1 in hi) || $2 > hi[$1]) hi[$1] = $2
    }
    END { for (k in lo) if (lo[k] > 0 && hi[k] / lo[k] > w) { w = hi[k] / lo[k]; wk = k }
          if (wk != "") printf "%.0f %s %s %s\n", (w - 1) * 100, wk, lo[wk], hi[wk] }' "$results"
}

# A cell or goal that could not be measured. Cells are mostly printed from command substitutions,
# subshells whose variables die with them, so each miss is a line in a file write_report counts.
missing_log=/dev/null
note_missing() { echo miss >>"$missing_log"; }

# A table's two header lines, one column per value: table_head FORMAT VALUE... (FORMAT takes the
# value with thousands separators, e.g. '%s conns').
table_head() {
  local f=$1 v
  shift
  printf '| server |'; for v in "$@"; do printf " $f |" "$(fmt 0 "$v")"; done; echo
  printf '|---|'; for _ in "$@"; do printf -- '---|'; done; echo
}

# " NAME at RATE/s answered ACHIEVED/s;" when the median achieved rate of an open loop's cell fell
# short of the offered rate: fell_behind KEY RATE NAME.
fell_behind() {
  local got; got=$(median "$1|achieved")
  if [[ $got != n/a ]] && awk -v g="$got" -v r="$2" 'BEGIN { exit !(g < 0.98 * r) }'; then
    echo " $3 at $(fmt 0 "$2")/s answered $(fmt 0 "$got")/s;"
  fi
}
# key [decimals] [scale] -> "median (min–max)" of the runs, or the median alone for a single run;
# counts n/a.
cell() {
  local s d=${2:-0} x=${3:-1}
  read -ra s <<<"$(stats "$1")"
  if [[ ${s[0]} -eq 0 ]]; then note_missing; echo "n/a"; return; fi
  local m lo hi
  read -r m lo hi <<<"$(awk -v m="${s[1]}" -v lo="${s[2]}" -v hi="${s[3]}" -v x="$x" 'BEGIN { print m * x, lo * x, hi * x }')"
  if [[ ${s[0]} -eq 1 ]]; then fmt "$d" "$m"; return; fi
  local f; read -ra f <<<"$(fmt "$d" "$m" "$lo" "$hi")"
  echo "${f[0]} (${f[1]}–${f[2]})"
}

# The rows of a "messages per second · server CPU µs per message" table: a row per server, a cell
# per connection count, from the keys PREFIX|CONNS|SERVER|msgs and |cpu; each server named
# without its leading STRIP. rate_cpu_rows PREFIX STRIP "CONNS..." SERVER...
rate_cpu_rows() {
  local p=$1 strip=$2 s c
  local -a conns
  read -ra conns <<<"$3"
  shift 3
  for s; do
    printf '| %s |' "${s#"$strip"}"
    for c in "${conns[@]}"; do
      printf ' %s · %s |' "$(cell "$p|$c|$s|msgs")" "$(cell "$p|$c|$s|cpu" 1)"
    done
    echo
  done
}

# A goal on a ratio of two cells, each side's runs as a range: goal TEXT A-KEY B-KEY OP THRESHOLD.
# "A / B OP THRESHOLD" is met ("yes") only if every run of A clears THRESHOLD x every run of B,
# missed ("**no**") only if every run misses, and "within noise" where the two overlap.
goal() {
  local text=$1 op=$4 t=$5 a b
  read -ra a <<<"$(stats "$2")"; read -ra b <<<"$(stats "$3")"
  if [[ ${a[0]} -eq 0 || ${b[0]} -eq 0 ]]; then
    note_missing; echo "| $text | n/a | n/a |"; return
  fi
  awk -v text="$text" -v op="$op" -v t="$t" -v am="${a[1]}" -v alo="${a[2]}" -v ahi="${a[3]}" -v an="${a[0]}" \
      -v bm="${b[1]}" -v blo="${b[2]}" -v bhi="${b[3]}" -v bn="${b[0]}" 'BEGIN {
    r = (bm == 0) ? "n/a" : sprintf("%.2fx", am / bm)
    if (op == ">=") { yes = alo >= t * bhi; no = ahi < t * blo }
    else            { yes = ahi <= t * blo; no = alo > t * bhi }
    met = yes ? "yes" : no ? "**no**" : "within noise"
    runs = (an > 1 || bn > 1) ? sprintf(" (runs %s–%s vs %s–%s)", g(alo), g(ahi), g(blo), g(bhi)) : ""
    printf "| %s | %s%s | %s |\n", text, r, runs, met
  }
  function g(v,   s, i) {
    if (v < 100) return sprintf("%.3g", v)
    s = sprintf("%.0f", v)
    for (i = length(s); i > 3; i -= 3) s = substr(s, 1, i - 3) "," substr(s, i - 2)
    return s
  }'
}

# A goal on one cell against a bound: goal1 TEXT KEY OP THRESHOLD DECIMALS.
goal1() {
  local text=$1 op=$3 t=$4 d=$5 a
  read -ra a <<<"$(stats "$2")"
  if [[ ${a[0]} -eq 0 ]]; then note_missing; echo "| $text | n/a | n/a |"; return; fi
  awk -v text="$text" -v op="$op" -v t="$t" -v d="$d" -v m="${a[1]}" -v lo="${a[2]}" -v hi="${a[3]}" -v n="${a[0]}" 'BEGIN {
    if (op == ">=") { yes = lo >= t; no = hi < t } else { yes = hi <= t; no = lo > t }
    met = yes ? "yes" : no ? "**no**" : "within noise"
    runs = (n > 1) ? sprintf(" (runs %.*f–%.*f)", d, lo, d, hi) : ""
    printf "| %s | %.*f%s | %s |\n", text, d, m, runs, met
  }'
}

# ---- the report --------------------------------------------------------------------------

# The case that a run of one case alone (./bench --only h2, or ws) ran, whose report is a page of
# its own (docs/benchmarks-CASE.md beside docs/benchmarks-CASE-runs.tsv); nothing for other runs.
alone_case() {
  local c; c=$(meta cases)
  [[ $(meta partial) == true && $(meta quick) != true && ( $c == h2 || $c == ws ) ]] && echo "$c"
  return 0
}

# The name of a case that has a page of its own.
case_title() { case $1 in h2) echo HTTP/2 ;; ws) echo WebSocket ;; *) echo "$1" ;; esac; }

# A whole run from before a case (h2, ws): its tables are those of a run of that case alone
# (docs/benchmarks-CASE-runs.tsv, when there is one), made from that run's own figures and
# settings. report_alone CASE REPORT-FUNCTION
report_alone() {
  local c=$1 whole=$results alone_secs alone_warm alone_started alone_commit
  [[ $(meta partial) != true && -r docs/benchmarks-$c-runs.tsv ]] || return 0
  results=docs/benchmarks-$c-runs.tsv
  alone_secs=$(meta secs); alone_warm=$(meta "${c}_warm"); alone_started=$(meta started); alone_commit=$(meta commit)
  [[ -n $alone_warm ]] || alone_warm=$(meta warm)
  secs=$alone_secs warm=$alone_warm "$2" | sed "0,/^## .*/s//&, from a run of this case alone/"
  echo
  echo "This whole run predates the $c case: the tables above are from \`./bench --only $c\` on $alone_started at"
  echo "commit $alone_commit ($(meta runs) runs, $alone_warm s warm-up, $alone_secs s measured per cell), its figures in"
  echo "[benchmarks-$c-runs.tsv](benchmarks-$c-runs.tsv) and its goals in [benchmarks-$c.md](benchmarks-$c.md)."
  results=$whole
}

# Prints the tables. Reads $results; every setting of the run comes from its meta lines.
report() {
  local started commit machine jdk netty wrk runs warm secs quick cases turns_server syscall_tool
  local -a echo_sizes echo_conns echo_servers http_conns http_pipeline http_servers bulk_conns lat_rates
  local -a http_pipeline_conns http_rates
  local bulk_bytes idle_conns lat_conns lat_size http_rate_conns
  started=$(meta started); commit=$(meta commit); machine=$(meta machine); jdk=$(meta jdk)
  netty=$(meta netty); wrk=$(meta wrk); runs=$(meta runs); warm=$(meta warm); secs=$(meta secs)
  quick=$(meta quick); cases=" $(meta cases) "; turns_server=$(meta turns_server); syscall_tool=$(meta syscall_tool)
  read -ra echo_sizes <<<"$(meta echo_sizes)"; read -ra echo_conns <<<"$(meta echo_conns)"
  read -ra echo_servers <<<"$(meta echo_servers)"; read -ra http_conns <<<"$(meta http_conns)"
  read -ra http_pipeline <<<"$(meta http_pipeline)"; read -ra http_servers <<<"$(meta http_servers)"
  read -ra bulk_conns <<<"$(meta bulk_conns)"; read -ra lat_rates <<<"$(meta lat_rates)"
  bulk_bytes=$(meta bulk_bytes); idle_conns=$(meta idle_conns); lat_conns=$(meta lat_conns); lat_size=$(meta lat_size)
  # Runs before the HTTP peers pipelined at every connection count and had no fixed rate.
  read -ra http_pipeline_conns <<<"$(meta http_pipeline_conns)"
  [[ -z $(meta http_rate_conns) ]] && http_pipeline_conns=("${http_conns[@]}")
  read -ra http_rates <<<"$(meta http_rates)"; http_rate_conns=$(meta http_rate_conns)
  has() { [[ $cases == *" $1 "* ]]; }
  local spread="median of the $runs runs (lowest–highest run)"
  [[ $runs -eq 1 ]] && spread="a single run, no spread"
  local s c k p size

  local alone; alone=$(alone_case)
  if [[ -n $alone ]]; then
    echo "# Benchmarks: $(case_title "$alone") (\`./bench --only $alone\`)"
  else
    echo "# Benchmarks"
  fi
  echo
  [[ $commit =~ ^[0-9a-f]{7,} ]] && commit=" at commit $commit" || commit="; commit ${commit:-not recorded}"
  local how=""
  [[ $quick == true ]] && how+=" --quick"
  [[ $(meta partial) == true ]] && how+=" --only $(meta cases | tr ' ' ',')"
  echo "Measured by \`./bench$how\` on $started$commit."
  if [[ -n $alone ]]; then
    echo "Every run's figure and the run's settings are in [benchmarks-$alone-runs.tsv](benchmarks-$alone-runs.tsv), from which"
    echo "\`./bench report docs/benchmarks-$alone-runs.tsv\` remakes this report (into target/bench/)."
  else
    echo "Every run's figure and the run's settings are in [benchmarks-runs.tsv](benchmarks-runs.tsv), from which"
    echo "\`./bench report\` remakes this report."
  fi
  echo
  local peers; peers=$(meta http_peers)
  echo "$machine; $jdk; Netty ${netty:-?}; ${peers:+$peers; }${wrk:-wrk not used}. Server pinned to CPU 0, load to CPU 1;"
  echo "$warm s warm-up and $secs s measured per case, $runs run(s) of every case. **Each cell: $spread.**"
  if [[ $runs -gt 1 ]]; then
    local w; read -ra w <<<"$(widest)"
    if [[ ${#w[@]} -eq 4 ]]; then
      echo "The runs of one case differ by up to ${w[0]} % here (${w[1]}: $(fmt 0 "${w[2]}")–$(fmt 0 "${w[3]}")): two cells whose"
      echo "ranges overlap are not told apart by this run."
    fi
  fi
  echo "Server CPU is user + system time of the server process over the measured part, from \`/proc/PID/stat\`."
  if [[ -n $alone ]]; then
    echo "Rerun: \`./bench --only $alone\` (these cells alone); a full \`./bench\` puts them in [benchmarks.md](benchmarks.md)."
  else
    echo "Rerun: \`./bench\` (full) or \`./bench --quick\`."
  fi
  if has echo; then
    for size in "${echo_sizes[@]}"; do
      echo
      echo "## Echo, $size B ping-pong (closed loop): messages per second · server CPU µs per message"
      echo
      printf '| server |'; for c in "${echo_conns[@]}"; do printf ' %s conns |' "$c"; done; echo
      printf '|---|'; for _ in "${echo_conns[@]}"; do printf -- '---|'; done; echo
      rate_cpu_rows "echo|$size" "" "${echo_conns[*]}" "${echo_servers[@]}"
    done
    # What the closed loop's own round trip is, from this run's figures.
    local cmax=${echo_conns[-1]} s0=${echo_servers[0]} rate loop
    rate=$(median "echo|${echo_sizes[0]}|$cmax|$s0|msgs"); loop=$(median "echo|${echo_sizes[0]}|$cmax|$s0|p99")
    echo
    echo "Ping-pong is a closed loop: each connection sends its next message only when the echo of the last one is"
    echo "back, so these are throughputs at a given concurrency. The round trip such a loop times is not the"
    echo "server's latency but the wait in the loop's own queue, about connections ÷ throughput:"
    if [[ $rate != n/a && $loop != n/a ]]; then
      echo "$s0 at $(fmt 0 "$cmax") connections, $(fmt 0 "$cmax") ÷ $(fmt 0 "$rate")/s = $(awk -v c="$cmax" -v r="$rate" 'BEGIN { printf "%.0f", c / r * 1000 }') ms, and the loop's p99 was"
      echo "$(awk -v v="$loop" 'BEGIN { printf "%.0f", v / 1000 }') ms."
    fi
    echo "So the loop's p99 is kept in the tsv (\`|p99\`) but not shown as latency."
    if has latency; then
      echo "The server's latency is in the fixed-rate table below."
    elif [[ -z ${lat_rates[*]} ]]; then
      echo "This run predates the fixed-rate case of \`./bench\` and has no measure of the server's latency."
    else
      echo "This run left out the fixed-rate case (\`--only ...,latency\` runs it) and has no measure of the server's latency."
    fi
    if [[ " ${echo_conns[*]} " == *" 1000 "* ]]; then
      # Is the load generator the limit? A server whose core is busy all the measured time is
      # its own limit; one that idles part of it waits for the load.
      local lo=100 hi=0 v c_busy
      for s in "${echo_servers[@]}"; do
        v=$(median "echo|64|1000|$s|busy")
        [[ $v == n/a ]] && { note_missing; continue; }
        lo=$(awk -v a="$v" -v b="$lo" 'BEGIN { print (a < b) ? a : b }')
        hi=$(awk -v a="$v" -v b="$hi" 'BEGIN { print (a > b) ? a : b }')
      done
      echo
      echo "Is the load generator the limit? At 64 B x1,000 the server's core (CPU 0) was busy ${lo}-${hi} % (medians) of the"
      if awk -v a="$lo" 'BEGIN { exit !(a >= 95) }'; then
        echo "measured time for every Java server above: each server, not the load, sets its own figure."
      else
        echo "measured time across the Java servers above: where it is well under 100 %, the load generator may be the limit."
      fi
      c_busy=$(median "echo|64|1000|c-epoll|busy")
      echo "A plain C epoll echo server (\`benchmarks/c/echo.c\`, one thread, one run) made $(cell "echo|64|1000|c-epoll|msgs") messages per second there with"
      if [[ $c_busy != n/a ]] && awk -v a="$c_busy" 'BEGIN { exit !(a < 95) }'; then
        echo "its core busy only $c_busy %: the load generator, not that server, was the limit, so at this count the C server shows"
        echo "the load generator's ceiling for a server that answers that fast (it then gets fewer replies per poll), not a faster server."
      else
        echo "its core busy $c_busy %."
      fi
    fi
  fi
  if has latency; then
    echo
    echo "## Echo latency at a fixed rate, $lat_size B over $(fmt 0 "$lat_conns") connections: p50 · p99 µs"
    echo
    echo "An open loop (\`EchoLoad rate\`): messages go out on a fixed schedule, round robin over the connections,"
    echo "whether or not earlier echoes came back, and each one's latency runs from when the schedule meant it to"
    echo "be sent to when its echo was back (HdrHistogram), so a stall counts for every message it delayed"
    echo "(no coordinated omission). The rates are set below the servers' ping-pong peaks; a server that did not"
    echo "keep up with one would be named under the table."
    echo
    table_head '%s msgs/s' "${lat_rates[@]}"
    local behind=""
    for s in "${echo_servers[@]}"; do
      printf '| %s |' "$s"
      for r in "${lat_rates[@]}"; do
        k="lat|$lat_size|$lat_conns|$r|$s"
        printf ' %s · %s |' "$(cell "$k|p50")" "$(cell "$k|p99")"
        behind+=$(fell_behind "$k" "$r" "$s")
      done
      echo
    done
    if [[ -n $behind ]]; then
      echo
      echo "Fell behind the offered rate (its queue then grows for the whole run):${behind%;}."
    fi
  fi
  if has http; then
    http_report
  fi
  if has h2; then
    h2_report
  else
    report_alone h2 h2_report
  fi
  if has ws; then
    ws_report
  else
    report_alone ws ws_report
  fi
  if has bulk; then
    echo
    echo "## Bulk echo of $((bulk_bytes >> 20)) MiB, every byte checked: GB/s"
    echo
    printf '| server |'; for c in "${bulk_conns[@]}"; do printf ' %s conns |' "$c"; done; echo
    printf '|---|'; for _ in "${bulk_conns[@]}"; do printf -- '---|'; done; echo
    for s in "${echo_servers[@]}"; do
      printf '| %s |' "$s"; for c in "${bulk_conns[@]}"; do printf ' %s |' "$(cell "bulk|$c|$s|gbs" 2)"; done; echo
    done
  fi
  if has churn || has idle; then
    echo
    echo "## Per connection"
    echo
    echo "| server | churn: connect, echo, close per s | RSS per idle connection (B) | heap per idle connection (B) |"
    echo "|---|---|---|---|"
    for s in "${echo_servers[@]}"; do
      printf '| %s | %s | %s | %s |\n' "$s" \
        "$(has churn && cell "churn|$s|rate" || echo -)" \
        "$(has idle && cell "idle|$s|rss" || echo -)" "$(has idle && cell "idle|$s|heap" || echo -)"
    done
    has idle && echo && echo "Idle memory: $(fmt 0 "$idle_conns") idle connections (each echoed once), server RSS and heap after a full GC, minus the same before, divided by the count."
    echo
    echo "\`$turns_server\` is \`loomux echo --release-idle\`: the same echo served in turns (\`ReadableHandler\`), so an idle connection holds no parked thread, stack or buffer; the other loomux rows and the JDK's keep a virtual thread parked in \`read\` per connection."
  fi
  if has syscalls; then
    echo
    echo "## System calls per echoed message"
    echo
    echo "| server | read | write | epoll_wait | epoll_ctl | futex |"
    echo "|---|---|---|---|---|---|"
    for s in "${echo_servers[@]}"; do
      printf '| %s |' "$s"
      for c in read write epoll_wait epoll_ctl futex; do printf ' %s |' "$(cell "sys|$s|$c" 3)"; done
      echo
    done
    echo
    echo "100 connections of 64 B ping-pong for ${secs} s, server process only, counted with $syscall_tool, divided by the messages echoed."
  fi
  echo
  echo "## Goals (ratios of this run's medians)"
  echo
  echo "| goal | measured | met |"
  echo "|---|---|---|"
  if has echo && [[ " ${echo_conns[*]} " == *" 1000 "* ]]; then
    local e="echo|64|1000"
    goal "echo 64 B x1,000: loomux epoll ≥ 1.3x JDK virtual threads, msgs/s" "$e|loomux-epoll|msgs" "$e|jdk-virtual-threads|msgs" ">=" 1.3
    goal "same, CPU per message (JDK / loomux) ≥ 1.3x" "$e|jdk-virtual-threads|cpu" "$e|loomux-epoll|cpu" ">=" 1.3
    goal "echo 64 B x1,000: loomux epoll ≥ 1.0x Netty epoll, msgs/s" "$e|loomux-epoll|msgs" "$e|netty-epoll|msgs" ">=" 1.0
    goal "same, CPU per message (Netty / loomux) ≥ 1.0x" "$e|netty-epoll|cpu" "$e|loomux-epoll|cpu" ">=" 1.0
  fi
  if has latency; then
    local r l
    for r in "${lat_rates[@]}"; do
      l="lat|$lat_size|$lat_conns|$r"
      goal "echo p99 at $(fmt 0 "$r") msgs/s x$(fmt 0 "$lat_conns") no worse than the JDK's (loomux / JDK)" "$l|loomux-epoll|p99" "$l|jdk-virtual-threads|p99" "<=" 1.0
      goal "same, no worse than Netty's (loomux / Netty)" "$l|loomux-epoll|p99" "$l|netty-epoll|p99" "<=" 1.0
    done
  elif has echo; then
    echo "| echo p99 no worse than the JDK's and Netty's | not measured: this run has only the closed loop's p99, which is queueing, not latency | – |"
  fi
  has syscalls && goal1 "0 epoll_ctl per echoed message (loomux epoll)" "sys|loomux-epoll|epoll_ctl" "<=" 0.001 3
  if has idle; then
    goal "memory per idle connection ≤ 0.5x the JDK's (RSS, loomux epoll in turns / JDK)" "idle|loomux-epoll-turns|rss" "idle|jdk-virtual-threads|rss" "<=" 0.5
    goal "same, loomux epoll with a thread per connection (RSS, loomux / JDK)" "idle|loomux-epoll|rss" "idle|jdk-virtual-threads|rss" "<=" 0.5
  fi
  if has http && [[ " ${http_conns[*]} " == *" 1000 "* ]]; then
    goal "HTTP hello x1,000 ≥ 2x the JDK's HttpServer with virtual threads" "http|1000|1|http-loomux-epoll|rps" "http|1000|1|http-jdk-virtual|rps" ">=" 2
  fi
  # Runs from before the HTTP peers have no Netty to hold loomux against.
  has http && [[ " ${http_servers[*]} " == *" http-netty "* ]] && http_goals
  has h2 && h2_goals
  has ws && ws_goals
  if [[ $runs -gt 1 ]]; then
    echo
    echo "*within noise*: the runs of the two sides overlap (for a goal of k x, the runs of one side against k x the runs"
    echo "of the other), so a rerun could turn the verdict either way; yes or **no** only where every run clears or misses."
  fi
}

# The plot of the 64 B echo medians against connections, for a full run.
plot() {
  local -a servers conns; local data=target/bench/echo64.dat s c runs started
  read -ra servers <<<"$(meta echo_servers)"; read -ra conns <<<"$(meta echo_conns)"
  runs=$(meta runs); started=$(meta started)
  mkdir -p target/bench
  { printf 'conns'; for s in "${servers[@]}"; do printf ' %s' "$s"; done; echo
    for c in "${conns[@]}"; do
      printf '%s' "$c"; for s in "${servers[@]}"; do printf ' %s' "$(median "echo|64|$c|$s|msgs" | sed 's:n/a:NaN:')"; done; echo
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
plot for [i=2:$((${#servers[@]} + 1))] "$data" using 1:i with linespoints title columnheader(i)
GP
}

# Writes the report from $results into $out (and, for a full run, the plot and the README's
# copy); exits non-zero when a cell is n/a.
write_report() {
  local report full=true
  # Only a whole run writes docs/ and the README (run.sh points a partial one at target/bench).
  [[ $(meta quick) == true || $(meta partial) == true ]] && full=false
  report=$(mktemp)
  missing_log=$(mktemp)
  report >"$report"
  local missing; missing=$(wc -l <"$missing_log")
  rm -f "$missing_log"; missing_log=/dev/null
  mkdir -p "$out"
  cp "$report" "$out/benchmarks.md"
  # Every run's raw figure beside the medians, so each cell can be traced and the page remade.
  [[ $results -ef $out/benchmarks-runs.tsv ]] || cp "$results" "$out/benchmarks-runs.tsv"
  # A case run alone is also its own page, named as it goes into docs/ beside the whole run's.
  local alone; alone=$(alone_case)
  if [[ -n $alone ]]; then
    cp "$report" "$out/benchmarks-$alone.md"
    [[ $results -ef $out/benchmarks-$alone-runs.tsv ]] || cp "$results" "$out/benchmarks-$alone-runs.tsv"
  fi
  cat "$report"
  if $full; then
    if [[ " $(meta cases) " == *" echo "* ]]; then
      if command -v gnuplot >/dev/null; then plot; else echo "bench: no gnuplot, $out/bench-echo.png left as it was" >&2; fi
    fi
    # The README's copy of the tables, between its markers, its links made relative to the root.
    if grep -q '<!-- bench:begin -->' README.md; then
      awk -v f="$report" '
        /<!-- bench:begin -->/ {
          print; print ""
          while ((getline l < f) > 0) if (l !~ /^# Benchmarks/) {
            sub(/^## /, "### ", l); gsub(/\[benchmarks-runs\.tsv\]\(benchmarks-runs\.tsv\)/, "[docs/benchmarks-runs.tsv](docs/benchmarks-runs.tsv)", l); gsub(/\[profiles\.md\]\(profiles\.md\)/, "[docs/profiles.md](docs/profiles.md)", l); gsub(/\[benchmarks-h2\.md\]\(benchmarks-h2\.md\)/, "[docs/benchmarks-h2.md](docs/benchmarks-h2.md)", l); gsub(/\[benchmarks-h2-runs\.tsv\]\(benchmarks-h2-runs\.tsv\)/, "[docs/benchmarks-h2-runs.tsv](docs/benchmarks-h2-runs.tsv)", l); gsub(/\[benchmarks-ws\.md\]\(benchmarks-ws\.md\)/, "[docs/benchmarks-ws.md](docs/benchmarks-ws.md)", l); gsub(/\[benchmarks-ws-runs\.tsv\]\(benchmarks-ws-runs\.tsv\)/, "[docs/benchmarks-ws-runs.tsv](docs/benchmarks-ws-runs.tsv)", l); print l
          }
          print ""; print "![echo throughput](docs/bench-echo.png)"; print ""; skip = 1; next
        }
        /<!-- bench:end -->/ { skip = 0 }
        !skip { print }' README.md >target/bench/README.md && mv target/bench/README.md README.md
    fi
  fi
  rm -f "$report"
  if [[ $missing -gt 0 ]]; then
    echo "bench: $missing cell(s) could not be measured (n/a above); see target/bench/servers.log" >&2
    return 1
  fi
  echo "bench: done; tables in $out/benchmarks.md" >&2
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  set -euo pipefail
  cd "$(dirname "$0")/.."
  results=${1:-docs/benchmarks-runs.tsv}
  [[ -r $results ]] || { echo "bench: no figures at '$results'" >&2; exit 1; }
  [[ -n $(meta runs) ]] || { echo "bench: $results has no meta lines (meta|runs ...): not a run's figures" >&2; exit 1; }
  mkdir -p target/bench
  if [[ $(meta quick) == true || $(meta partial) == true ]]; then out=target/bench; else out=docs; fi
  write_report
fi
