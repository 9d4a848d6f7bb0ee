# shellcheck shell=bash
# The h2 case of ./bench (benchmarks/run.sh sources this file after servers.sh): h2load over h2c
# with prior knowledge against one server pinned to CPU 0, the load pinned to CPU 1, a cell per
# body, connections and concurrent streams per connection. Sees run.sh's settings and helpers
# (secs, hz, log, record, progress, start_server, stop_server, cpu_ticks, server_pid, port).

# The bodies the servers answer, by the name a cell gives: the path, and the body's SHA-256.
h2_path() { [[ $1 == 64k ]] && echo /64k || echo /; }
h2_expected_sha() {
  if [[ $1 == 64k ]]; then
    # 1,024 lines of 63 letters and a newline: loomux hello's /64k (io.loomux.cli.SixtyFourK).
    local line=abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijk i
    for ((i = 0; i < 1024; i++)); do printf '%s\n' "$line"; done | sha256sum | cut -d' ' -f1
  else
    printf 'Hello, world!\n' | sha256sum | cut -d' ' -f1
  fi
}

# Checks one answer over HTTP/2 with prior knowledge before a cell measures: status 200, the
# content type and the body's bytes, so that every server of a cell is known to send the same.
# Prints nothing when it is right, else what was wrong. h2_check URL BODY
h2_check() {
  local f got sha
  f=$(mktemp)
  got=$(curl -s --max-time 10 --http2-prior-knowledge -o "$f" -w '%{http_version} %{http_code} %{content_type}' "$1" 2>&1) || true
  sha=$(sha256sum "$f" | cut -d' ' -f1)
  rm -f "$f"
  [[ $got == "2 200 text/plain; charset=utf-8" ]] || { echo "answered '$got'"; return; }
  [[ $sha == "$(h2_expected_sha "$2")" ]] || echo "sent another body (sha256 $sha)"
}

# h2load's "time for request:  MIN  MAX  MEAN  SD  +/-SD" as "MIN MAX MEAN" in µs.
h2_request_times() {
  awk '/^time for request:/ {
      for (i = 4; i <= 6; i++) {
        v = $i
        if (v ~ /us$/) v = v + 0; else if (v ~ /ms$/) v = v * 1000; else if (v ~ /s$/) v = v * 1e6
        printf "%s%s", (i > 4 ? " " : ""), v
      }
      print ""
    }' <<<"$1"
}

h2_case() { # server body conns streams run
  local s=$1 body=$2 c=$3 m=$4 url bad out t0 t1 key="h2|$2|$3|$4|$1"
  start_server "$s"
  url="http://127.0.0.1:$port$(h2_path "$body")"
  bad=$(h2_check "$url" "$body")
  if [[ -n $bad ]]; then
    stop_server
    echo "h2 $key: $url $bad" >>"$log"
    progress "h2 $body x$c x$m streams ${s#h2-} (run $5)" "FAILED: $bad"
    return
  fi
  [[ $h2_warm -gt 0 ]] && { taskset -c 1 h2load -c"$c" -m"$m" -D "$h2_warm" "$url" >/dev/null 2>&1 || true; }
  t0=$(cpu_ticks "$server_pid")
  out=$(taskset -c 1 h2load -c"$c" -m"$m" -D "$secs" "$url" 2>&1) || true
  t1=$(cpu_ticks "$server_pid")
  stop_server
  # "requests: N total, N started, N done, N succeeded, N failed, N errored, N timeout" and
  # "status codes: N 2xx, N 3xx, N 4xx, N 5xx": every request that did not succeed with a 2xx is
  # an error; a stream still open when the time was up is neither.
  local done rate failed errored timeout non2xx times errs
  read -r done failed errored timeout <<<"$(awk '/^requests:/ { print $8, $10, $12, $14 }' <<<"$out")"
  non2xx=$(awk '/^status codes:/ { print $5 + $7 + $9 }' <<<"$out")
  rate=$(awk '/^finished in/ { print $4 }' <<<"$out")
  if [[ -n $rate && -n $done && -n $non2xx ]]; then
    record "$key|failed" "$failed"; record "$key|errored" "$errored"
    record "$key|timeout" "$timeout"; record "$key|non2xx" "$non2xx"
    errs=$((failed + errored + timeout + non2xx))
    record "$key|rps" "$rate"
    if [[ $done -gt 0 ]]; then
      record "$key|cpu" "$(awk -v t="$((t1 - t0))" -v hz="$hz" -v n="$done" 'BEGIN { printf "%.2f", (t / hz) * 1e6 / n }')"
      read -ra times <<<"$(h2_request_times "$out")"
      record "$key|mean" "${times[2]}"; record "$key|max" "${times[1]}"
    fi
    # How busy the server's core was: well under 100 % means the load, not the server, was the limit.
    record "$key|busy" "$(awk -v t="$((t1 - t0))" -v hz="$hz" -v s="$secs" 'BEGIN { printf "%.0f", (t / hz) * 100 / s }')"
    [[ $errs -gt 0 ]] && printf 'h2 %s: %s errors\n%s\n' "$key" "$errs" "$out" >>"$log"
  else
    printf 'h2 %s: no figures from h2load\n%s\n' "$key" "$out" >>"$log"
  fi
  progress "h2 $body x$c x$m streams ${s#h2-} (run $5)" "${rate:-FAILED} req/s${errs:+, $errs errors}"
}
