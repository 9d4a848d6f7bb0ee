# shellcheck shell=bash
# The HTTP part of the report (benchmarks/report.sh sources this file): the hello servers side by
# side under wrk, their memory per idle keep-alive connection, their latency at fixed rates, and
# the HTTP goals against Netty. Called from report() and seeing its settings (http_servers,
# http_conns, http_pipeline, http_pipeline_conns, http_rates, http_rate_conns, idle_conns, runs).

# wrk's errors of one cell, all runs: "connect N, read N, ..." for the kinds that were not 0, or
# nothing; "?" when the run predates their recording.
wrk_errors() { # key (http|CONNS|PIPELINE|SERVER)
  awk -F'\t' -v k="$1|" 'index($1, k) == 1 {
      e = substr($1, length(k) + 1)
      if (e ~ /^(connect|read|write|timeout|non2xx)$/) { seen = 1; n[e] += $2 }
    }
    END {
      if (!seen) { print "?"; exit }
      split("connect read write timeout non2xx", order, " ")
      for (i = 1; i <= 5; i++) if (n[order[i]] > 0) s = s (s == "" ? "" : ", ") order[i] " " n[order[i]]
      print s
    }' "$results"
}

# Sums the recorded errors of one server's HTTP cells (wrk's and the fixed rate's), or prints
# nothing when none were recorded.
http_errors_of() { # server
  awk -F'\t' -v s="|$1|" '$1 ~ /^(http|hlat)\|/ && index($1, s) && $1 ~ /\|(connect|read|write|timeout|non2xx|err)$/ {
      seen = 1; n += $2 }
    END { if (seen) print n + 0 }' "$results"
}

http_report() {
  echo
  echo "## HTTP hello: \`loomux hello\` next to Netty, Helidon, robaho, nginx and the JDK's HttpServer"
  # A run from before the peers had only loomux and the JDK, and wrk's errors unrecorded.
  [[ " ${http_servers[*]} " == *" http-netty "* ]] && http_about
  http_tables
}

# What the servers answer and how they run, for a run with the peers.
http_about() {
  echo
  echo "Every server answers \`GET /\` with the same status line (\`HTTP/1.1 200 OK\`), Content-Type"
  echo "(\`text/plain; charset=utf-8\`), Content-Length (14) and body (\`Hello, world!\\n\`), on keep-alive"
  echo "connections. The other headers differ: loomux, robaho and the JDK (the same handler, the cli's \`hello\`)"
  echo "send Date; Helidon sends Date and \`Connection: keep-alive\`; nginx sends \`Server: nginx\`, Date and"
  echo "\`Connection: keep-alive\`; Netty (its codec, one event loop) sends no Date; Helidon and nginx spell the"
  echo "names Content-Type and Content-Length, the others Content-type and Content-length. nginx runs one process"
  echo "(\`master_process off\`, one worker's work), so its CPU and memory are all of its serving. Each server"
  echo "keeps idle connections for 5 minutes and takes 20,000 of them (nginx allocates its table of 20,000"
  echo "connections at start, so its memory per idle connection below leaves that table out). Errors are wrk's"
  echo "(connect, read, write, timeout, answers other than 2xx/3xx) or the fixed-rate load's, summed over the"
  echo "runs; the goal is none."
}

http_tables() {
  local p c s k r conns=() errs e unknown cpu
  for p in "${http_pipeline[@]}"; do
    conns=("${http_conns[@]}")
    [[ $p -gt 1 ]] && conns=("${http_pipeline_conns[@]}")
    [[ ${#conns[@]} -gt 0 ]] || continue
    echo
    echo "### wrk$([[ $p -gt 1 ]] && echo ", $p pipelined requests"): requests per second · server CPU µs per request"
    echo
    table_head '%s conns' "${conns[@]}"
    errs="" unknown=false
    for s in "${http_servers[@]}"; do
      printf '| %s |' "${s#http-}"
      for c in "${conns[@]}"; do
        k="http|$c|$p|$s"
        cpu=$(cell "$k|cpu" 1)
        # A server that answered nothing in the window has no cost per request.
        [[ $cpu == inf* ]] && cpu="– (none answered)"
        printf ' %s · %s |' "$(cell "$k|rps")" "$cpu"
        e=$(wrk_errors "$k")
        [[ $e == "?" ]] && unknown=true
        [[ -n $e && $e != "?" ]] && errs+=" ${s#http-} x$(fmt 0 "$c"): $e;"
      done
      echo
    done
    echo
    if [[ -n $errs ]]; then echo "Errors:${errs%;}."
    elif $unknown; then echo "Errors: not recorded by this run."
    else echo "Errors: none."; fi
  done
  echo
  echo "wrk is a closed loop (each connection waits for its response), so its p99 is the wait in its own queue;"
  echo "it is kept in the tsv (\`|p99\`, unpipelined cases only) and not shown as latency: that is the fixed-rate table."
  echo
  echo "Where each server's CPU time and allocation go at 1,000 connections, and at one: the flame graphs of"
  echo "loomux and Netty in [profiles.md](profiles.md) (\`./bench profile SERVER\` remakes one)."
  if [[ -n $http_rate_conns && ${#http_rates[@]} -gt 0 ]]; then
    echo
    echo "### Latency at a fixed rate over $(fmt 0 "$http_rate_conns") keep-alive connections: p50 · p99 · p99.9 · max µs"
    echo
    echo "An open loop (\`HttpRateLoad\`): requests go out on a fixed schedule, round robin over the connections,"
    echo "whether or not earlier answers came back, and each one is timed from when it was due to when its whole"
    echo "answer was in (HdrHistogram), so a stall counts for every request it delayed (no coordinated omission)."
    local t; read -ra t <<<"$(meta http_rate_time)"
    echo "The same rates for every server, below the slowest one's peak; ${t[0]:-$warm} s warm-up, ${t[1]:-$secs} s measured."
    echo
    table_head '%s req/s' "${http_rates[@]}"
    local behind=""
    errs=""
    for s in "${http_servers[@]}"; do
      printf '| %s |' "${s#http-}"
      for r in "${http_rates[@]}"; do
        k="hlat|$http_rate_conns|$r|$s"
        printf ' %s · %s · %s · %s |' "$(cell "$k|p50")" "$(cell "$k|p99")" "$(cell "$k|p999")" "$(cell "$k|max")"
        behind+=$(fell_behind "$k" "$r" "${s#http-}")
        e=$(awk -F'\t' -v k="$k|err" '$1 == k { n += $2 } END { print n + 0 }' "$results")
        [[ $e -gt 0 ]] && errs+=" ${s#http-} at $(fmt 0 "$r")/s: $e;"
      done
      echo
    done
    echo
    if [[ -n $errs ]]; then echo "Errors:${errs%;}."; else echo "Errors: none."; fi
    [[ -n $behind ]] && echo "Fell behind the offered rate (its queue then grows for the whole run):${behind%;}."
  fi
  if [[ -n $(awk -F'\t' '$1 ~ /^idle\|http-/ { print; exit }' "$results") ]]; then
    echo
    echo "### Memory per idle keep-alive connection (B)"
    echo
    echo "| server | RSS | heap |"
    echo "|---|---|---|"
    for s in "${http_servers[@]}"; do
      printf '| %s | %s | %s |\n' "${s#http-}" "$(cell "idle|$s|rss")" \
        "$([[ $s == http-nginx ]] && echo "– (not a JVM)" || cell "idle|$s|heap")"
    done
    echo
    echo "$(fmt 0 "$idle_conns") keep-alive connections, each after one request, held open: server RSS and heap after a"
    echo "full GC (\`jcmd GC.run\`), minus the same before, divided by the count."
  fi
}

# The HTTP goals against Netty: throughput and CPU per request at every connection count and
# pipelined, p99 at every fixed rate, memory per idle keep-alive connection, and no errors.
http_goals() {
  local c p conns l r e s=http-loomux-epoll n=http-netty
  for p in "${http_pipeline[@]}"; do
    conns=("${http_conns[@]}")
    [[ $p -gt 1 ]] && conns=("${http_pipeline_conns[@]}")
    for c in "${conns[@]}"; do
      local what="HTTP hello x$(fmt 0 "$c")$([[ $p -gt 1 ]] && echo ", $p pipelined")"
      goal "$what: loomux epoll ≥ 1.0x Netty, req/s" "http|$c|$p|$s|rps" "http|$c|$p|$n|rps" ">=" 1.0
      goal "same, CPU per request (Netty / loomux) ≥ 1.0x" "http|$c|$p|$n|cpu" "http|$c|$p|$s|cpu" ">=" 1.0
    done
  done
  for r in "${http_rates[@]}"; do
    l="hlat|$http_rate_conns|$r"
    goal "HTTP p99 at $(fmt 0 "$r") req/s x$(fmt 0 "$http_rate_conns") no worse than Netty's (loomux / Netty)" "$l|$s|p99" "$l|$n|p99" "<=" 1.0
  done
  goal "HTTP memory per idle keep-alive connection ≤ Netty's (RSS, loomux / Netty)" "idle|$s|rss" "idle|$n|rss" "<=" 1.0
  e=$(http_errors_of "$s")
  if [[ -z $e ]]; then
    note_missing; echo "| HTTP: no errors on loomux epoll (wrk and fixed rate, every cell) | n/a | n/a |"
  else
    echo "| HTTP: no errors on loomux epoll (wrk and fixed rate, every cell) | $e errors (Netty: $(http_errors_of "$n")) | $([[ $e -eq 0 ]] && echo yes || echo "**no**") |"
  fi
}
