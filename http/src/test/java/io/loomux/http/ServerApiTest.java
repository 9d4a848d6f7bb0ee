package io.loomux.http;

import com.sun.net.httpserver.BasicAuthenticator;
import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpPrincipal;
import com.sun.net.httpserver.HttpServer;
import org.testng.annotations.Test;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.ConnectException;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.awaitility.Awaitility.await;
import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertNotNull;
import static org.testng.Assert.assertNull;
import static org.testng.Assert.assertSame;
import static org.testng.Assert.assertThrows;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.fail;

/**
 * The {@code com.sun.net.httpserver} API as the JDK documents it: server life (bind, start,
 * stop), contexts and path matching, filters, the authenticator, the exchange's accessors, the
 * executor and a handler that throws. Every scenario on {@code all} runs on the JDK's own
 * provider as well, which proves the expectation; a scenario on {@code loomux} only is one where
 * loomux deliberately differs, and its name says so.
 */
public class ServerApiTest {

    private static final int TIMEOUT = 30_000;
    private static final Duration WAIT = Duration.ofSeconds(10);
    /** What a BasicAuthenticator with the UTF-8 charset asks with (it names the charset). */
    private static final String CHALLENGE = "Basic realm=\"test-realm\", charset=\"UTF-8\"";

    // ---------------------------------------------------------------- life: bind, start, stop

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void createUnboundThenBindLater(Impl impl) throws Exception {
        HttpProviders.require(impl);
        HttpServer server = impl.provider().createHttpServer(null, 0);
        try {
            assertNull(server.getAddress(), "an unbound server has no address");
            assertThrows(NullPointerException.class, () -> server.bind(null, 0));
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            InetSocketAddress bound = server.getAddress();
            assertNotNull(bound);
            assertTrue(bound.getPort() > 0, "bound to port " + bound.getPort());
            server.createContext("/", text("bound later"));
            server.start();
            try (HttpClient client = client()) {
                HttpResponse<String> r = get(client, server, "/");
                assertEquals(r.statusCode(), 200);
                assertEquals(r.body(), "bound later");
            }
        } finally {
            server.stop(0);
        }
    }

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void bindTwiceThrowsBindException(Impl impl) throws Exception {
        HttpProviders.require(impl);
        HttpServer server = impl.server();
        try {
            int port = server.getAddress().getPort();
            assertThrows(BindException.class,
                    () -> server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0));
            assertEquals(server.getAddress().getPort(), port, "a failed second bind keeps the first address");
        } finally {
            server.stop(0);
        }
    }

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void startWithoutBindThrows(Impl impl) throws Exception {
        HttpProviders.require(impl);
        HttpServer server = impl.provider().createHttpServer(null, 0);
        try {
            server.createContext("/", text("x"));
            assertThrows(IllegalStateException.class, server::start);
        } finally {
            server.stop(0);
        }
    }

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void startTwiceThrows(Impl impl) throws Exception {
        HttpProviders.require(impl);
        HttpServer server = impl.server();
        try {
            server.createContext("/", text("once"));
            server.start();
            assertThrows(IllegalStateException.class, server::start);
            try (HttpClient client = client()) {
                assertEquals(get(client, server, "/").body(), "once", "the failed second start left the server serving");
            }
        } finally {
            server.stop(0);
        }
    }

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void backlogArgumentIsAccepted(Impl impl) throws Exception {
        HttpProviders.require(impl);
        InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        List<HttpServer> servers = new ArrayList<>();
        try {
            for (int backlog : new int[] {-1, 0, 1, 50}) {
                servers.add(impl.provider().createHttpServer(any, backlog));
            }
            HttpServer late = impl.provider().createHttpServer(null, 0);
            servers.add(late);
            late.bind(any, 128);
            try (HttpClient client = client()) {
                for (HttpServer s : servers) {
                    s.createContext("/", text("backlog"));
                    s.start();
                    assertEquals(get(client, s, "/").body(), "backlog");
                }
            }
        } finally {
            for (HttpServer s : servers) {
                s.stop(0);
            }
        }
    }

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void getAddressGivesTheRealPort(Impl impl) throws Exception {
        HttpProviders.require(impl);
        HttpServer server = impl.server();
        try {
            InetSocketAddress a = server.getAddress();
            assertTrue(a.getPort() > 0, "port " + a.getPort());
            assertEquals(a.getAddress(), InetAddress.getLoopbackAddress());
            server.createContext("/", text("here"));
            server.start();
            assertEquals(server.getAddress(), a, "the address does not change at start");
            // The port is really the one listening: a raw connection to it is answered.
            try (RawClient raw = new RawClient(a.getPort())) {
                raw.send("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
                assertEquals(status(raw.readHead()), 200);
            }
        } finally {
            server.stop(0);
        }
    }

    // ---------------------------------------------------------------- contexts

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void createContextPathRules(Impl impl) throws Exception {
        HttpProviders.require(impl);
        HttpServer server = impl.server();
        try {
            HttpHandler h = text("x");
            assertThrows(NullPointerException.class, () -> server.createContext(null, h));
            assertThrows(NullPointerException.class, () -> server.createContext(null));
            assertThrows(NullPointerException.class, () -> server.createContext("/h", null));
            assertThrows(IllegalArgumentException.class, () -> server.createContext("app", h));
            assertThrows(IllegalArgumentException.class, () -> server.createContext("", h));
            assertThrows(IllegalArgumentException.class, () -> server.createContext("app"));
            HttpContext c = server.createContext("/app", h);
            assertEquals(c.getPath(), "/app");
            assertSame(c.getHandler(), h);
            assertSame(c.getServer(), server);
            assertThrows(IllegalArgumentException.class, () -> server.createContext("/app", h));
            assertThrows(IllegalArgumentException.class, () -> server.createContext("/app"));
            // A different path (even one the first is a prefix of) is no duplicate.
            assertEquals(server.createContext("/app/", h).getPath(), "/app/");
        } finally {
            server.stop(0);
        }
    }

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void longestMatchingContextWins(Impl impl) throws Exception {
        HttpProviders.require(impl);
        HttpServer server = impl.server();
        try {
            HttpHandler which = x -> respond(x, 200, x.getHttpContext().getPath());
            server.createContext("/", which);
            server.createContext("/app", which);
            server.createContext("/app/x", which);
            server.start();
            try (HttpClient client = client()) {
                Map<String, String> expected = Map.of(
                        "/", "/",
                        "/other", "/",
                        "/app", "/app",
                        "/app/", "/app",
                        "/app/y", "/app",
                        "/app/x", "/app/x",
                        "/app/x/", "/app/x",
                        "/app/x/y/z", "/app/x");
                for (Map.Entry<String, String> e : expected.entrySet()) {
                    HttpResponse<String> r = get(client, server, e.getKey());
                    assertEquals(r.statusCode(), 200, e.getKey());
                    assertEquals(r.body(), e.getValue(), "the context for " + e.getKey());
                }
            }
        } finally {
            server.stop(0);
        }
    }

    /**
     * The JDK's matching (JDK 25's {@code sun.net.httpserver.ContextList.findContext}) is a plain
     * string prefix: context {@code /app} serves {@code /apple}, and {@code /app/x} serves
     * {@code /app/xy}.
     */
    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void contextPathMatchesAsAStringPrefixAsTheJdkDoes(Impl impl) throws Exception {
        HttpProviders.require(impl);
        HttpServer server = impl.server();
        try {
            HttpHandler which = x -> respond(x, 200, x.getHttpContext().getPath());
            server.createContext("/", which);
            server.createContext("/app", which);
            server.createContext("/app/x", which);
            server.start();
            try (HttpClient client = client()) {
                assertEquals(get(client, server, "/apple").body(), "/app", "the context for /apple");
                assertEquals(get(client, server, "/app/xy").body(), "/app/x", "the context for /app/xy");
            }
        } finally {
            server.stop(0);
        }
    }

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void createContextWithoutHandlerThenSetHandler(Impl impl) throws Exception {
        HttpProviders.require(impl);
        HttpServer server = impl.server();
        try {
            HttpContext c = server.createContext("/later");
            assertNull(c.getHandler());
            server.start();
            try (HttpClient client = client()) {
                assertEquals(get(client, server, "/later").statusCode(), 500, "a context without a handler");
                HttpHandler h = text("now handled");
                assertThrows(NullPointerException.class, () -> c.setHandler(null));
                c.setHandler(h);
                assertSame(c.getHandler(), h);
                HttpResponse<String> r = get(client, server, "/later");
                assertEquals(r.statusCode(), 200);
                assertEquals(r.body(), "now handled");
                assertThrows(IllegalArgumentException.class, () -> c.setHandler(text("second")));
                assertSame(c.getHandler(), h, "a refused second handler does not replace the first");
                assertEquals(get(client, server, "/later").body(), "now handled");
            }
        } finally {
            server.stop(0);
        }
    }

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void removeContextByPathAndByObject(Impl impl) throws Exception {
        HttpProviders.require(impl);
        HttpServer server = impl.server();
        try {
            server.createContext("/a", text("a"));
            HttpContext b = server.createContext("/b", text("b"));
            server.start();
            try (HttpClient client = client()) {
                assertEquals(get(client, server, "/a").statusCode(), 200);
                assertEquals(get(client, server, "/b").statusCode(), 200);

                server.removeContext("/a");
                assertEquals(get(client, server, "/a").statusCode(), 404, "after removeContext(\"/a\")");
                assertEquals(get(client, server, "/b").body(), "b", "the other context stays");

                server.removeContext(b);
                assertEquals(get(client, server, "/b").statusCode(), 404, "after removeContext(context)");

                assertThrows(IllegalArgumentException.class, () -> server.removeContext("/a"));
                assertThrows(IllegalArgumentException.class, () -> server.removeContext("/never"));
                assertThrows(IllegalArgumentException.class, () -> server.removeContext(b));
                assertThrows(NullPointerException.class, () -> server.removeContext((String) null));

                // The path is free again.
                server.createContext("/a", text("a again"));
                assertEquals(get(client, server, "/a").body(), "a again");
            }
        } finally {
            server.stop(0);
        }
    }

    // ---------------------------------------------------------------- filters

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void filtersRunInOrderAroundTheHandler(Impl impl) throws Exception {
        HttpProviders.require(impl);
        HttpServer server = impl.server();
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        try {
            HttpContext c = server.createContext("/f", x -> {
                log.add("handler code=" + x.getResponseCode());
                respond(x, 201, "made");
            });
            c.getFilters().add(logging("f1", log));
            c.getFilters().add(logging("f2", log));
            c.getFilters().add(Filter.beforeHandler("before", x -> log.add("before code=" + x.getResponseCode())));
            c.getFilters().add(Filter.afterHandler("after", x -> log.add("after code=" + x.getResponseCode())));
            server.start();
            try (HttpClient client = client()) {
                HttpResponse<String> r = get(client, server, "/f");
                assertEquals(r.statusCode(), 201);
                assertEquals(r.body(), "made");
            }
            // The after-parts run once the handler returned, which may be after the client has
            // the response.
            await().atMost(WAIT).until(() -> log.size() >= 7);
            assertEquals(List.copyOf(log), List.of("f1 in", "f2 in", "before code=-1", "handler code=-1",
                    "after code=201", "f2 out", "f1 out"));
        } finally {
            server.stop(0);
        }
    }

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void filterMayAnswerWithoutCallingTheChain(Impl impl) throws Exception {
        HttpProviders.require(impl);
        HttpServer server = impl.server();
        AtomicInteger handled = new AtomicInteger();
        try {
            HttpContext c = server.createContext("/guarded", x -> {
                handled.incrementAndGet();
                respond(x, 200, "handler");
            });
            c.getFilters().add(new Filter() {
                @Override
                public void doFilter(HttpExchange x, Chain chain) throws IOException {
                    if (x.getRequestURI().getPath().endsWith("/deny")) {
                        respond(x, 403, "denied by filter");
                    } else {
                        chain.doFilter(x);
                    }
                }

                @Override
                public String description() {
                    return "guard";
                }
            });
            server.start();
            try (HttpClient client = client()) {
                HttpResponse<String> denied = get(client, server, "/guarded/deny");
                assertEquals(denied.statusCode(), 403);
                assertEquals(denied.body(), "denied by filter");
                assertEquals(handled.get(), 0, "the handler ran although the filter did not call the chain");
                HttpResponse<String> ok = get(client, server, "/guarded/ok");
                assertEquals(ok.statusCode(), 200);
                assertEquals(ok.body(), "handler");
                assertEquals(handled.get(), 1);
            }
        } finally {
            server.stop(0);
        }
    }

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void filterWrapsStreamsWithSetStreams(Impl impl) throws Exception {
        HttpProviders.require(impl);
        HttpServer server = impl.server();
        try {
            HttpContext c = server.createContext("/wrap", x -> {
                String in = new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                x.sendResponseHeaders(200, 0);
                x.getResponseBody().write(("got " + in).getBytes(StandardCharsets.UTF_8));
                x.close();
            });
            c.getFilters().add(new Filter() {
                @Override
                public void doFilter(HttpExchange x, Chain chain) throws IOException {
                    x.setStreams(new UpperCaseInput(x.getRequestBody()), new SuffixOnClose(x.getResponseBody(), '!'));
                    chain.doFilter(x);
                }

                @Override
                public String description() {
                    return "wrap";
                }
            });
            server.start();
            try (HttpClient client = client()) {
                HttpResponse<String> r = client.send(request(server, "/wrap")
                        .POST(HttpRequest.BodyPublishers.ofString("Hello")).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(r.statusCode(), 200);
                assertEquals(r.body(), "got HELLO!", "the handler read and wrote through the filter's streams");
            }
        } finally {
            server.stop(0);
        }
    }

    // ---------------------------------------------------------------- authenticator

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void basicAuthenticator(Impl impl) throws Exception {
        HttpProviders.require(impl);
        HttpServer server = impl.server();
        AtomicInteger handled = new AtomicInteger();
        try {
            HttpContext c = server.createContext("/secret", x -> {
                handled.incrementAndGet();
                HttpPrincipal p = x.getPrincipal();
                respond(x, 200, p == null ? "no principal" : p.getUsername() + "@" + p.getRealm() + " " + p.getName());
            });
            c.setAuthenticator(new BasicAuthenticator("test-realm", StandardCharsets.UTF_8) {
                @Override
                public boolean checkCredentials(String user, String password) {
                    return user.equals("alice") && password.equals("s3cret");
                }
            });
            server.start();
            try (HttpClient client = client()) {
                HttpResponse<String> none = get(client, server, "/secret");
                assertEquals(none.statusCode(), 401, "no credentials");
                assertEquals(none.headers().firstValue("WWW-Authenticate").orElse(null), CHALLENGE);

                HttpResponse<String> wrong = client.send(request(server, "/secret")
                        .header("Authorization", basic("alice", "wrong")).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(wrong.statusCode(), 401, "wrong credentials");
                assertEquals(wrong.headers().firstValue("WWW-Authenticate").orElse(null), CHALLENGE);
                assertEquals(handled.get(), 0, "the handler ran for a refused request");

                HttpResponse<String> right = client.send(request(server, "/secret")
                        .header("Authorization", basic("alice", "s3cret")).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(right.statusCode(), 200, "right credentials");
                assertEquals(right.body(), "alice@test-realm test-realm:alice");
                assertEquals(handled.get(), 1);
            }
        } finally {
            server.stop(0);
        }
    }

    /**
     * The JDK runs the authenticator as a system filter after the context's own filters, so a
     * user filter (a request log, say) sees refused requests too, and its after-part sees 401.
     */
    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void userFiltersRunBeforeTheAuthenticator(Impl impl) throws Exception {
        HttpProviders.require(impl);
        HttpServer server = impl.server();
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        try {
            HttpContext c = server.createContext("/secret", x -> respond(x, 200, "in"));
            c.getFilters().add(Filter.afterHandler("log", x -> log.add(x.getRequestURI().getPath() + " " + x.getResponseCode())));
            c.setAuthenticator(new BasicAuthenticator("r") {
                @Override
                public boolean checkCredentials(String user, String password) {
                    return user.equals("u") && password.equals("p");
                }
            });
            server.start();
            try (HttpClient client = client()) {
                assertEquals(get(client, server, "/secret/refused").statusCode(), 401);
                HttpResponse<String> ok = client.send(request(server, "/secret/ok")
                        .header("Authorization", basic("u", "p")).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(ok.statusCode(), 200);
            }
            await().atMost(WAIT).until(() -> log.contains("/secret/ok 200"));
            assertTrue(log.contains("/secret/refused 401"), "the user filter did not see the refused request: " + log);
        } finally {
            server.stop(0);
        }
    }

    // ---------------------------------------------------------------- the exchange

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void exchangeAttributesAreSeenByFiltersAndHandler(Impl impl) throws Exception {
        HttpProviders.require(impl);
        HttpServer server = impl.server();
        Map<String, String> seen = new ConcurrentHashMap<>();
        try {
            HttpContext c = server.createContext("/attr", x -> {
                seen.put("handler sees filter's", String.valueOf(x.getAttribute("from-filter")));
                x.setAttribute("tmp", "T");
                seen.put("tmp set", String.valueOf(x.getAttribute("tmp")));
                x.setAttribute("tmp", null);
                seen.put("tmp removed", String.valueOf(x.getAttribute("tmp")));
                seen.put("unknown", String.valueOf(x.getAttribute("never-set")));
                seen.put("get null name", thrown(() -> x.getAttribute(null)));
                seen.put("set null name", thrown(() -> x.setAttribute(null, "v")));
                x.setAttribute("from-handler", "H");
                respond(x, 200, "ok");
            });
            c.getFilters().add(Filter.beforeHandler("set", x -> x.setAttribute("from-filter", "F")));
            c.getFilters().add(Filter.afterHandler("get", x -> seen.put("after sees handler's",
                    String.valueOf(x.getAttribute("from-handler")))));
            server.start();
            try (HttpClient client = client()) {
                assertEquals(get(client, server, "/attr").statusCode(), 200);
            }
            await().atMost(WAIT).until(() -> seen.size() >= 7);
            assertEquals(seen.get("handler sees filter's"), "F");
            assertEquals(seen.get("tmp set"), "T");
            assertEquals(seen.get("tmp removed"), "null", "setAttribute(name, null) removes it");
            assertEquals(seen.get("unknown"), "null");
            assertEquals(seen.get("get null name"), "NullPointerException");
            assertEquals(seen.get("set null name"), "NullPointerException");
            assertEquals(seen.get("after sees handler's"), "H");
        } finally {
            server.stop(0);
        }
    }

    /**
     * The JDK's exchange keeps its attributes in its context's attribute map
     * ({@code sun.net.httpserver.ExchangeImpl.getAttribute} and {@code setAttribute} use
     * {@code getHttpContext().getAttributes()}): an exchange sees the context's attributes, and
     * what one exchange sets, the context and the next exchange see.
     */
    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void exchangeAttributesAreTheContextAttributesAsInTheJdk(Impl impl) throws Exception {
        HttpProviders.require(impl);
        HttpServer server = impl.server();
        Map<String, String> seen = new ConcurrentHashMap<>();
        try {
            HttpContext c = server.createContext("/shared", x -> {
                String n = x.getRequestURI().getQuery();
                seen.put(n + " ctx", String.valueOf(x.getAttribute("ctx")));
                seen.put(n + " previous", String.valueOf(x.getAttribute("by-exchange")));
                x.setAttribute("by-exchange", n);
                respond(x, 200, "ok");
            });
            c.getAttributes().put("ctx", "C");
            server.start();
            try (HttpClient client = client()) {
                assertEquals(get(client, server, "/shared?1").statusCode(), 200);
                assertEquals(get(client, server, "/shared?2").statusCode(), 200);
            }
            assertEquals(seen.get("1 ctx"), "C", "the exchange sees its context's attributes");
            assertEquals(seen.get("1 previous"), "null");
            assertEquals(c.getAttributes().get("by-exchange"), "2", "the context sees what an exchange set");
            assertEquals(seen.get("2 previous"), "1", "the next exchange sees what the previous one set");
        } finally {
            server.stop(0);
        }
    }

    /** The JDK gives handlers the request headers as unmodifiable {@link Headers}. */
    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void requestHeadersAreReadOnly(Impl impl) throws Exception {
        HttpProviders.require(impl);
        HttpServer server = impl.server();
        Map<String, String> seen = new ConcurrentHashMap<>();
        CountDownLatch done = new CountDownLatch(1);
        try {
            server.createContext("/h", x -> {
                Headers h = x.getRequestHeaders();
                seen.put("x-test", String.valueOf(h.getFirst("x-test")));
                seen.put("X-TEST", String.valueOf(h.getFirst("X-TEST")));
                seen.put("multi", String.valueOf(h.get("X-Multi")));
                seen.put("add", thrown(() -> h.add("X-New", "v")));
                seen.put("set", thrown(() -> h.set("X-Test", "changed")));
                seen.put("remove", thrown(() -> h.remove("X-Test")));
                seen.put("put", thrown(() -> h.put("X-New", List.of("v"))));
                seen.put("after", String.valueOf(h.getFirst("X-Test")));
                done.countDown();
                respond(x, 200, "ok");
            });
            server.start();
            try (RawClient raw = new RawClient(server.getAddress().getPort())) {
                raw.send("GET /h HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Test: value\r\nX-Multi: a\r\nX-Multi: b\r\n"
                        + "Connection: close\r\n\r\n");
                assertEquals(status(raw.readHead()), 200);
            }
            assertTrue(done.await(10, TimeUnit.SECONDS));
            assertEquals(seen.get("x-test"), "value");
            assertEquals(seen.get("X-TEST"), "value", "header names are case-insensitive");
            assertEquals(seen.get("multi"), "[a, b]");
            assertEquals(seen.get("add"), "UnsupportedOperationException");
            assertEquals(seen.get("set"), "UnsupportedOperationException");
            assertEquals(seen.get("remove"), "UnsupportedOperationException");
            assertEquals(seen.get("put"), "UnsupportedOperationException");
            assertEquals(seen.get("after"), "value");
        } finally {
            server.stop(0);
        }
    }

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void exchangeAccessors(Impl impl) throws Exception {
        HttpProviders.require(impl);
        HttpServer server = impl.server();
        Map<String, String> seen = new ConcurrentHashMap<>();
        CountDownLatch done = new CountDownLatch(2);
        try {
            server.createContext("/ex", x -> {
                String tag = x.getProtocol();
                seen.put(tag + " method", x.getRequestMethod());
                seen.put(tag + " uri", x.getRequestURI().toString());
                seen.put(tag + " path", String.valueOf(x.getRequestURI().getPath()));
                seen.put(tag + " query", String.valueOf(x.getRequestURI().getQuery()));
                seen.put(tag + " raw query", String.valueOf(x.getRequestURI().getRawQuery()));
                seen.put(tag + " context", x.getHttpContext().getPath());
                seen.put(tag + " local", hostAndPort(x.getLocalAddress()));
                seen.put(tag + " remote", hostAndPort(x.getRemoteAddress()));
                seen.put(tag + " code before", String.valueOf(x.getResponseCode()));
                byte[] body = "done".getBytes(ISO_8859_1);
                x.sendResponseHeaders(202, body.length);
                seen.put(tag + " code after", String.valueOf(x.getResponseCode()));
                seen.put(tag + " second send", thrown(() -> x.sendResponseHeaders(200, body.length)));
                seen.put(tag + " code after second", String.valueOf(x.getResponseCode()));
                x.getResponseBody().write(body);
                x.close();
                done.countDown();
            });
            server.start();
            int port = server.getAddress().getPort();
            int clientPort11;
            try (RawClient raw = new RawClient(port)) {
                clientPort11 = raw.localPort();
                raw.send("PATCH /ex/a%20b?x=1&y=%2F HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n"
                        + "Connection: close\r\n\r\n");
                String head = raw.readHead();
                assertEquals(status(head), 202, head);
                assertEquals(new String(raw.readBody(4), ISO_8859_1), "done",
                        "the refused second sendResponseHeaders did not disturb the response");
            }
            int clientPort10;
            try (RawClient raw = new RawClient(port)) {
                clientPort10 = raw.localPort();
                raw.send("GET /ex HTTP/1.0\r\n\r\n");
                assertEquals(status(raw.readHead()), 202);
            }
            assertTrue(done.await(10, TimeUnit.SECONDS));
            String loopback = InetAddress.getLoopbackAddress().getHostAddress();
            assertEquals(seen.get("HTTP/1.1 method"), "PATCH");
            assertEquals(seen.get("HTTP/1.1 uri"), "/ex/a%20b?x=1&y=%2F");
            assertEquals(seen.get("HTTP/1.1 path"), "/ex/a b");
            assertEquals(seen.get("HTTP/1.1 query"), "x=1&y=/");
            assertEquals(seen.get("HTTP/1.1 raw query"), "x=1&y=%2F");
            assertEquals(seen.get("HTTP/1.1 context"), "/ex");
            assertEquals(seen.get("HTTP/1.1 local"), loopback + ":" + port);
            assertEquals(seen.get("HTTP/1.1 remote"), loopback + ":" + clientPort11);
            assertEquals(seen.get("HTTP/1.1 code before"), "-1");
            assertEquals(seen.get("HTTP/1.1 code after"), "202");
            assertEquals(seen.get("HTTP/1.1 second send"), "IOException");
            assertEquals(seen.get("HTTP/1.1 code after second"), "202");
            assertEquals(seen.get("HTTP/1.0 method"), "GET");
            assertEquals(seen.get("HTTP/1.0 uri"), "/ex");
            assertEquals(seen.get("HTTP/1.0 query"), "null");
            assertEquals(seen.get("HTTP/1.0 remote"), loopback + ":" + clientPort10);
        } finally {
            server.stop(0);
        }
    }

    // ---------------------------------------------------------------- executor

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void handlerRunsOnTheExecutor(Impl impl) throws Exception {
        HttpProviders.require(impl);
        HttpServer server = impl.server();
        AtomicInteger made = new AtomicInteger();
        ExecutorService executor = Executors.newFixedThreadPool(2,
                r -> new Thread(r, "api-test-executor-" + made.incrementAndGet()));
        AtomicReference<Thread> ran = new AtomicReference<>();
        try {
            server.createContext("/exec", x -> {
                ran.set(Thread.currentThread());
                respond(x, 200, Thread.currentThread().getName());
            });
            assertNull(server.getExecutor(), "no executor set yet");
            server.setExecutor(executor);
            assertSame(server.getExecutor(), executor);
            server.start();
            assertThrows(IllegalStateException.class, () -> server.setExecutor(Executors.newSingleThreadExecutor()));
            assertSame(server.getExecutor(), executor, "a refused setExecutor changes nothing");
            try (HttpClient client = client()) {
                HttpResponse<String> r = get(client, server, "/exec");
                assertEquals(r.statusCode(), 200);
                assertTrue(r.body().startsWith("api-test-executor-"), "the handler ran on " + r.body());
            }
            assertTrue(made.get() >= 1, "the executor made no thread");
            assertTrue(ran.get().getName().startsWith("api-test-executor-"), ran.get().getName());
        } finally {
            server.stop(0);
            executor.shutdownNow();
        }
    }

    /**
     * Loomux runs a handler on the virtual thread of its connection when no executor is set.
     * The JDK runs it on its dispatcher thread, a platform thread named "HTTP-Dispatcher".
     */
    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void defaultExecutorRunsHandlerOnVirtualThread_loomuxOnly(Impl impl) throws Exception {
        HttpProviders.require(impl);
        HttpServer server = impl.server();
        AtomicReference<Thread> ran = new AtomicReference<>();
        try {
            server.createContext("/v", x -> {
                ran.set(Thread.currentThread());
                respond(x, 200, String.valueOf(Thread.currentThread().isVirtual()));
            });
            server.start();
            try (HttpClient client = client()) {
                assertEquals(get(client, server, "/v").body(), "true", "the handler's thread is virtual");
            }
            assertTrue(ran.get().isVirtual(), String.valueOf(ran.get()));
        } finally {
            server.stop(0);
        }
    }

    // ---------------------------------------------------------------- a handler that throws

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void handlerThatThrowsGetsNoSuccessAndTheServerGoesOn(Impl impl) throws Exception {
        HttpProviders.require(impl);
        HttpServer server = impl.server();
        try {
            server.createContext("/boom", x -> {
                throw new IllegalStateException("handler failure, on purpose");
            });
            server.createContext("/fine", text("fine"));
            server.start();
            int port = server.getAddress().getPort();
            try (RawClient raw = new RawClient(port)) {
                raw.send("GET /boom HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
                String got = new String(raw.readToEnd(), ISO_8859_1);
                assertTrue(got.isEmpty() || got.startsWith("HTTP/1.1 500"),
                        "neither a closed connection nor a 500: " + got);
            }
            try (HttpClient client = client()) {
                assertEquals(get(client, server, "/fine").body(), "fine", "the server serves on");
            }
        } finally {
            server.stop(0);
        }
    }

    /**
     * A deliberate difference: loomux answers a handler that threw before sending a response with
     * 500 and then closes the connection. The JDK closes the connection without an answer
     * ({@link #handlerThatThrowsJdkClosesWithoutAResponse()}).
     */
    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void handlerThatThrowsGets500ThenClose_loomuxDiffersFromJdk(Impl impl) throws Exception {
        HttpProviders.require(impl);
        HttpServer server = impl.server();
        try {
            server.createContext("/boom", x -> {
                throw new IllegalStateException("handler failure, on purpose");
            });
            server.start();
            try (RawClient raw = new RawClient(server.getAddress().getPort())) {
                raw.send("GET /boom HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
                String head = raw.readHead();
                assertEquals(status(head), 500, head);
                assertEquals(header(head, "Connection"), "close", head);
                int length = Integer.parseInt(header(head, "Content-Length"));
                assertEquals(raw.readBody(length).length, length);
                assertEquals(raw.readToEnd().length, 0, "the connection closes after the 500");
            }
        } finally {
            server.stop(0);
        }
    }

    /** The control for the difference above: the JDK closes the connection with no response. */
    @Test(timeOut = TIMEOUT)
    public void handlerThatThrowsJdkClosesWithoutAResponse() throws Exception {
        HttpServer server = HttpProviders.jdk().server();
        try {
            server.createContext("/boom", x -> {
                throw new IllegalStateException("handler failure, on purpose");
            });
            server.start();
            try (RawClient raw = new RawClient(server.getAddress().getPort())) {
                raw.send("GET /boom HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
                byte[] got = raw.readToEnd();
                assertEquals(got.length, 0, "the JDK answered: " + new String(got, ISO_8859_1));
            }
        } finally {
            server.stop(0);
        }
    }

    // ---------------------------------------------------------------- stop

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void stopWithNegativeDelayThrows(Impl impl) throws Exception {
        HttpProviders.require(impl);
        HttpServer server = impl.server();
        try {
            server.createContext("/", text("still here"));
            server.start();
            assertThrows(IllegalArgumentException.class, () -> server.stop(-1));
            try (HttpClient client = client()) {
                assertEquals(get(client, server, "/").body(), "still here", "a refused stop stops nothing");
            }
        } finally {
            server.stop(0);
        }
    }

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void stopZeroOnIdleServerIsQuickAndRefusesConnections(Impl impl) throws Exception {
        HttpProviders.require(impl);
        HttpServer server = impl.server();
        try {
            server.createContext("/", text("idle"));
            server.start();
            InetSocketAddress addr = server.getAddress();
            try (RawClient idle = new RawClient(addr.getPort())) {
                // A kept-alive connection, idle when stop comes.
                idle.send("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
                String head = idle.readHead();
                assertEquals(status(head), 200);
                assertEquals(new String(idle.readBody(Integer.parseInt(header(head, "Content-Length"))), ISO_8859_1), "idle");

                long t0 = System.nanoTime();
                server.stop(0);
                long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                assertTrue(tookMs < 3000, "stop(0) on an idle server took " + tookMs + " ms");

                assertEquals(idle.readToEnd().length, 0, "the idle connection was closed");
            }
            try (Socket s = new Socket()) {
                assertThrows(ConnectException.class, () -> s.connect(addr, 5000));
            }
        } finally {
            server.stop(0);
        }
    }

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void stopWaitsForAnExchangeInProgress(Impl impl) throws Exception {
        HttpProviders.require(impl);
        HttpServer server = impl.server();
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService stopper = Executors.newSingleThreadExecutor();
        try {
            server.createContext("/slow", x -> {
                entered.countDown();
                try {
                    if (!release.await(20, TimeUnit.SECONDS)) {
                        throw new IOException("never released");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException(e);
                }
                respond(x, 200, "finished");
            });
            server.start();
            try (RawClient raw = new RawClient(server.getAddress().getPort())) {
                raw.send("GET /slow HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
                assertTrue(entered.await(10, TimeUnit.SECONDS), "the handler did not start");

                long t0 = System.nanoTime();
                CompletableFuture<Long> stopped = CompletableFuture.supplyAsync(() -> {
                    server.stop(5);
                    return System.nanoTime();
                }, stopper);
                // stop waits while the exchange is in progress.
                await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> !stopped.isDone());

                release.countDown();
                String head = raw.readHead();
                assertEquals(status(head), 200, head);
                assertEquals(new String(raw.readBody(Integer.parseInt(header(head, "Content-Length"))), ISO_8859_1),
                        "finished");
                long end = stopped.get(10, TimeUnit.SECONDS);
                long tookMs = TimeUnit.NANOSECONDS.toMillis(end - t0);
                assertTrue(tookMs < 4000, "stop(5) returned " + tookMs + " ms after it began, not soon after the exchange");
            }
        } finally {
            release.countDown();
            server.stop(0);
            stopper.shutdownNow();
        }
    }

    /**
     * With an executor on every implementation: the JDK runs handlers on its dispatcher thread by
     * default, and its stop joins that thread, so there a handler that never returns would keep
     * stop waiting (see the loomux-only variant below).
     */
    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void stopGivesUpOnAnExchangeThatNeverFinishes(Impl impl) throws Exception {
        HttpProviders.require(impl);
        ExecutorService executor = Executors.newCachedThreadPool();
        try {
            stopAbandonsHungExchange(impl, executor);
        } finally {
            executor.shutdownNow();
        }
    }

    /**
     * Loomux runs a handler on its connection's virtual thread and stop abandons it after the
     * delay. The JDK runs it on its dispatcher thread and stop joins that thread: a handler that
     * never returns keeps the JDK's stop waiting for ever.
     */
    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void stopGivesUpOnHungHandlerWithoutExecutor_loomuxOnly(Impl impl) throws Exception {
        stopAbandonsHungExchange(impl, null);
    }

    private static void stopAbandonsHungExchange(Impl impl, ExecutorService executor) throws Exception {
        HttpProviders.require(impl);
        HttpServer server = impl.server();
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try {
            server.setExecutor(executor);
            server.createContext("/hang", x -> {
                entered.countDown();
                try {
                    // "Never" for this test: released in its finally.
                    release.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                throw new IOException("released after the test");
            });
            server.start();
            try (RawClient raw = new RawClient(server.getAddress().getPort())) {
                raw.send("GET /hang HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
                assertTrue(entered.await(10, TimeUnit.SECONDS), "the handler did not start");
                long t0 = System.nanoTime();
                server.stop(1);
                long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                assertTrue(tookMs >= 900, "stop(1) did not wait for the exchange: " + tookMs + " ms");
                assertTrue(tookMs < 4000, "stop(1) took " + tookMs + " ms");
                assertEquals(raw.readToEnd().length, 0, "the connection of the hung exchange was closed, unanswered");
            }
            assertThrows(IllegalStateException.class, server::start);
        } finally {
            release.countDown();
            server.stop(0);
        }
    }

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void startAfterStopThrows(Impl impl) throws Exception {
        HttpProviders.require(impl);
        HttpServer server = impl.server();
        try {
            server.createContext("/", text("x"));
            server.start();
            server.stop(0);
            assertThrows(IllegalStateException.class, server::start);
        } finally {
            server.stop(0);
        }
    }

    // ---------------------------------------------------------------- helpers

    private static HttpClient client() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    private static HttpRequest.Builder request(HttpServer server, String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path))
                .timeout(Duration.ofSeconds(10));
    }

    private static HttpResponse<String> get(HttpClient client, HttpServer server, String path) throws Exception {
        return client.send(request(server, path).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpHandler text(String body) {
        return x -> respond(x, 200, body);
    }

    private static void respond(HttpExchange x, int code, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        x.getRequestBody().readAllBytes();
        x.sendResponseHeaders(code, b.length == 0 ? -1 : b.length);
        try (OutputStream os = x.getResponseBody()) {
            os.write(b);
        }
    }

    private static String hostAndPort(InetSocketAddress a) {
        return a == null ? "null" : a.getAddress().getHostAddress() + ":" + a.getPort();
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static Filter logging(String name, List<String> log) {
        return new Filter() {
            @Override
            public void doFilter(HttpExchange x, Chain chain) throws IOException {
                log.add(name + " in");
                chain.doFilter(x);
                log.add(name + " out");
            }

            @Override
            public String description() {
                return name;
            }
        };
    }

    private interface Action {
        void run() throws Exception;
    }

    /** @return the simple name of what the action threw, or "nothing" */
    private static String thrown(Action a) {
        try {
            a.run();
            return "nothing";
        } catch (Exception e) {
            return e.getClass().getSimpleName();
        }
    }

    private static int status(String head) {
        String[] parts = head.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
            fail("not a status line: " + head);
        }
        return Integer.parseInt(parts[1].trim());
    }

    /** @return the first value of the field, or null */
    private static String header(String head, String name) {
        for (String line : head.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
                return line.substring(colon + 1).trim();
            }
        }
        return null;
    }

    /** Reads request bodies upper-cased: the filter's input wrapper. */
    private static final class UpperCaseInput extends FilterInputStream {
        UpperCaseInput(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int c = super.read();
            return c < 0 ? c : Character.toUpperCase(c);
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            for (int i = 0; i < n; i++) {
                b[off + i] = (byte) Character.toUpperCase(b[off + i]);
            }
            return n;
        }
    }

    /** Writes one more byte when closed: the filter's output wrapper. */
    private static final class SuffixOnClose extends FilterOutputStream {
        private final int suffix;
        private boolean closed;

        SuffixOnClose(OutputStream out, int suffix) {
            super(out);
            this.suffix = suffix;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            if (!closed) {
                closed = true;
                out.write(suffix);
                out.close();
            }
        }
    }

    /** A raw HTTP client on one socket to 127.0.0.1: exact bytes out, exact bytes in. */
    private static final class RawClient implements AutoCloseable {
        private static final int MAX_HEAD = 64 * 1024;
        private static final int MAX_BODY = 1024 * 1024;

        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;

        RawClient(int port) throws IOException {
            socket = new Socket();
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
            socket.setSoTimeout(10_000);
            in = new BufferedInputStream(socket.getInputStream());
            out = socket.getOutputStream();
        }

        int localPort() {
            return socket.getLocalPort();
        }

        void send(String request) throws IOException {
            out.write(request.getBytes(ISO_8859_1));
            out.flush();
        }

        /** @return a response head up to and including its blank line */
        String readHead() throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            int state = 0;
            // Bounded by MAX_HEAD bytes and the deadline (each read by the socket timeout).
            for (int i = 0; i < MAX_HEAD && System.nanoTime() < deadline; i++) {
                int c = in.read();
                if (c < 0) {
                    throw new EOFException("end of stream within a response head: " + b.toString(ISO_8859_1));
                }
                b.write(c);
                state = (c == '\r' && (state == 0 || state == 2)) ? state + 1
                        : (c == '\n' && (state == 1 || state == 3)) ? state + 1 : 0;
                if (state == 4) {
                    return b.toString(ISO_8859_1);
                }
            }
            throw new IOException("no complete response head: " + b.toString(ISO_8859_1));
        }

        byte[] readBody(int length) throws IOException {
            byte[] b = in.readNBytes(length);
            if (b.length != length) {
                throw new EOFException("body ended after " + b.length + " of " + length + " bytes");
            }
            return b;
        }

        /** @return what arrives until the server closes; a reset counts as the end */
        byte[] readToEnd() throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            // Bounded by MAX_BODY bytes and the deadline (each read by the socket timeout).
            while (b.size() < MAX_BODY) {
                if (System.nanoTime() > deadline) {
                    throw new SocketTimeoutException("the server did not close; so far: " + b.toString(ISO_8859_1));
                }
                int n;
                try {
                    n = in.read(buf);
                } catch (SocketTimeoutException e) {
                    throw e;
                } catch (SocketException reset) {
                    break;
                }
                if (n < 0) {
                    break;
                }
                b.write(buf, 0, n);
            }
            return b.toByteArray();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
