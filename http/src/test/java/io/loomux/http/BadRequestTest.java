package io.loomux.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

/**
 * Bad and hostile requests over raw sockets, on the JDK's provider (the control) where it answers
 * the same, else on loomux alone with the JDK's answer in the test's name: malformed request
 * lines, limits (414, 431), unsupported codings and versions (501, 505), a header that never
 * ends (408), the request-smuggling defences (Content-Length with Transfer-Encoding, differing
 * lengths, line folding, bare CR, whitespace before a colon, chunked framing outside the grammar)
 * and a missing Host. Each bad request
 * gets its status and then its connection closes; another connection, open all along, and a new
 * one are still served.
 */
public class BadRequestTest {

    /** The start of a POST with a Host: the test adds its fields, the empty line and the body. */
    private static final String POST = "POST /ok HTTP/1.1\r\nHost: 127.0.0.1\r\n";

    /** Answers "ok BODY" with a fixed length. */
    private static void ok(HttpExchange x) throws IOException {
        byte[] body = x.getRequestBody().readAllBytes();
        byte[] reply = ("ok " + RawHttp.latin1(body)).getBytes(StandardCharsets.ISO_8859_1);
        x.sendResponseHeaders(200, reply.length);
        try (OutputStream os = x.getResponseBody()) {
            os.write(reply);
        }
    }

    /** The /ok context. */
    private static final Servers.Setup<HttpServer> OK = Servers.context("/ok", BadRequestTest::ok);

    /** The header timeout of the slow-header scenarios. */
    private static final Duration HEADER_TIMEOUT = Duration.ofSeconds(1);

    /** Runs the checks on the implementation's server, serving /ok, and stops it. */
    private static void withServer(Impl impl, Servers.Run<HttpServer> checks) throws Exception {
        Servers.run(impl, OK, checks);
    }

    /** Runs the checks on a loomux server with the settings, serving /ok, and stops it. */
    private static void withServer(Impl impl, HttpServerSettings settings, Servers.Run<HttpServer> checks)
            throws Exception {
        Servers.run(Servers.withSettings(impl, settings), OK, checks);
    }

    /** Runs the checks on a loomux server with {@link #HEADER_TIMEOUT}, serving /ok, and stops it. */
    private static void withHeaderTimeout(Impl impl, Servers.Run<HttpServer> checks) throws Exception {
        withServer(impl, HttpServerSettings.builder().headerTimeout(HEADER_TIMEOUT).build(), checks);
    }

    /** {@link #assertRefused(HttpServer, String, int)} for each request in turn, on one server. */
    private static void assertRefused(Impl impl, int status, String... requests) throws Exception {
        withServer(impl, server -> {
            for (String request : requests) {
                assertRefused(server, request, status);
            }
        });
    }

    /**
     * Reads the 408 that a slow header gets, no sooner than {@link #HEADER_TIMEOUT} after it began.
     *
     * @param start when the request's first byte was sent, by {@link System#nanoTime()}
     * @return how long it took, in milliseconds
     */
    private static long assertTimedOut(RawHttp loris, long start) throws IOException {
        RawHttp.Response r = loris.read();
        long tookMs = Duration.ofNanos(System.nanoTime() - start).toMillis();
        assertEquals(r.status(), 408, r.toString());
        assertTrue(tookMs >= HEADER_TIMEOUT.toMillis() - 100, "408 after only " + tookMs + " ms");
        return tookMs;
    }

    private static String show(String request) {
        String s = request.replace("\r", "\\r").replace("\n", "\\n");
        return s.length() > 160 ? s.substring(0, 160) + "...(" + request.length() + " chars)" : s;
    }

    /** A good request on the connection is answered 200 "ok ". */
    private static void assertServed(RawHttp c, String what) throws IOException {
        c.send(RawHttp.get("/ok"));
        RawHttp.Response r = c.read();
        assertEquals(r.status(), 200, what + ": " + r);
        assertEquals(r.text(), "ok ", what);
    }

    /**
     * Sends the request on a connection of its own and checks that it gets the status, that its
     * connection then closes, and that a connection open beside it and a new one are still served.
     */
    private static void assertRefused(HttpServer server, String request, int status) throws IOException {
        try (RawHttp bystander = RawHttp.connect(server)) {
            assertServed(bystander, "the bystander before");
            try (RawHttp bad = RawHttp.connect(server)) {
                bad.send(request);
                RawHttp.Response r = bad.read();
                assertEquals(r.status(), status, show(request) + " -> " + r);
                assertTrue(r.saysClose(), "the refusal does not say the connection closes: " + r);
                assertTrue(bad.closedByPeer(), "the connection stayed open after " + show(request));
            }
            assertServed(bystander, "the bystander after " + show(request));
        }
        try (RawHttp fresh = RawHttp.connect(server)) {
            assertServed(fresh, "a new connection after " + show(request));
        }
    }

    /** The request is served as usual: 200 "ok BODY", and the connection carries another. */
    private static void assertAccepted(HttpServer server, String request, String body) throws IOException {
        try (RawHttp c = RawHttp.connect(server)) {
            c.send(request);
            RawHttp.Response r = c.read();
            assertEquals(r.status(), 200, show(request) + " -> " + r);
            assertEquals(r.text(), "ok " + body, show(request));
            assertServed(c, "the connection after " + show(request));
        }
    }

    private static String withHeaders(String... fields) {
        return "GET /ok HTTP/1.1\r\nHost: 127.0.0.1\r\n" + String.join("", fields) + "\r\n";
    }

    // ---- refused alike by every implementation -----------------------------------------------

    /** @return every implementation, with each bad request that it must refuse, and the status */
    @DataProvider(name = "refusedByAll")
    public static Object[][] refusedByAll() {
        return HttpProviders.allWith(
                new Object[] {"a malformed request line", 400,
                        new String[] {"GET /ok\r\nHost: 127.0.0.1\r\n\r\n", "GARBAGE\r\n\r\n"}},
                new Object[] {"an unsupported transfer coding", 501,
                        new String[] {POST + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
                                POST + "Transfer-Encoding: foo\r\n\r\n"}},
                // Smuggling: framing that a proxy in front might read otherwise.
                new Object[] {"both Content-Length and Transfer-Encoding", 400,
                        new String[] {POST + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                                POST + "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n"}},
                new Object[] {"differing Content-Lengths", 400,
                        new String[] {POST + "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
                                POST + "Content-Length: 5, 6\r\n\r\nhello!", POST + "Content-Length: -5\r\n\r\n",
                                POST + "Content-Length: 5x\r\n\r\nhello"}},
                new Object[] {"a bare CR in a header", 400, new String[] {withHeaders("X-CR: a\rb\r\n")}},
                new Object[] {"whitespace before the colon", 400,
                        new String[] {withHeaders("X-Ws : a\r\n"), POST + "Content-Length : 5\r\n\r\nhello",
                                POST + "Transfer-Encoding\t: chunked\r\n\r\n0\r\n\r\n"}});
    }

    @Test(dataProvider = "refusedByAll", timeOut = 20_000)
    public void refusedByEveryImplementation(Impl impl, String what, int status, String[] requests) throws Exception {
        assertRefused(impl, status, requests);
    }

    // ---- request line -------------------------------------------------------------------------

    /*
     * The JDK splits the request line at its first two spaces and checks little more: it serves
     * "GET /ok HTTP/1.1 extra" (version "HTTP/1.1 extra"), a method that is not a token, and the
     * versions "HTTX/1.1" and "HTTP/1.10"; it answers "GET  /ok HTTP/1.1" (an empty target) and a
     * target with a raw non-ASCII byte with 404, as a path it has no context for. RFC 9112
     * section 3 allows none of them; loomux answers 400.
     */
    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 20_000)
    public void requestLinesOutsideTheGrammarAre400WhereTheJdkAcceptsThem(Impl impl) throws Exception {
        assertRefused(impl, 400, Stream.of("GET /ok HTTP/1.1 extra", "G(T /ok HTTP/1.1", "GET /ok HTTX/1.1",
                "GET  /ok HTTP/1.1", "GET /o\u00e9k HTTP/1.1", "GET /ok HTTP/1.10")
                .map(line -> line + "\r\nHost: 127.0.0.1\r\n\r\n").toArray(String[]::new));
    }

    /*
     * The JDK has no limit of its own on the request line: a 10,000-byte target is served, and
     * one of 500,000 bytes, over -Dsun.net.httpserver.maxReqHeaderSize (384 KiB), gets the
     * connection closed with a reset and no status at all. loomux answers 414 past
     * maxRequestLineLength (here 64 bytes, to keep the test small).
     */
    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 20_000)
    public void overLongUriIs414WhereTheJdkServesItOrResets(Impl impl) throws Exception {
        withServer(impl, HttpServerSettings.builder().maxRequestLineLength(64).build(), server -> {
            // "GET /ok?q=aaa... HTTP/1.1" of exactly 64 bytes: allowed.
            String fits = "/ok?q=" + "a".repeat(64 - "GET /ok?q= HTTP/1.1".length());
            assertAccepted(server, "GET " + fits + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", "");
            assertRefused(server, "GET " + fits + "a HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 414);
            assertRefused(server, "GET /ok?q=" + "a".repeat(5000) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 414);
        });
    }

    /*
     * The JDK serves HTTP/2.0 and HTTP/3.0 requests as if they were HTTP/1.1. RFC 9110 section
     * 15.6.6: 505 for a major version the server does not support, which loomux answers.
     */
    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 20_000)
    public void unsupportedVersionIs505WhereTheJdkServesIt(Impl impl) throws Exception {
        withServer(impl, server -> {
            for (String version : List.of("HTTP/2.0", "HTTP/3.0", "HTTP/0.9")) {
                assertRefused(server, "GET /ok " + version + "\r\nHost: 127.0.0.1\r\n\r\n", 505);
            }
            // A minor version above 1 is HTTP/1.1 to the server (RFC 9110 section 2.5).
            assertAccepted(server, "GET /ok HTTP/1.2\r\nHost: 127.0.0.1\r\n\r\n", "");
        });
    }

    // ---- header limits --------------------------------------------------------------------------

    /*
     * Past -Dsun.net.httpserver.maxReqHeaderSize (384 KiB) the JDK closes the connection with no
     * status (a reset, in practice). RFC 6585 section 5: 431, which loomux answers past
     * maxHeaderBytes (here 1,024 bytes, to keep the test small).
     */
    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 20_000)
    public void tooLargeHeaderIs431WhereTheJdkClosesWithoutAStatus(Impl impl) throws Exception {
        withServer(impl, HttpServerSettings.builder().maxHeaderBytes(1024).build(), server -> {
            assertAccepted(server, withHeaders("X-Big: " + "b".repeat(800) + "\r\n"), "");
            assertRefused(server, withHeaders("X-Big: " + "b".repeat(2000) + "\r\n"), 431);
            // Many fields, each small, adding up past the limit.
            assertRefused(server, withHeaders("X-A: " + "a".repeat(300) + "\r\n", "X-B: " + "b".repeat(300) + "\r\n",
                    "X-C: " + "c".repeat(300) + "\r\n", "X-D: " + "d".repeat(300) + "\r\n"), 431);
        });
    }

    /*
     * The JDK has the same default of 200 fields (-Dsun.net.httpserver.maxReqHeaders) but closes
     * the connection past it with no status at all; loomux answers 431 (RFC 6585 section 5).
     */
    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 20_000)
    public void tooManyHeadersIs431WhereTheJdkClosesWithoutAStatus(Impl impl) throws Exception {
        withServer(impl, server -> {
            StringBuilder fields = new StringBuilder();
            for (int i = 0; i < 199; i++) {
                fields.append("X-H").append(i).append(": v\r\n");
            }
            // Host and 199 more: 200 fields, the default limit, are served.
            assertAccepted(server, withHeaders(fields.toString()), "");
            assertRefused(server, withHeaders(fields + "X-One-Too-Many: v\r\n"), 431);
            for (int i = 199; i < 300; i++) {
                fields.append("X-H").append(i).append(": v\r\n");
            }
            assertRefused(server, withHeaders(fields.toString()), 431);
        });
    }

    // ---- transfer codings -----------------------------------------------------------------------

    /*
     * The JDK answers 501 to a known coding that is not followed by chunked. RFC 9112 section 6.3:
     * when chunked is not the final coding of a request the body's length cannot be known, and
     * the server MUST answer 400 and close; loomux does.
     */
    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 20_000)
    public void transferCodingNotEndingInChunkedIs400WhereTheJdkAnswers501(Impl impl) throws Exception {
        assertRefused(impl, 400, POST + "Transfer-Encoding: gzip\r\n\r\nhello",
                POST + "Transfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n");
    }

    // ---- slow loris -----------------------------------------------------------------------------

    /*
     * The JDK's header timeout is -Dsun.net.httpserver.maxReqTime, JVM-wide and off by default:
     * a header that never ends holds its connection (over 40 s here, with no answer). loomux
     * answers 408 once headerTimeout (here 1 s) has passed since the request's first byte, however
     * steadily the bytes trickle in.
     */
    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 20_000)
    public void unfinishedHeaderIs408AfterTheHeaderTimeoutWhereTheJdkWaitsOnByDefault(Impl impl) throws Exception {
        withHeaderTimeout(impl, server -> {
            try (RawHttp bystander = RawHttp.connect(server)) {
                assertServed(bystander, "the bystander before");
                try (RawHttp loris = RawHttp.connect(server)) {
                    long start = System.nanoTime();
                    loris.send("GET /ok HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Never: end");
                    assertTimedOut(loris, start);
                    assertTrue(loris.closedByPeer(), "the slow connection stayed open after its 408");
                }
                assertServed(bystander, "the bystander after");
            }
        });
    }

    /* As above: the JDK, with no header timeout by default, waits on the trickle. */
    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 20_000)
    public void tricklingHeaderIs408AfterTheHeaderTimeoutWhereTheJdkWaitsOnByDefault(Impl impl) throws Exception {
        // The idle timeout (30 s) would never fire: a byte comes every 100 ms.
        ScheduledExecutorService trickler = Executors.newSingleThreadScheduledExecutor();
        try {
            withHeaderTimeout(impl, server -> Servers.raw(server, loris -> {
                long start = System.nanoTime();
                loris.send("GET /ok HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");
                AtomicInteger sent = new AtomicInteger();
                trickler.scheduleAtFixedRate(() -> {
                    // Bounded: at most 100 bytes (10 s), far past the header timeout.
                    if (sent.incrementAndGet() > 100) {
                        throw new IllegalStateException("trickled long enough");
                    }
                    try {
                        loris.send("a");
                    } catch (IOException e) {
                        throw new IllegalStateException("the server closed the connection", e);
                    }
                }, 100, 100, TimeUnit.MILLISECONDS);
                long tookMs = assertTimedOut(loris, start);
                assertTrue(tookMs < 4_000, "408 only after " + tookMs + " ms (" + sent.get() + " bytes trickled)");
                assertTrue(loris.closedByPeer(), "the slow connection stayed open after its 408");
            }));
        } finally {
            trickler.shutdownNow();
        }
    }

    /*
     * A new connection's first request must arrive within the header timeout (here 1 s; the idle
     * timeout is 30 s): one that sends nothing is closed then, without an answer, as the JDK
     * closes it after -Dsun.net.httpserver.maxReqTime (no answer to a client that never spoke,
     * which may have opened the connection ahead of need). Two silent connections at once, so
     * that each is closed on its own clock.
     */
    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 20_000)
    public void silentNewConnectionIsClosedAfterTheHeaderTimeoutAsTheJdkDoesWithMaxReqTime(Impl impl)
            throws Exception {
        withHeaderTimeout(impl, server -> {
            try (RawHttp first = RawHttp.connect(server); RawHttp second = RawHttp.connect(server)) {
                long start = System.nanoTime();
                // Bounded: each read waits at most the given time.
                assertTrue(first.closedByPeer(Duration.ofSeconds(5)),
                        "a silent new connection was answered or stayed open 5 s (header timeout 1 s)");
                assertTrue(second.closedByPeer(Duration.ofSeconds(1)),
                        "the second silent new connection was answered or stayed open");
                long tookMs = Duration.ofNanos(System.nanoTime() - start).toMillis();
                assertTrue(tookMs >= HEADER_TIMEOUT.toMillis() - 100, "closed after only " + tookMs + " ms");
            }
            try (RawHttp fresh = RawHttp.connect(server)) {
                assertServed(fresh, "a new connection after the silent ones");
            }
        });
    }

    /*
     * The header timeout runs from a request's first byte: a connection waiting between
     * requests waits up to the idle timeout (30 s), however short the header timeout (1 s).
     * The JDK has no header timeout by default; see above.
     */
    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 20_000)
    public void keptAliveConnectionWaitsForTheIdleTimeoutNotTheHeaderTimeout(Impl impl) throws Exception {
        withHeaderTimeout(impl, server -> Servers.raw(server, c -> {
            assertServed(c, "the first request");
            assertTrue(c.silentFor(Duration.ofMillis(1500)), "an idle kept-alive connection was answered or closed");
            assertServed(c, "after 1.5 s idle between requests");
            assertTrue(c.silentFor(Duration.ofMillis(1500)), "an idle kept-alive connection was answered or closed");
            assertServed(c, "after 1.5 s idle again");
        }));
    }

    // ---- smuggling ------------------------------------------------------------------------------

    /*
     * The JDK refuses any repeated Content-Length with 400, equal or not ("Conflicting or
     * malformed headers detected"; a list "5, 5" fails to parse, also 400). RFC 9110 section 8.6
     * lets a recipient take identical values as one, which loomux does.
     */
    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 20_000)
    public void twoEqualContentLengthsAreAcceptedWhereTheJdkRefusesThem(Impl impl) throws Exception {
        withServer(impl, server -> {
            assertAccepted(server, POST + "Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello", "hello");
            assertAccepted(server, POST + "Content-Length: 5, 5\r\n\r\nhello", "hello");
        });
    }

    /*
     * The JDK parses Content-Length with Long.parseLong, so "+5" is 5 to it and it serves the
     * request. RFC 9110 section 8.6: Content-Length is 1*DIGIT; a proxy that refuses or ignores
     * "+5" frames the message differently, so loomux answers 400.
     */
    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 20_000)
    public void signedContentLengthIs400WhereTheJdkReadsIt(Impl impl) throws Exception {
        assertRefused(impl, 400, POST + "Content-Length: +5\r\n\r\nhello");
    }

    /*
     * The JDK unfolds an obsolete folded line into the field's value and serves the request.
     * RFC 9112 section 5.2 lets a server outside a message/http body reject it with 400, which
     * loomux does, since a proxy in front may not unfold it the same way.
     */
    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 20_000)
    public void obsoleteLineFoldingIs400WhereTheJdkUnfoldsIt(Impl impl) throws Exception {
        assertRefused(impl, 400, withHeaders("X-Fold: a\r\n", " b\r\n"), withHeaders("X-Fold: a\r\n", "\tb\r\n"),
                // Folding that would hide a Content-Length from a proxy that does not unfold.
                POST + "X-Fold: a\r\n Content-Length: 5\r\n\r\nhello");
    }

    /*
     * The JDK takes a bare CR for the end of a line, so "X-CR: a<CR>Content-Length: 5" is a
     * Content-Length to it: it waits for a 5-byte body that a proxy reading the same bytes per
     * RFC 9112 would not send (no answer within 3 s here). loomux refuses the bare CR with 400
     * (RFC 9112 section 2.2).
     */
    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 20_000)
    public void bareCrHidingAContentLengthIs400WhereTheJdkTakesItForALineEnd(Impl impl) throws Exception {
        assertRefused(impl, 400, withHeaders("X-CR: a\rContent-Length: 5\r\n"),
                POST + "Content-Length: 5\r\nX-CR: a\rTransfer-Encoding: chunked\r\n\r\nhello");
    }

    /*
     * The JDK serves an HTTP/1.1 request with no Host (and one with two). RFC 9112 section 3.2:
     * a server MUST answer 400 to either, which loomux does; HTTP/1.0 needs no Host.
     */
    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 20_000)
    public void http11WithoutHostIs400WhereTheJdkServesIt(Impl impl) throws Exception {
        withServer(impl, server -> {
            assertRefused(server, "GET /ok HTTP/1.1\r\n\r\n", 400);
            assertRefused(server, "GET /ok HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: example.com\r\n\r\n", 400);
            Servers.raw(server, c -> {
                c.send("GET /ok HTTP/1.0\r\n\r\n");
                RawHttp.Response r = c.read();
                assertEquals(r.status(), 200, "HTTP/1.0 without Host: " + r);
            });
        });
    }

    /*
     * requireHost(false) (-Dloomux.http.requireHost=false) serves an HTTP/1.1 request without
     * Host, as the JDK does, for programs whose old clients send none. Two Host headers are still
     * 400: a request that names two hosts is not an old client's.
     */
    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 20_000)
    public void http11WithoutHostIsServedAsByTheJdkWhenHostIsNotRequired(Impl impl) throws Exception {
        withServer(impl, HttpServerSettings.builder().requireHost(false).build(), server -> {
            assertAccepted(server, "GET /ok HTTP/1.1\r\n\r\n", "");
            assertAccepted(server, "POST /ok HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello", "hello");
            assertRefused(server, "GET /ok HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: example.com\r\n\r\n", 400);
        });
    }

    /*
     * The JDK ignores an Expect it does not know and serves the request. RFC 9110 section 10.1.1:
     * a server MAY answer 417 to an expectation other than 100-continue, which loomux does.
     */
    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 20_000)
    public void unknownExpectationIs417WhereTheJdkIgnoresIt(Impl impl) throws Exception {
        assertRefused(impl, 417, POST + "Expect: 200-ok\r\nContent-Length: 5\r\n\r\nhello");
    }

    /*
     * The JDK reads the body of an HTTP/1.0 request with "Transfer-Encoding: chunked" as chunks
     * and serves it (closing the connection after). RFC 9112 section 6.1: an HTTP/1.0 message
     * with Transfer-Encoding has faulty framing (its sender may not mean chunks); loomux answers
     * 400 and closes the connection.
     */
    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 20_000)
    public void transferEncodingInAnHttp10RequestIs400WhereTheJdkServesIt(Impl impl) throws Exception {
        assertRefused(impl, 400, "POST /ok HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
    }

    // ---- chunked framing ------------------------------------------------------------------------

    /**
     * One case of a data provider: its text, named for the test report (which would otherwise
     * print the raw bytes, line ends and NULs included).
     *
     * @param name what the case is
     * @param text the bytes, as ISO-8859-1 text
     */
    record Input(String name, String text) {
        /** @return the case named by its text, line ends shown as escapes */
        static Input shown(String text) {
            return new Input(show(text), text);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** The head of a chunked POST to /ok: the test adds the chunks. */
    private static final String CHUNKED = POST + "Transfer-Encoding: chunked\r\n\r\n";

    /**
     * Chunked bodies outside RFC 9112 section 7.1's grammar: a chunk size with anything but hex
     * digits (spaces, a NUL, a sign), one too large for 64 bits, a line ended by a bare LF
     * (chunk size, last chunk, trailer field or trailer end), chunk data not followed by CRLF, and
     * chunk extensions that are not {@code *( BWS ";" BWS token [ BWS "=" BWS ( token /
     * quoted-string ) ] )}. A proxy in front may frame any of them otherwise and forward what
     * follows as a request of its own.
     *
     * @return every loomux backend with each bad body (after {@link #CHUNKED})
     */
    @DataProvider(name = "badChunks")
    public static Object[][] badChunks() {
        return HttpProviders.loomuxWith(
                new Object[] {new Input("a space before the size", " 5\r\nhello\r\n0\r\n\r\n")},
                new Object[] {new Input("a space after the size", "5 \r\nhello\r\n0\r\n\r\n")},
                new Object[] {new Input("a tab after the size", "5\t\r\nhello\r\n0\r\n\r\n")},
                new Object[] {new Input("a NUL after the size", "5\0\r\nhello\r\n0\r\n\r\n")},
                new Object[] {new Input("a plus sign", "+5\r\nhello\r\n0\r\n\r\n")},
                new Object[] {new Input("a minus sign", "-5\r\nhello\r\n0\r\n\r\n")},
                new Object[] {new Input("a 0x prefix", "0x5\r\nhello\r\n0\r\n\r\n")},
                new Object[] {new Input("no size", "\r\nhello\r\n0\r\n\r\n")},
                new Object[] {new Input("no size before an extension", ";a\r\nhello\r\n0\r\n\r\n")},
                new Object[] {new Input("a size of 2^64 + 5 (overflow)", "10000000000000005\r\nhello\r\n0\r\n\r\n")},
                new Object[] {new Input("a size of 17 hex digits", "fffffffffffffffff\r\nhello\r\n0\r\n\r\n")},
                new Object[] {new Input("a bare LF after the size", "5\nhello\r\n0\r\n\r\n")},
                new Object[] {new Input("a bare LF after the last chunk", "5\r\nhello\r\n0\n\r\n")},
                new Object[] {new Input("a bare LF ending the trailer", "5\r\nhello\r\n0\r\n\n")},
                new Object[] {new Input("a bare LF after a trailer field", "5\r\nhello\r\n0\r\nX-T: v\n\r\n")},
                new Object[] {new Input("a bare CR in a trailer field", "5\r\nhello\r\n0\r\nX-T: a\rb\r\n\r\n")},
                new Object[] {new Input("a bare LF after chunk data", "5\r\nhello\n0\r\n\r\n")},
                new Object[] {new Input("chunk data longer than its size", "5\r\nhelloXX\r\n0\r\n\r\n")},
                new Object[] {new Input("chunk data shorter than its size", "5\r\nhell\r\n0\r\n\r\n")},
                new Object[] {new Input("an extension without a name", "5;\r\nhello\r\n0\r\n\r\n")},
                new Object[] {new Input("an extension with only a value", "5;=b\r\nhello\r\n0\r\n\r\n")},
                new Object[] {new Input("an extension with an empty value", "5;a=\r\nhello\r\n0\r\n\r\n")},
                new Object[] {new Input("an extension name with a space", "5;a b\r\nhello\r\n0\r\n\r\n")},
                new Object[] {new Input("an extension name that is not a token", "5;a@=b\r\nhello\r\n0\r\n\r\n")},
                new Object[] {new Input("an extension value with a space", "5;a=b c\r\nhello\r\n0\r\n\r\n")},
                new Object[] {new Input("an unterminated quoted value", "5;a=\"b\r\nhello\r\n0\r\n\r\n")},
                new Object[] {new Input("text after a quoted value", "5;a=\"b\"c\r\nhello\r\n0\r\n\r\n")},
                new Object[] {new Input("a NUL in a quoted value", "5;a=\"b\0\"\r\nhello\r\n0\r\n\r\n")},
                new Object[] {new Input("a trailing semicolon", "5;a=b;\r\nhello\r\n0\r\n\r\n")},
                new Object[] {new Input("a space after an extension name", "5;a \r\nhello\r\n0\r\n\r\n")},
                new Object[] {new Input("a tab after an extension value", "5;a=b\t\r\nhello\r\n0\r\n\r\n")},
                new Object[] {new Input("a comma for a semicolon", "5,a=b\r\nhello\r\n0\r\n\r\n")},
                new Object[] {new Input("a bad extension on the last chunk", "5\r\nhello\r\n0;a b\r\n\r\n")});
    }

    /*
     * Each bad body gets 400 and its connection closes: the GET pipelined after it, which a
     * proxy may have sent as a request of its own, is not served. The JDK closes the connection
     * without an answer when its handler's read fails on a bad size or line end, and serves
     * every body whose only fault is its extensions (it skips everything after the ";").
     */
    @Test(dataProvider = "badChunks", timeOut = 20_000)
    public void badChunkedFramingIs400AndNothingAfterItIsServedWhereTheJdkClosesOrServesIt(Impl impl, Input bad)
            throws Exception {
        String what = bad.name();
        String chunks = bad.text();
        withServer(impl, server -> Servers.raw(server, c -> {
            c.send(CHUNKED + chunks + RawHttp.get("/ok"));
            RawHttp.Response r = c.read();
            assertEquals(r.status(), 400, what + ": " + show(chunks) + " -> " + r);
            assertTrue(r.saysClose(), what + ": the refusal does not say the connection closes: " + r);
            assertTrue(c.closedByPeer(), what + ": the request pipelined after it was answered, or the"
                    + " connection stayed open");
        }));
    }

    /**
     * Chunked bodies at the edges of the grammar that must still be served: extensions with
     * whitespace around their separators, quoted values with escapes, leading zeros, upper- and
     * lower-case hex, a trailer.
     *
     * @return every loomux backend with each good body and what it decodes to
     */
    @DataProvider(name = "goodChunks")
    public static Object[][] goodChunks() {
        return HttpProviders.loomuxWith(
                new Object[] {Input.shown("5\r\nhello\r\n0\r\n\r\n"), "hello"},
                new Object[] {Input.shown("5 ;a\r\nhello\r\n0\r\n\r\n"), "hello"},
                new Object[] {Input.shown("5\t; a = b ;c=\"d ;\\\" e\"\r\nhello\r\n0;last\r\n\r\n"), "hello"},
                new Object[] {Input.shown("5;a=!#$%&'*+-.^_`|~\r\nhello\r\n0\r\n\r\n"), "hello"},
                new Object[] {Input.shown("0005\r\nhello\r\nA\r\n0123456789\r\nb\r\n0123456789a\r\n0\r\n\r\n"),
                        "hello01234567890123456789a"},
                new Object[] {Input.shown("5\r\nhello\r\n0\r\nX-T: v\r\nX-U:\r\n\r\n"), "hello"});
    }

    @Test(dataProvider = "goodChunks", timeOut = 20_000)
    public void chunkedFramingAtTheEdgesOfTheGrammarIsServed(Impl impl, Input chunks, String body) throws Exception {
        withServer(impl, server -> assertAccepted(server, CHUNKED + chunks.text(), body));
    }
}
