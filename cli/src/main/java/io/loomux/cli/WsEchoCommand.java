package io.loomux.cli;

import com.sun.net.httpserver.HttpServer;
import io.loomux.Loomux;
import io.loomux.cli.Main.UsageException;
import io.loomux.http.HttpServerSettings;
import io.loomux.http.LoomuxHttpServerProvider;
import io.loomux.http.websocket.Message;
import io.loomux.http.websocket.MessageListener;
import io.loomux.http.websocket.WebSocket;
import io.loomux.http.websocket.WebSocketSettings;
import io.loomux.http.websocket.WebSockets;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.function.UnaryOperator;

/**
 * {@code loomux ws-echo}: a WebSocket server that echoes every message on any path, for tests and
 * benchmarks; in the blocking style (a {@code receive}/{@code send} loop per WebSocket) or, with
 * {@code --turns}, in turns (a listener called per message, no thread held while idle); with
 * {@code --deflate}, permessage-deflate accepted when the client offers it.
 */
final class WsEchoCommand {

    static final int PORT = 8082;

    private WsEchoCommand() {
    }

    /**
     * @param bind      the address to listen on, or null for every interface
     * @param port      the port, 0 for a free one
     * @param turns     serve in turns rather than in a blocking loop
     * @param deflate   accept permessage-deflate (RFC 7692) when a client offers it
     * @param backend   the loomux backend, or null for the default
     * @param pollers   poller threads, 0 for the default
     * @param protocols TLS (and HTTP/2 beside, which WebSocket does not use)
     */
    record Options(InetAddress bind, int port, boolean turns, boolean deflate, String backend, int pollers,
                   ProtocolOptions protocols) {
    }

    static Options parse(List<String> args) throws UsageException {
        return parse(args, System::getenv);
    }

    /** @param env reads an environment variable: {@code System::getenv}, or a test's */
    static Options parse(List<String> args, UnaryOperator<String> env) throws UsageException {
        InetAddress bind = null;
        int port = PORT;
        boolean turns = false;
        boolean deflate = false;
        String backend = null;
        int pollers = 0;
        ProtocolOptions.Parser protocols = new ProtocolOptions.Parser("ws-echo");
        Main.Args a = new Main.Args(args, "ws-echo");
        // Bounded: every pass consumes at least one argument.
        while (a.hasNext()) {
            String opt = a.next();
            if (protocols.take(opt, a)) {
                continue;
            }
            switch (opt) {
                case "-p", "--port" -> port = a.intValue(opt, 0, 65535);
                case "-b", "--bind-address" -> bind = Main.address(a.value(opt), opt, "ws-echo");
                case "--turns" -> turns = true;
                case "--deflate" -> deflate = true;
                case "--backend" -> backend = HttpCommands.backend(a.value(opt), "ws-echo");
                case "--pollers" -> pollers = a.intValue(opt, 0, 1024);
                default -> throw new UsageException(opt.startsWith("-") ? "unknown option '" + opt + "' for ws-echo"
                        : Main.unexpected(opt, "ws-echo"), "ws-echo");
            }
        }
        return new Options(bind, port, turns, deflate, backend, pollers, protocols.done(env));
    }

    /** Echoes in turns. */
    private static final MessageListener ECHO = new MessageListener() {
        @Override
        public void onMessage(WebSocket ws, Message m) throws IOException {
            ws.send(m);
        }
    };

    /** Echoes in a blocking loop. */
    private static void echo(WebSocket ws) throws IOException {
        // Bounded by the client: each pass takes a message, and its close ends the loop.
        for (Message m; (m = ws.receive()) != null; ) {
            ws.send(m);
        }
    }

    /**
     * Starts the server; the caller closes it.
     *
     * @throws UsageException if the keystore named cannot serve
     */
    static HttpCommands.Running start(Options o) throws IOException, UsageException {
        InetAddress bind = o.bind() != null ? o.bind() : InetAddress.getByAddress(new byte[4]);
        ServerTls tls = o.protocols().tls() ? ServerTls.of(o.protocols(), bind, "ws-echo") : null;
        HttpServerSettings settings = HttpCommands.settings(o.protocols());
        Loomux runtime = Loomux.builder().backend(o.backend()).pollers(o.pollers()).build();
        try {
            HttpServer server = HttpCommands.create(new LoomuxHttpServerProvider(runtime, settings),
                    new InetSocketAddress(bind, o.port()), HttpCommands.HELLO_BACKLOG, tls);
            WebSocketSettings.Builder ws = WebSocketSettings.builder();
            if (o.deflate()) {
                ws.permessageDeflate(true);
            }
            WebSocketSettings wsSettings = ws.build();
            server.createContext("/", o.turns() ? WebSockets.listener(wsSettings, ECHO)
                    : WebSockets.handler(wsSettings, WsEchoCommand::echo));
            server.start();
            return new HttpCommands.Running(server, runtime, tls != null ? "wss" : "ws", tls);
        } catch (IOException | RuntimeException e) {
            runtime.close();
            throw e;
        }
    }

    static int run(Options o, PrintStream out, PrintStream err) throws UsageException {
        HttpCommands.Running running;
        try {
            running = start(o);
        } catch (ServerTls.CannotMakeCertificate e) {
            err.println("loomux: " + Main.oneLine(e.getMessage()));
            return Main.FAILED;
        } catch (IOException e) {
            err.println("loomux: cannot listen on port " + o.port() + ": " + Main.oneLine(String.valueOf(e.getMessage())));
            return Main.FAILED;
        }
        // Before the ready line: a supervisor may signal as soon as it reads it.
        CountDownLatch stopped = HttpCommands.stopOnSignal(running, "ws-echo", out);
        InetSocketAddress a = running.server().getAddress();
        out.println("ws-echo server on " + HttpCommands.hostPort(a.getAddress(), a.getPort()) + " (loomux, backend "
                + running.runtime().backend().name() + ", " + (o.turns() ? "in turns" : "a blocking loop per WebSocket")
                + (o.deflate() ? ", permessage-deflate" : "") + "): " + running.protocols() + "://"
                + HttpCommands.hostPort(a.getAddress(), a.getPort()) + "/");
        if (running.tls() != null && running.tls().selfSigned()) {
            out.println(HttpCommands.selfSignedNotice(running.tls()));
        }
        return HttpCommands.awaitStop(stopped, out);
    }

    static String usage() {
        return """
                Usage: loomux ws-echo [-p PORT] [-b ADDR] [--turns] [--deflate]
                                      [--tls [--keystore FILE]] [--backend NAME] [--pollers N]

                Runs a WebSocket server (RFC 6455) that echoes every message it receives, on
                any path, for tests and benchmarks: ws://, or wss:// with --tls. Each WebSocket
                is served by a blocking receive/send loop on a virtual thread, or with --turns
                by a listener called once per message, holding no thread while it is idle.
                Stops on Ctrl-C or SIGTERM with status 0.

                Options:
                  -p, --port PORT           port, 0 picks a free one (default %d)
                  -b, --bind-address ADDR   address to listen on (default 0.0.0.0)
                  --turns                   serve in turns rather than in a blocking loop
                  --deflate                 accept permessage-deflate (RFC 7692) when a client
                                            offers it: messages go compressed both ways
                  --tls                     wss:// instead of ws://; without --keystore, with
                                            a self-signed certificate made at start
                  --keystore FILE           with --tls: the PKCS12 (or JKS) keystore holding
                                            the server's key and certificate
                  --keystore-password PASS  its password; else the environment variable %s
                  --backend NAME            backend to use (see 'loomux backends')
                  --pollers N               poller threads, 0 for the default (default 0)
                  -h, --help                print this help
                """.formatted(PORT, ProtocolOptions.PASSWORD_ENV);
    }
}
