package io.loomux.cli;

import io.loomux.server.TcpServer;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

public class MainTest {

    /** The outcome of one {@link Main#run} call. */
    private record Result(int status, String out, String err) {
    }

    private static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @DataProvider
    public Object[][] badCommandLines() {
        return new Object[][] {
            {new String[] {}, "no command given", "'loomux --help'"},
            {new String[] {"bogus"}, "unknown command 'bogus'", "'loomux --help'"},
            {new String[] {"--bogus"}, "unknown option '--bogus'", "'loomux --help'"},
            {new String[] {"echo", "--port", "x"}, "--port must be a number from 0 to 65535, not 'x'", "'loomux echo --help'"},
            {new String[] {"echo", "--port", "70000"}, "--port must be a number from 0 to 65535", "'loomux echo --help'"},
            {new String[] {"echo", "--port", "-1"}, "--port must be a number", "'loomux echo --help'"},
            {new String[] {"echo", "--port=65536"}, "--port must be a number", "'loomux echo --help'"},
            {new String[] {"echo", "--port"}, "--port needs a value", "'loomux echo --help'"},
            {new String[] {"echo", "--port", "--bind", "0.0.0.0"}, "--port needs a value", "'loomux echo --help'"},
            {new String[] {"echo", "--nope"}, "unknown option '--nope' for echo", "'loomux echo --help'"},
            {new String[] {"echo", "extra"}, "unexpected argument 'extra' for echo", "'loomux echo --help'"},
            {new String[] {"echo", "--pollers", "-1"}, "--pollers must be a number from 0", "'loomux echo --help'"},
            {new String[] {"echo", "--max-connections", "0"}, "--max-connections must be a number from 1", "'loomux echo --help'"},
            {new String[] {"echo", "--backend", ""}, "--backend needs a name", "'loomux echo --help'"},
            {new String[] {"backends", "x"}, "unexpected argument 'x' for backends", "'loomux backends --help'"},
            {new String[] {"serve", "/no/such/dir"}, "'/no/such/dir' is not a directory", "'loomux serve --help'"},
            {new String[] {"serve", ".", "."}, "unexpected argument '.' for serve", "'loomux serve --help'"},
            {new String[] {"serve", "-p", "x"}, "-p must be a number from 0 to 65535, not 'x'", "'loomux serve --help'"},
            {new String[] {"serve", "-o", "loud"}, "--output must be none, info or verbose, not 'loud'", "'loomux serve --help'"},
            {new String[] {"serve", "--nope"}, "unknown option '--nope' for serve", "'loomux serve --help'"},
            {new String[] {"hello", "--server", "tomcat"}, "--server must be loomux, jdk or provider, not 'tomcat'", "'loomux hello --help'"},
            {new String[] {"hello", "--executor", "pool"}, "--executor must be default or virtual", "'loomux hello --help'"},
            {new String[] {"hello", "--server", "jdk", "--backend", "epoll"}, "--backend and --pollers are loomux's", "'loomux hello --help'"},
            {new String[] {"hello", "--server", "provider", "--pollers", "2"}, "--backend and --pollers are loomux's; --server provider", "'loomux hello --help'"},
            {new String[] {"hello", "extra"}, "unexpected argument 'extra' for hello", "'loomux hello --help'"},
            {new String[] {"hello", "--keystore-password", "x"}, "--keystore and --keystore-password go with --tls", "'loomux hello --help'"},
            {new String[] {"serve", "--tls", "--keystore-password", "x"}, "--keystore-password needs --keystore", "'loomux serve --help'"},
            {new String[] {"serve", "--tls", "--keystore", "/no/such.p12"}, "keystore '/no/such.p12' does not exist", "'loomux serve --help'"},
            {new String[] {"hello", "--tls", "--keystore"}, "--keystore needs a value", "'loomux hello --help'"},
        };
    }

    @Test(dataProvider = "badCommandLines")
    public void aBadCommandLineIsOneLineOnStderrAndStatus2(String[] args, String what, String hint) {
        Result r = run(args);
        assertEquals(r.status(), 2, r.toString());
        assertEquals(r.out(), "", r.toString());
        assertTrue(r.err().endsWith("\n") && r.err().indexOf('\n') == r.err().length() - 1, "one line: " + r.err());
        assertTrue(r.err().startsWith("loomux: " + what), r.err());
        assertTrue(r.err().strip().endsWith("(try " + hint + ")"), r.err());
    }

    @Test
    public void anUnknownBackendIsOneLineAndStatus2() {
        Result r = run("echo", "--backend", "no-such-backend", "--port", "0", "--bind", "127.0.0.1");
        assertEquals(r.status(), 2, r.toString());
        assertEquals(r.out(), "");
        assertEquals(r.err().strip().lines().count(), 1L, r.err());
        assertTrue(r.err().startsWith("loomux: ") && r.err().contains("no-such-backend") && r.err().contains("selector"),
                r.err());
    }

    @Test
    public void helpAndVersionGoToStdoutWithStatus0() {
        for (List<String> args : List.of(List.of("--help"), List.of("-h"), List.of("help"), List.of("echo", "--help"),
                List.of("backends", "--help"), List.of("echo", "--port", "x", "--help"), List.of("--version"))) {
            Result r = run(args.toArray(String[]::new));
            assertEquals(r.status(), 0, args + ": " + r);
            assertEquals(r.err(), "", args + ": " + r);
            assertTrue(r.out().length() > 10, args + ": " + r);
        }
        assertTrue(run("echo", "--help").out().contains("--max-connections"));
        for (String command : List.of("serve", "hello")) {
            String help = run(command, "--help").out();
            assertTrue(help.startsWith("Usage: loomux " + command), "indentation stripped: " + help);
            assertTrue(help.contains("\n  --tls ") && help.contains("\n  --no-http2 ")
                    && help.contains("\n  --keystore-password PASS ") && help.contains("\n  --backend NAME "), help);
        }
        assertTrue(run("--version").out().startsWith("loomux 0."), run("--version").out());
    }

    @Test
    public void backendsListsEveryBackendAndMarksTheDefault() {
        Result r = run("backends");
        assertEquals(r.status(), 0, r.toString());
        assertEquals(r.err(), "");
        String selector = r.out().lines().filter(l -> l.contains(" selector ")).findFirst().orElseThrow();
        assertTrue(selector.contains("available") && selector.contains("one-shot"), selector);
        String chosen = io.loomux.Loomux.defaultBackend().name();
        String row = r.out().lines().filter(l -> l.contains(" " + chosen + " ")).findFirst().orElseThrow();
        assertTrue(row.startsWith("*"), r.out());
        assertEquals(r.out().lines().filter(l -> l.startsWith("* ") && l.contains("Provider")).count(), 1L, r.out());
        assertTrue(r.out().lines().findFirst().orElseThrow().contains("NAME"), r.out());
    }

    @Test
    public void echoDefaultsAndForms() throws Exception {
        Main.EchoOptions d = Main.parseEcho(List.of());
        assertEquals(d.port(), 7007);
        assertEquals(d.bind(), InetAddress.getByName("0.0.0.0"));
        assertEquals(d.maxConnections(), 10_000);
        Main.EchoOptions o = Main.parseEcho(List.of("--port=0", "--bind", "127.0.0.1", "--backend", "selector",
                "--pollers", "2", "--max-connections=5"));
        assertEquals(o, new Main.EchoOptions(0, InetAddress.getByName("127.0.0.1"), "selector", 2, 5, false));
        assertTrue(Main.parseEcho(List.of("--release-idle")).releaseIdle());
        assertTrue(Main.echoUsage().contains("--release-idle"));
    }

    @Test
    public void theEchoServerSaysWhereAndOnWhat() throws Exception {
        try (TcpServer s = Main.startEcho(new Main.EchoOptions(0, InetAddress.getByName("127.0.0.1"), null, 1, 10, false))) {
            assertTrue(Main.describe(s).matches(
                    "loomux echo server on /127\\.0\\.0\\.1:\\d+ \\(backend " + io.loomux.Loomux.defaultBackend().name()
                            + ", priority \\d+, 1 poller\\)"),
                    Main.describe(s));
        }
    }

    @Test
    public void aBusyPortIsStatus1WithOneLine() throws Exception {
        try (TcpServer s = Main.startEcho(new Main.EchoOptions(0, InetAddress.getByName("127.0.0.1"), null, 0, 10, false))) {
            Result r = run("echo", "--bind", "127.0.0.1", "--port", Integer.toString(s.address().getPort()));
            assertEquals(r.status(), 1, r.toString());
            assertEquals(r.err().strip().lines().count(), 1L, r.err());
            assertTrue(r.err().startsWith("loomux: cannot listen on /127.0.0.1:"), r.err());
        }
    }
}
