# shellcheck shell=bash
# The ws case of ./bench (benchmarks/run.sh sources this file after servers.sh): WebSocket echo
# (RFC 6455) under WsEchoLoad against one server pinned to CPU 0, the load pinned to CPU 1, a
# cell per message size and connections, and memory per idle WebSocket. Sees run.sh's settings
# and helpers (warm, secs, log, ws_loomux, record_closed_loop, idle_case, progress,
# start_server, stop_server, server_pid, port).

# Whether the runnable jar's command line has ws-echo (its help answers with status 0).
ws_loomux_available() { java -jar "$server_jar" ws-echo --help >/dev/null 2>&1; }

# Whether server $1 can run here; says why not (once per cell) when it is loomux's and this
# loomux has no ws-echo: ws_runnable SERVER WHAT-FOR-PROGRESS
ws_runnable() {
  if [[ $1 == ws-loomux-* ]] && ! $ws_loomux; then
    progress "$2" "skipped: loomux ws-echo not available"
    return 1
  fi
}

ws_echo_case() { # server size conns run
  local s=$1 size=$2 c=$3 line key="ws|$2|$3|$1" what="ws ${2}B x$3 ${1#ws-} (run $4)"
  ws_runnable "$s" "$what" || return 0
  if ! start_server "$s"; then
    stop_server
    progress "$what" "FAILED: the server did not start (see $log)"
    return
  fi
  # The load reads the server's CPU time itself at the start and end of its measured period.
  line=$(taskset -c 1 java -Dechoload.cpuOf="$server_pid" -cp "$bench_jar" io.loomux.bench.WsEchoLoad \
         127.0.0.1 "$port" "$c" "$size" "$warm" "$secs" 2>&1) || true
  stop_server
  printf 'ws %s: %s\n' "$key" "$line" >>"$log" # with the load's reasons for any errors
  local errors; errors=$(field errors "$line")
  [[ -n $errors ]] && record "$key|err" "$errors"
  progress "$what" "$(record_closed_loop "$key" "$line")"
}

ws_idle_case() { # server run
  ws_runnable "$1" "idle x$idle_conns $1 (run $2)" || return 0
  idle_case "$1" "$2" ws
}
