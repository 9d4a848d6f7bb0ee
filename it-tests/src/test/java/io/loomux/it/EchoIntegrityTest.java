package io.loomux.it;

import io.loomux.Connection;
import io.loomux.Loomux;
import io.loomux.server.ConnectionHandler;
import io.loomux.server.ServerStats;
import io.loomux.server.TcpServer;
import org.testng.annotations.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.testng.Assert.assertEquals;

/**
 * Scenario 1, echo integrity: 1,000 connections open at once, each sending 20 messages of random
 * sizes (1 B to 32 KiB) and getting every byte back in order, content checked. Once with JDK
 * sockets on virtual threads as clients, once with loomux client connections.
 *
 * <p>Sizes and contents come from {@code new Random(seed + client)}; the seed is printed and
 * is in every failure message; rerun one with {@code -Dloomux.it.seed=N}.
 */
public class EchoIntegrityTest extends BackendTestBase {

    static final int CLIENTS = Integer.getInteger("loomux.it.echo.clients", 1000);
    static final int MESSAGES = 20;
    static final int MAX_MESSAGE = 32 * 1024;
    /** Every client finishes within this; the whole test has {@link #TEST_TIMEOUT_MS}. */
    static final int CLIENT_DEADLINE_S = 90;
    static final long TEST_TIMEOUT_MS = 150_000;

    /** Echoes until end of stream, then returns (the server closes the connection). */
    static final ConnectionHandler ECHO = c -> {
        c.setReadTimeout(Duration.ofSeconds(60));
        ByteBuffer buf = ByteBuffer.allocate(16 * 1024);
        // Each read returns at least one byte, so one client's 640 KiB bound the loop.
        for (int guard = 0; guard < 2 * MESSAGES * MAX_MESSAGE; guard++) {
            buf.clear();
            if (c.read(buf) < 0) {
                return;
            }
            buf.flip();
            c.write(buf);
        }
        throw new AssertionError("echo handler: too many reads");
    };

    interface Client {
        void run(int id, Random random, String context) throws Exception;
    }

    @Test(dataProvider = "backends", dataProviderClass = Backends.class, timeOut = TEST_TIMEOUT_MS)
    public void jdkClientsEchoEveryByte(Backend backend) throws Exception {
        TcpServer server = start(backend, server(backend).backlog(2048).maxConnections(CLIENTS + 100)
                .tcpNoDelay(true).handler(ECHO));
        InetSocketAddress addr = server.address();
        runClients(backend, server, "jdk-client", (id, random, context) -> {
            try (Socket s = Io.jdkConnect(addr, 30_000)) {
                connected(context);
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                for (int m = 0; m < MESSAGES; m++) {
                    byte[] msg = new byte[1 + random.nextInt(MAX_MESSAGE)];
                    random.nextBytes(msg);
                    out.write(msg);
                    byte[] back = new byte[msg.length];
                    Io.readFully(in, back, 0, back.length);
                    Io.assertSameBytes(msg, back, context + ", message " + m + " (" + msg.length + " B)");
                }
                s.shutdownOutput();
                assertEquals(Io.drainToEof(in, 0), 0L, context + ": bytes after the last echo");
            }
        });
    }

    @Test(dataProvider = "backends", dataProviderClass = Backends.class, timeOut = TEST_TIMEOUT_MS)
    public void loomuxClientsEchoEveryByte(Backend backend) throws Exception {
        TcpServer server = start(backend, server(backend).backlog(2048).maxConnections(CLIENTS + 100)
                .tcpNoDelay(true).handler(ECHO));
        Loomux clients = runtime(backend);
        InetSocketAddress addr = server.address();
        Map<SocketOption<?>, ?> options = Map.of(StandardSocketOptions.TCP_NODELAY, true);
        runClients(backend, server, "loomux-client", (id, random, context) -> {
            try (Connection c = clients.connect(addr, Duration.ofSeconds(30), options)) {
                c.setReadTimeout(Duration.ofSeconds(30)).setWriteTimeout(Duration.ofSeconds(30));
                connected(context);
                for (int m = 0; m < MESSAGES; m++) {
                    byte[] msg = new byte[1 + random.nextInt(MAX_MESSAGE)];
                    random.nextBytes(msg);
                    ByteBuffer src = ByteBuffer.wrap(msg);
                    assertEquals(c.write(src), msg.length, context + ": write count");
                    assertEquals(src.remaining(), 0, context + ": write left bytes behind");
                    byte[] back = new byte[msg.length];
                    Io.readFully(c, ByteBuffer.wrap(back));
                    Io.assertSameBytes(msg, back, context + ", message " + m + " (" + msg.length + " B)");
                }
                c.shutdownOutput();
                assertEquals(c.read(ByteBuffer.allocate(1)), -1, context + ": expected end of stream after the last echo");
            }
        });
    }

    private CountDownLatch connected;
    private CountDownLatch go;

    private void connected(String context) throws InterruptedException {
        connected.countDown();
        if (!go.await(60, TimeUnit.SECONDS)) {
            throw new AssertionError(context + ": the other clients did not all connect within 60 s");
        }
    }

    /**
     * Connects every client, checks the server holds them all at once, then lets them all send.
     */
    private void runClients(Backend backend, TcpServer server, String kind, Client client) throws Exception {
        long seed = Long.getLong("loomux.it.seed", System.nanoTime());
        String what = kind + "s on backend " + backend + " (seed " + seed + ")";
        System.out.println(getTestName() + ": " + CLIENTS + " " + what);
        connected = new CountDownLatch(CLIENTS);
        go = new CountDownLatch(1);
        ExecutorService threads = virtualThreads(kind + "-");
        long t0 = System.nanoTime();
        List<Future<?>> results = new ArrayList<>(CLIENTS);
        for (int i = 0; i < CLIENTS; i++) {
            int id = i;
            results.add(threads.submit(() -> {
                client.run(id, new Random(seed + id), kind + " " + id + " of " + what);
                return null;
            }));
        }
        // All connected at the TCP level, and all held by the server at once.
        boolean allConnected;
        try {
            await(what + ": all connected").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
                    .until(() -> connected.getCount() == 0 || results.stream().anyMatch(Future::isDone));
            allConnected = connected.getCount() == 0;
            if (allConnected) {
                await(what + ": server holds all connections").atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(20))
                        .untilAsserted(() -> assertEquals(server.stats().active(), (long) CLIENTS,
                                what + ": server active connections, " + server.stats()));
            }
        } finally {
            go.countDown();
        }
        if (!allConnected) {
            failWithFirstError(results, what + ", a client ended before all had connected");
            throw new AssertionError(what + ": only " + (CLIENTS - connected.getCount()) + " connected");
        }
        failWithFirstError(results, what);
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        ServerStats stats = server.stats();
        System.out.println(getTestName() + ": done in " + ms + " ms; " + stats);
        assertEquals(stats.accepted(), (long) CLIENTS, what + ": accepted, " + stats);
        await(what + ": server closes them all").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10))
                .untilAsserted(() -> assertEquals(server.stats().active(), 0L, what + ": active after all closed"));
    }

    /** Waits for every client; rethrows the first failure, counting the others. */
    private static void failWithFirstError(List<Future<?>> results, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(CLIENT_DEADLINE_S);
        Throwable first = null;
        int failed = 0;
        for (Future<?> f : results) {
            try {
                f.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                throw new AssertionError(what + ": clients still running after " + CLIENT_DEADLINE_S + " s"
                        + (first != null ? "; an earlier one failed: " + first : ""), first);
            } catch (ExecutionException e) {
                failed++;
                if (first == null) {
                    first = e.getCause();
                }
            }
        }
        if (first != null) {
            throw new AssertionError(failed + " of " + results.size() + " clients failed, " + what
                    + "; the first: " + first, first);
        }
    }
}
