package io.loomux.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.testng.annotations.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

/**
 * Bad and hostile requests over raw sockets, on the JDK's provider (the control) where it answers
 * the same, else on loomux alone with the JDK's answer in the test's name: malformed request
 * lines, limits (414, 431), unsupported codings and versions (501, 505), a header that never
 * ends (408), the request-smuggling defences (Content-Length with Transfer-Encoding, differing
 * lengths, line folding, bare CR, whitespace before a colon) and a missing Host. Each bad request
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

    private static HttpServer start(HttpServer server) {
        server.createContext("/ok", BadRequestTest::ok);
        server.start();
        return server;
    }

    private static HttpServer started(Impl impl) throws IOException {
        HttpProviders.require(impl);
        return start(impl.server());
    }

    private static HttpServer started(Impl impl, HttpServerSettings settings) throws IOException {
        return start(HttpProviders.withSettings(impl, settings)
                .createHttpServer(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0));
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

    // ---- request line -------------------------------------------------------------------------

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = 20_000)
    public void malformedRequestLineIs400(Impl impl) throws Exception {
        HttpServer server = started(impl);
        try {
            assertRefused(server, "GET /ok\r\nHost: 127.0.0.1\r\n\r\n", 400);
            assertRefused(server, "GARBAGE\r\n\r\n", 400);
        } finally {
            server.stop(0);
        }
    }

    /*
     * The JDK splits the request line at its first two spaces and checks little more: it serves
     * "GET /ok HTTP/1.1 extra" (version "HTTP/1.1 extra"), a method that is not a token, and the
     * versions "HTTX/1.1" and "HTTP/1.10"; it answers "GET  /ok HTTP/1.1" (an empty target) and a
     * target with a raw non-ASCII byte with 404, as a path it has no context for. RFC 9112
     * section 3 allows none of them; loomux answers 400.
     */
    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 20_000)
    public void requestLinesOutsideTheGrammarAre400WhereTheJdkAcceptsThem(Impl impl) throws Exception {
        HttpServer server = started(impl);
        try {
            for (String line : List.of("GET /ok HTTP/1.1 extra", "G(T /ok HTTP/1.1", "GET /ok HTTX/1.1",
                    "GET  /ok HTTP/1.1", "GET /o\u00e9k HTTP/1.1", "GET /ok HTTP/1.10")) {
                assertRefused(server, line + "\r\nHost: 127.0.0.1\r\n\r\n", 400);
            }
        } finally {
            server.stop(0);
        }
    }

    /*
     * The JDK has no limit of its own on the request line: a 10,000-byte target is served, and
     * one of 500,000 bytes, over -Dsun.net.httpserver.maxReqHeaderSize (384 KiB), gets the
     * connection closed with a reset and no status at all. loomux answers 414 past
     * maxRequestLineLength (here 64 bytes, to keep the test small).
     */
    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 20_000)
    public void overLongUriIs414WhereTheJdkServesItOrResets(Impl impl) throws Exception {
        HttpServer server = started(impl, HttpServerSettings.builder().maxRequestLineLength(64).build());
        try {
            // "GET /ok?q=aaa... HTTP/1.1" of exactly 64 bytes: allowed.
            String fits = "/ok?q=" + "a".repeat(64 - "GET /ok?q= HTTP/1.1".length());
            assertAccepted(server, "GET " + fits + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", "");
            assertRefused(server, "GET " + fits + "a HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 414);
            assertRefused(server, "GET /ok?q=" + "a".repeat(5000) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 414);
        } finally {
            server.stop(0);
        }
    }

    /*
     * The JDK serves HTTP/2.0 and HTTP/3.0 requests as if they were HTTP/1.1. RFC 9110 section
     * 15.6.6: 505 for a major version the server does not support, which loomux answers.
     */
    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 20_000)
    public void unsupportedVersionIs505WhereTheJdkServesIt(Impl impl) throws Exception {
        HttpServer server = started(impl);
        try {
            assertRefused(server, "GET /ok HTTP/2.0\r\nHost: 127.0.0.1\r\n\r\n", 505);
            assertRefused(server, "GET /ok HTTP/3.0\r\nHost: 127.0.0.1\r\n\r\n", 505);
            assertRefused(server, "GET /ok HTTP/0.9\r\nHost: 127.0.0.1\r\n\r\n", 505);
            // A minor version above 1 is HTTP/1.1 to the server (RFC 9110 section 2.5).
            assertAccepted(server, "GET /ok HTTP/1.2\r\nHost: 127.0.0.1\r\n\r\n", "");
        } finally {
            server.stop(0);
        }
    }

    // ---- header limits --------------------------------------------------------------------------

    /*
     * Past -Dsun.net.httpserver.maxReqHeaderSize (384 KiB) the JDK closes the connection with no
     * status (a reset, in practice). RFC 6585 section 5: 431, which loomux answers past
     * maxHeaderBytes (here 1,024 bytes, to keep the test small).
     */
    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 20_000)
    public void tooLargeHeaderIs431WhereTheJdkClosesWithoutAStatus(Impl impl) throws Exception {
        HttpServer server = started(impl, HttpServerSettings.builder().maxHeaderBytes(1024).build());
        try {
            assertAccepted(server, withHeaders("X-Big: " + "b".repeat(800) + "\r\n"), "");
            assertRefused(server, withHeaders("X-Big: " + "b".repeat(2000) + "\r\n"), 431);
            // Many fields, each small, adding up past the limit.
            assertRefused(server, withHeaders("X-A: " + "a".repeat(300) + "\r\n", "X-B: " + "b".repeat(300) + "\r\n",
                    "X-C: " + "c".repeat(300) + "\r\n", "X-D: " + "d".repeat(300) + "\r\n"), 431);
        } finally {
            server.stop(0);
        }
    }

    /*
     * The JDK has the same default of 200 fields (-Dsun.net.httpserver.maxReqHeaders) but closes
     * the connection past it with no status at all; loomux answers 431 (RFC 6585 section 5).
     */
    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 20_000)
    public void tooManyHeadersIs431WhereTheJdkClosesWithoutAStatus(Impl impl) throws Exception {
        HttpServer server = started(impl);
        try {
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
        } finally {
            server.stop(0);
        }
    }

    // ---- transfer codings -----------------------------------------------------------------------

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = 20_000)
    public void unsupportedTransferCodingIs501(Impl impl) throws Exception {
        HttpServer server = started(impl);
        try {
            assertRefused(server, POST + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501);
            assertRefused(server, POST + "Transfer-Encoding: foo\r\n\r\n", 501);
        } finally {
            server.stop(0);
        }
    }

    /*
     * The JDK answers 501 to a known coding that is not followed by chunked. RFC 9112 section 6.3:
     * when chunked is not the final coding of a request the body's length cannot be known, and
     * the server MUST answer 400 and close; loomux does.
     */
    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 20_000)
    public void transferCodingNotEndingInChunkedIs400WhereTheJdkAnswers501(Impl impl) throws Exception {
        HttpServer server = started(impl);
        try {
            assertRefused(server, POST + "Transfer-Encoding: gzip\r\n\r\nhello", 400);
            assertRefused(server, POST + "Transfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n", 400);
        } finally {
            server.stop(0);
        }
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
        Duration headerTimeout = Duration.ofSeconds(1);
        HttpServer server = started(impl, HttpServerSettings.builder().headerTimeout(headerTimeout).build());
        try (RawHttp bystander = RawHttp.connect(server)) {
            assertServed(bystander, "the bystander before");
            try (RawHttp loris = RawHttp.connect(server)) {
                long start = System.nanoTime();
                loris.send("GET /ok HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Never: end");
                RawHttp.Response r = loris.read();
                long tookMs = Duration.ofNanos(System.nanoTime() - start).toMillis();
                assertEquals(r.status(), 408, r.toString());
                assertTrue(tookMs >= headerTimeout.toMillis() - 100, "408 after only " + tookMs + " ms");
                assertTrue(loris.closedByPeer(), "the slow connection stayed open after its 408");
            }
            assertServed(bystander, "the bystander after");
        } finally {
            server.stop(0);
        }
    }

    /* As above: the JDK, with no header timeout by default, waits on the trickle. */
    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 20_000)
    public void tricklingHeaderIs408AfterTheHeaderTimeoutWhereTheJdkWaitsOnByDefault(Impl impl) throws Exception {
        Duration headerTimeout = Duration.ofSeconds(1);
        // The idle timeout (30 s) would never fire: a byte comes every 100 ms.
        HttpServer server = started(impl, HttpServerSettings.builder().headerTimeout(headerTimeout).build());
        ScheduledExecutorService trickler = Executors.newSingleThreadScheduledExecutor();
        try (RawHttp loris = RawHttp.connect(server)) {
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
            RawHttp.Response r = loris.read();
            long tookMs = Duration.ofNanos(System.nanoTime() - start).toMillis();
            assertEquals(r.status(), 408, r.toString());
            assertTrue(tookMs >= headerTimeout.toMillis() - 100, "408 after only " + tookMs + " ms");
            assertTrue(tookMs < 4_000, "408 only after " + tookMs + " ms (" + sent.get() + " bytes trickled)");
            assertTrue(loris.closedByPeer(), "the slow connection stayed open after its 408");
        } finally {
            trickler.shutdownNow();
            server.stop(0);
        }
    }

    /* The JDK has no header timeout by default; see above. */
    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 20_000)
    public void idleConnectionIsNotTimedOutAsASlowHeaderWhereTheJdkHasNoHeaderTimeout(Impl impl) throws Exception {
        HttpServer server = started(impl, HttpServerSettings.builder().headerTimeout(Duration.ofSeconds(1)).build());
        try (RawHttp c = RawHttp.connect(server)) {
            // The header timeout runs from a request's first byte: waiting between requests
            // (up to the idle timeout, 30 s) is not a slow header.
            assertTrue(c.silentFor(Duration.ofMillis(1300)), "an idle new connection got an answer or was closed");
            assertServed(c, "after 1.3 s idle before the first request");
            assertTrue(c.silentFor(Duration.ofMillis(1300)), "an idle kept-alive connection was answered or closed");
            assertServed(c, "after 1.3 s idle between requests");
        } finally {
            server.stop(0);
        }
    }

    // ---- smuggling ------------------------------------------------------------------------------

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = 20_000)
    public void bothContentLengthAndTransferEncodingIs400(Impl impl) throws Exception {
        HttpServer server = started(impl);
        try {
            assertRefused(server, POST + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400);
            assertRefused(server, POST + "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n", 400);
        } finally {
            server.stop(0);
        }
    }

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = 20_000)
    public void differingContentLengthsAre400(Impl impl) throws Exception {
        HttpServer server = started(impl);
        try {
            assertRefused(server, POST + "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", 400);
            assertRefused(server, POST + "Content-Length: 5, 6\r\n\r\nhello!", 400);
            assertRefused(server, POST + "Content-Length: -5\r\n\r\n", 400);
            assertRefused(server, POST + "Content-Length: 5x\r\n\r\nhello", 400);
        } finally {
            server.stop(0);
        }
    }

    /*
     * The JDK refuses any repeated Content-Length with 400, equal or not ("Conflicting or
     * malformed headers detected"; a list "5, 5" fails to parse, also 400). RFC 9110 section 8.6
     * lets a recipient take identical values as one, which loomux does.
     */
    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 20_000)
    public void twoEqualContentLengthsAreAcceptedWhereTheJdkRefusesThem(Impl impl) throws Exception {
        HttpServer server = started(impl);
        try {
            assertAccepted(server, POST + "Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello", "hello");
            assertAccepted(server, POST + "Content-Length: 5, 5\r\n\r\nhello", "hello");
        } finally {
            server.stop(0);
        }
    }

    /*
     * The JDK parses Content-Length with Long.parseLong, so "+5" is 5 to it and it serves the
     * request. RFC 9110 section 8.6: Content-Length is 1*DIGIT; a proxy that refuses or ignores
     * "+5" frames the message differently, so loomux answers 400.
     */
    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 20_000)
    public void signedContentLengthIs400WhereTheJdkReadsIt(Impl impl) throws Exception {
        HttpServer server = started(impl);
        try {
            assertRefused(server, POST + "Content-Length: +5\r\n\r\nhello", 400);
        } finally {
            server.stop(0);
        }
    }

    /*
     * The JDK unfolds an obsolete folded line into the field's value and serves the request.
     * RFC 9112 section 5.2 lets a server outside a message/http body reject it with 400, which
     * loomux does, since a proxy in front may not unfold it the same way.
     */
    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 20_000)
    public void obsoleteLineFoldingIs400WhereTheJdkUnfoldsIt(Impl impl) throws Exception {
        HttpServer server = started(impl);
        try {
            assertRefused(server, withHeaders("X-Fold: a\r\n", " b\r\n"), 400);
            assertRefused(server, withHeaders("X-Fold: a\r\n", "\tb\r\n"), 400);
            // Folding that would hide a Content-Length from a proxy that does not unfold.
            assertRefused(server, POST + "X-Fold: a\r\n Content-Length: 5\r\n\r\nhello", 400);
        } finally {
            server.stop(0);
        }
    }

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = 20_000)
    public void bareCrInAHeaderIs400(Impl impl) throws Exception {
        HttpServer server = started(impl);
        try {
            assertRefused(server, withHeaders("X-CR: a\rb\r\n"), 400);
        } finally {
            server.stop(0);
        }
    }

    /*
     * The JDK takes a bare CR for the end of a line, so "X-CR: a<CR>Content-Length: 5" is a
     * Content-Length to it: it waits for a 5-byte body that a proxy reading the same bytes per
     * RFC 9112 would not send (no answer within 3 s here). loomux refuses the bare CR with 400
     * (RFC 9112 section 2.2).
     */
    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 20_000)
    public void bareCrHidingAContentLengthIs400WhereTheJdkTakesItForALineEnd(Impl impl) throws Exception {
        HttpServer server = started(impl);
        try {
            assertRefused(server, withHeaders("X-CR: a\rContent-Length: 5\r\n"), 400);
            assertRefused(server, POST + "Content-Length: 5\r\nX-CR: a\rTransfer-Encoding: chunked\r\n\r\nhello", 400);
        } finally {
            server.stop(0);
        }
    }

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = 20_000)
    public void whitespaceBeforeTheColonIs400(Impl impl) throws Exception {
        HttpServer server = started(impl);
        try {
            assertRefused(server, withHeaders("X-Ws : a\r\n"), 400);
            assertRefused(server, POST + "Content-Length : 5\r\n\r\nhello", 400);
            assertRefused(server, POST + "Transfer-Encoding\t: chunked\r\n\r\n0\r\n\r\n", 400);
        } finally {
            server.stop(0);
        }
    }

    /*
     * The JDK serves an HTTP/1.1 request with no Host (and one with two). RFC 9112 section 3.2:
     * a server MUST answer 400 to either, which loomux does; HTTP/1.0 needs no Host.
     */
    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 20_000)
    public void http11WithoutHostIs400WhereTheJdkServesIt(Impl impl) throws Exception {
        HttpServer server = started(impl);
        try {
            assertRefused(server, "GET /ok HTTP/1.1\r\n\r\n", 400);
            assertRefused(server, "GET /ok HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: example.com\r\n\r\n", 400);
            try (RawHttp c = RawHttp.connect(server)) {
                c.send("GET /ok HTTP/1.0\r\n\r\n");
                RawHttp.Response r = c.read();
                assertEquals(r.status(), 200, "HTTP/1.0 without Host: " + r);
            }
        } finally {
            server.stop(0);
        }
    }

    /*
     * The JDK ignores an Expect it does not know and serves the request. RFC 9110 section 10.1.1:
     * a server MAY answer 417 to an expectation other than 100-continue, which loomux does.
     */
    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 20_000)
    public void unknownExpectationIs417WhereTheJdkIgnoresIt(Impl impl) throws Exception {
        HttpServer server = started(impl);
        try {
            assertRefused(server, POST + "Expect: 200-ok\r\nContent-Length: 5\r\n\r\nhello", 417);
        } finally {
            server.stop(0);
        }
    }

    /*
     * The JDK reads the body of an HTTP/1.0 request with "Transfer-Encoding: chunked" as chunks
     * and serves it (closing the connection after). RFC 9112 section 6.1: an HTTP/1.0 message
     * with Transfer-Encoding has faulty framing (its sender may not mean chunks); loomux answers
     * 400 and closes the connection.
     */
    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 20_000)
    public void transferEncodingInAnHttp10RequestIs400WhereTheJdkServesIt(Impl impl) throws Exception {
        HttpServer server = started(impl);
        try {
            assertRefused(server, "POST /ok HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
                    400);
        } finally {
            server.stop(0);
        }
    }
}
