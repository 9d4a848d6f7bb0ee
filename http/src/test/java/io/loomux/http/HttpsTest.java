package io.loomux.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import org.awaitility.Awaitility;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertNotEquals;
import static org.testng.Assert.assertNotNull;
import static org.testng.Assert.assertSame;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;
import static org.testng.Assert.fail;

/**
 * HTTPS on every implementation: round trips over TLS with the JDK's clients, keep-alive, large
 * bodies both ways, the {@link HttpsExchange}'s session, a TLS 1.3 key update, an
 * {@link HttpsConfigurator} that restricts protocols, cipher suites or asks for client
 * certificates (through {@link SSLParameters} and through the older {@link HttpsParameters}
 * setters), and clients that misbehave: plain HTTP on the HTTPS port, a handshake that stalls.
 * Certificates come from {@link TestCertificates}.
 *
 * <p>The scenarios a JDK {@code HttpClient} drives run once more per backend over h2 (rows named
 * {@code loomux-BACKEND-h2}), whose every response must come over HTTP/2; the key update too, its
 * requests sent by {@link RawH2} on a TLS socket that asked for h2 alone. The scenarios of
 * HTTP/1.1's own are not run over h2: keep-alive, a half-close after a request (HTTP/2 ends a
 * request with its stream, not the connection), renegotiation (which RFC 9113 section 9.2.1
 * forbids on HTTP/2), {@code HttpsURLConnection} (which has no HTTP/2), and a request the JDK's
 * client makes by default (which asks for h2 itself). {@link HttpsH2Test} has HTTP/2's own cases
 * over TLS.
 */
public class HttpsTest {

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
    private static final int SOCKET_TIMEOUT_MS = 15_000;

    private static final String TLS12_SUITE = "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256";
    private static final String OTHER_TLS12_SUITE = "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384";

    /** 4 MiB of pseudo-random bytes, the same on server and client. */
    private static final byte[] BIG = pattern(4 << 20, 0x10_0d1eL);

    // ---------------------------------------------------------------------------------------
    // Round trips

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = 60_000)
    public void getAndPostWithHttpClient(Impl impl) throws Exception {
        serveInfo(impl, plain(), server -> {
            // The client's default version: it offers h2 and http/1.1 by ALPN. loomux, with its
            // default settings, picks h2; the JDK's server names no application protocol, which
            // leaves it at HTTP/1.1.
            HttpClient.Version expected = impl.isJdk() ? HttpClient.Version.HTTP_1_1 : HttpClient.Version.HTTP_2;
            try (HttpClient client = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT)
                    .sslContext(TestCertificates.clientContext()).build()) {
                HttpResponse<String> get = send(client, server, "/info/a?q=1");
                assertEquals(get.statusCode(), 200, impl + ": GET");
                assertEquals(get.version(), expected, impl.name());
                Map<String, String> info = parse(get.body());
                assertEquals(info.get("version"), expected == HttpClient.Version.HTTP_2 ? "HTTP/2.0" : "HTTP/1.1",
                        impl + ": the exchange's protocol: " + get.body());
                assertEquals(info.get("method"), "GET", impl + ": " + get.body());
                assertEquals(info.get("uri"), "/info/a?q=1", impl + ": " + get.body());
                assertEquals(info.get("https"), "true", impl + ": " + get.body());
                assertEquals(info.get("body"), "0 " + sha256(new byte[0]), impl + ": " + get.body());

                byte[] hello = "hello over TLS".getBytes(StandardCharsets.UTF_8);
                HttpResponse<String> post = client.send(request(server, "/info/post")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(hello)).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(post.statusCode(), 200, impl + ": POST");
                Map<String, String> pinfo = parse(post.body());
                assertEquals(pinfo.get("method"), "POST", impl + ": " + post.body());
                assertEquals(pinfo.get("uri"), "/info/post", impl + ": " + post.body());
                assertEquals(pinfo.get("body"), hello.length + " " + sha256(hello), impl + ": " + post.body());
                assertEquals(pinfo.get("protocol"), post.sslSession().orElseThrow().getProtocol(), impl + ": " + post.body());
            }
        });
    }

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = 60_000)
    public void getAndPostWithHttpsUrlConnection(Impl impl) throws Exception {
        serveInfo(impl, plain(), server -> {
            URI base = base(server);

            HttpsURLConnection get = open(base.resolve("/info/get?x=y"));
            try {
                assertEquals(get.getResponseCode(), 200, impl + ": GET");
                String cipher = get.getCipherSuite();
                String body = readAll(get.getInputStream());
                Map<String, String> info = parse(body);
                assertEquals(info.get("method"), "GET", impl + ": " + body);
                assertEquals(info.get("uri"), "/info/get?x=y", impl + ": " + body);
                assertEquals(info.get("https"), "true", impl + ": " + body);
                assertEquals(info.get("cipher"), cipher, impl + ": " + body);
            } finally {
                get.disconnect();
            }

            byte[] form = "a=1&b=2".getBytes(StandardCharsets.US_ASCII);
            HttpsURLConnection post = open(base.resolve("/info/form"));
            try {
                post.setFixedLengthStreamingMode(form.length);
                assertEquals(Clients.post(post, form), 200, impl + ": POST");
                String body = readAll(post.getInputStream());
                Map<String, String> info = parse(body);
                assertEquals(info.get("method"), "POST", impl + ": " + body);
                assertEquals(info.get("body"), form.length + " " + sha256(form), impl + ": " + body);
            } finally {
                post.disconnect();
            }
        });
    }

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = 60_000)
    public void severalRequestsShareOneKeepAliveTlsConnection(Impl impl) throws Exception {
        Set<Integer> ports = ConcurrentHashMap.newKeySet();
        serve(impl, plain(), "/", x -> {
            ports.add(x.getRemoteAddress().getPort());
            byte[] body = x.getRequestBody().readAllBytes();
            byte[] reply = (x.getRequestMethod() + " " + x.getRequestURI() + " " + body.length)
                    .getBytes(StandardCharsets.UTF_8);
            x.sendResponseHeaders(200, reply.length);
            try (OutputStream out = x.getResponseBody()) {
                out.write(reply);
            }
        }, server -> {
            try (SSLSocket s = tlsSocket(server, TestCertificates.clientContext())) {
                InputStream in = s.getInputStream();
                for (int i = 0; i < 5; i++) {
                    String body = "body " + i;
                    write(s, ("POST /keep/" + i + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + body.length()
                            + "\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII));
                    RawResponse r = RawResponse.read(in);
                    assertEquals(r.statusLine(), "HTTP/1.1 200 OK", impl + ": request " + i);
                    assertEquals(r.bodyText(), "POST /keep/" + i + " " + body.length(), impl + ": request " + i);
                }
                assertEquals(ports, Set.of(s.getLocalPort()), impl + ": every request came on the one connection");
            }
        });
    }

    @Test(dataProvider = "allAndH2", dataProviderClass = HttpProviders.class, timeOut = 60_000)
    public void largeResponsesArriveIntact(Impl impl) throws Exception {
        serve(impl, plain(), "/big", x -> {
            x.getRequestBody().readAllBytes();
            boolean chunked = x.getRequestURI().getPath().endsWith("/chunked");
            x.sendResponseHeaders(200, chunked ? 0 : BIG.length);
            try (OutputStream out = x.getResponseBody()) {
                // Uneven pieces, small and large, so that TLS records and writes do not line up.
                int off = 0;
                int[] sizes = {1, 100, 7_777, 16_384, 16_385, 65_536, 1 << 20};
                for (int i = 0; off < BIG.length; i++) {
                    int n = Math.min(sizes[i % sizes.length], BIG.length - off);
                    out.write(BIG, off, n);
                    off += n;
                }
            }
        }, server -> {
            try (HttpClient client = client(impl)) {
                for (String mode : new String[] {"fixed", "chunked"}) {
                    HttpResponse<byte[]> r = client.send(request(server, "/big/" + mode).build(),
                            HttpResponse.BodyHandlers.ofByteArray());
                    assertEquals(r.statusCode(), 200, impl + ": " + mode);
                    if (mode.equals("chunked") && impl.http2()) {
                        // HTTP/2 has no chunked coding: DATA frames until the stream ends, no length
                        // said ahead.
                        assertEquals(r.headers().map().keySet().stream().filter(n -> n.equalsIgnoreCase("transfer-encoding")
                                || n.equalsIgnoreCase("content-length")).toList(), List.of(), impl + ": " + r.headers());
                    } else if (mode.equals("chunked")) {
                        assertEquals(r.headers().firstValue("transfer-encoding").orElse(""), "chunked", impl + ": " + mode);
                    } else {
                        assertEquals(r.headers().firstValueAsLong("content-length").orElse(-1), BIG.length, impl + ": " + mode);
                    }
                    assertSameBytes(r.body(), BIG, impl + ": " + mode + " response");
                }
            }
        });
    }

    @Test(dataProvider = "allAndH2", dataProviderClass = HttpProviders.class, timeOut = 60_000)
    public void largeRequestBodiesArriveIntact(Impl impl) throws Exception {
        serveInfo(impl, plain(), server -> {
            String expected = BIG.length + " " + sha256(BIG);
            try (HttpClient client = client(impl)) {
                HttpResponse<String> fixed = client.send(request(server, "/info/fixed")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(BIG)).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(fixed.statusCode(), 200, impl + ": fixed");
                assertEquals(parse(fixed.body()).get("body"), expected, impl + ": fixed-length request body");

                // A publisher of unknown length: the client sends the body chunked.
                HttpResponse<String> chunked = client.send(request(server, "/info/chunked")
                        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(BIG))).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(chunked.statusCode(), 200, impl + ": chunked");
                assertEquals(parse(chunked.body()).get("body"), expected, impl + ": chunked request body");
            }
        });
    }

    @Test(dataProvider = "allAndH2", dataProviderClass = HttpProviders.class, timeOut = 60_000)
    public void handlerGetsHttpsExchangeWithTheNegotiatedSession(Impl impl) throws Exception {
        serveInfo(impl, plain(), server -> {
            try (HttpClient client = client(impl)) {
                HttpResponse<String> r = send(client, server, "/info/session");
                assertEquals(r.statusCode(), 200, impl.name());
                SSLSession clientSide = r.sslSession().orElseThrow();
                Map<String, String> info = parse(r.body());
                assertEquals(info.get("https"), "true", impl + ": " + r.body());
                assertEquals(info.get("protocol"), clientSide.getProtocol(), impl + ": " + r.body());
                assertEquals(info.get("protocol"), "TLSv1.3", impl + ": both sides support TLS 1.3: " + r.body());
                assertEquals(info.get("cipher"), clientSide.getCipherSuite(), impl + ": " + r.body());
                assertEquals(info.get("valid"), "true", impl + ": " + r.body());
                assertEquals(info.get("local"), TestCertificates.serverCertificate().getSubjectX500Principal().getName(),
                        impl + ": the server's own certificate in its session: " + r.body());
                assertEquals(info.get("peer"), "none", impl + ": no client certificate was asked for: " + r.body());
            }
        });
    }

    @Test(dataProvider = "allAndH2", dataProviderClass = HttpProviders.class, timeOut = 60_000)
    public void keyUpdateInTheMiddleOfATls13Connection(Impl impl) throws Exception {
        serveInfo(impl, plain(), server -> {
            try (SSLSocket s = tlsSocket(server, TestCertificates.clientContext(), "TLSv1.3", impl.http2())) {
                RawGets gets = rawGets(s, impl);
                List<Map<String, String>> seen = new ArrayList<>();
                seen.add(gets.get("/info/before"));
                // On TLS 1.3, startHandshake() on an established connection sends a KeyUpdate
                // that asks the server to update its sending keys too.
                s.startHandshake();
                for (int i = 0; i < 3; i++) {
                    seen.add(gets.get("/info/after" + i));
                }
                for (Map<String, String> info : seen) {
                    assertEquals(info.get("protocol"), "TLSv1.3", impl + ": " + info);
                    assertEquals(info.get("port"), seen.get(0).get("port"), impl + ": one connection: " + info);
                    assertEquals(info.get("session"), seen.get(0).get("session"), impl + ": a key update keeps the session");
                }
            }
        });
    }

    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 60_000)
    public void clientInitiatedRenegotiationOnTls12WhichTheJdkServerDoesNotAnswer(Impl impl) throws Exception {
        serveInfo(impl, plain(), server -> {
            try (SSLSocket s = tlsSocket(server, TestCertificates.clientContext(), "TLSv1.2")) {
                AtomicInteger handshakes = new AtomicInteger();
                s.addHandshakeCompletedListener(e -> handshakes.incrementAndGet());
                Map<String, String> before = get(s, "/info/before", impl);
                // On TLS 1.2, startHandshake() on an established connection renegotiates, which
                // the JDK's SSLEngine allows by default (jdk.tls.rejectClientInitiatedRenegotiation);
                // with the session invalidated it is a full handshake with a new session. The
                // handshake goes on as the client goes on reading and writing.
                s.getSession().invalidate();
                s.startHandshake();
                List<Map<String, String>> after = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    Map<String, String> info = get(s, "/info/after" + i, impl);
                    assertEquals(info.get("protocol"), "TLSv1.2", impl + ": " + info);
                    assertEquals(info.get("port"), before.get("port"), impl + ": one connection: " + info);
                    after.add(info);
                }
                // The listener runs on a thread of its own, so it may come a little later.
                Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> handshakes.get() == 1);
                assertNotEquals(after.get(after.size() - 1).get("session"), before.get("session"),
                        impl + ": the server's session after the renegotiation: " + after);
            }
        });
    }

    /** GETs on one raw TLS connection, each answered by the {@link #info} handler. */
    @FunctionalInterface
    private interface RawGets {
        /** @return the handler's answer to a GET of the path */
        Map<String, String> get(String path) throws IOException;
    }

    /**
     * @return GETs over the handshaken socket: in HTTP/1.1, or on an h2 row in HTTP/2 (the
     *     socket having agreed on h2 through ALPN), after the connection's preface and settings
     */
    private static RawGets rawGets(SSLSocket s, Impl impl) throws IOException {
        if (!impl.http2()) {
            return path -> get(s, path, impl);
        }
        assertEquals(s.getApplicationProtocol(), "h2", impl + ": ALPN");
        RawH2 c = RawH2.over(s);
        c.preface();
        c.settings();
        c.handshake();
        int[] stream = {1};
        return path -> {
            int id = stream[0];
            stream[0] += 2;
            c.headers(id, true, ":method", "GET", ":scheme", "https", ":authority", "127.0.0.1", ":path", path);
            RawH2.Response r = c.response(id);
            assertEquals(r.status(), 200, impl + ": " + path + ": " + r);
            Map<String, String> info = parse(r.text());
            assertEquals(info.get("uri"), path, impl + ": " + r.text());
            assertEquals(info.get("version"), "HTTP/2.0", impl + ": " + r.text());
            return info;
        };
    }

    /** A GET of {@code path} on a raw TLS connection in HTTP/1.1; the {@link #info} handler's answer. */
    private static Map<String, String> get(SSLSocket s, String path, Impl impl) throws IOException {
        write(s, ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        RawResponse r = RawResponse.read(s.getInputStream());
        assertEquals(r.statusLine(), "HTTP/1.1 200 OK", impl + ": " + path);
        Map<String, String> info = parse(r.bodyText());
        assertEquals(info.get("uri"), path, impl + ": " + r.bodyText());
        return info;
    }

    @Test(dataProvider = "allAndH2", dataProviderClass = HttpProviders.class, timeOut = 30_000)
    public void setHttpsConfiguratorAfterStartIsRefused(Impl impl) throws Exception {
        HttpProviders.require(impl);
        HttpsConfigurator first = plain();
        Servers.run(impl.httpsServer(), s -> {
            expectThrows(NullPointerException.class, () -> s.setHttpsConfigurator(null));
            s.setHttpsConfigurator(first);
            s.createContext("/", HttpsTest::info);
        }, server -> {
            // A context with no key of its own: a server using it could not complete a handshake.
            HttpsConfigurator keyless = new HttpsConfigurator(TestCertificates.clientContext());
            IllegalStateException refused = null;
            try {
                server.setHttpsConfigurator(keyless);
            } catch (IllegalStateException e) {
                refused = e;
            }
            try (HttpClient client = client(impl)) {
                HttpResponse<String> r = send(client, server, "/info/after");
                assertEquals(r.statusCode(), 200, impl + ": the server goes on with the configurator it started with");
            }
            assertSame(server.getHttpsConfigurator(), first, impl + ": the configurator in use");
            assertNotNull(refused, impl + ": setHttpsConfigurator after start must throw IllegalStateException");
        });
    }

    @Test(dataProvider = "allAndH2", dataProviderClass = HttpProviders.class, timeOut = 60_000)
    public void concurrentTlsClientsEachGetTheirOwnBytesBack(Impl impl) throws Exception {
        int clients = 24;
        int size = 256 * 1024;
        serve(impl, plain(), "/echo", x -> {
            byte[] body = x.getRequestBody().readAllBytes();
            x.sendResponseHeaders(200, body.length);
            try (OutputStream out = x.getResponseBody()) {
                out.write(body);
            }
        }, server -> {
            List<Future<String>> results = new ArrayList<>();
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int c = 0; c < clients; c++) {
                    byte[] mine = Arrays.copyOfRange(BIG, c * 1000, c * 1000 + size);
                    results.add(pool.submit(() -> {
                        try (HttpClient client = client(impl)) {
                            HttpResponse<byte[]> r = client.send(request(server, "/echo")
                                    .POST(HttpRequest.BodyPublishers.ofByteArray(mine)).build(),
                                    HttpResponse.BodyHandlers.ofByteArray());
                            if (r.statusCode() != 200) {
                                return "status " + r.statusCode();
                            }
                            return Arrays.equals(r.body(), mine) ? "ok"
                                    : "a different body: " + r.body().length + " bytes, first difference at "
                                    + Arrays.mismatch(r.body(), mine);
                        }
                    }));
                }
                for (int c = 0; c < clients; c++) {
                    assertEquals(results.get(c).get(45, TimeUnit.SECONDS), "ok", impl + ": client " + c);
                }
            }
        });
    }

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = 60_000)
    public void aTls13ClientThatHalfClosesAfterItsRequestStillGetsTheResponse(Impl impl) throws Exception {
        serveInfo(impl, plain(), server -> {
            try (SSLSocket s = tlsSocket(server, TestCertificates.clientContext(), "TLSv1.3")) {
                byte[] body = "last words".getBytes(StandardCharsets.US_ASCII);
                OutputStream out = s.getOutputStream();
                out.write(("POST /info/half HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + body.length + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                write(s, body);
                // TLS 1.3 allows a half-close: close_notify ends the client's sending side only.
                s.shutdownOutput();
                RawResponse r = RawResponse.read(s.getInputStream());
                assertEquals(r.statusLine(), "HTTP/1.1 200 OK", impl.name());
                assertEquals(parse(r.bodyText()).get("body"), body.length + " " + sha256(body), impl + ": " + r.bodyText());
                assertEquals(s.getInputStream().read(), -1, impl + ": the server ends the connection after it");
            }
        });
    }

    // ---------------------------------------------------------------------------------------
    // HttpsConfigurator.configure: protocols and cipher suites

    /**
     * @return every implementation, with each way a configurator may allow TLS 1.2 alone; the h2
     *     rows with one (TLS 1.2 is where RFC 9113 section 9.2 restricts h2)
     */
    @DataProvider(name = "tls12Only")
    public static Object[][] tls12Only() {
        Object[] sslParameters = {"through SSLParameters",
                throughSslParameters(sp -> sp.setProtocols(new String[] {"TLSv1.2"}))};
        return HttpProviders.allWithAndH2With(new Object[][] {sslParameters,
                {"through setProtocols", throughSetters(p -> p.setProtocols(new String[] {"TLSv1.2"}))}},
                sslParameters);
    }

    @Test(dataProvider = "tls12Only", timeOut = 60_000)
    public void configureRestrictsProtocols(Impl impl, String how, Consumer<HttpsParameters> configure) throws Exception {
        protocolsRestricted(impl, configure);
    }

    private void protocolsRestricted(Impl impl, Consumer<HttpsParameters> configure) throws Exception {
        Set<InetSocketAddress> configured = ConcurrentHashMap.newKeySet();
        serveInfo(impl, configurator(p -> {
            configured.add(p.getClientAddress());
            configure.accept(p);
        }), server -> {
            SSLContext ctx = TestCertificates.clientContext();
            try (HttpClient only13 = client(impl, ctx, protocols(ctx, "TLSv1.3"))) {
                assertHandshakeFails(only13, server, "/info/13", impl);
            }
            try (HttpClient only12 = client(impl, ctx, protocols(ctx, "TLSv1.2"))) {
                HttpResponse<String> r = send(only12, server, "/info/12");
                assertEquals(r.statusCode(), 200, impl.name());
                assertEquals(parse(r.body()).get("protocol"), "TLSv1.2", impl + ": " + r.body());
            }
            try (HttpClient both = client(impl, ctx, null)) {
                HttpResponse<String> r = send(both, server, "/info/any");
                assertEquals(r.statusCode(), 200, impl.name());
                assertEquals(parse(r.body()).get("protocol"), "TLSv1.2", impl + ": a client offering 1.3 and 1.2: " + r.body());
                assertEquals(r.sslSession().orElseThrow().getProtocol(), "TLSv1.2", impl.name());
                // configure() was told each connection's client address.
                InetSocketAddress client = new InetSocketAddress(InetAddress.getLoopbackAddress(),
                        Integer.parseInt(parse(r.body()).get("port")));
                assertTrue(configured.contains(client), impl + ": " + client + " among " + configured);
            }
        });
    }

    /**
     * @return every implementation, with each way a configurator may allow one TLS 1.2 cipher
     *     suite alone; the h2 rows with one
     */
    @DataProvider(name = "oneSuite")
    public static Object[][] oneSuite() {
        Object[] sslParameters = {"through SSLParameters",
                throughSslParameters(sp -> sp.setCipherSuites(new String[] {TLS12_SUITE}))};
        return HttpProviders.allWithAndH2With(new Object[][] {sslParameters,
                {"through setCipherSuites", throughSetters(p -> p.setCipherSuites(new String[] {TLS12_SUITE}))}},
                sslParameters);
    }

    @Test(dataProvider = "oneSuite", timeOut = 60_000)
    public void configureRestrictsCipherSuites(Impl impl, String how, Consumer<HttpsParameters> configure)
            throws Exception {
        cipherSuitesRestricted(impl, configure);
    }

    private void cipherSuitesRestricted(Impl impl, Consumer<HttpsParameters> configure) throws Exception {
        serveInfo(impl, configurator(configure), server -> {
            SSLContext ctx = TestCertificates.clientContext();
            SSLParameters other = ctx.getDefaultSSLParameters();
            other.setProtocols(new String[] {"TLSv1.2"});
            other.setCipherSuites(new String[] {OTHER_TLS12_SUITE});
            try (HttpClient wrongSuite = client(impl, ctx, other)) {
                assertHandshakeFails(wrongSuite, server, "/info/x", impl);
            }
            try (HttpClient any = client(impl, ctx, null)) {
                HttpResponse<String> r = send(any, server, "/info/y");
                assertEquals(r.statusCode(), 200, impl.name());
                Map<String, String> info = parse(r.body());
                assertEquals(info.get("cipher"), TLS12_SUITE, impl + ": " + r.body());
                assertEquals(info.get("protocol"), "TLSv1.2", impl + ": no TLS 1.3 suite is enabled: " + r.body());
                assertEquals(r.sslSession().orElseThrow().getCipherSuite(), TLS12_SUITE, impl.name());
            }
        });
    }

    // ---------------------------------------------------------------------------------------
    // Client authentication

    /**
     * @return every implementation, with each way a configurator may ask for client certificates,
     *     and whether it needs them (else it wants them); the h2 rows with one way for each
     */
    @DataProvider(name = "clientAuth")
    public static Object[][] clientAuth() {
        Object[] need = {"need, through SSLParameters", throughSslParameters(sp -> sp.setNeedClientAuth(true)), true};
        Object[] want = {"want, through SSLParameters", throughSslParameters(sp -> sp.setWantClientAuth(true)), false};
        return HttpProviders.allWithAndH2With(new Object[][] {need,
                {"need, through setNeedClientAuth", throughSetters(p -> p.setNeedClientAuth(true)), true},
                want,
                {"want, through setWantClientAuth", throughSetters(p -> p.setWantClientAuth(true)), false}},
                need, want);
    }

    /** Asks for client certificates as configured: an anonymous client fails (need) or gets "none" (want). */
    @Test(dataProvider = "clientAuth", timeOut = 60_000)
    public void clientAuthentication(Impl impl, String how, Consumer<HttpsParameters> configure, boolean need)
            throws Exception {
        serveInfo(impl, configurator(configure), server -> {
            try (HttpClient anonymous = client(impl)) {
                if (need) {
                    assertHandshakeFails(anonymous, server, "/info/anon", impl);
                } else {
                    assertPeer(send(anonymous, server, "/info/anon"), "none", impl);
                }
            }
            try (HttpClient withCert = client(impl, TestCertificates.clientContextWithCertificate(), null)) {
                assertPeer(send(withCert, server, "/info/cert"), clientSubject(), impl);
            }
        });
    }

    /** Checks that the {@link #info} handler answered and saw the client certificate's subject, or "none". */
    private static void assertPeer(HttpResponse<String> r, String peer, Impl impl) {
        assertEquals(r.statusCode(), 200, impl.name());
        assertEquals(parse(r.body()).get("peer"), peer, impl + ": " + r.body());
    }

    // ---------------------------------------------------------------------------------------
    // Misuse

    /** GETs /info/tlsN from the client a few times, each answered 200 with its own URI. */
    private static void assertTlsClientsServed(HttpClient client, HttpsServer server, int times, String what, Impl impl)
            throws Exception {
        for (int i = 0; i < times; i++) {
            HttpResponse<String> r = send(client, server, "/info/tls" + i);
            assertEquals(r.statusCode(), 200, impl + ": " + what);
            assertEquals(parse(r.body()).get("uri"), "/info/tls" + i, impl + ": " + r.body());
        }
    }

    @Test(dataProvider = "allAndH2", dataProviderClass = HttpProviders.class, timeOut = 60_000)
    public void plainHttpOnTheHttpsPortIsDroppedAndTlsClientsStillWork(Impl impl) throws Exception {
        serveInfo(impl, plain(), server -> {
            InetSocketAddress addr = server.getAddress();
            // One plain client that says nothing, one that sends a whole plain request.
            try (Socket idle = connect(addr); Socket plain = connect(addr); HttpClient client = client(impl)) {
                write(plain, "GET /info/plain HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));

                String seen = readUntilClosed(plain.getInputStream(), impl + ": the plain request on the HTTPS port");
                assertFalse(seen.contains("HTTP/1.1 200"), impl + ": a plain request must not be served: " + seen);

                assertTlsClientsServed(client, server, 2, "a TLS client after the plain one", impl);
            }
        });
    }

    @Test(dataProvider = "loomuxAndH2", dataProviderClass = HttpProviders.class, timeOut = 60_000)
    public void clientsStalledInsideTheirHandshakeDoNotHoldUpOthersWhereTheJdkServerStalls(Impl impl) throws Exception {
        serveInfo(impl, plain(), server -> {
            InetSocketAddress addr = server.getAddress();
            try (Socket partialHeader = connect(addr); Socket partialHello = connect(addr); HttpClient client = client(impl)) {
                // One client sends the first bytes of a TLS record header and stops, the other a
                // record header announcing a ClientHello of 512 bytes, then 3 of them. The JDK's
                // server reads the handshake on its one dispatcher thread and so serves no one else.
                write(partialHeader, new byte[] {0x16, 0x03, 0x01});
                write(partialHello, new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01});

                assertTlsClientsServed(client, server, 3, "a TLS client beside the stalled ones", impl);
            }
        });
    }

    @Test(dataProvider = "loomuxAndH2", dataProviderClass = HttpProviders.class, timeOut = 30_000)
    public void startWithoutHttpsConfiguratorFailsAtStartWhereTheJdkFailsOnlyPerConnection(Impl impl) throws Exception {
        HttpProviders.require(impl);
        Servers.stopAfter(impl.httpsServer(), server -> {
            server.createContext("/", HttpsTest::info);
            IllegalStateException e = expectThrows(IllegalStateException.class, server::start);
            assertTrue(String.valueOf(e.getMessage()).contains("HttpsConfigurator"), impl + ": " + e);
            // Once configured, the same server starts and serves.
            server.setHttpsConfigurator(plain());
            server.start();
            try (HttpClient client = client(impl)) {
                assertEquals(send(client, server, "/info/late").statusCode(), 200, impl.name());
            }
        });
    }

    // ---------------------------------------------------------------------------------------
    // The handler and helpers

    /**
     * Replies, one {@code key=value} a line, what the exchange saw: method, URI, body length and
     * SHA-256, the protocol, whether it is an {@link HttpsExchange}, and its TLS session.
     */
    private static void info(HttpExchange x) throws IOException {
        byte[] body = x.getRequestBody().readAllBytes();
        StringBuilder sb = new StringBuilder();
        sb.append("method=").append(x.getRequestMethod()).append('\n');
        sb.append("uri=").append(x.getRequestURI()).append('\n');
        sb.append("body=").append(body.length).append(' ').append(sha256(body)).append('\n');
        sb.append("port=").append(x.getRemoteAddress().getPort()).append('\n');
        sb.append("version=").append(x.getProtocol()).append('\n');
        sb.append("https=").append(x instanceof HttpsExchange).append('\n');
        if (x instanceof HttpsExchange hx) {
            SSLSession s = hx.getSSLSession();
            if (s != null) {
                sb.append("protocol=").append(s.getProtocol()).append('\n');
                sb.append("cipher=").append(s.getCipherSuite()).append('\n');
                sb.append("valid=").append(s.isValid()).append('\n');
                sb.append("session=").append(HexFormat.of().formatHex(s.getId())).append('\n');
                Certificate[] local = s.getLocalCertificates();
                sb.append("local=").append(local == null || local.length == 0 ? "none"
                        : ((X509Certificate) local[0]).getSubjectX500Principal().getName()).append('\n');
                String peer;
                try {
                    Certificate[] certs = s.getPeerCertificates();
                    peer = ((X509Certificate) certs[0]).getSubjectX500Principal().getName();
                } catch (SSLPeerUnverifiedException e) {
                    peer = "none";
                }
                sb.append("peer=").append(peer).append('\n');
            }
        }
        byte[] reply = sb.toString().getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        x.sendResponseHeaders(200, reply.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(reply);
        }
    }

    /** Runs the test on the implementation's HTTPS server with the configurator and the handler at the path. */
    private static void serve(Impl impl, HttpsConfigurator configurator, String path, HttpHandler handler,
                              Servers.Run<HttpsServer> test) throws Exception {
        HttpProviders.require(impl);
        Servers.run(impl.httpsServer(), s -> {
            s.setHttpsConfigurator(configurator);
            s.createContext(path, handler);
        }, test);
    }

    /** Runs the test on the implementation's HTTPS server with the configurator and {@link #info} at /. */
    private static void serveInfo(Impl impl, HttpsConfigurator configurator, Servers.Run<HttpsServer> test)
            throws Exception {
        serve(impl, configurator, "/", HttpsTest::info, test);
    }

    /** @return a configurator with the server's certificate that configures nothing further */
    private static HttpsConfigurator plain() {
        return new HttpsConfigurator(TestCertificates.serverContext());
    }

    /** @return what configures a connection through the setters of {@link HttpsParameters} (typed for a data row) */
    private static Consumer<HttpsParameters> throughSetters(Consumer<HttpsParameters> setters) {
        return setters;
    }

    /** @return what configures a connection by changing the context's default {@link SSLParameters} */
    private static Consumer<HttpsParameters> throughSslParameters(Consumer<SSLParameters> change) {
        return p -> {
            SSLParameters sp = p.getHttpsConfigurator().getSSLContext().getDefaultSSLParameters();
            change.accept(sp);
            p.setSSLParameters(sp);
        };
    }

    /** @return the response to a GET of the path, as text */
    private static HttpResponse<String> send(HttpClient client, HttpsServer server, String path) throws Exception {
        return client.send(request(server, path).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Checks that a GET of the path from the client fails, and not by a timeout: its handshake was refused. */
    private static void assertHandshakeFails(HttpClient client, HttpsServer server, String path, Impl impl) {
        IOException e = expectThrows(IOException.class, () -> send(client, server, path));
        assertNotEquals(e.getClass(), java.net.http.HttpTimeoutException.class,
                impl + ": the handshake should fail, not time out: " + e);
    }

    /** @return a plain socket connected to the address, its reads timing out */
    private static Socket connect(InetSocketAddress addr) throws IOException {
        Socket s = new Socket();
        try {
            s.connect(addr, SOCKET_TIMEOUT_MS);
            s.setSoTimeout(SOCKET_TIMEOUT_MS);
            return s;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /** Sends the bytes on the socket. */
    private static void write(Socket s, byte[] bytes) throws IOException {
        s.getOutputStream().write(bytes);
        s.getOutputStream().flush();
    }

    /** A configurator whose {@code configure} does only what the test says. */
    private static HttpsConfigurator configurator(Consumer<HttpsParameters> configure) {
        return new HttpsConfigurator(TestCertificates.serverContext()) {
            @Override
            public void configure(HttpsParameters params) {
                configure.accept(params);
            }
        };
    }

    private static SSLParameters protocols(SSLContext ctx, String... protocols) {
        SSLParameters p = ctx.getDefaultSSLParameters();
        p.setProtocols(protocols);
        return p;
    }

    private static String clientSubject() {
        return TestCertificates.clientCertificate().getSubjectX500Principal().getName();
    }

    /**
     * @return a client of the implementation's row that trusts the test certificates and has none
     *     of its own: see {@link #client(Impl, SSLContext, SSLParameters)}
     */
    private static HttpClient client(Impl impl) {
        return client(impl, TestCertificates.clientContext(), null);
    }

    /**
     * @param params what the client's TLS allows, or null for its context's defaults
     * @return an HTTP/1.1 client; on an h2 row, one that asks for h2 by ALPN and fails on any
     *     response that did not come over HTTP/2
     */
    private static HttpClient client(Impl impl, SSLContext ctx, SSLParameters params) {
        HttpClient.Builder b = HttpClient.newBuilder()
                .version(impl.http2() ? HttpClient.Version.HTTP_2 : HttpClient.Version.HTTP_1_1)
                .connectTimeout(CONNECT_TIMEOUT)
                .sslContext(ctx);
        if (params != null) {
            b.sslParameters(params);
        }
        return impl.http2() ? RecordingClient.requiring(b.build(), HttpClient.Version.HTTP_2) : b.build();
    }

    private static URI base(HttpsServer server) {
        return URI.create("https://127.0.0.1:" + server.getAddress().getPort());
    }

    private static HttpRequest.Builder request(HttpsServer server, String pathAndQuery) {
        return HttpRequest.newBuilder(base(server).resolve(pathAndQuery)).timeout(REQUEST_TIMEOUT);
    }

    private static HttpsURLConnection open(URI uri) throws IOException {
        HttpsURLConnection c = (HttpsURLConnection) uri.toURL().openConnection();
        c.setSSLSocketFactory(TestCertificates.clientContext().getSocketFactory());
        c.setConnectTimeout((int) CONNECT_TIMEOUT.toMillis());
        c.setReadTimeout((int) REQUEST_TIMEOUT.toMillis());
        return c;
    }

    private static SSLSocket tlsSocket(HttpsServer server, SSLContext ctx) throws IOException {
        return tlsSocket(server, ctx, null);
    }

    private static SSLSocket tlsSocket(HttpsServer server, SSLContext ctx, String protocol) throws IOException {
        return tlsSocket(server, ctx, protocol, false);
    }

    /** @param h2 whether to ask for h2 alone through ALPN (else no application protocol is named) */
    private static SSLSocket tlsSocket(HttpsServer server, SSLContext ctx, String protocol, boolean h2)
            throws IOException {
        Socket raw = new Socket();
        try {
            raw.connect(server.getAddress(), SOCKET_TIMEOUT_MS);
            raw.setSoTimeout(SOCKET_TIMEOUT_MS);
            SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(raw, "127.0.0.1", server.getAddress().getPort(), true);
            s.setSoTimeout(SOCKET_TIMEOUT_MS);
            if (protocol != null) {
                s.setEnabledProtocols(new String[] {protocol});
            }
            if (h2) {
                SSLParameters p = s.getSSLParameters();
                p.setApplicationProtocols(new String[] {"h2"});
                s.setSSLParameters(p);
            }
            s.startHandshake();
            return s;
        } catch (IOException | RuntimeException e) {
            raw.close();
            throw e;
        }
    }

    /**
     * Reads until the server ends the connection (end of stream or a reset), failing if it is
     * still open when the read timeout passes.
     *
     * @return what came before the end, as ISO-8859-1 text
     */
    private static String readUntilClosed(InputStream in, String what) throws IOException {
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        // Bounded in bytes here, and in time by the socket's read timeout.
        while (seen.size() < 1 << 20) {
            int n;
            try {
                n = in.read(buf);
            } catch (SocketTimeoutException e) {
                throw new AssertionError(what + ": the server kept the connection open for "
                        + SOCKET_TIMEOUT_MS + " ms; received so far: " + seen.toString(StandardCharsets.ISO_8859_1), e);
            } catch (SocketException reset) {
                return seen.toString(StandardCharsets.ISO_8859_1);
            }
            if (n < 0) {
                return seen.toString(StandardCharsets.ISO_8859_1);
            }
            seen.write(buf, 0, n);
        }
        throw new AssertionError(what + ": over 1 MiB came back");
    }

    private static String readAll(InputStream in) throws IOException {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static Map<String, String> parse(String body) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : body.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                m.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return m;
    }

    private static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    private static byte[] pattern(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static void assertSameBytes(byte[] actual, byte[] expected, String what) {
        if (!Arrays.equals(actual, expected)) {
            int at = Arrays.mismatch(actual, expected);
            fail(what + ": " + actual.length + " bytes received, " + expected.length + " expected; first difference at "
                    + at);
        }
    }

    /** A response read from a raw connection: status line, headers, a Content-Length body. */
    private record RawResponse(String statusLine, Map<String, String> headers, byte[] body) {

        String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }

        static RawResponse read(InputStream in) throws IOException {
            String status = line(in);
            Map<String, String> headers = new LinkedHashMap<>();
            // Bounded: at most 100 header lines.
            for (int i = 0; ; i++) {
                if (i == 100) {
                    throw new AssertionError("over 100 header lines");
                }
                String h = line(in);
                if (h.isEmpty()) {
                    break;
                }
                int colon = h.indexOf(':');
                headers.put(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
            }
            String length = headers.get("content-length");
            if (length == null) {
                throw new AssertionError("no Content-Length in " + status + " " + headers);
            }
            byte[] body = in.readNBytes(Integer.parseInt(length));
            if (body.length != Integer.parseInt(length)) {
                throw new AssertionError("the body ended after " + body.length + " of " + length + " bytes");
            }
            return new RawResponse(status, headers, body);
        }

        private static String line(InputStream in) throws IOException {
            StringBuilder sb = new StringBuilder();
            // Bounded: a line of at most 8 KiB.
            while (sb.length() < 8192) {
                int c = in.read();
                if (c < 0) {
                    throw new AssertionError("the connection ended inside a response head after: " + sb);
                }
                if (c == '\n') {
                    int end = sb.length() > 0 && sb.charAt(sb.length() - 1) == '\r' ? sb.length() - 1 : sb.length();
                    return sb.substring(0, end);
                }
                sb.append((char) c);
            }
            throw new AssertionError("a response line over 8 KiB");
        }
    }
}
