# shellcheck shell=bash
# Sourced by the bench scripts, from the repository root.

# shellcheck source=../scripts/jdk.sh
. scripts/jdk.sh
loomux_use_jdk
loomux_require_mvn

# Runs Maven quietly with the given arguments; on failure shows its output and exits.
mvn_or_exit() {
  local log
  log=$(mktemp)
  if ! mvn -q -B "$@" >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    echo "bench: the build failed (Maven's output above)" >&2
    exit 1
  fi
  rm -f "$log"
}

# Builds the load generator and the runnable server jar; sets bench_jar and server_jar, and
# helidon_cp, helidon_h2_cp and robaho_cp: the class paths the HTTP and HTTP/2 peers run from
# (see benchmarks/pom.xml).
build_jars() {
  mvn_or_exit -DskipTests install -pl benchmarks,cli -am
  bench_jar=$(ls benchmarks/target/loomux-bench-*-all.jar)
  server_jar=$(ls cli/target/loomux-cli-*-all.jar)
  helidon_cp=$(<benchmarks/target/peers/helidon.classpath)
  helidon_h2_cp=$(<benchmarks/target/peers/helidon-h2.classpath)
  robaho_cp=$(<benchmarks/target/peers/robaho.classpath)
}

# Builds the benchmarks' jar with the soak, the servers and every backend in it, without
# installing anything; sets bench_jar.
build_soak_jar() {
  mvn_or_exit -DskipTests package -pl benchmarks -am
  bench_jar=$(ls benchmarks/target/loomux-bench-*-all.jar)
}

# Waits (bounded: 300 tries, about 15 s) until something listens on 127.0.0.1:$1; gives up at
# once when the process $2 (if given) has ended: a server that could not start.
wait_port() {
  for _ in $(seq 1 300); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    if [[ -n ${2:-} ]] && ! kill -0 "$2" 2>/dev/null; then
      echo "server for port $1 exited before it listened" >&2
      return 1
    fi
    read -rt 0.05 <> <(:) || true
  done
  echo "server on port $1 did not come up" >&2
  return 1
}

# Lists the backends that are available here, one name a line, from the runnable jar at $1.
available_backends() {
  java -jar "$1" backends | awk '$NF == "available" { print ($1 == "*" ? $2 : $1) }'
}

# Prints the CPU time (user + system, in clock ticks) that process $1 has used so far.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# The system calls a bench counts, at least one name for each kind of work: reading, writing,
# waiting for readiness, and parking and waking threads (futex).
sys_calls=(read write readv writev recvfrom sendto recvmsg sendmsg epoll_wait epoll_pwait epoll_ctl futex)

# Writes a wrk script that sends $1 requests in each write (HTTP pipelining) and prints its path.
pipeline_lua() {
  local lua=target/bench/pipeline-$1.lua
  printf 'init = function(args)\n  local r = {}\n  for i = 1, %d do r[i] = wrk.format(nil, "/") end\n  req = table.concat(r)\nend\nrequest = function() return req end\n' "$1" >"$lua"
  echo "$lua"
}

apt_install() { # package: installs it when missing and this is root on Debian
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    echo "bench: installing $1 (apt-get)" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$1" >/dev/null 2>&1 \
      || { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$1" >/dev/null 2>&1; }
  fi
}
need() { # command package
  command -v "$1" >/dev/null || apt_install "$2"
  command -v "$1" >/dev/null || { echo "bench: needs $1 (apt-get install $2)" >&2; exit 1; }
}
