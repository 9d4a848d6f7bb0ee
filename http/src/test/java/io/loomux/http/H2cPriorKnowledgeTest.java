package io.loomux.http;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertNotNull;
import static org.testng.Assert.assertNull;
import static org.testng.Assert.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import org.testng.annotations.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;

/**
 * HTTP/2 over plain TCP with prior knowledge (RFC 9113 section 3.3): a client that starts with
 * the preface is served HTTP/2 on the port that serves HTTP/1.1, on every backend. Real clients
 * (curl, h2load) check that the server speaks what they speak; {@link RawH2} puts exact frames on
 * the wire for the protocol's rules and its errors.
 */
public class H2cPriorKnowledgeTest {

    private static final HttpServerSettings H2 = HttpServerSettings.builder().http2(true).build();

    /**
     * The handler of every test: {@code /info} says what the exchange saw, {@code /echo} sends
     * the request body back with no length, {@code /len?n=N} sends N as the length (and N bytes
     * when N is above 0), {@code /status?c=C} answers C with length -1, {@code /block} waits for
     * the latch.
     */
    private static HttpHandler handler(CountDownLatch release) {
        return handler(release, new AtomicInteger());
    }

    /** As {@link #handler(CountDownLatch)}, counting the {@code /block} requests that have begun. */
    private static HttpHandler handler(CountDownLatch release, AtomicInteger blocked) {
        return x -> {
            String path = x.getRequestURI().getPath();
            String query = x.getRequestURI().getRawQuery();
            switch (path) {
                case "/info" -> send(x, 200, x.getProtocol() + " " + x.getRequestMethod() + " " + x.getRequestURI()
                        + " host=" + x.getRequestHeaders().getFirst("Host") + " x=" + x.getRequestHeaders().getFirst("X-test"));
                case "/echo" -> {
                    byte[] body;
                    try (InputStream in = x.getRequestBody()) {
                        body = in.readAllBytes();
                    }
                    x.sendResponseHeaders(200, 0);
                    try (OutputStream out = x.getResponseBody()) {
                        out.write(body);
                    }
                }
                case "/len" -> {
                    long n = Long.parseLong(query.substring(2));
                    x.sendResponseHeaders(200, n);
                    try (OutputStream out = x.getResponseBody()) {
                        if (n > 0) {
                            out.write(pattern((int) n));
                        }
                    }
                }
                case "/head-length" -> {
                    // What a GET would get, told to a HEAD: the handler sets the length itself.
                    x.getResponseHeaders().set("Content-length", "5");
                    x.sendResponseHeaders(200, -1);
                    x.close();
                }
                case "/status" -> {
                    x.sendResponseHeaders(Integer.parseInt(query.substring(2)), -1);
                    x.close();
                }
                case "/block" -> {
                    blocked.incrementAndGet();
                    try {
                        release.await(20, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    send(x, 200, "released");
                }
                default -> send(x, 404, "no " + path);
            }
        };
    }

    private static void send(HttpExchange x, int code, String text) throws IOException {
        byte[] b = text.getBytes(StandardCharsets.ISO_8859_1);
        x.sendResponseHeaders(code, b.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(b);
        }
    }

    /** @return n bytes of a pattern a lost or doubled byte would break */
    static byte[] pattern(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + (i >>> 8));
        }
        return b;
    }

    private static void serve(Impl impl, HttpServerSettings settings, CountDownLatch release, Servers.Run<HttpServer> test)
            throws Exception {
        Servers.run(Servers.withSettings(impl, settings), Servers.context("/", handler(release)), test);
    }

    private static void serve(Impl impl, Servers.Run<HttpServer> test) throws Exception {
        serve(impl, H2, new CountDownLatch(0), test);
    }

    // ---- real clients ----

    /** Runs curl with prior knowledge on one URL (curl 7.88 fails when it reuses such a connection). */
    private static String curl(String... args) throws Exception {
        String[] all = new String[args.length + 1];
        all[0] = "--http2-prior-knowledge";
        System.arraycopy(args, 0, all, 1, args.length);
        return Commands.curl(all);
    }

    private static String url(HttpServer server, String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 60_000)
    public void curlIsServedHttp2AndTheHandlerSeesTheRequestAsHttp11WouldShowIt(Impl impl) throws Exception {
        serve(impl, server -> {
            String got = curl("-H", "X-Test: yes", "-w", " version=%{http_version}", url(server, "/info?a=1&b"));
            int port = server.getAddress().getPort();
            assertEquals(got, "HTTP/2.0 GET /info?a=1&b host=127.0.0.1:" + port + " x=yes version=2");
        });
    }

    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 60_000)
    public void theLengthRulesOfSendResponseHeadersHoldOverHttp2(Impl impl) throws Exception {
        serve(impl, server -> {
            assertEquals(curl("-o", "/dev/null", "-w", "%{http_code} %{size_download}", url(server, "/status?c=204")),
                    "204 0");
            assertEquals(curl("-o", "/dev/null", "-w", "%{http_code} %{size_download}", url(server, "/status?c=304")),
                    "304 0");
            String head = curl("-I", url(server, "/len?n=5"));
            assertTrue(head.startsWith("HTTP/2 200"), head);
            assertTrue(curl("-I", url(server, "/head-length")).toLowerCase().contains("content-length: 5"),
                    "a HEAD keeps the length the handler set, as on HTTP/1.1");
            assertEquals(curl("-D", "-", url(server, "/len?n=-1")).toLowerCase().contains("content-length: 0"), true);
            assertEquals(curl("-w", "%{size_download}", "-o", "/dev/null", url(server, "/len?n=0")), "0");
            assertEquals(curl("-w", "%{size_download}", "-o", "/dev/null", url(server, "/len?n=100000")), "100000");
        });
    }

    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 60_000)
    public void aMebibyteGoesEachWayWhole(Impl impl) throws Exception {
        byte[] up = new byte[1 << 20];
        new Random(14).nextBytes(up);
        Path file = Files.createTempFile("loomux-h2", ".bin");
        Path back = Files.createTempFile("loomux-h2", ".out");
        try {
            Files.write(file, up);
            serve(impl, server -> {
                assertEquals(curl("--data-binary", "@" + file, "-o", back.toString(), "-w", "%{http_code}",
                        url(server, "/echo")), "200");
                assertEquals(sha(Files.readAllBytes(back)), sha(up), "the echo");
                assertEquals(curl("-o", back.toString(), "-w", "%{http_code}", url(server, "/len?n=" + (1 << 20))), "200");
                assertEquals(sha(Files.readAllBytes(back)), sha(pattern(1 << 20)), "the download");
            });
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(back);
        }
    }

    private static String sha(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 60_000)
    public void nghttpGetsTwoStreamsOnOneConnection(Impl impl) throws Exception {
        serve(impl, server -> {
            String got = Commands.run(Commands.NGHTTP, "-nv", url(server, "/info"), url(server, "/len?n=100000"));
            assertEquals(got.split(":status: 200", -1).length - 1, 2, got);
            assertTrue(!got.contains("recv GOAWAY") && !got.contains("recv RST_STREAM"), "no error from the server: " + got);
            assertEquals(got.split("; END_STREAM", -1).length - 1 >= 4, true, "both requests and responses ended: " + got);
        });
    }

    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 60_000)
    public void http11IsStillServedOnThePort(Impl impl) throws Exception {
        serve(impl, server -> {
            try (HttpClient client = Clients.http11()) {
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(url(server, "/info"))).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(r.version(), HttpClient.Version.HTTP_1_1);
                assertTrue(r.body().startsWith("HTTP/1.1 GET /info"), r.body());
            }
        });
    }

    // ---- frames: the connection's rules ----

    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 60_000)
    public void theServerSaysItsSettingsAndAnswersPing(Impl impl) throws Exception {
        serve(impl, server -> {
            try (RawH2 c = RawH2.connect(server)) {
                c.preface();
                c.settings();
                Map<Integer, Long> settings = c.handshake();
                assertEquals(settings.get(0x3), Long.valueOf(100), "MAX_CONCURRENT_STREAMS " + settings);
                assertEquals(settings.get(0x2), Long.valueOf(0), "ENABLE_PUSH " + settings);
                c.ping(0x1122334455667788L);
                RawH2.Frame f = c.read();
                // Bounded: the server may have sent a WINDOW_UPDATE first.
                for (int i = 0; i < 3 && f.type() != RawH2.PING; i++) {
                    f = c.read();
                }
                assertEquals(f.type(), RawH2.PING);
                assertTrue(f.has(RawH2.ACK));
                assertEquals(java.nio.ByteBuffer.wrap(f.payload()).getLong(), 0x1122334455667788L);
            }
        });
    }

    /**
     * A client that never acknowledges the server's SETTINGS (RFC 9113 section 6.5.3) is served
     * meanwhile, and after the header timeout gets GOAWAY(SETTINGS_TIMEOUT); one
     * opened at the same time that did acknowledge them is still served after that.
     */
    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 60_000)
    public void settingsNeverAcknowledgedEndTheConnectionAfterTheHeaderTimeout(Impl impl) throws Exception {
        serve(impl, H2.toBuilder().headerTimeout(Duration.ofSeconds(1)).build(), new CountDownLatch(0), server -> {
            try (RawH2 silent = RawH2.connect(server); RawH2 polite = RawH2.open(server)) {
                silent.preface();
                silent.settings();
                silent.get(1, "/info");
                RawH2.Frame f = silent.readSignificant();
                // Bounded: the server's SETTINGS, the ack of the client's, then the response's head.
                for (int i = 0; i < 5 && f.type() == RawH2.SETTINGS; i++) {
                    f = silent.readSignificant();
                }
                assertEquals(f.type(), RawH2.HEADERS, "served before the timeout: " + f);
                RawH2.Frame goAway = silent.readSignificant();
                // Bounded: the response's DATA, then the GOAWAY (the client closes then, as it should).
                for (int i = 0; i < 3 && goAway.type() != RawH2.GOAWAY; i++) {
                    goAway = silent.readSignificant();
                }
                assertEquals(goAway.type(), RawH2.GOAWAY, goAway.toString());
                assertEquals(goAway.errorCode(), RawH2.SETTINGS_TIMEOUT, goAway.toString());
                polite.get(1, "/info");
                assertEquals(polite.response(1).status(), 200, "an acknowledging client is served on");
            }
        });
    }

    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 60_000)
    public void manyStreamsOnOneConnectionEachGetTheirOwnResponse(Impl impl) throws Exception {
        serve(impl, server -> {
            try (RawH2 c = RawH2.open(server)) {
                List<Integer> ids = new ArrayList<>();
                for (int i = 0; i < 50; i++) {
                    int id = 1 + 2 * i;
                    ids.add(id);
                    c.get(id, "/len?n=" + (1000 + i * 997));
                }
                Map<Integer, RawH2.Response> got = c.responses(ids);
                for (int i = 0; i < 50; i++) {
                    RawH2.Response r = got.get(1 + 2 * i);
                    assertEquals(r.status(), 200, "stream " + (1 + 2 * i));
                    assertEquals(r.body(), pattern(1000 + i * 997), "stream " + (1 + 2 * i));
                    assertEquals(r.first("content-length"), Integer.toString(1000 + i * 997));
                }
            }
        });
    }

    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 60_000)
    public void aRequestBodyArrivesWholeAndAnEmptyOneEndsAtOnce(Impl impl) throws Exception {
        serve(impl, server -> {
            try (RawH2 c = RawH2.open(server)) {
                c.headers(1, false, ":method", "POST", ":scheme", "http", ":authority", "x", ":path", "/echo",
                        "content-length", "11");
                c.data(1, "hello ".getBytes(StandardCharsets.ISO_8859_1), false);
                c.data(1, "world".getBytes(StandardCharsets.ISO_8859_1), true);
                RawH2.Response r = c.response(1);
                assertEquals(r.status(), 200);
                assertEquals(r.text(), "hello world");
                assertNull(r.first("content-length"), "a body of unknown length has none");
                c.headers(3, true, ":method", "POST", ":scheme", "http", ":authority", "x", ":path", "/echo");
                assertEquals(c.response(3).text(), "");
            }
        });
    }

    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 60_000)
    public void aClientThatExpectsContinueGetsItWhenTheHandlerReads(Impl impl) throws Exception {
        serve(impl, server -> {
            try (RawH2 c = RawH2.open(server)) {
                c.headers(1, false, ":method", "POST", ":scheme", "http", ":path", "/echo", "expect", "100-continue");
                RawH2.Frame interim = c.readSignificant();
                assertEquals(interim.type(), RawH2.HEADERS, interim.toString());
                assertTrue(!interim.has(RawH2.END_STREAM), "an interim response does not end the stream");
                c.data(1, "after 100".getBytes(StandardCharsets.ISO_8859_1), true);
                RawH2.Response r = c.response(1);
                assertEquals(r.status(), 200);
                assertEquals(r.text(), "after 100");
            }
        });
    }

    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 60_000)
    public void requestTrailersEndTheRequestAndAreDropped(Impl impl) throws Exception {
        serve(impl, server -> {
            try (RawH2 c = RawH2.open(server)) {
                c.headers(1, false, ":method", "POST", ":scheme", "http", ":path", "/echo", "te", "trailers");
                c.data(1, "body".getBytes(StandardCharsets.ISO_8859_1), false);
                c.headers(1, true, "checksum", "abc");
                assertEquals(c.response(1).text(), "body");
                c.headers(3, false, ":method", "POST", ":scheme", "http", ":path", "/echo");
                c.headers(3, true, ":path", "/again");
                assertEquals(c.response(3).resetCode(), RawH2.PROTOCOL_ERROR, "a pseudo-header field in trailers");
            }
        });
    }

    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 60_000)
    public void headerFieldsOverTheLimitGet431AndTheConnectionGoesOn(Impl impl) throws Exception {
        serve(impl, H2.toBuilder().maxHeaderBytes(1024).build(), new CountDownLatch(0), server -> {
            try (RawH2 c = RawH2.open(server)) {
                c.headers(1, true, ":method", "GET", ":scheme", "http", ":path", "/info", "big", "x".repeat(2000));
                RawH2.Response r = c.response(1);
                assertEquals(r.status(), 431);
                c.get(3, "/info");
                assertEquals(c.response(3).status(), 200);
            }
        });
    }

    /** Asserts the server ends the connection with GOAWAY of the code. */
    private static void assertGoAway(RawH2 c, int code) throws IOException {
        RawH2.Frame goAway = c.readToClose();
        assertNotNull(goAway, "no GOAWAY before the close");
        assertEquals(goAway.errorCode(), code, goAway.toString());
    }

    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 60_000)
    public void aFirstFrameOtherThanSettingsIsAProtocolError(Impl impl) throws Exception {
        serve(impl, server -> {
            try (RawH2 c = RawH2.connect(server)) {
                c.preface();
                c.ping(1);
                assertGoAway(c, RawH2.PROTOCOL_ERROR);
            }
        });
    }

    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 60_000)
    public void anEvenStreamIdIsAProtocolError(Impl impl) throws Exception {
        serve(impl, server -> {
            try (RawH2 c = RawH2.open(server)) {
                c.get(2, "/info");
                assertGoAway(c, RawH2.PROTOCOL_ERROR);
            }
        });
    }

    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 60_000)
    public void dataOnAnIdleStreamIsAProtocolError(Impl impl) throws Exception {
        serve(impl, server -> {
            try (RawH2 c = RawH2.open(server)) {
                c.data(5, new byte[] {1}, true);
                assertGoAway(c, RawH2.PROTOCOL_ERROR);
            }
        });
    }

    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 60_000)
    public void aConnectionWindowPastTheLimitIsAFlowControlError(Impl impl) throws Exception {
        serve(impl, server -> {
            try (RawH2 c = RawH2.open(server)) {
                c.windowUpdate(0, Integer.MAX_VALUE);
                assertGoAway(c, RawH2.FLOW_CONTROL_ERROR);
            }
        });
    }

    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 60_000)
    public void aHeaderBlockThatIsNotHpackIsACompressionError(Impl impl) throws Exception {
        serve(impl, server -> {
            try (RawH2 c = RawH2.open(server)) {
                // Indexed field 0 does not exist (RFC 7541 section 6.1).
                c.frame(RawH2.HEADERS, RawH2.END_HEADERS | RawH2.END_STREAM, 1, new byte[] {(byte) 0x80});
                assertGoAway(c, RawH2.COMPRESSION_ERROR);
            }
        });
    }

    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 60_000)
    public void aMalformedRequestResetsItsStreamAndTheConnectionGoesOn(Impl impl) throws Exception {
        serve(impl, server -> {
            try (RawH2 c = RawH2.open(server)) {
                String[][] malformed = {
                        {":method", "GET", ":scheme", "http", ":path", "/info", "X-Upper", "1"},
                        {":method", "GET", ":scheme", "http"},
                        {":method", "GET", ":scheme", "http", ":path", "/info", "connection", "close"},
                        {":method", "GET", ":scheme", "http", ":path", "/info", "te", "gzip"},
                        {"accept", "*/*", ":method", "GET", ":scheme", "http", ":path", "/info"},
                        {":method", "GET", ":method", "GET", ":scheme", "http", ":path", "/info"},
                        {":method", "GET", ":scheme", "http", ":path", "/info", ":status", "200"},
                        {":method", "GET", ":scheme", "http", ":path", "/info", "x", " padded "},
                };
                int id = 1;
                for (String[] fields : malformed) {
                    c.headers(id, true, fields);
                    RawH2.Response r = c.response(id);
                    assertEquals(r.resetCode(), RawH2.PROTOCOL_ERROR, "stream " + id + ": " + List.of(fields));
                    id += 2;
                }
                c.get(id, "/info");
                assertEquals(c.response(id).status(), 200);
            }
        });
    }

    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 60_000)
    public void aBodyThatBreaksItsContentLengthResetsTheStream(Impl impl) throws Exception {
        serve(impl, server -> {
            try (RawH2 c = RawH2.open(server)) {
                c.headers(1, false, ":method", "POST", ":scheme", "http", ":path", "/echo", "content-length", "3");
                c.data(1, "four".getBytes(StandardCharsets.ISO_8859_1), true);
                assertEquals(c.response(1).resetCode(), RawH2.PROTOCOL_ERROR, "longer");
                c.headers(3, false, ":method", "POST", ":scheme", "http", ":path", "/echo", "content-length", "3");
                c.data(3, "tw".getBytes(StandardCharsets.ISO_8859_1), true);
                assertEquals(c.response(3).resetCode(), RawH2.PROTOCOL_ERROR, "shorter");
                c.get(5, "/info");
                assertEquals(c.response(5).status(), 200);
            }
        });
    }

    // ---- flow control ----

    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 60_000)
    public void theServerNeverSendsMoreThanTheClientsWindow(Impl impl) throws Exception {
        serve(impl, server -> {
            try (RawH2 c = RawH2.connect(server)) {
                c.preface();
                c.settings(0x4, 100); // SETTINGS_INITIAL_WINDOW_SIZE
                c.handshake();
                c.get(1, "/len?n=1000");
                int total = 0;
                int window = 100;
                // Bounded: 1,000 bytes in frames of at least one byte.
                while (total < 1000) {
                    RawH2.Frame f = c.readSignificant();
                    if (f.type() != RawH2.DATA) {
                        continue;
                    }
                    assertTrue(f.payload().length <= window, f.payload().length + " bytes into a window of " + window);
                    window -= f.payload().length;
                    total += f.payload().length;
                    if (window == 0 && total < 1000) {
                        c.windowUpdate(1, 100);
                        window = 100;
                    }
                }
                assertEquals(total, 1000);
            }
        });
    }

    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 60_000)
    public void aWindowThatNeverOpensResetsOnlyItsStream(Impl impl) throws Exception {
        HttpServerSettings quick = H2.toBuilder().idleTimeout(Duration.ofSeconds(1)).build();
        serve(impl, quick, new CountDownLatch(0), server -> {
            try (RawH2 c = RawH2.connect(server)) {
                c.preface();
                c.settings(0x4, 0); // no stream may receive DATA until a WINDOW_UPDATE
                c.handshake();
                c.get(1, "/len?n=10");
                c.get(3, "/status?c=200");
                Map<Integer, RawH2.Response> got = c.responses(List.of(1, 3));
                assertEquals(got.get(3).status(), 200, "the other stream");
                assertEquals(got.get(1).resetCode(), RawH2.CANCEL, "the stream whose window stayed shut");
                c.get(5, "/status?c=200");
                assertEquals(c.response(5).status(), 200, "the connection goes on");
            }
        });
    }

    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 60_000)
    public void dataPastTheStreamsWindowIsAFlowControlErrorOfTheStream(Impl impl) throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        serve(impl, H2, release, server -> {
            try (RawH2 c = RawH2.open(server)) {
                // The handler waits without reading: nothing opens the stream's 65,535 bytes.
                c.headers(1, false, ":method", "POST", ":scheme", "http", ":path", "/block");
                byte[] chunk = new byte[16_384];
                for (int i = 0; i < 4; i++) {
                    c.data(1, chunk, false);
                }
                RawH2.Response r = c.response(1);
                assertEquals(r.resetCode(), RawH2.FLOW_CONTROL_ERROR);
                release.countDown();
                c.get(3, "/info");
                assertEquals(c.response(3).status(), 200, "the connection goes on");
            } finally {
                release.countDown();
            }
        });
    }

    /**
     * Stream ids run out at 2^31 - 1 (RFC 9113 section 5.1.1): the last id a client may open is
     * served like any, and a HEADERS after it on an id the connection used (it can no longer open
     * one) is a connection error whose GOAWAY names that last stream. Nothing overflows on the way.
     */
    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 60_000)
    public void theLastStreamIdIsServedAndNoStreamOpensAfterIt(Impl impl) throws Exception {
        int last = Integer.MAX_VALUE;
        serve(impl, server -> {
            try (RawH2 c = RawH2.open(server)) {
                c.get(last, "/info");
                RawH2.Response r = c.response(last);
                assertEquals(r.status(), 200);
                assertEquals(r.text(), "HTTP/2.0 GET /info host=localhost x=null");
                c.get(last, "/info");
                RawH2.Frame goAway = c.readToClose();
                assertNotNull(goAway, "no GOAWAY before the close");
                assertEquals(goAway.errorCode(), RawH2.STREAM_CLOSED, goAway.toString());
                assertEquals(goAway.word(0), last, "the last stream the server took");
            }
            try (RawH2 c = RawH2.open(server)) {
                c.get(last - 2, "/info");
                assertEquals(c.response(last - 2).status(), 200);
                c.get(1, "/info");
                RawH2.Frame goAway = c.readToClose();
                assertNotNull(goAway, "no GOAWAY before the close");
                assertEquals(goAway.errorCode(), RawH2.STREAM_CLOSED, "an id below the last is not a new stream: " + goAway);
                assertEquals(goAway.word(0), last - 2);
            }
        });
    }

    // ---- limits and stop ----

    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 60_000)
    public void streamsPastTheLimitAreRefused(Impl impl) throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        serve(impl, H2.toBuilder().http2MaxConcurrentStreams(2).build(), release, server -> {
            try (RawH2 c = RawH2.open(server)) {
                c.get(1, "/block");
                c.get(3, "/block");
                c.get(5, "/block");
                assertEquals(c.response(5).resetCode(), RawH2.REFUSED_STREAM);
                release.countDown();
                Map<Integer, RawH2.Response> got = c.responses(List.of(1, 3));
                assertEquals(got.get(1).text(), "released");
                assertEquals(got.get(3).text(), "released");
                c.get(7, "/info");
                assertEquals(c.response(7).status(), 200, "a slot is free again");
            } finally {
                release.countDown();
            }
        });
    }

    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 60_000)
    public void stopSaysGoAwayAndLetsTheStreamInProgressFinish(Impl impl) throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger blocked = new AtomicInteger();
        HttpServer server = Servers.withSettings(impl, H2);
        server.createContext("/", handler(release, blocked));
        server.start();
        try (RawH2 c = RawH2.open(server)) {
            c.get(1, "/block");
            await().atMost(Duration.ofSeconds(10)).until(() -> blocked.get() == 1);
            Thread stopper = Thread.ofVirtual().start(() -> server.stop(20));
            RawH2.Frame goAway = c.readSignificant();
            assertEquals(goAway.type(), RawH2.GOAWAY, goAway.toString());
            assertEquals(goAway.errorCode(), RawH2.NO_ERROR);
            assertEquals(goAway.word(0), 1, "the last stream the server took");
            release.countDown();
            RawH2.Response r = c.response(1);
            assertEquals(r.text(), "released");
            assertTrue(stopper.join(Duration.ofSeconds(20)), "stop returned");
        } finally {
            release.countDown();
            server.stop(0);
        }
    }
}
