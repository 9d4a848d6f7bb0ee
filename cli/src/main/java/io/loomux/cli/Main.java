package io.loomux.cli;

import io.loomux.BackendInfo;
import io.loomux.BackendSelectionException;
import io.loomux.Loomux;
import io.loomux.server.ServerStats;
import io.loomux.server.TcpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

/**
 * The {@code loomux} command line: {@code loomux echo} runs a TCP echo server,
 * {@code loomux backends} lists the backends found. Run {@code loomux --help} for usage.
 *
 * <p>Exit status: 0 on success (a server stopped by Ctrl-C or SIGTERM included, once it has
 * stopped), 1 when the work failed (e.g. the port is in use), 2 for a bad command line or a
 * backend that cannot be selected. An error is one line on standard error.
 * Arguments are parsed by hand: the command line has no dependency.
 */
public final class Main {

    /** Exit status: done. */
    static final int OK = 0;
    /** Exit status: the command could not do its work. */
    static final int FAILED = 1;
    /** Exit status: bad arguments, or no usable backend. */
    static final int USAGE = 2;

    /** How long handlers may finish after Ctrl-C before their connections are closed. */
    static final Duration GRACE = Duration.ofSeconds(5);

    static final int DEFAULT_PORT = 7007;

    /** Set by the shutdown hook: the JVM is already exiting, so main must not call exit. */
    static volatile boolean exitingOnSignal;

    private Main() {
    }

    /**
     * Runs the command line and exits with its status.
     *
     * @param args the arguments
     */
    public static void main(String[] args) {
        int status = run(args, System.out, System.err);
        if (!exitingOnSignal) {
            // exit() while shutdown hooks run would block forever; otherwise it ends the JVM
            // even if a library left a non-daemon thread behind.
            System.exit(status);
        }
    }

    /**
     * Runs the command line. {@code echo} blocks until the JVM shuts down.
     *
     * @param args the arguments
     * @param out  where usage and results go
     * @param err  where one-line errors go
     * @return the exit status
     */
    static int run(String[] args, PrintStream out, PrintStream err) {
        List<String> list = Arrays.asList(args);
        String command = list.isEmpty() ? null : list.get(0);
        try {
            if (command == null) {
                throw new UsageException("no command given", null);
            }
            List<String> rest = list.subList(1, list.size());
            switch (command) {
                case "-h", "--help", "help" -> {
                    out.print(usage());
                    return OK;
                }
                case "-V", "--version" -> {
                    out.println("loomux " + version());
                    out.println("Java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ") on "
                            + System.getProperty("os.name") + " " + System.getProperty("os.arch"));
                    return OK;
                }
                case "echo" -> {
                    if (wantsHelp(rest)) {
                        out.print(echoUsage());
                        return OK;
                    }
                    return echo(parseEcho(rest), out, err);
                }
                case "serve" -> {
                    if (wantsHelp(rest)) {
                        out.print(HttpCommands.serveUsage());
                        return OK;
                    }
                    return HttpCommands.serve(HttpCommands.parseServe(rest), out, err);
                }
                case "hello" -> {
                    if (wantsHelp(rest)) {
                        out.print(HttpCommands.helloUsage());
                        return OK;
                    }
                    return HttpCommands.hello(HttpCommands.parseHello(rest), out, err);
                }
                case "ws-echo" -> {
                    if (wantsHelp(rest)) {
                        out.print(WsEchoCommand.usage());
                        return OK;
                    }
                    return WsEchoCommand.run(WsEchoCommand.parse(rest), out, err);
                }
                case "backends" -> {
                    if (wantsHelp(rest)) {
                        out.print(backendsUsage());
                        return OK;
                    }
                    if (!rest.isEmpty()) {
                        throw new UsageException(unexpected(rest.get(0), "backends"), "backends");
                    }
                    printBackends(out);
                    return OK;
                }
                default -> throw new UsageException(command.startsWith("-")
                        ? "unknown option '" + command + "'"
                        : "unknown command '" + command + "'", null);
            }
        } catch (UsageException e) {
            err.println("loomux: " + e.getMessage() + " (try 'loomux " + (e.command != null ? e.command + " " : "")
                    + "--help')");
            return USAGE;
        } catch (BackendSelectionException e) {
            // The runtime's message begins "loomux backend ...": say "loomux" once.
            err.println("loomux: " + oneLine(e.getMessage()).replaceFirst("^loomux ", ""));
            return USAGE;
        } catch (IllegalArgumentException e) {
            // e.g. -Dloomux.pollers=abc, caught by the runtime
            err.println("loomux: " + oneLine(e.getMessage()));
            return USAGE;
        }
    }

    // ---- echo -------------------------------------------------------------------------------

    /**
     * What {@code loomux echo} was asked for.
     *
     * @param port           the port, 0..65535
     * @param bind           the address to bind
     * @param backend        the backend's name, or null for the default
     * @param pollers        poller threads, 0 for the default
     * @param maxConnections the connection limit
     * @param releaseIdle    serve in turns ({@link io.loomux.server.ReadableHandler}): idle
     *                       connections hold no thread
     */
    record EchoOptions(int port, InetAddress bind, String backend, int pollers, int maxConnections,
                       boolean releaseIdle) {
    }

    static EchoOptions parseEcho(List<String> args) throws UsageException {
        int port = DEFAULT_PORT;
        InetAddress bind = null;
        String backend = null;
        int pollers = 0;
        int maxConnections = 10_000;
        boolean releaseIdle = false;
        Args a = new Args(args, "echo");
        // Bounded: every pass consumes at least one argument.
        while (a.hasNext()) {
            String opt = a.next();
            switch (opt) {
                case "--port" -> port = a.intValue(opt, 0, 65535);
                case "--bind" -> bind = address(a.value(opt), opt, "echo");
                case "--backend" -> {
                    backend = a.value(opt);
                    if (backend.isBlank()) {
                        throw new UsageException("--backend needs a name", "echo");
                    }
                }
                case "--pollers" -> pollers = a.intValue(opt, 0, 1024);
                case "--max-connections" -> maxConnections = a.intValue(opt, 1, Integer.MAX_VALUE);
                case "--release-idle" -> releaseIdle = true;
                default -> throw new UsageException(opt.startsWith("-")
                        ? "unknown option '" + opt + "' for echo"
                        : unexpected(opt, "echo"), "echo");
            }
        }
        if (bind == null) {
            bind = anyIPv4();
        }
        return new EchoOptions(port, bind, backend, pollers, maxConnections, releaseIdle);
    }

    static TcpServer startEcho(EchoOptions o) throws IOException {
        TcpServer.Builder b = TcpServer.builder()
                .address(new InetSocketAddress(o.bind(), o.port()))
                .backend(o.backend())
                .pollers(o.pollers())
                .maxConnections(o.maxConnections());
        return (o.releaseIdle() ? b.readableHandler(new EchoHandler()) : b.handler(new EchoHandler())).start();
    }

    /** @return the line {@code loomux echo} prints once it listens */
    static String describe(TcpServer s) {
        BackendInfo b = s.backend();
        return "loomux echo server on " + s.address() + " (backend " + b.name() + ", priority " + b.priority()
                + ", " + s.pollers() + (s.pollers() == 1 ? " poller)" : " pollers)");
    }

    /** @return the line {@code loomux echo} prints after it shut down */
    static String summary(ServerStats st, boolean clean) {
        return String.format(Locale.ROOT, "loomux echo: shut down%s; %d connections accepted, %d bytes in, %d out,"
                        + " %d waits, %d polls (%.2f events/poll), %d timeouts, %d accept errors",
                clean ? "" : " (closed connections still open after " + GRACE.toSeconds() + " s)",
                st.accepted(), st.bytesIn(), st.bytesOut(), st.parks(), st.polls(), st.eventsPerPoll(),
                st.timeouts(), st.acceptErrors());
    }

    private static int echo(EchoOptions o, PrintStream out, PrintStream err) {
        TcpServer server;
        InetSocketAddress where = new InetSocketAddress(o.bind(), o.port());
        try {
            server = startEcho(o);
        } catch (IOException e) {
            err.println("loomux: cannot listen on " + where + ": " + oneLine(String.valueOf(e.getMessage())));
            return FAILED;
        }
        // The hook before the ready line: a supervisor may signal as soon as it reads it.
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("loomux-shutdown").unstarted(() -> {
            exitingOnSignal = true;
            boolean clean = false;
            try {
                clean = server.shutdown(GRACE);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            out.println(summary(server.stats(), clean));
            exitAfterSignal(out);
        }));
        out.println(describe(server));
        out.flush();
        try {
            server.awaitTermination();
        } catch (InterruptedException e) {
            server.close();
            Thread.currentThread().interrupt();
        }
        return OK;
    }

    /**
     * Ends the JVM with status 0 from a shutdown hook, once the server it stops has stopped. The
     * JVM's own end after a signal would be 128 + the signal's number (143 after SIGTERM), which
     * a supervisor takes for a failure; halting here skips the hooks not yet finished, and the
     * command line registers none but its own.
     */
    static void exitAfterSignal(PrintStream out) {
        out.flush();
        System.err.flush();
        Runtime.getRuntime().halt(OK);
    }

    // ---- backends ---------------------------------------------------------------------------

    static void printBackends(PrintStream out) {
        List<BackendInfo> all = Loomux.backends();
        if (all.isEmpty()) {
            out.println("no loomux backends found: add a backend jar, such as loomux-spi-selector,"
                    + " to the class path");
            return;
        }
        String wanted = System.getProperty(Loomux.BACKEND_PROPERTY);
        boolean named = wanted != null && !wanted.isBlank();
        // The runtime's own rule decides, so the mark cannot drift from what Loomux.open() does.
        BackendInfo chosen;
        try {
            chosen = Loomux.defaultBackend();
        } catch (BackendSelectionException e) {
            chosen = null;
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"", "NAME", "PRIORITY", "TRIGGERING", "PROVIDER", "STATUS"});
        for (BackendInfo b : all) {
            rows.add(new String[] {
                chosen != null && b.name().equals(chosen.name()) && b.providerClass().equals(chosen.providerClass())
                        ? "*" : "",
                b.name(),
                Integer.toString(b.priority()),
                b.triggering().name().toLowerCase(Locale.ROOT).replace('_', '-'),
                b.providerClass(),
                b.availability().available() ? "available"
                        : "unavailable: " + oneLine(b.availability().reason()),
            });
        }
        int[] width = new int[rows.get(0).length];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                line.append(r[i]);
                if (i < r.length - 1) {
                    line.append(" ".repeat(width[i] - r[i].length() + 2));
                }
            }
            out.println(line.toString().stripTrailing());
        }
        out.println();
        if (chosen != null) {
            out.println("* used by default" + (named
                    ? " (named by -D" + Loomux.BACKEND_PROPERTY + "=" + wanted.trim() + ")"
                    : ": the highest-priority available backend"));
        } else if (named) {
            out.println("-D" + Loomux.BACKEND_PROPERTY + "=" + wanted.trim()
                    + " names no available backend: loomux will refuse to start");
        } else {
            out.println("no backend is available here: loomux cannot start");
        }
    }

    // ---- usage ------------------------------------------------------------------------------

    static String usage() {
        return """
                Usage: loomux <command> [options]

                Blocking handlers on virtual threads over a pluggable socket multiplexer.

                Commands:
                  serve       serve a directory over HTTP/1.1 and HTTP/2, or HTTPS with --tls
                              (the JDK's SimpleFileServer on loomux)
                  hello       run an HTTP server answering every request with a short text
                  echo        run a TCP echo server
                  ws-echo     run a WebSocket server echoing every message, on any path
                  backends    list the backends found and which one is used by default

                Options:
                  -h, --help      print this help ('loomux <command> --help' for a command's)
                  -V, --version   print the version

                The loomux script also takes --classpath PATH (before or after the command):
                more jars on the class path, such as a third party's backend plugin.

                Java system properties (pass them in LOOMUX_JAVA_OPTS to the loomux script):
                  -Dloomux.backend=NAME   the backend to use when none is named
                  -Dloomux.pollers=N      the number of poller threads

                Exit status: 0 done (also once a server stopped by Ctrl-C or SIGTERM has
                stopped), 1 failed, 2 bad arguments or no usable backend.
                """;
    }

    static String echoUsage() {
        return """
                Usage: loomux echo [--port N] [--bind ADDR] [--backend NAME] [--pollers N]
                                   [--max-connections N] [--release-idle]

                Runs a TCP echo server until Ctrl-C or SIGTERM, then lets connections finish
                for %d s, closes the rest, prints the counters and exits with status 0.

                  --port N              port, 0 to 65535; 0 picks a free one (default %d)
                  --bind ADDR           address to listen on (default 0.0.0.0, every IPv4
                                        interface; 127.0.0.1 for this machine only, :: for IPv6)
                  --backend NAME        backend to use (default: -Dloomux.backend, else the
                                        highest-priority available one; see 'loomux backends')
                  --pollers N           poller threads, 0 for the default (default 0)
                  --max-connections N   most connections open at once; more wait in the
                                        listen backlog (default 10000)
                  --release-idle        serve in turns: a connection holds a thread only while
                                        bytes are there to echo, none while idle
                  -h, --help            print this help
                """.formatted(GRACE.toSeconds(), DEFAULT_PORT);
    }

    static String backendsUsage() {
        return """
                Usage: loomux backends

                Lists every loomux backend found on the class path (through ServiceLoader):
                name, priority, how it reports readiness, its provider class, and whether it
                can run here or why not. '*' marks the one used when none is named.
                """;
    }

    static String version() {
        try (InputStream in = Main.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                String v = p.getProperty("version");
                if (v != null && !v.isBlank() && !v.startsWith("${")) {
                    return v;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return "(unknown version)";
    }

    // ---- parsing helpers --------------------------------------------------------------------

    /** @return the address named on the command line, resolved */
    static InetAddress address(String v, String opt, String command) throws UsageException {
        try {
            return InetAddress.getByName(v);
        } catch (UnknownHostException e) {
            throw new UsageException("cannot resolve " + opt + " address '" + v + "'", command);
        }
    }

    static boolean wantsHelp(List<String> args) {
        return args.contains("--help") || args.contains("-h");
    }

    static String unexpected(String arg, String command) {
        return "unexpected argument '" + arg + "' for " + command;
    }

    static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s*\\R\\s*", " ").strip();
    }

    /** 0.0.0.0, built without a lookup. */
    private static InetAddress anyIPv4() {
        try {
            return InetAddress.getByAddress(new byte[4]);
        } catch (UnknownHostException e) {
            throw new AssertionError("4 bytes is a valid IPv4 address", e);
        }
    }

    /** A bad command line: the message says what is wrong, {@code command} which help to try. */
    static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;
        /** The command whose help to point at, or null for the top level. */
        final String command;

        UsageException(String message, String command) {
            super(message);
            this.command = command;
        }
    }

    /** Walks a command's arguments; accepts {@code --opt value} and {@code --opt=value}. */
    static final class Args {
        private final List<String> args;
        private final String command;
        private int i;
        private String inlineValue;

        Args(List<String> args, String command) {
            this.args = args;
            this.command = command;
        }

        boolean hasNext() {
            return i < args.size();
        }

        String next() {
            String a = args.get(i++);
            inlineValue = null;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 2) {
                inlineValue = a.substring(eq + 1);
                return a.substring(0, eq);
            }
            return a;
        }

        String value(String opt) throws UsageException {
            if (inlineValue != null) {
                return inlineValue;
            }
            if (i >= args.size() || args.get(i).startsWith("--")) {
                throw new UsageException(opt + " needs a value", command);
            }
            return args.get(i++);
        }

        int intValue(String opt, int min, int max) throws UsageException {
            String v = value(opt);
            try {
                int n = Integer.parseInt(v.strip());
                if (n >= min && n <= max) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // reported below, with the range
            }
            throw new UsageException(opt + " must be a number from " + min + " to "
                    + (max == Integer.MAX_VALUE ? "2147483647" : max) + ", not '" + v + "'", command);
        }
    }
}
