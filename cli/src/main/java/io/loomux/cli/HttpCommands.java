package io.loomux.cli;

import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import com.sun.net.httpserver.SimpleFileServer;
import com.sun.net.httpserver.spi.HttpServerProvider;
import io.loomux.Loomux;
import io.loomux.http.HttpServerSettings;
import io.loomux.http.LoomuxHttpServerProvider;
import io.loomux.cli.Main.UsageException;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * {@code loomux serve}: the JDK's {@code SimpleFileServer} (with {@code jwebserver}'s options) on
 * loomux; {@code loomux hello}: a fixed plain-text answer to every request (65,536 bytes under
 * {@code /64k}, 14 elsewhere), for benchmarks, on loomux, on the JDK's built-in server
 * ({@code --server jdk}) or on whatever provider the JDK's own lookup finds
 * ({@code --server provider}), so that every one runs the same handler.
 */
final class HttpCommands {

    static final int SERVE_PORT = 8000;
    static final int HELLO_PORT = 8080;
    /** Seconds a stop waits for exchanges in progress after Ctrl-C. */
    static final int STOP_DELAY = 2;
    static final byte[] HELLO = "Hello, world!\n".getBytes(StandardCharsets.US_ASCII);
    /** What {@code loomux hello} answers at {@code /64k}: see {@link SixtyFourK}. */
    static final byte[] SIXTY_FOUR_K = SixtyFourK.body();

    private HttpCommands() {
    }

    /**
     * What {@code loomux serve} was asked for.
     *
     * @param directory the absolute, existing directory to serve
     * @param bind      the address, or null for the loopback address
     * @param port      the port
     * @param output    how much to log per request
     * @param backend   the backend's name, or null for the default
     * @param pollers   poller threads, 0 for the default
     * @param protocols HTTP/2 or not, HTTPS or not
     */
    record ServeOptions(Path directory, InetAddress bind, int port, SimpleFileServer.OutputLevel output,
                        String backend, int pollers, ProtocolOptions protocols) {
    }

    /** Whose {@code HttpServer} {@code loomux hello} runs on. */
    enum HelloServer {
        /** loomux's, on the backend asked for. */
        LOOMUX,
        /** The JDK's built-in one. */
        JDK,
        /**
         * The one {@code HttpServerProvider.provider()} finds: the class named by
         * {@code -Dcom.sun.net.httpserver.HttpServerProvider}, else the first on the class path,
         * else the JDK's; so any provider's jar can run the very same handler.
         */
        PROVIDER
    }

    /**
     * What {@code loomux hello} was asked for.
     *
     * @param bind     the address, or null for every IPv4 interface
     * @param port     the port
     * @param server   whose server
     * @param virtual  hand each exchange to a new virtual thread (an executor) instead of the
     *                 default
     * @param backend  the backend's name, or null for the default
     * @param pollers  poller threads, 0 for the default
     * @param protocols HTTP/2 or not (loomux only), HTTPS or not
     */
    record HelloOptions(InetAddress bind, int port, HelloServer server, boolean virtual, String backend, int pollers,
                        ProtocolOptions protocols) {
    }

    static ServeOptions parseServe(List<String> args) throws UsageException {
        return parseServe(args, System::getenv);
    }

    /** @param env reads an environment variable: {@code System::getenv}, or a test's */
    static ServeOptions parseServe(List<String> args, UnaryOperator<String> env) throws UsageException {
        Path directory = null;
        InetAddress bind = null;
        int port = SERVE_PORT;
        SimpleFileServer.OutputLevel output = SimpleFileServer.OutputLevel.INFO;
        String backend = null;
        int pollers = 0;
        ProtocolOptions.Parser protocols = new ProtocolOptions.Parser("serve");
        Main.Args a = new Main.Args(args, "serve");
        // Bounded: every pass consumes at least one argument.
        while (a.hasNext()) {
            String opt = a.next();
            if (protocols.take(opt, a)) {
                continue;
            }
            switch (opt) {
                case "-p", "--port" -> port = a.intValue(opt, 0, 65535);
                case "-b", "--bind-address" -> bind = Main.address(a.value(opt), opt, "serve");
                case "-d", "--directory" -> directory = directory(a.value(opt));
                case "-o", "--output" -> output = outputLevel(a.value(opt));
                case "--backend" -> backend = backend(a.value(opt), "serve");
                case "--pollers" -> pollers = a.intValue(opt, 0, 1024);
                default -> {
                    if (opt.startsWith("-") || directory != null) {
                        throw new UsageException(opt.startsWith("-") ? "unknown option '" + opt + "' for serve"
                                : Main.unexpected(opt, "serve"), "serve");
                    }
                    directory = directory(opt);
                }
            }
        }
        if (directory == null) {
            directory = directory(".");
        }
        return new ServeOptions(directory, bind, port, output, backend, pollers, protocols.done(env));
    }

    static HelloOptions parseHello(List<String> args) throws UsageException {
        return parseHello(args, System::getenv);
    }

    /** @param env reads an environment variable: {@code System::getenv}, or a test's */
    static HelloOptions parseHello(List<String> args, UnaryOperator<String> env) throws UsageException {
        InetAddress bind = null;
        int port = HELLO_PORT;
        HelloServer server = HelloServer.LOOMUX;
        boolean virtual = false;
        String backend = null;
        int pollers = 0;
        ProtocolOptions.Parser protocols = new ProtocolOptions.Parser("hello");
        Main.Args a = new Main.Args(args, "hello");
        // Bounded: every pass consumes at least one argument.
        while (a.hasNext()) {
            String opt = a.next();
            if (protocols.take(opt, a)) {
                continue;
            }
            switch (opt) {
                case "-p", "--port" -> port = a.intValue(opt, 0, 65535);
                case "-b", "--bind-address" -> bind = Main.address(a.value(opt), opt, "hello");
                case "--server" -> {
                    String v = a.value(opt);
                    server = switch (v) {
                        case "loomux" -> HelloServer.LOOMUX;
                        case "jdk" -> HelloServer.JDK;
                        case "provider" -> HelloServer.PROVIDER;
                        default -> throw new UsageException("--server must be loomux, jdk or provider, not '" + v + "'",
                                "hello");
                    };
                }
                case "--executor" -> {
                    String v = a.value(opt);
                    virtual = switch (v) {
                        case "default" -> false;
                        case "virtual" -> true;
                        default -> throw new UsageException("--executor must be default or virtual, not '" + v + "'",
                                "hello");
                    };
                }
                case "--backend" -> backend = backend(a.value(opt), "hello");
                case "--pollers" -> pollers = a.intValue(opt, 0, 1024);
                default -> throw new UsageException(opt.startsWith("-") ? "unknown option '" + opt + "' for hello"
                        : Main.unexpected(opt, "hello"), "hello");
            }
        }
        if (server != HelloServer.LOOMUX && (backend != null || pollers != 0)) {
            throw new UsageException("--backend and --pollers are loomux's; " + (server == HelloServer.JDK
                    ? "the JDK's server has neither" : "--server provider takes neither"), "hello");
        }
        return new HelloOptions(bind, port, server, virtual, backend, pollers, protocols.done(env));
    }

    static String backend(String v, String command) throws UsageException {
        if (v.isBlank()) {
            throw new UsageException("--backend needs a name", command);
        }
        return v;
    }

    private static Path directory(String v) throws UsageException {
        Path p;
        try {
            p = Path.of(v).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            throw new UsageException("bad directory '" + v + "'", "serve");
        }
        if (!Files.isDirectory(p)) {
            throw new UsageException("'" + v + "' is not a directory", "serve");
        }
        if (!Files.isReadable(p)) {
            throw new UsageException("directory '" + v + "' is not readable", "serve");
        }
        return p;
    }

    private static SimpleFileServer.OutputLevel outputLevel(String v) throws UsageException {
        try {
            return SimpleFileServer.OutputLevel.valueOf(v.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--output must be none, info or verbose, not '" + v + "'", "serve");
        }
    }

    /**
     * A started server and the runtime it alone uses; closing stops both.
     *
     * @param server    the server, started
     * @param runtime   loomux's runtime, or null when the server is another provider's
     * @param protocols what the server speaks, as its banner says it
     * @param tls       the certificate an HTTPS server presents, or null for HTTP
     */
    record Running(HttpServer server, Loomux runtime, String protocols, ServerTls tls) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            server.stop(0);
            if (runtime != null) {
                runtime.close();
            }
        }
    }

    /**
     * loomux's settings: those of the system properties, with HTTP/2 on (the default) unless
     * {@code --no-http2} or {@code -Dloomux.http.http2=false} turns it off.
     */
    static HttpServerSettings settings(ProtocolOptions p) {
        HttpServerSettings fromProperties = HttpServerSettings.fromSystemProperties();
        return fromProperties.toBuilder().http2(p.http2() && fromProperties.http2()).build();
    }

    /** @return what a server that knows its protocols speaks, for its banner */
    static String protocols(boolean tls, boolean http2) {
        if (tls) {
            return http2 ? "HTTPS: HTTP/1.1 and HTTP/2 (h2, through ALPN)" : "HTTPS: HTTP/1.1";
        }
        return http2 ? "HTTP/1.1 and HTTP/2 (h2c)" : "HTTP/1.1";
    }

    /** @return the certificate made at start, for the banner */
    static String selfSignedNotice(ServerTls tls) {
        List<String> names = tls.selfNames();
        return "Certificate: self-signed, made at start for " + String.join(", ", names.subList(0, names.size() - 1))
                + " and " + names.get(names.size() - 1)
                + ": for testing only, clients will not trust it (--keystore FILE serves your own)";
    }

    /** An HTTP server, or an HTTPS one presenting {@code tls}'s certificate. */
    static HttpServer create(HttpServerProvider provider, InetSocketAddress where, int backlog, ServerTls tls)
            throws IOException {
        if (tls == null) {
            return provider.createHttpServer(where, backlog);
        }
        HttpsServer server = provider.createHttpsServer(where, backlog);
        server.setHttpsConfigurator(new HttpsConfigurator(tls.context()));
        return server;
    }

    /**
     * Starts {@code loomux serve}; the caller closes it.
     *
     * @throws UsageException if the keystore named cannot serve
     */
    static Running startServe(ServeOptions o, PrintStream log) throws IOException, UsageException {
        InetAddress bind = o.bind() != null ? o.bind() : InetAddress.getLoopbackAddress();
        ServerTls tls = o.protocols().tls() ? ServerTls.of(o.protocols(), bind, "serve") : null;
        HttpServerSettings settings = settings(o.protocols());
        Loomux runtime = Loomux.builder().backend(o.backend()).pollers(o.pollers()).build();
        try {
            HttpServer server = create(new LoomuxHttpServerProvider(runtime, settings),
                    new InetSocketAddress(bind, o.port()), 0, tls);
            HttpContext context = server.createContext("/", SimpleFileServer.createFileHandler(o.directory()));
            if (o.output() != SimpleFileServer.OutputLevel.NONE) {
                context.getFilters().add(SimpleFileServer.createOutputFilter(log, o.output()));
            }
            server.start();
            return new Running(server, runtime, protocols(tls != null, settings.http2()), tls);
        } catch (IOException | RuntimeException e) {
            runtime.close();
            throw e;
        }
    }

    /**
     * The listen backlog every {@code hello} server asks for. Left at 0, each provider picks its
     * own default: loomux's backends 1,024 or 4,096, the JDK's 50. A benchmark that opens a
     * thousand connections at once would then measure the JDK's refused connections rather
     * than its serving. The kernel caps it at {@code net.core.somaxconn}.
     */
    static final int HELLO_BACKLOG = 4096;

    /**
     * Starts {@code loomux hello}; the caller closes it.
     *
     * @throws UsageException if the keystore named cannot serve
     */
    static Running startHello(HelloOptions o) throws IOException, UsageException {
        InetAddress bind = o.bind() != null ? o.bind() : InetAddress.getByAddress(new byte[4]);
        InetSocketAddress where = new InetSocketAddress(bind, o.port());
        ServerTls tls = o.protocols().tls() ? ServerTls.of(o.protocols(), bind, "hello") : null;
        Loomux runtime = null;
        HttpServer server;
        String protocols;
        if (o.server() == HelloServer.JDK) {
            server = create(jdkProvider(), where, HELLO_BACKLOG, tls);
            protocols = protocols(tls != null, false);
        } else if (o.server() == HelloServer.PROVIDER) {
            server = create(HttpServerProvider.provider(), where, HELLO_BACKLOG, tls);
            protocols = (tls != null ? "HTTPS" : "HTTP") + ", as the provider serves it";
        } else {
            HttpServerSettings settings = settings(o.protocols());
            runtime = Loomux.builder().backend(o.backend()).pollers(o.pollers()).build();
            try {
                server = create(new LoomuxHttpServerProvider(runtime, settings), where, HELLO_BACKLOG, tls);
            } catch (IOException | RuntimeException e) {
                runtime.close();
                throw e;
            }
            protocols = protocols(tls != null, settings.http2());
        }
        if (o.virtual()) {
            ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
            server.setExecutor(executor);
        }
        server.createContext("/", x -> hello(x, HELLO));
        server.createContext("/64k", x -> hello(x, SIXTY_FOUR_K));
        server.start();
        return new Running(server, runtime, protocols, tls);
    }

    /**
     * The JDK's built-in provider. Its class is not exported, but the JDK loads the class named
     * by this property itself, from its own module.
     */
    private static HttpServerProvider jdkProvider() {
        String property = "com.sun.net.httpserver.HttpServerProvider";
        String builtIn = "sun.net.httpserver.DefaultHttpServerProvider";
        String before = System.getProperty(property);
        if (before != null && !before.equals(builtIn)) {
            throw new IllegalStateException("-D" + property + "=" + before + " names another provider");
        }
        System.setProperty(property, builtIn);
        HttpServerProvider p = HttpServerProvider.provider();
        if (!p.getClass().getName().equals(builtIn)) {
            throw new IllegalStateException("the JDK's HttpServerProvider was already chosen as " + p.getClass().getName());
        }
        return p;
    }

    private static void hello(HttpExchange x, byte[] answer) throws IOException {
        x.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        if (x.getRequestMethod().equals("HEAD")) {
            // The headers a GET gets, and no body: both servers warn about a length given to
            // sendResponseHeaders for HEAD, and refuse a body written after it.
            x.getResponseHeaders().set("Content-Length", Integer.toString(answer.length));
            x.sendResponseHeaders(200, -1);
            x.close();
            return;
        }
        x.sendResponseHeaders(200, answer.length);
        try (OutputStream body = x.getResponseBody()) {
            body.write(answer);
        }
    }

    static int serve(ServeOptions o, PrintStream out, PrintStream err) throws UsageException {
        Running running;
        try {
            running = startServe(o, out);
        } catch (ServerTls.CannotMakeCertificate e) {
            err.println("loomux: " + Main.oneLine(e.getMessage()));
            return Main.FAILED;
        } catch (IOException e) {
            err.println("loomux: cannot listen on " + hostPort(o.bind() != null ? o.bind()
                    : InetAddress.getLoopbackAddress(), o.port()) + ": " + Main.oneLine(String.valueOf(e.getMessage())));
            return Main.FAILED;
        }
        // Before the ready line: a supervisor may signal as soon as it reads it.
        CountDownLatch stopped = stopOnSignal(running, "serve", out);
        InetSocketAddress a = running.server().getAddress();
        if (o.bind() == null) {
            out.println("Binding to loopback by default. For all interfaces use \"-b 0.0.0.0\" or \"-b ::\".");
        }
        out.println("Serving " + o.directory() + " and subdirectories on " + a.getAddress().getHostAddress()
                + " port " + a.getPort() + " (loomux, backend " + running.runtime().backend().name() + "): "
                + running.protocols());
        if (running.tls() != null && running.tls().selfSigned()) {
            out.println(selfSignedNotice(running.tls()));
        }
        out.println("URL " + (running.tls() != null ? "https" : "http") + "://" + hostPort(a.getAddress(), a.getPort())
                + "/");
        return awaitStop(stopped, out);
    }

    static int hello(HelloOptions o, PrintStream out, PrintStream err) throws UsageException {
        Running running;
        try {
            running = startHello(o);
        } catch (ServerTls.CannotMakeCertificate e) {
            err.println("loomux: " + Main.oneLine(e.getMessage()));
            return Main.FAILED;
        } catch (IOException e) {
            err.println("loomux: cannot listen on port " + o.port() + ": " + Main.oneLine(String.valueOf(e.getMessage())));
            return Main.FAILED;
        }
        // Before the ready line: a supervisor may signal as soon as it reads it.
        CountDownLatch stopped = stopOnSignal(running, "hello", out);
        InetSocketAddress a = running.server().getAddress();
        String whose = switch (o.server()) {
            case LOOMUX -> "loomux, backend " + running.runtime().backend().name();
            case JDK -> "the JDK's built-in HttpServer";
            case PROVIDER -> "provider " + HttpServerProvider.provider().getClass().getName();
        };
        out.println("hello server on " + hostPort(a.getAddress(), a.getPort()) + " (" + whose + ", "
                + (o.virtual() ? "a virtual thread per exchange" : "default executor") + "): " + running.protocols());
        if (running.tls() != null && running.tls().selfSigned()) {
            out.println(selfSignedNotice(running.tls()));
        }
        return awaitStop(stopped, out);
    }

    /**
     * Stops the server on Ctrl-C or SIGTERM, then exits with status 0.
     *
     * @return counted down once the server has stopped
     */
    static CountDownLatch stopOnSignal(Running running, String command, PrintStream out) {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("loomux-shutdown").unstarted(() -> {
            Main.exitingOnSignal = true;
            running.server().stop(STOP_DELAY);
            try {
                running.close();
            } catch (IOException ignored) {
                // Exiting anyway.
            }
            out.println("loomux " + command + ": stopped");
            stopped.countDown();
            Main.exitAfterSignal(out);
        }));
        return stopped;
    }

    static int awaitStop(CountDownLatch stopped, PrintStream out) {
        out.flush();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return Main.OK;
    }

    static String hostPort(InetAddress address, int port) {
        String host = address.getHostAddress();
        return (address instanceof Inet6Address ? "[" + host + "]" : host) + ":" + port;
    }

    /** The help of the options {@link ProtocolOptions} takes, the same for both commands. */
    private static final String PROTOCOL_OPTIONS = """
              --no-http2                HTTP/1.1 only (loomux serves HTTP/2 beside it
                                        unless -Dloomux.http.http2=false)
              --tls                     HTTPS instead of HTTP; without --keystore, with a
                                        self-signed certificate made at start (for
                                        testing: clients will not trust it)
              --keystore FILE           with --tls: the PKCS12 (or JKS) keystore holding
                                        the server's key and certificate
              --keystore-password PASS  its password (the key's is the same); else the
                                        environment variable %s, which
                                        other users cannot read as they can a command line
            """.formatted(ProtocolOptions.PASSWORD_ENV);

    static String serveUsage() {
        return """
                Usage: loomux serve [DIR] [-p PORT] [-b ADDR] [-o none|info|verbose]
                                    [--no-http2] [--tls [--keystore FILE]]
                                    [--backend NAME] [--pollers N]

                Serves DIR (default: the current directory) and its subdirectories over HTTP:
                the JDK's SimpleFileServer (what jwebserver runs) on loomux, until Ctrl-C or
                SIGTERM; then lets exchanges finish for up to %d s and exits with status 0.
                HTTP/1.1 and HTTP/2 share the port: h2c, with prior knowledge or through
                'Upgrade: h2c'; with --tls, HTTPS, h2 or http/1.1 as ALPN agrees.

                  -p, --port PORT           port, 0 picks a free one (default %d)
                  -b, --bind-address ADDR   address to listen on (default: loopback;
                                            0.0.0.0 or :: for every interface)
                  -d, --directory DIR       the directory, as the DIR argument
                  -o, --output LEVEL        none, info (a line per request) or verbose
                                            (with headers) (default info)
                %s  --backend NAME            backend to use (see 'loomux backends')
                  --pollers N               poller threads, 0 for the default (default 0)
                  -h, --help                print this help

                HTTP limits are system properties (LOOMUX_JAVA_OPTS): loomux.http.* and the
                JDK's sun.net.httpserver.* ones; see the README.
                """.formatted(STOP_DELAY, SERVE_PORT, PROTOCOL_OPTIONS);
    }

    static String helloUsage() {
        return """
                Usage: loomux hello [-p PORT] [-b ADDR] [--server loomux|jdk|provider]
                                    [--executor default|virtual] [--no-http2]
                                    [--tls [--keystore FILE]] [--backend NAME] [--pollers N]

                Answers every HTTP request with "Hello, world!" (14 bytes of text/plain), and
                /64k with 65,536 bytes of text (1,024 lines of letters), until Ctrl-C or
                SIGTERM; then lets exchanges finish for up to %d s and exits with
                status 0. For benchmarks: --server jdk runs the same handler on the JDK's
                built-in HttpServer, --server provider on the com.sun.net.httpserver provider
                the JDK's lookup finds (-Dcom.sun.net.httpserver.HttpServerProvider=CLASS,
                else the first on the class path, else the JDK's). On loomux, HTTP/1.1 and
                HTTP/2 share the port (h2c; with --tls, h2 through ALPN); the JDK's server
                speaks HTTP/1.1 alone.

                  -p, --port PORT           port, 0 picks a free one (default %d)
                  -b, --bind-address ADDR   address to listen on (default 0.0.0.0)
                  --server loomux|jdk|provider
                                            whose HttpServer (default loomux)
                  --executor default|virtual
                                            default: loomux runs each handler on its
                                            connection's virtual thread, the others as
                                            they do (the JDK on its dispatcher thread);
                                            virtual: a new virtual thread per exchange
                                            (default default)
                %s  --backend NAME            loomux backend to use (see 'loomux backends')
                  --pollers N               poller threads, 0 for the default (default 0)
                  -h, --help                print this help
                """.formatted(STOP_DELAY, HELLO_PORT, PROTOCOL_OPTIONS);
    }
}
