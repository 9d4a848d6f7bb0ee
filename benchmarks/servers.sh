# shellcheck shell=bash
# Sourced by the bench scripts after lib.sh and build_jars (and with $log set): every server a
# case can start, by name, and starting and stopping one pinned to CPU 0.

java_opts=(-XX:+UseParallelGC)
# Netty reaches for native access and sun.misc.Unsafe; JDK 23+ warns unless they are granted.
netty_opts=(--enable-native-access=ALL-UNNAMED)
feature=$(java -XshowSettings:properties -version 2>&1 | sed -nE 's/^ *java\.specification\.version = ([0-9]+).*/\1/p')
[[ ${feature:-21} -ge 23 ]] && netty_opts+=(--sun-misc-unsafe-memory-access=allow)
# Every HTTP server keeps an idle keep-alive connection for 5 minutes and takes 20,000 of them,
# so that no case measures a server's default limits (the JDK's closes all but 200 idle
# connections, and both it and loomux close one idle for 30 s): these are the JDK's own
# properties, which loomux and robaho (a fork of the JDK's server) read too.
http_opts=(-Dsun.net.httpserver.idleInterval=300 -Dsun.net.httpserver.maxIdleConnections=20000
           -Djdk.httpserver.maxConnections=20000)
robaho_provider=robaho.net.httpserver.DefaultHttpServerProvider

# Writes nginx's configuration for the hello on port $1 under target/bench/nginx and prints its
# path. One process does everything (master_process off: no master to fork the one worker), so
# that the pid the cases watch is the one serving: its CPU and RSS are the server's.
nginx_conf() {
  local dir=$PWD/target/bench/nginx
  mkdir -p "$dir"
  cat >"$dir/nginx.conf" <<CONF
daemon off;
master_process off;
worker_processes 1;
worker_rlimit_nofile 20000;
pid $dir/nginx.pid;
error_log stderr warn;
events { worker_connections 20000; }
http {
  access_log off;
  server_tokens off;
  keepalive_timeout 300s;
  keepalive_requests 1000000000;
  client_body_temp_path $dir/body;
  proxy_temp_path $dir/proxy;
  fastcgi_temp_path $dir/fastcgi;
  uwsgi_temp_path $dir/uwsgi;
  scgi_temp_path $dir/scgi;
  server {
    listen 127.0.0.1:$1 backlog=4096;
    location / {
      default_type "text/plain; charset=utf-8";
      return 200 "Hello, world!\n";
    }
  }
}
CONF
  echo "$dir/nginx.conf"
}

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
    http-loomux-*) printf '%s\n' java "${java_opts[@]}" "${http_opts[@]}" --enable-native-access=ALL-UNNAMED -jar "$server_jar" hello \
                -b 127.0.0.1 -p "$port" --backend "${name#http-loomux-}" ;;
    http-jdk-default) printf '%s\n' java "${java_opts[@]}" "${http_opts[@]}" -jar "$server_jar" hello -b 127.0.0.1 -p "$port" --server jdk ;;
    http-jdk-virtual) printf '%s\n' java "${java_opts[@]}" "${http_opts[@]}" -jar "$server_jar" hello -b 127.0.0.1 -p "$port" --server jdk --executor virtual ;;
    http-robaho) printf '%s\n' java "${java_opts[@]}" "${http_opts[@]}" -Dcom.sun.net.httpserver.HttpServerProvider="$robaho_provider" \
                -cp "$server_jar:$robaho_cp" io.loomux.cli.Main hello -b 127.0.0.1 -p "$port" --server provider ;;
    http-netty) printf '%s\n' java "${java_opts[@]}" "${netty_opts[@]}" -cp "$bench_jar" io.loomux.bench.NettyHttpServer "$port" ;;
    http-helidon) printf '%s\n' java "${java_opts[@]}" -cp "$bench_jar:$helidon_cp" io.loomux.bench.HelidonHttpServer "$port" ;;
    h2-loomux-*) printf '%s\n' java "${java_opts[@]}" "${http_opts[@]}" --enable-native-access=ALL-UNNAMED \
                -jar "$server_jar" hello -b 127.0.0.1 -p "$port" --backend "${name#h2-loomux-}" ;;
    h2-netty) printf '%s\n' java "${java_opts[@]}" "${netty_opts[@]}" -cp "$bench_jar" io.loomux.bench.NettyHttp2Server "$port" ;;
    h2-helidon) printf '%s\n' java "${java_opts[@]}" -cp "$bench_jar:$helidon_h2_cp" io.loomux.bench.HelidonHttp2Server "$port" ;;
    # loomux ws-echo: every message echoed on any path; --turns serves it in turns (a listener
    # called per message, no thread held while a WebSocket is idle).
    ws-loomux-*-turns) local b=${name#ws-loomux-}
                printf '%s\n' java "${java_opts[@]}" "${http_opts[@]}" --enable-native-access=ALL-UNNAMED -jar "$server_jar" ws-echo \
                -p "$port" --backend "${b%-turns}" --turns ;;
    ws-loomux-*) printf '%s\n' java "${java_opts[@]}" "${http_opts[@]}" --enable-native-access=ALL-UNNAMED -jar "$server_jar" ws-echo \
                -p "$port" --backend "${name#ws-loomux-}" ;;
    ws-netty) printf '%s\n' java "${java_opts[@]}" "${netty_opts[@]}" -cp "$bench_jar" io.loomux.bench.NettyWebSocketServer "$port" ;;
    http-nginx) printf '%s\n' nginx -e stderr -p "$PWD/target/bench/nginx" -c "$(nginx_conf "$port")" ;;
    *) echo "bench: no server '$name'" >&2; return 1 ;;
  esac
}

port=7400
server_pid=""
start_server() { # name: starts it on a fresh port, pinned to CPU 0; sets port and server_pid
  port=$((port + 1))
  # A port some other program listens on would answer in the server's place: take the next free
  # one (bounded by the port range).
  while [[ $port -lt 65535 ]] && (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
  local cmd
  mapfile -t cmd < <(server_cmd "$1" "$port")
  echo "== $1 on $port: ${cmd[*]}" >>"$log"
  taskset -c 0 "${cmd[@]}" >>"$log" 2>&1 &
  server_pid=$!
  wait_port "$port" "$server_pid"
}
stop_server() {
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}
trap 'stop_server' EXIT
