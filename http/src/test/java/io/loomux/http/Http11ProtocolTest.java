package io.loomux.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.testng.SkipException;
import org.testng.annotations.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static io.loomux.http.Clients.request;
import static org.awaitility.Awaitility.await;
import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertNull;
import static org.testng.Assert.assertTrue;

/**
 * HTTP/1.1 as clients use it, on the JDK's provider (the control) and loomux on every backend:
 * persistent and pipelined connections, chunked and fixed-length bodies both ways,
 * {@code Expect: 100-continue}, HEAD, HTTP/1.0 clients, {@code Connection: close}, draining an
 * unread request body, 404, body-less statuses and the length rules of
 * {@code sendResponseHeaders}. Raw sockets check the exact bytes; the JDK's HttpClient,
 * HttpURLConnection and curl (when installed) check that real clients agree.
 */
public class Http11ProtocolTest {

    /** The echo handler at /echo. */
    private static final Servers.Setup<HttpServer> ECHO =
            Servers.context("/echo", Http11ProtocolTest::echo);

    // ---- helpers -------------------------------------------------------------------------

    /** Replies with a fixed-length text body (no body at all when it is empty) and ends the exchange. */
    private static void reply(HttpExchange x, int status, String text) throws IOException {
        byte[] b = text.getBytes(StandardCharsets.ISO_8859_1);
        x.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
        try (OutputStream os = x.getResponseBody()) {
            os.write(b);
        }
    }

    /**
     * Sends the status and a body of unknown length (chunked to HTTP/1.1 clients): the first
     * write, flushed when more follow, then the rest.
     */
    private static void stream(HttpExchange x, String first, String... rest) throws IOException {
        x.sendResponseHeaders(200, 0);
        try (OutputStream os = x.getResponseBody()) {
            os.write(first.getBytes(StandardCharsets.ISO_8859_1));
            if (rest.length > 0) {
                os.flush();
            }
            for (String w : rest) {
                os.write(w.getBytes(StandardCharsets.ISO_8859_1));
            }
        }
    }

    /** The echo handler: "METHOD URI BODY". */
    private static void echo(HttpExchange x) throws IOException {
        byte[] body = x.getRequestBody().readAllBytes();
        reply(x, 200, x.getRequestMethod() + " " + x.getRequestURI() + " " + RawHttp.latin1(body));
    }

    /** @return the echo handler at /echo, noting the client port of each exchange */
    private static Servers.Setup<HttpServer> echoNotingPorts(Collection<Integer> ports) {
        return Servers.context("/echo", x -> {
            ports.add(x.getRemoteAddress().getPort());
            echo(x);
        });
    }

    /** A handler that never reads the request body. */
    private static void ignoreBody(HttpExchange x) throws IOException {
        reply(x, 200, "ignored");
    }

    /** The echo of a GET of the path on the connection: the connection still carries requests. */
    private static void assertEchoes(RawHttp c, String path) throws IOException {
        assertEquals(c.get(path, 200).text(), "GET " + path + " ");
    }

    /**
     * Reads the answer to a request after which the server must close the connection: its text,
     * that it says "Connection: close" if it must, and then the close, with nothing more sent.
     *
     * @return the answer
     */
    private static RawHttp.Response assertLastAnswer(RawHttp c, String text, boolean saysClose, String stayedOpen)
            throws IOException {
        RawHttp.Response r = c.read();
        assertEquals(r.text(), text, r.toString());
        if (saysClose) {
            assertTrue(r.saysClose(), "the response does not say the connection closes: " + r);
        }
        assertTrue(c.closedByPeer(), stayedOpen);
        return r;
    }

    private static HttpURLConnection open(URI uri) throws IOException {
        return Clients.timed((HttpURLConnection) uri.toURL().openConnection(Proxy.NO_PROXY));
    }

    // ---- persistent connections and pipelining ------------------------------------------------

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = 20_000)
    public void severalRequestsShareOnePersistentConnection(Impl impl) throws Exception {
        ConcurrentLinkedQueue<Integer> ports = new ConcurrentLinkedQueue<>();
        Servers.raw(impl, echoNotingPorts(ports), c -> {
            for (int i = 0; i < 4; i++) {
                c.send(i % 2 == 0 ? RawHttp.get("/echo?i=" + i) : RawHttp.post("/echo?i=" + i, "body" + i));
                RawHttp.Response r = c.read(200);
                assertEquals(r.text(), (i % 2 == 0 ? "GET /echo?i=" + i + " " : "POST /echo?i=" + i + " body" + i));
                assertFalse(r.saysClose(), "a persistent connection announced its close: " + r);
            }
            assertEquals(List.copyOf(ports), List.of(c.localPort(), c.localPort(), c.localPort(), c.localPort()),
                    "every request came over the one connection");
        });
    }

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = 20_000)
    public void pipelinedRequestsAreAnsweredInOrder(Impl impl) throws Exception {
        Servers.raw(impl, ECHO, c -> {
            String chunked = "POST /echo/4 HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "4\r\nfour\r\n0\r\n\r\n";
            // Six requests in one write: GETs, a Content-Length body and a chunked body.
            c.send(RawHttp.get("/echo/1") + RawHttp.post("/echo/2", "two") + RawHttp.get("/echo/3") + chunked
                    + RawHttp.post("/echo/5", "five!") + RawHttp.get("/echo/6"));
            List<String> expected = List.of("GET /echo/1 ", "POST /echo/2 two", "GET /echo/3 ", "POST /echo/4 four",
                    "POST /echo/5 five!", "GET /echo/6 ");
            List<String> got = new ArrayList<>();
            for (int i = 0; i < expected.size(); i++) {
                RawHttp.Response r = c.read();
                assertEquals(r.status(), 200, "response " + (i + 1) + ": " + r);
                got.add(r.text());
            }
            assertEquals(got, expected);
            // The connection is still there for a seventh.
            assertEchoes(c, "/echo/7");
        });
    }

    // ---- chunked and fixed-length bodies -------------------------------------------------------

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = 20_000)
    public void chunkedRequestBodyWithExtensionsIsDecoded(Impl impl) throws Exception {
        Servers.raw(impl, ECHO, c -> {
            c.send("POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "5;name=val\r\nhello\r\n6;x;y=\"q\"\r\n world\r\nB\r\n 0123456789\r\n0;end\r\n\r\n");
            assertEquals(c.read(200).text(), "POST /echo hello world 0123456789");
            // The body ended where it should: the next request on the connection is read right.
            assertEchoes(c, "/echo/next");
        });
    }

    /*
     * The JDK (25) closes the connection without any response when a chunked request body ends
     * with a trailer field: its chunked reader expects the CRLF right after the last chunk.
     * RFC 9112 section 7.1.2 lets a client send a trailer; loomux reads it and ignores it.
     */
    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 20_000)
    public void chunkedRequestTrailerIsReadAndIgnoredWhereTheJdkClosesTheConnection(Impl impl) throws Exception {
        AtomicReference<String> trailerSeen = new AtomicReference<>();
        Servers.raw(impl, Servers.context("/echo", x -> {
            trailerSeen.set(String.valueOf(x.getRequestHeaders().getFirst("X-Trailer")));
            echo(x);
        }), c -> {
            c.send("POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\nTrailer: X-Trailer\r\n\r\n"
                    + "5;name=val\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\nX-Other: u\r\n\r\n"
                    + RawHttp.get("/echo/next"));
            assertEquals(c.read(200).text(), "POST /echo hello world");
            RawHttp.Response next = c.read();
            assertEquals(next.status(), 200, "the trailer was not consumed: " + next);
            assertEquals(next.text(), "GET /echo/next ");
            assertEquals(trailerSeen.get(), "null", "trailer fields are not request headers");
        });
    }

    @Test(dataProvider = "allAndH2c", dataProviderClass = HttpProviders.class, timeOut = 20_000)
    public void chunkedRequestBodiesFromRealClients(Impl impl) throws Exception {
        Servers.client(impl, ECHO, (server, client) -> {
            byte[] payload = "streamed by the HttpClient with no length".getBytes(StandardCharsets.ISO_8859_1);
            // A publisher of unknown length makes the client send the body chunked.
            HttpResponse<String> r = client.send(request(server, "/echo/hc")
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(payload)))
                    .build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.ISO_8859_1));
            assertEquals(r.statusCode(), 200);
            assertEquals(r.body(), "POST /echo/hc " + RawHttp.latin1(payload));

            HttpURLConnection u = open(Clients.base(server).resolve("/echo/huc"));
            try {
                u.setChunkedStreamingMode(7);
                assertEquals(Clients.post(u, "in chunks of seven bytes each".getBytes(StandardCharsets.ISO_8859_1)), 200);
                try (InputStream is = u.getInputStream()) {
                    assertEquals(RawHttp.latin1(is.readAllBytes()), "POST /echo/huc in chunks of seven bytes each");
                }
            } finally {
                u.disconnect();
            }
        });
    }

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = 20_000)
    public void chunkedResponseWhenTheLengthIsZero(Impl impl) throws Exception {
        String big = "0123456789abcdef".repeat(2048); // 32 KiB: more than one chunk
        Servers.run(impl, s -> {
            s.createContext("/chunked", x -> stream(x, "part1-", "part2-", big));
            ECHO.on(s);
        }, server -> {
            Servers.raw(server, c -> {
                c.send(RawHttp.get("/chunked"));
                RawHttp.Response r = c.read(200);
                assertTrue(r.chunked(), "not chunked: " + r);
                assertNull(r.header("Content-Length"), "a chunked response with a Content-Length: " + r);
                assertEquals(r.text(), "part1-part2-" + big);
                // The last chunk ended the response; the connection carries the next.
                assertEchoes(c, "/echo/after");
            });
            Servers.client(server, (s, client) -> {
                HttpResponse<String> r = client.send(request(s, "/chunked").build(),
                        HttpResponse.BodyHandlers.ofString(StandardCharsets.ISO_8859_1));
                assertEquals(r.statusCode(), 200);
                assertEquals(r.body(), "part1-part2-" + big);
            });
        });
    }

    @Test(dataProvider = "allAndH2c", dataProviderClass = HttpProviders.class, timeOut = 20_000)
    public void fixedLengthBodiesBothWays(Impl impl) throws Exception {
        byte[] payload = new byte[100_000];
        new Random(42).nextBytes(payload);
        Servers.client(impl, Servers.context("/mirror", x -> {
            byte[] body = x.getRequestBody().readAllBytes();
            x.sendResponseHeaders(200, body.length);
            try (OutputStream os = x.getResponseBody()) {
                os.write(body);
            }
        }), (server, client) -> {
            HttpResponse<byte[]> r = client.send(request(server, "/mirror")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(payload)).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(r.statusCode(), 200);
            assertEquals(r.headers().firstValue("Content-Length").orElse(null), "100000");
            assertTrue(r.headers().firstValue("Transfer-Encoding").isEmpty(), r.headers().toString());
            assertEquals(r.body(), payload);

            HttpURLConnection u = open(Clients.base(server).resolve("/mirror"));
            try {
                u.setFixedLengthStreamingMode(payload.length);
                assertEquals(Clients.post(u, payload), 200);
                assertEquals(u.getContentLengthLong(), payload.length);
                try (InputStream is = u.getInputStream()) {
                    assertEquals(is.readAllBytes(), payload);
                }
            } finally {
                u.disconnect();
            }
        });
    }

    // ---- Expect: 100-continue ------------------------------------------------------------------

    /** @return the head of a 5-byte POST to the path that waits for 100 Continue before its body */
    private static String expecting(String path) {
        return "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n";
    }

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = 20_000)
    public void interim100ArrivesBeforeTheBodyIsSent(Impl impl) throws Exception {
        Servers.raw(impl, ECHO, c -> {
            c.send(expecting("/echo"));
            // No body byte has been sent: a server that waited for it would time this read out.
            c.read(100);
            c.send("hello");
            assertEquals(c.read(200).text(), "POST /echo hello");
            assertEchoes(c, "/echo/next");
        });
    }

    /*
     * The JDK sends 100 Continue as soon as it has read the head, before the handler runs.
     * loomux sends it when the handler first reads the body (RFC 9110 section 10.1.1 lets a
     * server answer without it), so a handler that refuses a request spares the client the upload.
     */
    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 20_000)
    public void interim100WaitsForTheHandlerToReadWhereTheJdkSendsItAtOnce(Impl impl) throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch mayRead = new CountDownLatch(1);
        Servers.raw(impl, Servers.context("/echo", x -> {
            entered.countDown();
            Clients.await(mayRead, 10);
            echo(x);
        }), c -> {
            try {
                c.send(expecting("/echo"));
                assertTrue(entered.await(5, TimeUnit.SECONDS), "the handler did not start");
                assertTrue(c.silentFor(Duration.ofMillis(300)), "something was sent before the handler read the body");
                mayRead.countDown();
                c.read(100);
                c.send("hello");
                assertEquals(c.read(200).text(), "POST /echo hello");
            } finally {
                mayRead.countDown();
            }
        });
    }

    /*
     * The JDK sends 100 Continue at once, and then, the handler having left the body unread, waits
     * to drain a body the client is still holding back: the response does not arrive until the
     * body does. loomux sends no 100 Continue, answers at once and closes the connection, since the
     * client may or may not send the body now (RFC 9110 section 10.1.1).
     */
    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 20_000)
    public void unreadBodyAfterExpectContinueIsAnsweredAndClosedWhereTheJdkWaitsForTheBody(Impl impl)
            throws Exception {
        Servers.raw(impl, Servers.context("/ignore", Http11ProtocolTest::ignoreBody), c -> {
            c.send(expecting("/ignore"));
            RawHttp.Response r = assertLastAnswer(c, "ignored", true, "the connection stayed open");
            assertEquals(r.status(), 200, "a final response, no interim one: " + r);
        });
    }

    @Test(dataProvider = "allAndH2c", dataProviderClass = HttpProviders.class, timeOut = 20_000)
    public void expectContinueFromTheHttpClient(Impl impl) throws Exception {
        Servers.client(impl, ECHO, (server, client) -> {
            for (int i = 0; i < 2; i++) {
                HttpResponse<String> r = client.send(request(server, "/echo/" + i).expectContinue(true)
                        .POST(HttpRequest.BodyPublishers.ofString("expected " + i)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(r.statusCode(), 200);
                assertEquals(r.body(), "POST /echo/" + i + " expected " + i);
            }
        });
    }

    // ---- HEAD --------------------------------------------------------------------------------

    /** @return the HttpClient's response to a HEAD of the path */
    private static HttpResponse<String> headFromTheHttpClient(HttpServer server, String path) throws Exception {
        List<HttpResponse<String>> got = new ArrayList<>();
        Servers.client(server, (s, client) -> got.add(client.send(request(s, path)
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString())));
        return got.get(0);
    }

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = 20_000)
    public void headResponseHasNoBodyEvenWhenTheHandlerGivesALength(Impl impl) throws Exception {
        ConcurrentLinkedQueue<String> writeFailures = new ConcurrentLinkedQueue<>();
        Servers.run(impl, Servers.context("/doc", x -> {
            byte[] doc = "hello".getBytes(StandardCharsets.ISO_8859_1);
            x.sendResponseHeaders(200, doc.length);
            try (OutputStream os = x.getResponseBody()) {
                os.write(doc);
            } catch (IOException e) {
                // A HEAD response has no body to write to; the JDK and loomux both refuse it.
                writeFailures.add(x.getRequestMethod());
            }
        }), server -> {
            Servers.raw(server, c -> {
                c.send("HEAD /doc HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" + RawHttp.get("/doc"));
                RawHttp.Response head = c.read(true);
                assertEquals(head.status(), 200, head.toString());
                // Had any body byte followed the HEAD response's head, this would not parse as a response.
                assertEquals(c.read(200).text(), "hello");
                assertTrue(c.silentFor(Duration.ofMillis(100)), "bytes after the GET response");
            });
            HttpResponse<String> r = headFromTheHttpClient(server, "/doc");
            assertEquals(r.statusCode(), 200);
            assertEquals(r.body(), "");
        });
        await().atMost(5, TimeUnit.SECONDS).until(() -> writeFailures.contains("HEAD"));
        assertFalse(writeFailures.contains("GET"), "writing the GET body failed");
    }

    // ---- HTTP/1.0 ----------------------------------------------------------------------------

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = 20_000)
    public void http10RequestIsAnsweredAndTheConnectionClosed(Impl impl) throws Exception {
        Servers.raw(impl, ECHO, c -> {
            c.send("GET /echo/old HTTP/1.0\r\n\r\n");
            RawHttp.Response r = assertLastAnswer(c, "GET /echo/old ", false,
                    "an HTTP/1.0 connection without keep-alive stayed open");
            assertEquals(r.status(), 200, r.toString());
            assertFalse(r.chunked(), "a chunked response to an HTTP/1.0 client: " + r);
        });
    }

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = 20_000)
    public void http10KeepAliveKeepsTheConnection(Impl impl) throws Exception {
        ConcurrentLinkedQueue<Integer> ports = new ConcurrentLinkedQueue<>();
        Servers.raw(impl, echoNotingPorts(ports), c -> {
            for (int i = 0; i < 2; i++) {
                c.send("POST /echo/" + i + " HTTP/1.0\r\nConnection: keep-alive\r\nContent-Length: 3\r\n\r\nabc");
                RawHttp.Response r = c.read(200);
                assertEquals(r.text(), "POST /echo/" + i + " abc");
                assertEquals(r.header("Connection"), "keep-alive", r.toString());
                assertFalse(r.untilClose(), "a keep-alive response must carry its length: " + r);
            }
            // Without keep-alive the next one closes it.
            c.send("GET /echo/last HTTP/1.0\r\n\r\n");
            assertEquals(c.read().text(), "GET /echo/last ");
            assertTrue(c.closedByPeer(), "the connection stayed open after a request without keep-alive");
            assertEquals(List.copyOf(ports), List.of(c.localPort(), c.localPort(), c.localPort()));
        });
    }

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = 20_000)
    public void zeroLengthResponseToHttp10RunsUntilTheClose(Impl impl) throws Exception {
        Servers.raw(impl, Servers.context("/stream", x -> stream(x, "no length, ", "read until close")), c -> {
            // Even asking for keep-alive: an HTTP/1.0 client cannot take chunks, so the close ends the body.
            c.send("GET /stream HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
            RawHttp.Response r = c.read(200);
            assertNull(r.header("Transfer-Encoding"), r.toString());
            assertNull(r.header("Content-Length"), r.toString());
            assertTrue(r.untilClose(), r.toString());
            assertEquals(r.text(), "no length, read until close");
        });
    }

    // ---- Connection: close, draining ---------------------------------------------------------

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = 20_000)
    public void connectionCloseFromTheClientClosesAfterTheResponse(Impl impl) throws Exception {
        Servers.raw(impl, ECHO, c -> {
            // A request pipelined after the one that says close is not answered (RFC 9112 9.6).
            c.send("POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: 4\r\n\r\nlast"
                    + RawHttp.get("/echo/too-late"));
            // RFC 9112 section 9.6: SHOULD send "close" too; the JDK does not.
            RawHttp.Response r = assertLastAnswer(c, "POST /echo last", !impl.isJdk(),
                    "the connection stayed open, or answered more, after Connection: close");
            assertEquals(r.status(), 200, r.toString());
        });
    }

    /*
     * The JDK closes only when the Connection header is exactly "close": with
     * "keep-alive, Close" it keeps the connection and answers the next request. RFC 9112 section
     * 9.6 (and 7.6.1 of RFC 9110: a list of case-insensitive options) says close; loomux does.
     */
    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 20_000)
    public void closeAmongConnectionOptionsClosesWhereTheJdkIgnoresIt(Impl impl) throws Exception {
        Servers.raw(impl, ECHO, c -> {
            c.send("GET /echo/1 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive, Close\r\n\r\n"
                    + RawHttp.get("/echo/too-late"));
            assertLastAnswer(c, "GET /echo/1 ", true, "the connection stayed open, or answered more, after a close option");
        });
    }

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = 20_000)
    public void unreadRequestBodyIsDrainedForTheNextRequest(Impl impl) throws Exception {
        Servers.raw(impl, s -> {
            s.createContext("/ignore", Http11ProtocolTest::ignoreBody);
            ECHO.on(s);
        }, c -> {
            c.send(RawHttp.post("/ignore", "x".repeat(1000)));
            RawHttp.Response r1 = c.read();
            assertEquals(r1.text(), "ignored", r1.toString());
            c.send("POST /ignore HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "3e8\r\n" + "y".repeat(1000) + "\r\n5\r\nGET /\r\n0\r\n\r\n");
            RawHttp.Response r2 = c.read();
            assertEquals(r2.text(), "ignored", r2.toString());
            assertFalse(r2.saysClose(), r2.toString());
            // The unread bodies were read past: this request is parsed from the right byte.
            c.send(RawHttp.post("/echo", "after"));
            assertEquals(c.read(200).text(), "POST /echo after");
        });
    }

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = 20_000)
    public void bodyBeyondTheDrainLimitClosesTheConnection(Impl impl) throws Exception {
        HttpProviders.require(impl);
        if (impl.isJdk()) {
            throw new SkipException("the JDK's drain limit is the JVM-wide -Dsun.net.httpserver.drainAmount,"
                    + " read once; this scenario needs a small one for one server");
        }
        Servers.run(Servers.withSettings(impl, HttpServerSettings.builder().drainLimit(1024).build()),
                Servers.context("/ignore", Http11ProtocolTest::ignoreBody), server -> Servers.raw(server, c -> {
                    // Within the limit: drained, the connection stays.
                    c.send(RawHttp.post("/ignore", "x".repeat(1000)));
                    assertEquals(c.read().text(), "ignored");
                    // Beyond it: the client has sent part of a 100,000-byte body; the server answers and
                    // closes instead of reading the rest.
                    c.send("POST /ignore HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\n"
                            + "z".repeat(512));
                    assertEquals(c.read(200).text(), "ignored");
                    assertTrue(c.closedByPeer(), "the connection stayed open with 99,488 body bytes to come");
                }));
    }

    // ---- 404, body-less statuses, length rules -----------------------------------------------

    @Test(dataProvider = "allAndH2c", dataProviderClass = HttpProviders.class, timeOut = 20_000)
    public void noMatchingContextIs404(Impl impl) throws Exception {
        Servers.client(impl, Servers.context("/app", Http11ProtocolTest::echo), (server, client) -> {
            for (String path : List.of("/", "/nothing", "/ap")) {
                assertEquals(Clients.get(client, server, path).statusCode(), 404, path);
            }
            assertEquals(Clients.get(client, server, "/app/x").statusCode(), 200);
        });
    }

    /*
     * The JDK answers 404 with "Connection: close" and closes the connection; loomux answers it
     * as any other response, and the connection carries the next request.
     */
    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 20_000)
    public void notFoundKeepsTheConnectionWhereTheJdkClosesIt(Impl impl) throws Exception {
        Servers.raw(impl, ECHO, c -> {
            c.send(RawHttp.get("/nothing") + RawHttp.post("/nothing/either", "body") + RawHttp.get("/echo/x"));
            RawHttp.Response r1 = c.read(404);
            assertFalse(r1.saysClose(), r1.toString());
            c.read(404);
            assertEquals(c.read(200).text(), "GET /echo/x ");
        });
    }

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = 20_000)
    public void headForAPathWithNoContextIs404(Impl impl) throws Exception {
        Servers.run(impl, ECHO, server -> {
            Servers.raw(server, c -> {
                c.send("HEAD /nothing HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
                RawHttp.Response r = c.read(true);
                assertEquals(r.status(), 404, r.toString());
            });
            assertEquals(headFromTheHttpClient(server, "/nothing").statusCode(), 404);
        });
    }

    /*
     * The JDK answers HEAD for a path with no context with its 404 page as a body (50 bytes after
     * the head, which RFC 9110 section 9.3.2 forbids) and closes the connection. The 404 of a HEAD
     * request must have no body, and on loomux the connection carries the next request, as after
     * any 404.
     */
    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 20_000)
    public void headForAPathWithNoContextHasNoBodyWhereTheJdkSendsThePage(Impl impl) throws Exception {
        Servers.raw(impl, ECHO, c -> {
            c.send("HEAD /nothing HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" + RawHttp.get("/echo/after"));
            RawHttp.Response r = c.read(true);
            assertEquals(r.status(), 404, r.toString());
            RawHttp.Response after = c.read();
            assertEquals(after.status(), 200, "the HEAD's 404 carried a body, or closed the connection: " + after);
            assertEquals(after.text(), "GET /echo/after ");
        });
    }

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = 20_000)
    public void responsesWith204And304CarryNoBody(Impl impl) throws Exception {
        Servers.raw(impl, s -> {
            // Lengths a careless handler might pass: the server forces no body for these statuses.
            s.createContext("/204", x -> {
                x.sendResponseHeaders(204, 0);
                x.close();
            });
            s.createContext("/304", x -> {
                x.sendResponseHeaders(304, -1);
                x.close();
            });
            ECHO.on(s);
        }, c -> {
            c.send(RawHttp.get("/204") + RawHttp.get("/304") + RawHttp.get("/echo/after"));
            RawHttp.Response r204 = c.read(204);
            assertNull(r204.header("Transfer-Encoding"), r204.toString());
            assertNull(r204.header("Content-Length"), "RFC 9110 8.6: no Content-Length in a 204: " + r204);
            RawHttp.Response r304 = c.read(304);
            assertNull(r304.header("Transfer-Encoding"), r304.toString());
            // Had either carried body bytes, this would not parse as the third response.
            assertEquals(c.read(200).text(), "GET /echo/after ");
        });
    }

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = 20_000)
    public void sendResponseHeadersLengthRules(Impl impl) throws Exception {
        Servers.raw(impl, s -> {
            s.createContext("/none", x -> {
                x.sendResponseHeaders(200, -1);
                x.close();
            });
            s.createContext("/chunked", x -> stream(x, "chunks"));
            s.createContext("/fixed", x -> {
                x.sendResponseHeaders(200, 5);
                try (OutputStream os = x.getResponseBody()) {
                    os.write("fixed".getBytes(StandardCharsets.ISO_8859_1));
                }
            });
        }, c -> {
            c.send(RawHttp.get("/none") + RawHttp.get("/chunked") + RawHttp.get("/fixed"));
            RawHttp.Response none = c.read(200);
            assertEquals(none.header("Content-Length"), "0", "-1 means no body: " + none);
            assertEquals(none.body().length, 0);
            RawHttp.Response chunked = c.read();
            assertTrue(chunked.chunked(), "0 means chunked: " + chunked);
            assertEquals(chunked.text(), "chunks");
            RawHttp.Response fixed = c.read();
            assertEquals(fixed.header("Content-Length"), "5", "n means a fixed length: " + fixed);
            assertFalse(fixed.chunked(), fixed.toString());
            assertEquals(fixed.text(), "fixed");
        });
    }

    /**
     * A body-less response (length -1, or any response to HEAD) ends the body at once: the JDK's
     * body stream then takes writes of no bytes and further closes as no-ops, and refuses a byte.
     */
    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = 20_000)
    public void emptyWritesAndClosesAfterABodilessResponseAreNoOps(Impl impl) throws Exception {
        List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        Servers.raw(impl, s -> {
            s.createContext("/none", x -> {
                x.getRequestBody().readAllBytes();
                x.sendResponseHeaders(200, -1);
                OutputStream os = x.getResponseBody();
                String m = x.getRequestMethod();
                seen.add(m + " write 0 bytes: " + Thrown.by(() -> os.write(new byte[0])));
                seen.add(m + " write 0 of 4: " + Thrown.by(() -> os.write(new byte[4], 2, 0)));
                seen.add(m + " flush: " + Thrown.by(os::flush));
                seen.add(m + " close: " + Thrown.by(os::close));
                seen.add(m + " close again: " + Thrown.by(os::close));
                seen.add(m + " write a byte: " + Thrown.by(() -> os.write('x')));
                seen.add(m + " write 3 bytes: " + Thrown.by(() -> os.write(new byte[3])));
                x.close();
            });
            ECHO.on(s);
        }, c -> {
            c.send(RawHttp.get("/none"));
            RawHttp.Response none = c.read(200);
            assertEquals(none.header("Content-Length"), "0", none.toString());
            c.send("HEAD /none HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            assertEquals(c.read(true).status(), 200);
            assertEchoes(c, "/echo/after");
        });
        List<String> expected = new ArrayList<>();
        for (String m : List.of("GET", "HEAD")) {
            expected.addAll(List.of(m + " write 0 bytes: nothing", m + " write 0 of 4: nothing", m + " flush: nothing",
                    m + " close: nothing", m + " close again: nothing", m + " write a byte: IOException",
                    m + " write 3 bytes: IOException"));
        }
        assertEquals(seen, expected);
    }

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = 20_000)
    public void writingMoreThanTheLengthThrowsInTheHandler(Impl impl) throws Exception {
        AtomicReference<Throwable> overflow = new AtomicReference<>();
        Servers.raw(impl, s -> {
            s.createContext("/three", x -> {
                x.sendResponseHeaders(200, 3);
                OutputStream os = x.getResponseBody();
                try {
                    os.write("fives".getBytes(StandardCharsets.ISO_8859_1));
                    overflow.set(new AssertionError("writing 5 bytes of a 3-byte body did not throw"));
                } catch (IOException e) {
                    overflow.set(e);
                }
                os.write("abc".getBytes(StandardCharsets.ISO_8859_1));
                os.close();
            });
            ECHO.on(s);
        }, c -> {
            RawHttp.Response r = c.get("/three", 200);
            assertEquals(r.header("Content-Length"), "3", r.toString());
            assertEquals(r.text(), "abc");
            assertEchoes(c, "/echo/next");
        });
        assertTrue(overflow.get() instanceof IOException, "the handler's oversized write: " + overflow.get());
    }

    /*
     * The JDK (25.0.3) throws the same IOException in the handler but then sends nothing at all,
     * not even the response head it buffered, and leaves the connection open (over 40 s here):
     * the client waits for ever. loomux sends what was written and closes the connection, which is
     * the only way left to tell the client that the response ended short.
     */
    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 20_000)
    public void closingWithFewerBytesThanTheLengthClosesTheConnectionWhereTheJdkSendsNothingAndHangs(Impl impl)
            throws Exception {
        AtomicReference<Throwable> shortClose = new AtomicReference<>();
        Servers.raw(impl, Servers.context("/ten", x -> {
            x.sendResponseHeaders(200, 10);
            OutputStream os = x.getResponseBody();
            os.write("abc".getBytes(StandardCharsets.ISO_8859_1));
            try {
                os.close();
                shortClose.set(new AssertionError("closing after 3 of 10 bytes did not throw"));
            } catch (IOException e) {
                shortClose.set(e);
            }
        }), c -> {
            c.send(RawHttp.get("/ten"));
            RawHttp.Head head = c.readHead();
            assertEquals(head.status(), 200, head.toString());
            assertEquals(head.header("Content-Length"), "10", head.toString());
            // The client cannot tell where the response ended other than by the close.
            byte[] rest = c.readUntilClose();
            assertEquals(RawHttp.latin1(rest), "abc");
        });
        await().atMost(5, TimeUnit.SECONDS).until(() -> shortClose.get() != null);
        assertTrue(shortClose.get() instanceof IOException, "the handler's short close: " + shortClose.get());
    }

    // ---- curl --------------------------------------------------------------------------------

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = 30_000)
    public void curlReusesItsConnectionForChunkedUploadsWithExpectContinue(Impl impl) throws Exception {
        HttpProviders.require(impl);
        Path curl = Path.of("/usr/bin/curl");
        if (!Files.isExecutable(curl)) {
            throw new SkipException("no /usr/bin/curl on this machine");
        }
        ConcurrentLinkedQueue<Integer> ports = new ConcurrentLinkedQueue<>();
        Servers.run(impl, echoNotingPorts(ports), server -> {
            Path out = Files.createTempFile("loomux-curl", ".txt");
            Process p = null;
            try {
                String url = Clients.base(server) + "/echo/";
                p = new ProcessBuilder(curl.toString(), "-sS", "--http1.1", "--noproxy", "*", "--max-time", "10",
                        "-H", "Expect: 100-continue", "-H", "Transfer-Encoding: chunked",
                        "--data-binary", "from curl", url + "1", url + "2", url + "3")
                        .redirectErrorStream(true).redirectOutput(out.toFile()).start();
                assertTrue(p.waitFor(20, TimeUnit.SECONDS), "curl did not finish");
                String got = Files.readString(out, StandardCharsets.ISO_8859_1);
                assertEquals(p.exitValue(), 0, "curl failed: " + got);
                assertEquals(got, "POST /echo/1 from curlPOST /echo/2 from curlPOST /echo/3 from curl");
                List<Integer> seen = List.copyOf(ports);
                assertEquals(seen.size(), 3, seen.toString());
                assertEquals(seen.stream().distinct().count(), 1L, "curl used several connections: " + seen);
            } finally {
                if (p != null) {
                    p.destroyForcibly();
                }
                Files.deleteIfExists(out);
            }
        });
    }
}
