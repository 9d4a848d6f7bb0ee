package io.loomux.it;

import org.awaitility.core.ConditionTimeoutException;
import org.testng.SkipException;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;
import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;

/**
 * Running out of file descriptors, for real: the command line's servers (echo, and HTTP with
 * {@code serve} and {@code hello}) run in a child JVM limited to {@value #LIMIT} descriptors,
 * the test opens more connections than that, so that accepting fails with "Too many open files"
 * while the rest wait in the listen backlog, then closes them all. A new client must then be
 * served: the accept loop survived its failures (and what logging them needed), backed off and
 * recovered.
 */
public class DescriptorExhaustionTest {

    private static final int LIMIT = 256;
    /** More than the child can hold: it accepts until its descriptors run out. */
    private static final int CLIENTS = LIMIT + 64;
    private static final Pattern ECHO = Pattern.compile("loomux echo server on /127\\.0\\.0\\.1:(\\d+) \\(backend (\\S+),");
    private static final Pattern SERVE = Pattern.compile("on 127\\.0\\.0\\.1 port (\\d+) \\(loomux, backend (\\S+)\\)");
    private static final Pattern HELLO = Pattern.compile("hello server on 127\\.0\\.0\\.1:(\\d+) \\(loomux, backend (\\S+),");

    @DataProvider(name = "commands")
    public static Object[][] commands() {
        Object[][] backends = Backends.all();
        List<Object[]> rows = new ArrayList<>();
        for (String command : List.of("echo", "serve", "hello")) {
            for (Object[] b : backends) {
                rows.add(new Object[] {command, b[0]});
            }
        }
        return rows.toArray(new Object[0][]);
    }

    /** Skips where there is no bash, or it cannot lower the limit. */
    private static void requireUlimit() throws Exception {
        Process p;
        try {
            p = new ProcessBuilder("bash", "-c", "ulimit -n " + LIMIT).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new SkipException("no bash here to run the server under 'ulimit -n " + LIMIT + "': " + e.getMessage());
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new SkipException("bash cannot set 'ulimit -n " + LIMIT + "' here: " + out.strip());
        }
    }

    /** Runs {@code command} through bash with the descriptor limit lowered first. */
    private static List<String> underLimit(List<String> command) {
        List<String> wrapped = new ArrayList<>(List.of("bash", "-c", "ulimit -n " + LIMIT + " && exec \"$@\"", "bash"));
        wrapped.addAll(command);
        return wrapped;
    }

    @Test(dataProvider = "commands", timeOut = 120_000)
    public void aServerOutOfDescriptorsServesAgainOnceClientsLeave(String command, Backend backend) throws Exception {
        Backends.require(backend);
        requireUlimit();
        Path dir = Files.createTempDirectory("loomux-fd");
        Files.writeString(dir.resolve("f.txt"), "served");
        List<String> args = switch (command) {
            case "echo" -> List.of("echo", "--bind", "127.0.0.1", "--port", "0", "--backend", backend.name());
            case "serve" -> List.of("serve", "-b", "127.0.0.1", "-p", "0", "-d", dir.toString(), "--backend", backend.name());
            default -> List.of("hello", "-b", "127.0.0.1", "-p", "0", "--backend", backend.name());
        };
        Pattern banner = switch (command) {
            case "echo" -> ECHO;
            case "serve" -> SERVE;
            default -> HELLO;
        };
        try (ChildJvm child = ChildJvm.start(ChildJvm.command(args.toArray(String[]::new)),
                DescriptorExhaustionTest::underLimit, banner)) {
            Matcher m = child.banner(30);
            assertEquals(m.group(2), backend.name(), child.output());
            InetSocketAddress server = new InetSocketAddress("127.0.0.1", Integer.parseInt(m.group(1)));

            List<Socket> clients = new ArrayList<>();
            try {
                // Bounded by CLIENTS; a full backlog makes a connect time out, which ends it early.
                for (int i = 0; i < CLIENTS; i++) {
                    Socket s = new Socket();
                    clients.add(s);
                    try {
                        s.connect(server, 2_000);
                    } catch (SocketTimeoutException e) {
                        break;
                    }
                }
                long connected = clients.stream().filter(Socket::isConnected).count();
                assertTrue(connected > LIMIT, "only " + connected + " clients connected:\n" + child.output());
                // The child accepts in the background; its first failed accept is what it says.
                try {
                    await().atMost(30, TimeUnit.SECONDS).until(() -> child.output().contains("Too many open files"));
                } catch (ConditionTimeoutException e) {
                    throw new AssertionError("the child never ran out of descriptors:\n" + child.output(), e);
                }
            } finally {
                for (Socket s : clients) {
                    s.close();
                }
            }
            try (Socket s = new Socket()) {
                s.connect(server, 10_000);
                assertServed(command, s, child);
            }
            String out = child.output();
            assertFalse(out.contains("Could not initialize class"), out);
        }
    }

    /** One echo, or one HTTP request answered with 200, within a bounded wait. */
    private static void assertServed(String command, Socket s, ChildJvm child) throws IOException {
        s.setSoTimeout(20_000);
        try {
            if (command.equals("echo")) {
                s.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
                assertEquals(new String(s.getInputStream().readNBytes(4), StandardCharsets.US_ASCII), "ping",
                        child.output());
            } else {
                String path = command.equals("serve") ? "/f.txt" : "/";
                s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                byte[] head = s.getInputStream().readNBytes(12);
                assertEquals(new String(head, StandardCharsets.US_ASCII), "HTTP/1.1 200", child.output());
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("not served within 20 s: " + e + "; the child printed:\n" + child.output(), e);
        }
    }
}
