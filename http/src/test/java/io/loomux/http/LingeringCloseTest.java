package io.loomux.http;

import com.sun.net.httpserver.HttpServer;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.awaitility.Awaitility.await;
import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

/**
 * A refusal sent while the client is still sending its request reaches the client: the server
 * closes lingering (output shut down, the rest of the request read and discarded for a bounded
 * time and amount, then the close), because a close with bytes unread sends a TCP reset, and a
 * reset can destroy the response before the client has read it. The lingering is bounded: it
 * holds neither the connection nor the server's stop past its limits.
 */
public class LingeringCloseTest {

    /** The header limit of these servers: small, so that a request far past it is cheap. */
    private static final int MAX_HEADER_BYTES = 1024;
    /** The request line limit of these servers. */
    private static final int MAX_LINE = 256;
    /** How far past the limit each request goes: far more than the server reads to refuse it. */
    private static final int HUGE = 256 * 1024;
    /** Connections per case: a reset is a race the client loses some of the time. */
    private static final int CONNECTIONS = 50;

    private static final HttpServerSettings SETTINGS = HttpServerSettings.builder()
            .maxHeaderBytes(MAX_HEADER_BYTES).maxRequestLineLength(MAX_LINE).build();

    private static void withServer(Impl impl, Servers.Run<HttpServer> checks) throws Exception {
        Servers.run(Servers.withSettings(impl, SETTINGS), Servers.context("/ok", x -> {
            x.sendResponseHeaders(200, -1);
            x.close();
        }), checks);
    }

    /** @return a request whose header goes {@link #HUGE} bytes past the limit */
    private static byte[] hugeHeader() {
        return ("GET /ok HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Huge: " + "h".repeat(HUGE) + "\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1);
    }

    /** @return a request whose line goes {@link #HUGE} bytes past the limit */
    private static byte[] hugeLine() {
        return ("GET /ok?q=" + "q".repeat(HUGE) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * A request too large to be read, named for the test report.
     *
     * @param name   what it is
     * @param bytes  the request
     * @param status what it gets
     */
    record Huge(String name, byte[] bytes, int status) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static final Huge HUGE_HEADER = new Huge("a header past maxHeaderBytes", hugeHeader(), 431);

    /** @return every loomux backend with each over-long request */
    @DataProvider(name = "hugeHeads")
    public static Object[][] hugeHeads() {
        return HttpProviders.loomuxWith(new Object[] {HUGE_HEADER},
                new Object[] {new Huge("a request line past maxRequestLineLength", hugeLine(), 414)});
    }

    /**
     * Sends the whole request before reading anything, as most clients do, and reads the answer.
     *
     * @param where the connection, for messages
     * @return the answer, checked to be the refusal
     */
    private static RawHttp.Response sendThenRead(RawHttp c, Huge request, String where) {
        try {
            c.send(request.bytes());
        } catch (IOException e) {
            // A client that cannot send its request gives up on it (curl, most libraries): for it
            // the answer is lost.
            throw new AssertionError(where + ": sending the request failed (" + e
                    + "): the server closed without reading it", e);
        }
        RawHttp.Response r;
        try {
            r = c.read();
        } catch (IOException e) {
            throw new AssertionError(where + ": the response was lost: " + e, e);
        }
        assertEquals(r.status(), request.status(), where + ": " + r);
        assertTrue(r.text().contains(String.valueOf(request.status())), where + ": not the error page: " + r);
        assertTrue(r.saysClose(), where + ": " + r);
        return r;
    }

    /*
     * The JDK answers neither (it resets the connection with no status), so loomux alone.
     */
    @Test(dataProvider = "hugeHeads", timeOut = 60_000)
    public void refusalOfAHeadStillBeingSentIsReadWhole(Impl impl, Huge request) throws Exception {
        withServer(impl, server -> {
            for (int i = 0; i < CONNECTIONS; i++) {
                try (RawHttp c = RawHttp.connect(server)) {
                    sendThenRead(c, request, request + ", connection " + (i + 1) + " of " + CONNECTIONS);
                }
            }
        });
    }

    /**
     * Writes to the connection.
     *
     * @return false once a write fails: the server has closed the connection for good (a byte
     *     sent after its close is answered with a reset, which fails the next write)
     */
    private static boolean stillTakes(RawHttp c, byte[] bytes) {
        try {
            c.send(bytes);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Gets a refusal, then goes on writing {@code bytes} every {@code interval} until a write
     * fails, and checks that the server ended the lingering within {@code limit}.
     */
    private static void assertCutOff(Impl impl, byte[] bytes, Duration interval, Duration limit) throws Exception {
        withServer(impl, server -> Servers.raw(server, c -> {
            sendThenRead(c, HUGE_HEADER, "the lingering connection");
            long start = System.nanoTime();
            await().atMost(limit.plusSeconds(4)).pollDelay(Duration.ZERO).pollInterval(interval)
                    .until(() -> !stillTakes(c, bytes));
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertTrue(took.compareTo(limit) < 0, "the connection took " + bytes.length + "-byte writes every "
                    + interval.toMillis() + " ms for " + took.toMillis() + " ms after its refusal");
        }));
    }

    /*
     * The lingering lasts at most 2 s (docs/http.md): a client that goes on sending a byte every
     * 50 ms after its refusal is cut off soon after.
     */
    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 30_000)
    public void lingeringEndsAfterItsTimeWhileTheClientGoesOnSending(Impl impl) throws Exception {
        assertCutOff(impl, new byte[] {'x'}, Duration.ofMillis(50), Duration.ofSeconds(4));
    }

    /*
     * The lingering discards at most 1 MiB (docs/http.md): a client that floods after its
     * refusal is cut off once it has sent that much, well before the time limit (2 s).
     */
    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 30_000)
    public void lingeringEndsAfterItsByteLimitWhileTheClientFloods(Impl impl) throws Exception {
        assertCutOff(impl, new byte[64 * 1024], Duration.ZERO, Duration.ofMillis(1500));
    }

    /*
     * The server's stop does not wait for a lingering connection (it is no exchange in
     * progress), and closes it.
     */
    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 30_000)
    public void stopDoesNotWaitForALingeringConnection(Impl impl) throws Exception {
        withServer(impl, server -> Servers.raw(server, c -> {
            sendThenRead(c, HUGE_HEADER, "the lingering connection");
            long start = System.nanoTime();
            server.stop(10);
            long tookMs = Duration.ofNanos(System.nanoTime() - start).toMillis();
            assertTrue(tookMs < 1_500, "stop took " + tookMs + " ms with a lingering connection");
            await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(50))
                    .until(() -> !stillTakes(c, new byte[] {'x'}));
        }));
    }
}
