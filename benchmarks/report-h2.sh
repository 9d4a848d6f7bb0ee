# shellcheck shell=bash
# The HTTP/2 part of the report (benchmarks/report.sh sources this file): the h2 case's servers
# side by side under h2load, and its goals against Netty. Called from report() and reading the
# run's meta lines (h2_bodies, h2_conns, h2_streams, h2_servers, h2load, h2_warm, secs, runs).

# h2load's errors of one cell, all runs: "failed N, errored N, ..." for the kinds that were not 0,
# or nothing.
h2_errors() { # key (h2|BODY|CONNS|STREAMS|SERVER)
  awk -F'\t' -v k="$1|" 'index($1, k) == 1 {
      e = substr($1, length(k) + 1)
      if (e ~ /^(failed|errored|timeout|non2xx)$/) n[e] += $2
    }
    END {
      split("failed errored timeout non2xx", order, " ")
      for (i = 1; i <= 4; i++) if (n[order[i]] > 0) s = s (s == "" ? "" : ", ") order[i] " " n[order[i]]
      print s
    }' "$results"
}

# Sums the recorded errors of one server's h2 cells, or prints nothing when none were recorded.
h2_errors_of() { # server
  awk -F'\t' -v s="|$1|" '$1 ~ /^h2\|/ && index($1, s) && $1 ~ /\|(failed|errored|timeout|non2xx)$/ {
      seen = 1; n += $2 }
    END { if (seen) print n + 0 }' "$results"
}

# The column heads of the h2 tables: one per connections x streams.
h2_head() {
  local c m
  printf '| server |'
  for c in "${h2_conns[@]}"; do for m in "${h2_streams[@]}"; do printf ' %s conn%s x %s streams |' "$c" "$([[ $c == 1 ]] || echo s)" "$m"; done; done
  echo
  printf '|---|'
  for _ in "${h2_conns[@]}"; do for _ in "${h2_streams[@]}"; do printf -- '---|'; done; done
  echo
}

h2_report() {
  local -a h2_bodies h2_conns h2_streams h2_servers
  read -ra h2_bodies <<<"$(meta h2_bodies)"; read -ra h2_conns <<<"$(meta h2_conns)"
  read -ra h2_streams <<<"$(meta h2_streams)"; read -ra h2_servers <<<"$(meta h2_servers)"
  local body c m s k cpu e errs what
  echo
  echo "## HTTP/2: \`loomux hello\` (HTTP/2 on) next to Netty and Helidon under h2load"
  echo
  echo "h2c with prior knowledge (\`h2load -c CONNS -m STREAMS -D $secs http://...\`, $(meta h2load), one thread, pinned to"
  echo "CPU 1; $(meta h2_warm) s warm-up by the same command before each measured part). Every server answers \`GET /\`"
  echo "with status 200, \`content-type: text/plain; charset=utf-8\`, its content-length and the 14 bytes"
  echo "\`Hello, world!\\n\`, and \`GET /64k\` the same with 65,536 bytes of text; each cell first checks one answer's"
  echo "status, content type and body bytes (curl). loomux runs \`loomux hello\` (HTTP/2 on, its default); Netty"
  echo "its HTTP/2 codec (\`NettyHttp2Server\`: a frame listener on the connection handler, one epoll event loop,"
  echo "its default settings); Helidon SE its HTTP/2 module (\`HelidonHttp2Server\`, TCP_NODELAY on as the others)."
  echo "loomux and Helidon also send a date field, Netty none. Errors are h2load's failed, errored and timed-out"
  echo "requests and answers other than 2xx, summed over the runs; the goal is none. A stream still open when the"
  echo "time is up counts neither way."
  for body in "${h2_bodies[@]}"; do
    what="the hello (14 B)"; [[ $body == 64k ]] && what="64 KiB"
    echo
    echo "### h2 $what: requests per second · server CPU µs per request"
    echo
    h2_head
    errs=""
    for s in "${h2_servers[@]}"; do
      printf '| %s |' "${s#h2-}"
      for c in "${h2_conns[@]}"; do
        for m in "${h2_streams[@]}"; do
          k="h2|$body|$c|$m|$s"
          cpu=$(cell "$k|cpu" 1)
          printf ' %s · %s |' "$(cell "$k|rps")" "$cpu"
          e=$(h2_errors "$k")
          [[ -n $e ]] && errs+=" ${s#h2-} x$c x$m: $e;"
        done
      done
      echo
    done
    echo
    if [[ -n $errs ]]; then echo "Errors:${errs%;}."; else echo "Errors: none."; fi
    echo
    echo "### h2 $what: time for a request, mean · max ms (h2load's; no percentiles, see below)"
    echo
    h2_head
    for s in "${h2_servers[@]}"; do
      printf '| %s |' "${s#h2-}"
      for c in "${h2_conns[@]}"; do
        for m in "${h2_streams[@]}"; do
          k="h2|$body|$c|$m|$s"
          printf ' %s · %s |' "$(cell "$k|mean" 2 0.001)" "$(cell "$k|max" 1 0.001)"
        done
      done
      echo
    done
  done
  echo
  echo "h2load prints a request's time as min, max, mean and deviation only; a percentile needs its per-request"
  echo "log (\`--log-file\`), which halved h2load's own rate here (Netty's hello at 100 x 10: about 230,000 req/s"
  echo "without it, 120,000 with it), so the load would limit the cells it is meant to measure. These times come from"
  echo "a closed loop (each stream waits for its answer before the next request), so they are mostly the wait in"
  echo "the load's own queue, about (connections x streams) ÷ throughput, not the server's latency alone."
  if [[ " ${h2_bodies[*]} " == *" 64k "* && " ${h2_conns[*]} " == *" 100 "* && " ${h2_streams[*]} " == *" 100 "* ]]; then
    echo
    echo "At 64 KiB x 100 connections x 100 streams, 10,000 answers (655 MB) are in flight at once: a server that"
    echo "shares its output among all of a connection's streams ends them all at about the same time, so what it"
    echo "finishes in the $secs s measured is a whole number of such rounds ($(fmt 0 "$((10000 / secs))") req/s is one round,"
    echo "0 none), and its CPU per request is that of the rounds it finished: read that column as coarse."
  fi
}

# The h2 goals against Netty, on the first loomux backend: req/s and CPU per request in every
# cell, and no errors.
h2_goals() {
  local -a h2_bodies h2_conns h2_streams h2_servers
  read -ra h2_bodies <<<"$(meta h2_bodies)"; read -ra h2_conns <<<"$(meta h2_conns)"
  read -ra h2_streams <<<"$(meta h2_streams)"; read -ra h2_servers <<<"$(meta h2_servers)"
  local body c m k l=${h2_servers[0]} n=h2-netty name e
  name=${l#h2-}
  for body in "${h2_bodies[@]}"; do
    for c in "${h2_conns[@]}"; do
      for m in "${h2_streams[@]}"; do
        k="h2|$body|$c|$m"
        goal "h2 $body x$c x$m streams: $name ahead of Netty, req/s (≥ 1.0x)" "$k|$l|rps" "$k|$n|rps" ">=" 1.0
        goal "same, CPU per request (Netty / $name) ≥ 1.0x" "$k|$n|cpu" "$k|$l|cpu" ">=" 1.0
      done
    done
  done
  e=$(h2_errors_of "$l")
  if [[ -z $e ]]; then
    note_missing; echo "| h2: no errors on $name (every cell) | n/a | n/a |"
  else
    echo "| h2: no errors on $name (every cell) | $e errors (Netty: $(h2_errors_of "$n")) | $([[ $e -eq 0 ]] && echo yes || echo "**no**") |"
  fi
}
