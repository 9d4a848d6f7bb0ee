package io.loomux.it;

import io.loomux.server.TcpServer;
import org.testng.annotations.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

/**
 * Scenario 7: the server's connection limit (accept pauses when full, resumes when a connection
 * ends) and graceful shutdown (handlers that finish in the grace period; handlers parked forever
 * are woken with an exception and every connection ends).
 */
public class ServerLimitAndShutdownTest extends BackendTestBase {

    static final int LIMIT = 100;

    @Test(dataProvider = "backends", dataProviderClass = Backends.class, timeOut = 60_000)
    public void connectionLimitHoldsTheNextClientUntilOneCloses(Backend backend) throws Exception {
        TcpServer server = start(backend, server(backend).maxConnections(LIMIT).backlog(256)
                .tcpNoDelay(true).handler(EchoIntegrityTest.ECHO));
        InetSocketAddress addr = server.address();
        List<Socket> clients = new ArrayList<>();
        for (int i = 0; i < LIMIT; i++) {
            Socket s = track(Io.jdkConnect(addr, 10_000));
            clients.add(s);
            echo(s, "client " + i, backend);
        }
        await(backend + ": server holds " + LIMIT).atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5))
                .untilAsserted(() -> assertEquals(server.stats().active(), (long) LIMIT, backend + ": " + server.stats()));

        // The 101st connects at the TCP level (the listen backlog), but nobody serves it.
        Socket extra = track(Io.jdkConnect(addr, 10_000));
        extra.getOutputStream().write("extra".getBytes(StandardCharsets.US_ASCII));
        extra.setSoTimeout(500);
        expectThrows(SocketTimeoutException.class, () -> extra.getInputStream().read());
        assertEquals(server.stats().accepted(), (long) LIMIT, backend + ": accepted beyond the limit: " + server.stats());
        assertEquals(server.stats().active(), (long) LIMIT, backend + ": " + server.stats());

        // One of the 100 leaves: the 101st is accepted and served.
        clients.get(0).close();
        extra.setSoTimeout(10_000);
        byte[] back = new byte[5];
        Io.readFully(extra.getInputStream(), back, 0, 5);
        assertEquals(new String(back, StandardCharsets.US_ASCII), "extra", backend + ": the held client's echo");
        await(backend + ": accepted the held client").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5))
                .untilAsserted(() -> {
                    assertEquals(server.stats().accepted(), (long) LIMIT + 1, backend + ": " + server.stats());
                    assertEquals(server.stats().active(), (long) LIMIT, backend + ": " + server.stats());
                });
        // The other 99 are still served.
        for (int i = 1; i < LIMIT; i++) {
            echo(clients.get(i), "client " + i + " after the swap", backend);
        }
    }

    private static void echo(Socket s, String msg, Backend backend) throws IOException {
        byte[] out = msg.getBytes(StandardCharsets.US_ASCII);
        s.getOutputStream().write(out);
        byte[] in = new byte[out.length];
        Io.readFully(s.getInputStream(), in, 0, in.length);
        Io.assertSameBytes(out, in, backend + ": echo of '" + msg + "'");
    }

    @Test(dataProvider = "backends", dataProviderClass = Backends.class, timeOut = 60_000)
    public void shutdownLetsRunningHandlersFinish(Backend backend) throws Exception {
        int n = 5;
        CountDownLatch inHandler = new CountDownLatch(n);
        TcpServer server = start(backend, server(backend).handler(c -> {
            inHandler.countDown();
            c.setReadTimeout(Duration.ofSeconds(20));
            ByteBuffer one = ByteBuffer.allocate(1);
            if (c.read(one) == 1) {
                c.write(ByteBuffer.wrap("bye".getBytes(StandardCharsets.US_ASCII)));
            }
        }));
        InetSocketAddress addr = server.address();
        List<Socket> clients = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            clients.add(track(Io.jdkConnect(addr, 10_000)));
        }
        assertTrue(inHandler.await(10, TimeUnit.SECONDS), backend + ": handlers did not start");

        // Shut down while every handler waits for its client's byte.
        long t0 = System.nanoTime();
        Running shutdown = startVirtual("shutdown", () -> server.shutdown(Duration.ofSeconds(10)));
        // New connections are refused once shutdown has begun...
        await(backend + ": the listener closes").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10))
                .until(() -> refused(addr));
        assertFalse(shutdown.result().isDone(), backend + ": shutdown returned with handlers still running: "
                + shutdown.result());
        // ...while the running handlers finish their work.
        for (int i = 0; i < n; i++) {
            Socket s = clients.get(i);
            s.getOutputStream().write('x');
            byte[] bye = new byte[3];
            Io.readFully(s.getInputStream(), bye, 0, 3);
            assertEquals(new String(bye, StandardCharsets.US_ASCII), "bye", backend + ": client " + i);
            assertEquals(s.getInputStream().read(), -1, backend + ": client " + i + " end of stream after its handler returned");
        }
        await(backend + ": shutdown returns").atMost(Duration.ofSeconds(10)).until(shutdown.result()::isDone);
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertEquals(shutdown.result().get(), Boolean.TRUE, backend + ": every handler finished within the grace");
        assertTrue(ms < 10_000, backend + ": shutdown took " + ms + " ms");
        assertEquals(server.stats().active(), 0L, backend + ": " + server.stats());
        awaitTermination(server, backend);
    }

    @Test(dataProvider = "backends", dataProviderClass = Backends.class, timeOut = 60_000)
    public void shutdownWakesHandlersParkedForever(Backend backend) throws Exception {
        int n = 3;
        ConcurrentLinkedQueue<Thread> handlers = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Object> outcomes = new ConcurrentLinkedQueue<>();
        TcpServer server = start(backend, server(backend).handler(c -> {
            handlers.add(Thread.currentThread());
            try {
                ByteBuffer buf = ByteBuffer.allocate(64);
                for (int guard = 0; guard < 1000; guard++) {
                    buf.clear();
                    if (c.read(buf) < 0) {
                        outcomes.add("read returned end of stream");
                        return;
                    }
                }
                outcomes.add("read 1000 times");
            } catch (Throwable t) {
                outcomes.add(t);
                throw t;
            }
        }));
        InetSocketAddress addr = server.address();
        List<Socket> clients = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            clients.add(track(Io.jdkConnect(addr, 10_000)));
        }
        await(backend + ": handlers start").atMost(Duration.ofSeconds(10)).until(() -> handlers.size() == n);
        for (Thread h : handlers) {
            awaitParked(h);
        }
        assertEquals(server.stats().active(), (long) n, backend + ": " + server.stats());

        long t0 = System.nanoTime();
        boolean clean = server.shutdown(Duration.ofMillis(300));
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertFalse(clean, backend + ": shutdown reported every handler finished, yet all were parked in read");
        assertTrue(ms >= 290 && ms < 10_000, backend + ": shutdown(300 ms) took " + ms + " ms");

        await(backend + ": every parked handler wakes").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5))
                .until(() -> outcomes.size() == n);
        for (Object o : outcomes) {
            if (!(o instanceof IOException)) {
                throw new AssertionError(backend + ": a handler parked in read should wake with an IOException, got " + o);
            }
        }
        await(backend + ": every connection ends").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5))
                .untilAsserted(() -> assertEquals(server.stats().active(), 0L, backend + ": " + server.stats()));
        for (int i = 0; i < n; i++) {
            InputStream in = clients.get(i).getInputStream();
            try {
                assertEquals(in.read(), -1, backend + ": client " + i + " after shutdown");
            } catch (SocketException e) {
                assertTrue(String.valueOf(e.getMessage()).contains("reset"), backend + ": client " + i + " got " + e);
            }
        }
        assertTrue(refused(addr), backend + ": still accepting after shutdown");
        awaitTermination(server, backend);
    }

    private void awaitTermination(TcpServer server, Backend backend) {
        Running wait = startVirtual("awaitTermination", () -> {
            server.awaitTermination();
            return "terminated";
        });
        await(backend + ": awaitTermination returns after shutdown").atMost(Duration.ofSeconds(5))
                .until(wait.result()::isDone);
        assertEquals(wait.result().join(), "terminated");
    }

    /** @return true if a connection to {@code addr} is refused now */
    private static boolean refused(InetSocketAddress addr) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(addr, 2_000);
            return false;
        } catch (ConnectException e) {
            return true;
        }
    }
}
