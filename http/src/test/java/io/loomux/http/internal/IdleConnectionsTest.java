package io.loomux.http.internal;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.loomux.Loomux;
import io.loomux.http.HttpServerSettings;
import io.loomux.http.TestCertificates;
import org.testng.annotations.Test;

import javax.net.ssl.SSLSocketFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static org.awaitility.Awaitility.await;
import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertNotEquals;
import static org.testng.Assert.assertTrue;

/**
 * A keep-alive connection between requests holds no thread and no buffer: it waits armed, and
 * the next request's bytes start the thread that serves it. The server's own state is looked at,
 * so the test knows where each connection is rather than guessing by time; on every backend.
 */
public class IdleConnectionsTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final int CONNECTIONS = 20;

    @Test(dataProvider = "backends", dataProviderClass = BackendNames.class, timeOut = 60_000)
    public void idleKeepAliveConnectionsHoldNoThreadAndNoBuffer(String backend) throws Exception {
        Set<Thread> served = ConcurrentHashMap.newKeySet();
        withHello(backend, HttpServerSettings.defaults(), false, served, (core, server, clients) -> {
            for (int i = 0; i < CONNECTIONS; i++) {
                clients.add(connect(server));
            }
            for (Socket s : clients) {
                assertEquals(exchange(s), "hello", "the first request");
            }
            Set<Thread> firstThreads = Set.copyOf(served);
            assertEquals(core.connections().size(), CONNECTIONS);
            await().atMost(WAIT).alias("every idle connection waits armed, and its thread has ended")
                    .until(() -> allArmed(core, CONNECTIONS)
                            && firstThreads.stream().allMatch(t -> t.getState() == Thread.State.TERMINATED));
            assertNoBuffers(core, "while idle");

            served.clear();
            for (Socket s : clients) {
                assertEquals(exchange(s), "hello", "the request after an armed wait");
            }
            for (Thread t : served) {
                assertFalse(firstThreads.contains(t), "a thread that ended served again: " + t);
            }
            await().atMost(WAIT).alias("idle again, armed again").until(() -> allArmed(core, CONNECTIONS));
        });
    }

    /* A client may open connections ahead of need: until their first bytes they cost no thread. */
    @Test(dataProvider = "backends", dataProviderClass = BackendNames.class, timeOut = 60_000)
    public void aNewConnectionHoldsNoThreadUntilItsFirstBytes(String backend) throws Exception {
        withHello(backend, HttpServerSettings.defaults(), false, ConcurrentHashMap.newKeySet(),
                (core, server, clients) -> {
            for (int i = 0; i < CONNECTIONS; i++) {
                clients.add(connect(server));
            }
            await().atMost(WAIT).alias("every silent new connection waits armed")
                    .until(() -> allArmed(core, CONNECTIONS));
            assertNoBuffers(core, "before its first request");
            for (Socket s : clients) {
                assertEquals(exchange(s), "hello", "the first request of a connection that waited armed");
            }
        });
    }

    /* HTTPS too: between requests no thread, and neither the HTTP nor the TLS buffers. */
    @Test(dataProvider = "backends", dataProviderClass = BackendNames.class, timeOut = 60_000)
    public void idleHttpsConnectionsHoldNoThreadAndNoBuffer(String backend) throws Exception {
        Set<Thread> served = ConcurrentHashMap.newKeySet();
        withHello(backend, HttpServerSettings.defaults(), true, served, (core, server, clients) -> {
            SSLSocketFactory tls = TestCertificates.clientContext().getSocketFactory();
            for (int i = 0; i < 4; i++) {
                Socket plain = connect(server);
                clients.add(tls.createSocket(plain, "localhost", server.getAddress().getPort(), true));
            }
            for (int round = 0; round < 3; round++) {
                for (Socket s : clients) {
                    assertEquals(exchange(s), "hello", "request " + round);
                }
                await().atMost(WAIT).alias("every idle HTTPS connection waits armed")
                        .until(() -> allArmed(core, clients.size()));
                assertNoBuffers(core, "while idle");
            }
            assertTrue(served.size() >= 3 * clients.size() - clients.size(),
                    "requests after an armed wait ran on new threads: " + served.size());
            assertTrue(core.tlsBuffers().kept() > 0, "the TLS buffers went back to the pool");
        });
    }

    /*
     * An armed connection has no thread that the idle timeout could find parked: the reaper
     * must still close it once idle too long, and its close must give the server its place back.
     */
    @Test(dataProvider = "backends", dataProviderClass = BackendNames.class, timeOut = 60_000)
    public void theIdleTimeoutClosesAnArmedConnection(String backend) throws Exception {
        HttpServerSettings settings = HttpServerSettings.builder().idleTimeout(Duration.ofSeconds(1)).build();
        withHello(backend, settings, false, ConcurrentHashMap.newKeySet(), (core, server, clients) -> {
            Socket s = connect(server);
            clients.add(s);
            assertEquals(exchange(s), "hello");
            await().atMost(WAIT).until(() -> allArmed(core, 1));
            // Bounded by the socket's read timeout.
            assertEquals(s.getInputStream().read(), -1, "the idle connection was closed");
            await().atMost(WAIT).alias("the closed connection left the server's set")
                    .until(() -> core.connections().isEmpty());
        });
    }

    /* stop(0) closes armed connections at once, and each close ends its books. */
    @Test(dataProvider = "backends", dataProviderClass = BackendNames.class, timeOut = 60_000)
    public void stopClosesArmedConnections(String backend) throws Exception {
        withHello(backend, HttpServerSettings.defaults(), false, ConcurrentHashMap.newKeySet(),
                (core, server, clients) -> {
            Socket a = connect(server);
            Socket b = connect(server);
            clients.addAll(List.of(a, b));
            assertEquals(exchange(a), "hello");
            assertEquals(exchange(b), "hello");
            await().atMost(WAIT).until(() -> allArmed(core, 2));
            server.stop(0);
            assertEquals(a.getInputStream().read(), -1);
            assertEquals(b.getInputStream().read(), -1);
            await().atMost(WAIT).until(() -> core.connections().isEmpty());
        });
    }

    /* Bytes that arrive together with the armed wait's start are served, never left unread. */
    @Test(dataProvider = "backends", dataProviderClass = BackendNames.class, timeOut = 60_000)
    public void requestsBackToBackAreEachServed(String backend) throws Exception {
        Set<Thread> served = ConcurrentHashMap.newKeySet();
        withHello(backend, HttpServerSettings.defaults(), false, served, (core, server, clients) -> {
            Socket s = connect(server);
            clients.add(s);
            // Bounded: 2,000 exchanges, each bounded by the read timeout.
            for (int i = 0; i < 2000; i++) {
                assertEquals(exchange(s), "hello", "request " + i);
            }
            assertNotEquals(served.size(), 1, "every request on one thread: the connection never waited armed");
        });
    }

    /** What a test does with a started hello server; the sockets it adds are closed after it. */
    private interface Scenario {
        void run(ServerCore core, HttpServer server, List<Socket> clients) throws Exception;
    }

    /**
     * Runs a scenario against a hello server (HTTPS with the test certificate when asked) on a
     * runtime of its own on the backend, then closes the scenario's sockets and stops the server.
     */
    private static void withHello(String backend, HttpServerSettings settings, boolean https, Set<Thread> served,
                                  Scenario scenario) throws Exception {
        try (Loomux runtime = BackendNames.open(backend)) {
            ServerCore core = new ServerCore(runtime, settings);
            HttpServer server;
            if (https) {
                HttpsServer tls = new LoomuxHttpsServer(core);
                tls.setHttpsConfigurator(new HttpsConfigurator(TestCertificates.serverContext()));
                server = tls;
            } else {
                server = new LoomuxHttpServer(core);
            }
            serveHello(server, served);
            List<Socket> clients = new ArrayList<>();
            try {
                scenario.run(core, server, clients);
            } finally {
                for (Socket s : clients) {
                    s.close();
                }
                server.stop(0);
            }
        }
    }

    /** @return whether the server has {@code count} connections, each waiting armed */
    private static boolean allArmed(ServerCore core, int count) {
        return core.connections().size() == count && core.connections().stream().allMatch(ServedConnection::waitsArmed);
    }

    private static void assertNoBuffers(ServerCore core, String when) {
        for (ServedConnection c : core.connections()) {
            assertFalse(c.holdsBuffers(), c + " holds buffers " + when);
        }
    }

    private static void serveHello(HttpServer server, Set<Thread> served) throws IOException {
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", x -> {
            served.add(Thread.currentThread());
            byte[] b = "hello".getBytes(StandardCharsets.ISO_8859_1);
            x.sendResponseHeaders(200, b.length);
            try (OutputStream os = x.getResponseBody()) {
                os.write(b);
            }
        });
        server.start();
    }

    private static Socket connect(HttpServer server) throws IOException {
        Socket s = new Socket();
        s.setSoTimeout((int) WAIT.toMillis());
        s.connect(server.getAddress(), (int) WAIT.toMillis());
        return s;
    }

    /** Sends one GET and reads its response; @return the body */
    private static String exchange(Socket s) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        InputStream in = s.getInputStream();
        StringBuilder head = new StringBuilder();
        // Bounded: a head is at most a few hundred bytes here, and each read times out.
        while (!head.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            assertTrue(c >= 0 && head.length() < 4096, "the response head ended early: " + head);
            head.append((char) c);
        }
        String h = head.toString().toLowerCase(java.util.Locale.ROOT);
        assertTrue(h.startsWith("http/1.1 200 "), head.toString());
        int at = h.indexOf("content-length:");
        int length = Integer.parseInt(h.substring(at + 15, h.indexOf("\r\n", at)).trim());
        byte[] body = in.readNBytes(length);
        return new String(body, StandardCharsets.ISO_8859_1);
    }
}
