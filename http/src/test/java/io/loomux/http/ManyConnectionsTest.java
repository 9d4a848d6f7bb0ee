package io.loomux.http;

import com.sun.net.httpserver.HttpServer;
import org.testng.annotations.Test;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

/**
 * 2,000 keep-alive clients at once on each loomux backend: raw sockets from virtual threads, all
 * connected at the same time, each sending three requests one after another on its connection,
 * every response checked byte for byte. Loomux only: the JDK's server keeps at most 200 idle
 * connections ({@code sun.net.httpserver.maxIdleConnections}) and closes the others between
 * requests, so it cannot hold 2,000 keep-alive clients at once.
 */
public class ManyConnectionsTest {

    private static final int CLIENTS = 2_000;
    private static final int REQUESTS = 3;
    private static final int BACKLOG = 4_096;
    private static final int SOCKET_TIMEOUT_MS = 20_000;
    /** How long every client may take to connect and get its first answer. */
    private static final long PHASE_SECONDS = 30;

    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 90_000)
    public void twoThousandKeepAliveClientsAtOnce(Impl impl) throws Exception {
        HttpProviders.require(impl);
        HttpServer server = impl.provider().createHttpServer(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), BACKLOG);
        Set<Integer> remotePorts = ConcurrentHashMap.newKeySet();
        AtomicInteger requests = new AtomicInteger();
        try {
            server.createContext("/n/", x -> {
                remotePorts.add(x.getRemoteAddress().getPort());
                requests.incrementAndGet();
                x.getRequestBody().readAllBytes();
                byte[] reply = x.getRequestURI().getPath().getBytes(StandardCharsets.US_ASCII);
                x.getResponseHeaders().set("Content-Type", "text/plain");
                x.sendResponseHeaders(200, reply.length);
                try (OutputStream out = x.getResponseBody()) {
                    out.write(reply);
                }
            });
            server.start();
            InetSocketAddress addr = server.getAddress();

            CountDownLatch firstAnswered = new CountDownLatch(CLIENTS);
            CountDownLatch go = new CountDownLatch(1);
            ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
            Set<Integer> clientPorts = ConcurrentHashMap.newKeySet();
            AtomicInteger openAtOnce = new AtomicInteger();

            try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<?>> done = new ArrayList<>(CLIENTS);
                for (int c = 0; c < CLIENTS; c++) {
                    int client = c;
                    done.add(clients.submit(() -> runClient(client, addr, firstAnswered, go, failures, clientPorts,
                            openAtOnce)));
                }

                boolean all = firstAnswered.await(PHASE_SECONDS, TimeUnit.SECONDS);
                // Every client has connected and had its first answer, and none has closed yet:
                // this is the moment all connections are open at once.
                int open = openAtOnce.get();
                int seenByServer = remotePorts.size();
                go.countDown();
                assertTrue(all, impl + ": only " + (CLIENTS - firstAnswered.getCount()) + " of " + CLIENTS
                        + " clients had their first answer within " + PHASE_SECONDS + " s; failures: " + first(failures));
                assertEquals(failures.size(), 0, impl + ": " + failures.size() + " clients failed, e.g. " + first(failures));
                assertEquals(open, CLIENTS, impl + ": client connections open at once");
                assertEquals(seenByServer, CLIENTS, impl + ": distinct client connections the server had served"
                        + " while all were still open");
                assertEquals(clientPorts.size(), CLIENTS, impl + ": distinct client ports");

                for (Future<?> f : done) {
                    f.get(PHASE_SECONDS, TimeUnit.SECONDS);
                }
            }
            assertEquals(failures.size(), 0, impl + ": " + failures.size() + " clients failed, e.g. " + first(failures));
            assertEquals(requests.get(), CLIENTS * REQUESTS, impl + ": requests the handler served");
            assertEquals(remotePorts, clientPorts, impl + ": every request came on its client's one connection");
        } finally {
            server.stop(0);
        }
    }

    /**
     * One client: connect, first request, wait until every client has had its first answer (so
     * all connections are open at once), then the other requests, the last with
     * {@code Connection: close}, after which the server must end the connection.
     */
    private static void runClient(int client, InetSocketAddress addr, CountDownLatch firstAnswered,
                                  CountDownLatch go, ConcurrentLinkedQueue<String> failures,
                                  Set<Integer> clientPorts, AtomicInteger openAtOnce) {
        boolean counted = false;
        try (Socket s = new Socket()) {
            s.connect(addr, SOCKET_TIMEOUT_MS);
            s.setSoTimeout(SOCKET_TIMEOUT_MS);
            clientPorts.add(s.getLocalPort());
            InputStream in = new BufferedInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            for (int i = 0; i < REQUESTS; i++) {
                boolean last = i == REQUESTS - 1;
                String path = "/n/" + client + "/" + i;
                out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + (last ? "Connection: close\r\n" : "")
                        + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                expectResponse(in, path);
                if (i == 0) {
                    openAtOnce.incrementAndGet();
                    firstAnswered.countDown();
                    counted = true;
                    if (!go.await(2 * PHASE_SECONDS, TimeUnit.SECONDS)) {
                        throw new AssertionError("the other clients did not get their first answer in time");
                    }
                }
            }
            int after = in.read();
            if (after != -1) {
                throw new AssertionError("a byte after the response to Connection: close: " + after);
            }
        } catch (Throwable t) {
            failures.add("client " + client + ": " + t);
        } finally {
            if (!counted) {
                firstAnswered.countDown();
            }
        }
    }

    /** Reads one response and checks it byte for byte: status line, Content-length, body. */
    private static void expectResponse(InputStream in, String path) throws IOException {
        String status = line(in);
        if (!status.equals("HTTP/1.1 200 OK")) {
            throw new AssertionError("status line '" + status + "' for " + path);
        }
        int length = -1;
        // Bounded: at most 50 header lines.
        for (int i = 0; ; i++) {
            if (i == 50) {
                throw new AssertionError("over 50 header lines for " + path);
            }
            String h = line(in);
            if (h.isEmpty()) {
                break;
            }
            int colon = h.indexOf(':');
            if (colon > 0 && h.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals("content-length")) {
                length = Integer.parseInt(h.substring(colon + 1).trim());
            }
        }
        byte[] expected = path.getBytes(StandardCharsets.US_ASCII);
        if (length != expected.length) {
            throw new AssertionError("Content-length " + length + " for " + path + ", expected " + expected.length);
        }
        byte[] body = in.readNBytes(length);
        if (!Arrays.equals(body, expected)) {
            throw new AssertionError("body '" + new String(body, StandardCharsets.ISO_8859_1) + "' for " + path);
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        // Bounded: a line of at most 1 KiB.
        while (sb.length() < 1024) {
            int c = in.read();
            if (c < 0) {
                throw new AssertionError("the connection ended inside a response head after '" + sb + "'");
            }
            if (c == '\n') {
                if (sb.isEmpty() || sb.charAt(sb.length() - 1) != '\r') {
                    throw new AssertionError("a response line not ended by CRLF: '" + sb + "'");
                }
                return sb.substring(0, sb.length() - 1);
            }
            sb.append((char) c);
        }
        throw new AssertionError("a response line over 1 KiB");
    }

    private static String first(ConcurrentLinkedQueue<String> failures) {
        String f = failures.peek();
        return f == null ? "none" : f;
    }
}
