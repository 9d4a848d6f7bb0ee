# shellcheck shell=bash
# Sourced by the bench scripts after lib.sh and build_jars (and with $log set): every server a
# case can start, by name, and starting and stopping one pinned to CPU 0.

java_opts=(-XX:+UseParallelGC)
# Netty reaches for native access and sun.misc.Unsafe; JDK 23+ warns unless they are granted.
netty_opts=(--enable-native-access=ALL-UNNAMED)
feature=$(java -XshowSettings:properties -version 2>&1 | sed -nE 's/^ *java\.specification\.version = ([0-9]+).*/\1/p')
[[ ${feature:-21} -ge 23 ]] && netty_opts+=(--sun-misc-unsafe-memory-access=allow)
server_cmd() { # name port -> prints the command line, one word per line
  local name=$1 port=$2
  case $name in
    loomux-*-turns) local b=${name#loomux-}
                printf '%s\n' java "${java_opts[@]}" --enable-native-access=ALL-UNNAMED -jar "$server_jar" echo \
                --bind 127.0.0.1 --port "$port" --backend "${b%-turns}" --max-connections 20000 --release-idle ;;
    loomux-*) printf '%s\n' java "${java_opts[@]}" --enable-native-access=ALL-UNNAMED -jar "$server_jar" echo \
                --bind 127.0.0.1 --port "$port" --backend "${name#loomux-}" --max-connections 20000 ;;
    jdk-virtual-threads) printf '%s\n' java "${java_opts[@]}" -cp "$bench_jar" io.loomux.bench.JdkEchoServer "$port" ;;
    netty-epoll) printf '%s\n' java "${java_opts[@]}" "${netty_opts[@]}" -cp "$bench_jar" io.loomux.bench.NettyEchoServer "$port" epoll ;;
    netty-nio) printf '%s\n' java "${java_opts[@]}" "${netty_opts[@]}" -cp "$bench_jar" io.loomux.bench.NettyEchoServer "$port" nio ;;
    c-epoll) printf '%s\n' target/bench/echo-c "$port" ;;
    http-loomux-*) printf '%s\n' java "${java_opts[@]}" --enable-native-access=ALL-UNNAMED -jar "$server_jar" hello \
                -b 127.0.0.1 -p "$port" --backend "${name#http-loomux-}" ;;
    http-jdk-default) printf '%s\n' java "${java_opts[@]}" -jar "$server_jar" hello -b 127.0.0.1 -p "$port" --server jdk ;;
    http-jdk-virtual) printf '%s\n' java "${java_opts[@]}" -jar "$server_jar" hello -b 127.0.0.1 -p "$port" --server jdk --executor virtual ;;
    *) echo "bench: no server '$name'" >&2; return 1 ;;
  esac
}

port=7400
server_pid=""
start_server() { # name: starts it on a fresh port, pinned to CPU 0; sets port and server_pid
  port=$((port + 1))
  local cmd
  mapfile -t cmd < <(server_cmd "$1" "$port")
  echo "== $1 on $port: ${cmd[*]}" >>"$log"
  taskset -c 0 "${cmd[@]}" >>"$log" 2>&1 &
  server_pid=$!
  wait_port "$port"
}
stop_server() {
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}
trap 'stop_server' EXIT
