package io.loomux.http;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertNotNull;
import static org.testng.Assert.assertTrue;

import com.sun.net.httpserver.HttpServer;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The known HTTP/2 attacks, each made by a client that does it, against a server on every
 * backend: the connection ends with GOAWAY(ENHANCE_YOUR_CALM) (or the request is refused) well
 * before the attack does, and the server keeps no more handlers running than its limit. And a
 * real client under load never trips a defence.
 */
public class Http2FloodTest {

    private static final HttpServerSettings H2 = HttpServerSettings.builder().http2(true).build();
    /** The most frames an attack sends: well past every budget, so a defence that does not trip fails. */
    private static final int ATTACK = 20_000;
    /** The overhead frames a connection may send at once (FloodGuard.FRAMES). */
    private static final int FLOOD_FRAMES = 1_000;

    /** One frame of an attack, the i-th. */
    @FunctionalInterface
    private interface Attack {
        void send(RawH2 c, int i) throws IOException;
    }

    /**
     * Sends the attack's frames while another thread reads what the server answers, until the
     * server says GOAWAY and closes, or the attack is spent.
     *
     * @return the GOAWAY, or null if the server sent none
     */
    private static RawH2.Frame attack(RawH2 c, Attack a) throws Exception {
        AtomicReference<RawH2.Frame> goAway = new AtomicReference<>();
        AtomicReference<String> end = new AtomicReference<>();
        AtomicInteger frames = new AtomicInteger();
        CountDownLatch closed = new CountDownLatch(1);
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                // Bounded by the read timeout and the server's close.
                while (true) {
                    RawH2.Frame f = c.read();
                    frames.incrementAndGet();
                    if (f.type() == RawH2.GOAWAY) {
                        goAway.compareAndSet(null, f);
                    }
                }
            } catch (IOException e) {
                end.set(e.toString());
                closed.countDown();
            }
        });
        try {
            for (int i = 0; i < ATTACK && goAway.get() == null; i++) {
                a.send(c, i);
            }
        } catch (IOException e) {
            // The server closed the connection under the attack.
        }
        assertTrue(closed.await(20, TimeUnit.SECONDS), "the server did not close the connection");
        reader.join();
        if (goAway.get() == null) {
            throw new AssertionError("no GOAWAY in " + frames.get() + " frames; the reading ended with " + end.get());
        }
        return goAway.get();
    }

    private static HttpServer hello(Impl impl, HttpServerSettings settings, CountDownLatch release, AtomicInteger running,
                                    AtomicInteger most) throws IOException {
        HttpServer s = Servers.withSettings(impl, settings);
        s.createContext("/", x -> {
            int now = running.incrementAndGet();
            most.accumulateAndGet(now, Math::max);
            try {
                if (x.getRequestURI().getPath().equals("/block")) {
                    release.await(30, TimeUnit.SECONDS);
                }
                byte[] b = x.getRequestURI().getPath().equals("/big") ? new byte[100_000]
                        : "hello".getBytes(StandardCharsets.ISO_8859_1);
                x.sendResponseHeaders(200, b.length);
                try (OutputStream out = x.getResponseBody()) {
                    out.write(b);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                running.decrementAndGet();
            }
        });
        s.start();
        return s;
    }

    private static void assertCalm(RawH2.Frame goAway) {
        assertNotNull(goAway, "no GOAWAY before the close");
        assertEquals(goAway.errorCode(), RawH2.ENHANCE_YOUR_CALM, goAway.toString());
    }

    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 120_000)
    public void rapidResetEndsTheConnectionAndNeverRunsMoreHandlersThanTheLimit(Impl impl) throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger running = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        HttpServer s = hello(impl, H2, release, running, most);
        try (RawH2 c = RawH2.open(s)) {
            // CVE-2023-44487: open a stream, reset it at once, again and again; each handler blocks.
            RawH2.Frame goAway = attack(c, (conn, i) -> {
                int id = 1 + 2 * i;
                conn.get(id, "/block");
                conn.rst(id, RawH2.CANCEL);
            });
            assertCalm(goAway);
            assertTrue(most.get() <= 100, most.get() + " handlers ran at once, over the limit of 100");
        } finally {
            release.countDown();
            s.stop(0);
        }
    }

    @DataProvider
    public static Object[][] floods() {
        Object[][] kinds = {
                {"PING", (Attack) (c, i) -> c.ping(i)},
                {"SETTINGS", (Attack) (c, i) -> c.settings()},
                {"empty DATA", (Attack) (c, i) -> c.data(1, new byte[0], false)},
                {"tiny WINDOW_UPDATE", (Attack) (c, i) -> c.windowUpdate(0, 1)},
                {"PRIORITY", (Attack) (c, i) -> c.frame(RawH2.PRIORITY, 0, 3 + 2 * (i % 1000), new byte[] {0, 0, 0, 1, 15})},
                {"unknown frames", (Attack) (c, i) -> c.frame(0x20, 0, 0, new byte[] {1, 2, 3})},
                {"malformed requests", (Attack) (c, i) -> c.headers(3 + 2 * i, true, ":method", "GET", "Bad-Name", "x")},
        };
        return HttpProviders.loomuxWith(kinds);
    }

    @Test(dataProvider = "floods", timeOut = 120_000)
    public void aFloodOfFramesThatAskForNoHandlerEndsTheConnection(Impl impl, String kind, Attack attack)
            throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        HttpServer s = hello(impl, H2, release, new AtomicInteger(), new AtomicInteger());
        try (RawH2 c = RawH2.open(s)) {
            // Stream 1 is open (its handler waits), so that DATA has a stream to go to.
            c.headers(1, false, ":method", "POST", ":scheme", "http", ":path", "/block");
            assertCalm(attack(c, attack));
        } finally {
            release.countDown();
            s.stop(0);
        }
    }

    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 120_000)
    public void aWindowOpenedAByteAtATimeEndsTheConnection(Impl impl) throws Exception {
        HttpServer s = hello(impl, H2, new CountDownLatch(0), new AtomicInteger(), new AtomicInteger());
        try (RawH2 c = RawH2.connect(s)) {
            // The "data dribble": a window of one byte, opened one byte at a time, so that the
            // server would send its 100,000 bytes in frames of one.
            c.preface();
            c.settings(0x4, 1);
            c.handshake();
            c.get(1, "/big");
            assertCalm(attack(c, (conn, i) -> conn.windowUpdate(1, 1)));
        } finally {
            s.stop(0);
        }
    }

    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 120_000)
    public void aHeaderBlockOfEndlessContinuationsEndsTheConnection(Impl impl) throws Exception {
        HttpServer s = hello(impl, H2, new CountDownLatch(0), new AtomicInteger(), new AtomicInteger());
        try (RawH2 c = RawH2.open(s)) {
            // CVE-2024-27316 class: a header block that never ends, a byte at a time.
            c.frame(RawH2.HEADERS, RawH2.END_STREAM, 1, RawH2.block(":method", "GET"));
            assertCalm(attack(c, (conn, i) -> conn.frame(RawH2.CONTINUATION, 0, 1, new byte[] {0})));
        } finally {
            s.stop(0);
        }
    }

    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 120_000)
    public void aHeaderBlockLargerThanTheLimitEndsTheConnection(Impl impl) throws Exception {
        HttpServer s = hello(impl, H2, new CountDownLatch(0), new AtomicInteger(), new AtomicInteger());
        try (RawH2 c = RawH2.open(s)) {
            c.frame(RawH2.HEADERS, RawH2.END_STREAM, 1, RawH2.block(":method", "GET"));
            byte[] chunk = new byte[16_000];
            assertCalm(attack(c, (conn, i) -> conn.frame(RawH2.CONTINUATION, 0, 1, chunk)));
        } finally {
            s.stop(0);
        }
    }

    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 120_000)
    public void anHpackBombGets431AndTheConnectionGoesOn(Impl impl) throws Exception {
        HttpServer s = hello(impl, H2, new CountDownLatch(0), new AtomicInteger(), new AtomicInteger());
        try (RawH2 c = RawH2.open(s)) {
            // A 4,000-byte value indexed once, then named by its index 10,000 times: a 10 KB block
            // that would decode to 40 MB.
            ByteArrayOutputStream block = new ByteArrayOutputStream();
            block.writeBytes(RawH2.block(":method", "GET", ":scheme", "http", ":path", "/"));
            byte[] indexed = RawH2.block("bomb", "x".repeat(4000));
            indexed[0] = 0x40; // literal with incremental indexing, new name (RFC 7541 section 6.2.1)
            block.writeBytes(indexed);
            for (int i = 0; i < 10_000; i++) {
                block.write(0x80 | 62); // indexed: the newest dynamic entry
            }
            byte[] b = block.toByteArray();
            int at = 0;
            int first = Math.min(b.length, 16_384);
            c.frame(RawH2.HEADERS, RawH2.END_STREAM | (first == b.length ? RawH2.END_HEADERS : 0), 1,
                    java.util.Arrays.copyOfRange(b, 0, first));
            at = first;
            // Bounded by the block's length.
            while (at < b.length) {
                int n = Math.min(b.length - at, 16_384);
                c.frame(RawH2.CONTINUATION, at + n == b.length ? RawH2.END_HEADERS : 0, 1,
                        java.util.Arrays.copyOfRange(b, at, at + n));
                at += n;
            }
            assertEquals(c.response(1).status(), 431);
            c.get(3, "/");
            assertEquals(c.response(3).text(), "hello", "the connection goes on, its HPACK table in step");
        } finally {
            s.stop(0);
        }
    }

    /**
     * A client that answers every DATA frame with a small WINDOW_UPDATE, as some do (the soak's
     * did), sends as many of them as it makes requests: its requests earn the credit that keeps
     * it clear of the overhead bucket, which a flood of nothing but overhead fills.
     */
    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 120_000)
    public void aBusyClientThatUpdatesItsWindowForEveryFrameNeverTripsADefence(Impl impl) throws Exception {
        HttpServer s = hello(impl, H2, new CountDownLatch(0), new AtomicInteger(), new AtomicInteger());
        try (RawH2 c = RawH2.open(s)) {
            for (int i = 0; i < 3 * FLOOD_FRAMES; i++) {
                int id = 1 + 2 * i;
                c.get(id, "/");
                // responses() sends a WINDOW_UPDATE of 5 bytes for the connection per DATA frame.
                assertEquals(c.response(id).text(), "hello", "request " + i);
            }
        } finally {
            s.stop(0);
        }
    }

    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 120_000)
    public void h2loadAtOneHundredStreamsNeverTripsADefence(Impl impl) throws Exception {
        HttpServer s = hello(impl, H2, new CountDownLatch(0), new AtomicInteger(), new AtomicInteger());
        try {
            String got = Commands.run(Commands.H2LOAD, "-n", "20000", "-c", "4", "-m", "100",
                    "http://127.0.0.1:" + s.getAddress().getPort() + "/");
            assertTrue(got.contains("20000 succeeded, 0 failed, 0 errored, 0 timeout"), got);
        } finally {
            s.stop(0);
        }
    }
}
