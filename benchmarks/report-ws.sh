# shellcheck shell=bash
# The WebSocket part of the report (benchmarks/report.sh sources this file): loomux ws-echo next
# to Netty's WebSocket server under WsEchoLoad, memory per idle WebSocket, and the goals against
# Netty. Called from report() and reading the run's meta lines (ws_sizes, ws_conns, ws_servers,
# ws_loomux, idle_conns, warm, secs).

# The load's errors of one server's ws cells, all runs: "NxC: E" for each cell that had any.
ws_errors() { # server
  awk -F'\t' -v s="|$1|err" '$1 ~ /^ws\|/ && substr($1, length($1) - length(s) + 1) == s && $2 > 0 {
      split($1, k, "|"); n[k[2] " B x" k[3]] += $2 }
    END { for (c in n) printf "%s%s: %d", (out++ ? ", " : ""), c, n[c] }' "$results"
}

ws_report() {
  local -a ws_sizes ws_conns ws_servers
  read -ra ws_sizes <<<"$(meta ws_sizes)"; read -ra ws_conns <<<"$(meta ws_conns)"
  read -ra ws_servers <<<"$(meta ws_servers)"
  local size c s e errs turns=""
  for s in "${ws_servers[@]}"; do [[ $s == *-turns ]] && turns=${s#ws-}; done
  echo
  echo "## WebSocket: \`loomux ws-echo\` next to Netty's WebSocket server"
  echo
  echo "Echo of binary messages over RFC 6455 (\`WsEchoLoad\`, one thread, pinned to CPU 1): each connection does the"
  echo "opening handshake (its \`Sec-WebSocket-Accept\` checked), then in a closed loop sends one masked binary message"
  echo "(fresh masking key each) and waits for its echo before the next, every echoed byte checked; $warm s warm-up, then"
  echo "$secs s measured; at the end each connection closes with the close handshake (1000 both ways, then the server"
  echo "closes TCP). loomux runs \`loomux ws-echo\` (a blocking \`receive\`/\`send\` loop per WebSocket on a virtual"
  echo "thread)${turns:+ and, as \`$turns\`, \`ws-echo --turns\` (a listener called once per message on a fresh virtual thread)};"
  echo "Netty its \`WebSocketServerProtocolHandler\` with \`WebSocketFrameAggregator\` (\`NettyWebSocketServer\`: whole"
  echo "messages up to 1 MiB, no extension, one epoll event loop, each echo written as read and flushed per read batch)."
  echo "A cell is measured only if its run had no error (a wrong or missing echo, a protocol error, a failed handshake"
  echo "or close)."
  if [[ $(meta ws_loomux) == missing ]]; then
    echo
    echo "**This run's loomux had no \`ws-echo\` command: its rows are n/a, not measured.**"
  fi
  for size in "${ws_sizes[@]}"; do
    echo
    echo "### WebSocket echo, $(fmt 0 "$size") B messages: messages per second · server CPU µs per message"
    echo
    table_head '%s conns' "${ws_conns[@]}"
    rate_cpu_rows "ws|$size" ws- "${ws_conns[*]}" "${ws_servers[@]}"
  done
  errs=""
  for s in "${ws_servers[@]}"; do
    e=$(ws_errors "$s")
    [[ -n $e ]] && errs+=" ${s#ws-} ($e);"
  done
  echo
  if [[ -n $errs ]]; then echo "Errors, summed over the runs:${errs%;}."; else echo "Errors: none."; fi
  echo
  echo "### WebSocket echo: the closed loop's p99 round trip, ms"
  echo
  printf '| server |'
  for size in "${ws_sizes[@]}"; do for c in "${ws_conns[@]}"; do printf ' %s B x %s |' "$(fmt 0 "$size")" "$(fmt 0 "$c")"; done; done
  echo
  printf '|---|'
  for _ in "${ws_sizes[@]}"; do for _ in "${ws_conns[@]}"; do printf -- '---|'; done; done
  echo
  for s in "${ws_servers[@]}"; do
    printf '| %s |' "${s#ws-}"
    for size in "${ws_sizes[@]}"; do
      for c in "${ws_conns[@]}"; do printf ' %s |' "$(cell "ws|$size|$c|$s|p99" 2 0.001)"; done
    done
    echo
  done
  echo
  echo "A closed loop's round trip is mostly the wait in the loop's own queue, about connections ÷ throughput, not the"
  echo "server's latency alone."
  echo
  echo "### Memory per idle WebSocket"
  echo
  echo "| server | RSS per idle WebSocket (B) | heap per idle WebSocket (B) |"
  echo "|---|---|---|"
  for s in "${ws_servers[@]}"; do
    printf '| %s | %s | %s |\n' "${s#ws-}" "$(cell "idle|$s|rss")" "$(cell "idle|$s|heap")"
  done
  echo
  echo "$(fmt 0 "$(meta idle_conns)") WebSockets held open and idle (\`IdleClients --ws\`: each after its handshake and the echo of one"
  echo "16-byte message): server RSS and heap after a full GC (\`jcmd GC.run\`), minus the same before, divided by the count."
}

# The WebSocket goals against Netty: CPU per message on the first loomux backend in every cell,
# and memory per idle WebSocket in turns.
ws_goals() {
  local -a ws_sizes ws_conns ws_servers
  read -ra ws_sizes <<<"$(meta ws_sizes)"; read -ra ws_conns <<<"$(meta ws_conns)"
  read -ra ws_servers <<<"$(meta ws_servers)"
  local size c k l=${ws_servers[0]} n=ws-netty t="" s
  for s in "${ws_servers[@]}"; do [[ $s == *-turns ]] && t=$s; done
  for size in "${ws_sizes[@]}"; do
    for c in "${ws_conns[@]}"; do
      k="ws|$size|$c"
      goal "ws echo $(fmt 0 "$size") B x$(fmt 0 "$c"): ${l#ws-} ahead of Netty on CPU per message (Netty / ${l#ws-}) ≥ 1.0x" \
        "$k|$n|cpu" "$k|$l|cpu" ">=" 1.0
    done
  done
  if [[ -n $t ]]; then
    goal "memory per idle WebSocket in turns at or under Netty's (RSS, ${t#ws-} / Netty)" "idle|$t|rss" "idle|$n|rss" "<=" 1.0
    goal "same, heap (${t#ws-} / Netty)" "idle|$t|heap" "idle|$n|heap" "<=" 1.0
  fi
}
