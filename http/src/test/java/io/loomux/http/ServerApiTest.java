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

import static io.loomux.http.Clients.assertResponse;
import static io.loomux.http.Clients.get;
import static io.loomux.http.Clients.request;
import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.awaitility.Awaitility.await;
import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertNotNull;
import static org.testng.Assert.assertNull;
import static org.testng.Assert.assertSame;
import static org.testng.Assert.assertThrows;
import static org.testng.Assert.assertTrue;

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

    /** Contexts /, /app and /app/x, each answering with its own path. */
    private static final Servers.Setup<HttpServer> NESTED_CONTEXTS = s -> {
        HttpHandler which = x -> respond(x, 200, x.getHttpContext().getPath());
        s.createContext("/", which);
        s.createContext("/app", which);
        s.createContext("/app/x", which);
    };

    /** A context /boom whose handler throws. */
    private static final Servers.Setup<HttpServer> BOOM = Servers.context("/boom", x -> {
        throw new IllegalStateException("handler failure, on purpose");
    });

    // ---------------------------------------------------------------- life: bind, start, stop

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void createUnboundThenBindLater(Impl impl) throws Exception {
        HttpProviders.require(impl);
        Servers.stopAfter(impl.provider().createHttpServer(null, 0), server -> {
            assertNull(server.getAddress(), "an unbound server has no address");
            assertThrows(NullPointerException.class, () -> server.bind(null, 0));
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            InetSocketAddress bound = server.getAddress();
            assertNotNull(bound);
            assertTrue(bound.getPort() > 0, "bound to port " + bound.getPort());
            server.createContext("/", text("bound later"));
            server.start();
            Servers.client(server, (s, client) -> assertResponse(get(client, s, "/"), 200, "bound later"));
        });
    }

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void bindTwiceThrowsBindException(Impl impl) throws Exception {
        Servers.unstarted(impl, server -> {
            int port = server.getAddress().getPort();
            assertThrows(BindException.class,
                    () -> server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0));
            assertEquals(server.getAddress().getPort(), port, "a failed second bind keeps the first address");
        });
    }

    /**
     * A server restarted right after one that closed connections binds the same port: the
     * closes left the port's connections in TIME_WAIT on the server's side (the server closed
     * first), which refuses a bind without {@code SO_REUSEADDR}.
     */
    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void aRestartBindsThePortItsPredecessorLeftInTimeWait(Impl impl) throws Exception {
        HttpProviders.require(impl);
        HttpServer first = impl.provider().createHttpServer(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        InetSocketAddress address = first.getAddress();
        try {
            first.createContext("/", text("first"));
            first.start();
            try (Socket s = new Socket(address.getAddress(), address.getPort())) {
                s.setSoTimeout(10_000);
                s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(ISO_8859_1));
                // To the end of the stream: the server closed first, so TIME_WAIT is on its side.
                String response = new String(s.getInputStream().readAllBytes(), ISO_8859_1);
                assertTrue(response.startsWith("HTTP/1.1 200"), response);
            }
        } finally {
            first.stop(0);
        }
        HttpServer second = impl.provider().createHttpServer(address, 0);
        try {
            assertEquals(second.getAddress().getPort(), address.getPort());
        } finally {
            second.stop(0);
        }
    }

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void startWithoutBindThrows(Impl impl) throws Exception {
        HttpProviders.require(impl);
        Servers.stopAfter(impl.provider().createHttpServer(null, 0), server -> {
            server.createContext("/", text("x"));
            assertThrows(IllegalStateException.class, server::start);
        });
    }

    @Test(dataProvider = "allAndH2c", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void startTwiceThrows(Impl impl) throws Exception {
        Servers.client(impl, Servers.context("/", text("once")), (server, client) -> {
            assertThrows(IllegalStateException.class, server::start);
            assertEquals(get(client, server, "/").body(), "once", "the failed second start left the server serving");
        });
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
            try (HttpClient client = Clients.http11()) {
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
        Servers.unstarted(impl, server -> {
            InetSocketAddress a = server.getAddress();
            assertTrue(a.getPort() > 0, "port " + a.getPort());
            assertEquals(a.getAddress(), InetAddress.getLoopbackAddress());
            server.createContext("/", text("here"));
            server.start();
            assertEquals(server.getAddress(), a, "the address does not change at start");
            // The port is really the one listening: a raw connection to it is answered.
            try (RawHttp raw = RawHttp.connect(a.getPort())) {
                raw.send("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
                assertEquals(raw.readHead().status(), 200);
            }
        });
    }

    // ---------------------------------------------------------------- contexts

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void createContextPathRules(Impl impl) throws Exception {
        Servers.unstarted(impl, server -> {
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
        });
    }

    @Test(dataProvider = "allAndH2c", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void longestMatchingContextWins(Impl impl) throws Exception {
        Servers.client(impl, NESTED_CONTEXTS, (server, client) -> {
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
        });
    }

    /**
     * The JDK's matching (JDK 25's {@code sun.net.httpserver.ContextList.findContext}) is a plain
     * string prefix: context {@code /app} serves {@code /apple}, and {@code /app/x} serves
     * {@code /app/xy}.
     */
    @Test(dataProvider = "allAndH2c", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void contextPathMatchesAsAStringPrefixAsTheJdkDoes(Impl impl) throws Exception {
        Servers.client(impl, NESTED_CONTEXTS, (server, client) -> {
            assertEquals(get(client, server, "/apple").body(), "/app", "the context for /apple");
            assertEquals(get(client, server, "/app/xy").body(), "/app/x", "the context for /app/xy");
        });
    }

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void createContextWithoutHandlerThenSetHandler(Impl impl) throws Exception {
        Servers.unstarted(impl, server -> {
            HttpContext c = server.createContext("/later");
            assertNull(c.getHandler());
            server.start();
            Servers.client(server, (s, client) -> {
                assertEquals(get(client, s, "/later").statusCode(), 500, "a context without a handler");
                HttpHandler h = text("now handled");
                assertThrows(NullPointerException.class, () -> c.setHandler(null));
                c.setHandler(h);
                assertSame(c.getHandler(), h);
                assertResponse(get(client, s, "/later"), 200, "now handled");
                assertThrows(IllegalArgumentException.class, () -> c.setHandler(text("second")));
                assertSame(c.getHandler(), h, "a refused second handler does not replace the first");
                assertEquals(get(client, s, "/later").body(), "now handled");
            });
        });
    }

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void removeContextByPathAndByObject(Impl impl) throws Exception {
        Servers.unstarted(impl, server -> {
            server.createContext("/a", text("a"));
            HttpContext b = server.createContext("/b", text("b"));
            server.start();
            Servers.client(server, (s, client) -> {
                assertEquals(get(client, s, "/a").statusCode(), 200);
                assertEquals(get(client, s, "/b").statusCode(), 200);

                s.removeContext("/a");
                assertEquals(get(client, s, "/a").statusCode(), 404, "after removeContext(\"/a\")");
                assertEquals(get(client, s, "/b").body(), "b", "the other context stays");

                s.removeContext(b);
                assertEquals(get(client, s, "/b").statusCode(), 404, "after removeContext(context)");

                assertThrows(IllegalArgumentException.class, () -> s.removeContext("/a"));
                assertThrows(IllegalArgumentException.class, () -> s.removeContext("/never"));
                assertThrows(IllegalArgumentException.class, () -> s.removeContext(b));
                assertThrows(NullPointerException.class, () -> s.removeContext((String) null));

                // The path is free again.
                s.createContext("/a", text("a again"));
                assertEquals(get(client, s, "/a").body(), "a again");
            });
        });
    }

    // ---------------------------------------------------------------- filters

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void filtersRunInOrderAroundTheHandler(Impl impl) throws Exception {
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        Servers.run(impl, s -> {
            HttpContext c = s.createContext("/f", x -> {
                log.add("handler code=" + x.getResponseCode());
                respond(x, 201, "made");
            });
            c.getFilters().add(logging("f1", log));
            c.getFilters().add(logging("f2", log));
            c.getFilters().add(Filter.beforeHandler("before", x -> log.add("before code=" + x.getResponseCode())));
            c.getFilters().add(Filter.afterHandler("after", x -> log.add("after code=" + x.getResponseCode())));
        }, server -> {
            Servers.client(server, (s, client) -> assertResponse(get(client, s, "/f"), 201, "made"));
            // The after-parts run once the handler returned, which may be after the client has
            // the response.
            await().atMost(WAIT).until(() -> log.size() >= 7);
            assertEquals(List.copyOf(log), List.of("f1 in", "f2 in", "before code=-1", "handler code=-1",
                    "after code=201", "f2 out", "f1 out"));
        });
    }

    @Test(dataProvider = "allAndH2c", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void filterMayAnswerWithoutCallingTheChain(Impl impl) throws Exception {
        AtomicInteger handled = new AtomicInteger();
        Servers.client(impl, s -> {
            HttpContext c = s.createContext("/guarded", x -> {
                handled.incrementAndGet();
                respond(x, 200, "handler");
            });
            c.getFilters().add(filter("guard", (x, chain) -> {
                if (x.getRequestURI().getPath().endsWith("/deny")) {
                    respond(x, 403, "denied by filter");
                } else {
                    chain.doFilter(x);
                }
            }));
        }, (server, client) -> {
            assertResponse(get(client, server, "/guarded/deny"), 403, "denied by filter");
            assertEquals(handled.get(), 0, "the handler ran although the filter did not call the chain");
            assertResponse(get(client, server, "/guarded/ok"), 200, "handler");
            assertEquals(handled.get(), 1);
        });
    }

    @Test(dataProvider = "allAndH2c", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void filterWrapsStreamsWithSetStreams(Impl impl) throws Exception {
        Servers.client(impl, s -> {
            HttpContext c = s.createContext("/wrap", x -> {
                String in = new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                x.sendResponseHeaders(200, 0);
                x.getResponseBody().write(("got " + in).getBytes(StandardCharsets.UTF_8));
                x.close();
            });
            c.getFilters().add(filter("wrap", (x, chain) -> {
                x.setStreams(new UpperCaseInput(x.getRequestBody()), new SuffixOnClose(x.getResponseBody(), '!'));
                chain.doFilter(x);
            }));
        }, (server, client) -> {
            HttpResponse<String> r = client.send(request(server, "/wrap")
                    .POST(HttpRequest.BodyPublishers.ofString("Hello")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(r.statusCode(), 200);
            assertEquals(r.body(), "got HELLO!", "the handler read and wrote through the filter's streams");
        });
    }

    // ---------------------------------------------------------------- authenticator

    /** @return the response to a GET of the path with Basic credentials */
    private static HttpResponse<String> getAs(HttpClient client, HttpServer server, String path, String user,
                                              String password) throws Exception {
        return client.send(request(server, path).header("Authorization", basic(user, password)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test(dataProvider = "allAndH2c", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void basicAuthenticator(Impl impl) throws Exception {
        AtomicInteger handled = new AtomicInteger();
        Servers.client(impl, s -> {
            HttpContext c = s.createContext("/secret", x -> {
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
        }, (server, client) -> {
            HttpResponse<String> none = get(client, server, "/secret");
            assertEquals(none.statusCode(), 401, "no credentials");
            assertEquals(none.headers().firstValue("WWW-Authenticate").orElse(null), CHALLENGE);

            HttpResponse<String> wrong = getAs(client, server, "/secret", "alice", "wrong");
            assertEquals(wrong.statusCode(), 401, "wrong credentials");
            assertEquals(wrong.headers().firstValue("WWW-Authenticate").orElse(null), CHALLENGE);
            assertEquals(handled.get(), 0, "the handler ran for a refused request");

            HttpResponse<String> right = getAs(client, server, "/secret", "alice", "s3cret");
            assertEquals(right.statusCode(), 200, "right credentials");
            assertEquals(right.body(), "alice@test-realm test-realm:alice");
            assertEquals(handled.get(), 1);
        });
    }

    /**
     * The JDK runs the authenticator as a system filter after the context's own filters, so a
     * user filter (a request log, say) sees refused requests too, and its after-part sees 401.
     */
    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void userFiltersRunBeforeTheAuthenticator(Impl impl) throws Exception {
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        Servers.run(impl, s -> {
            HttpContext c = s.createContext("/secret", x -> respond(x, 200, "in"));
            c.getFilters().add(Filter.afterHandler("log", x -> log.add(x.getRequestURI().getPath() + " " + x.getResponseCode())));
            c.setAuthenticator(new BasicAuthenticator("r") {
                @Override
                public boolean checkCredentials(String user, String password) {
                    return user.equals("u") && password.equals("p");
                }
            });
        }, server -> {
            Servers.client(server, (s, client) -> {
                assertEquals(get(client, s, "/secret/refused").statusCode(), 401);
                assertEquals(getAs(client, s, "/secret/ok", "u", "p").statusCode(), 200);
            });
            await().atMost(WAIT).until(() -> log.contains("/secret/ok 200"));
            assertTrue(log.contains("/secret/refused 401"), "the user filter did not see the refused request: " + log);
        });
    }

    // ---------------------------------------------------------------- the exchange

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void exchangeAttributesAreSeenByFiltersAndHandler(Impl impl) throws Exception {
        Map<String, String> seen = new ConcurrentHashMap<>();
        Servers.run(impl, s -> {
            HttpContext c = s.createContext("/attr", x -> {
                seen.put("handler sees filter's", String.valueOf(x.getAttribute("from-filter")));
                x.setAttribute("tmp", "T");
                seen.put("tmp set", String.valueOf(x.getAttribute("tmp")));
                x.setAttribute("tmp", null);
                seen.put("tmp removed", String.valueOf(x.getAttribute("tmp")));
                seen.put("unknown", String.valueOf(x.getAttribute("never-set")));
                seen.put("get null name", Thrown.by(() -> x.getAttribute(null)));
                seen.put("set null name", Thrown.by(() -> x.setAttribute(null, "v")));
                x.setAttribute("from-handler", "H");
                respond(x, 200, "ok");
            });
            c.getFilters().add(Filter.beforeHandler("set", x -> x.setAttribute("from-filter", "F")));
            c.getFilters().add(Filter.afterHandler("get", x -> seen.put("after sees handler's",
                    String.valueOf(x.getAttribute("from-handler")))));
        }, server -> {
            Servers.client(server, (s, client) -> assertEquals(get(client, s, "/attr").statusCode(), 200));
            await().atMost(WAIT).until(() -> seen.size() >= 7);
            assertSeen(seen, Map.ofEntries(
                    Map.entry("handler sees filter's", "F"),
                    Map.entry("tmp set", "T"),
                    // setAttribute(name, null) removes it.
                    Map.entry("tmp removed", "null"),
                    Map.entry("unknown", "null"),
                    Map.entry("get null name", "NullPointerException"),
                    Map.entry("set null name", "NullPointerException"),
                    Map.entry("after sees handler's", "H")));
        });
    }

    /**
     * The JDK's exchange keeps its attributes in its context's attribute map
     * ({@code sun.net.httpserver.ExchangeImpl.getAttribute} and {@code setAttribute} use
     * {@code getHttpContext().getAttributes()}): an exchange sees the context's attributes, and
     * what one exchange sets, the context and the next exchange see.
     */
    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void exchangeAttributesAreTheContextAttributesAsInTheJdk(Impl impl) throws Exception {
        Map<String, String> seen = new ConcurrentHashMap<>();
        Servers.unstarted(impl, server -> {
            HttpContext c = server.createContext("/shared", x -> {
                String n = x.getRequestURI().getQuery();
                seen.put(n + " ctx", String.valueOf(x.getAttribute("ctx")));
                seen.put(n + " previous", String.valueOf(x.getAttribute("by-exchange")));
                x.setAttribute("by-exchange", n);
                respond(x, 200, "ok");
            });
            c.getAttributes().put("ctx", "C");
            server.start();
            Servers.client(server, (s, client) -> {
                assertEquals(get(client, s, "/shared?1").statusCode(), 200);
                assertEquals(get(client, s, "/shared?2").statusCode(), 200);
            });
            assertEquals(seen.get("1 ctx"), "C");
            assertEquals(seen.get("1 previous"), "null");
            assertEquals(c.getAttributes().get("by-exchange"), "2", "the context sees what an exchange set");
            assertEquals(seen.get("2 previous"), "1");
        });
    }

    /** The JDK gives handlers the request headers as unmodifiable {@link Headers}. */
    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void requestHeadersAreReadOnly(Impl impl) throws Exception {
        Map<String, String> seen = new ConcurrentHashMap<>();
        CountDownLatch done = new CountDownLatch(1);
        Servers.raw(impl, Servers.context("/h", x -> {
            Headers h = x.getRequestHeaders();
            seen.put("x-test", String.valueOf(h.getFirst("x-test")));
            seen.put("X-TEST", String.valueOf(h.getFirst("X-TEST")));
            seen.put("multi", String.valueOf(h.get("X-Multi")));
            seen.put("add", Thrown.by(() -> h.add("X-New", "v")));
            seen.put("set", Thrown.by(() -> h.set("X-Test", "changed")));
            seen.put("remove", Thrown.by(() -> h.remove("X-Test")));
            seen.put("put", Thrown.by(() -> h.put("X-New", List.of("v"))));
            seen.put("after", String.valueOf(h.getFirst("X-Test")));
            done.countDown();
            respond(x, 200, "ok");
        }), raw -> {
            raw.send("GET /h HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Test: value\r\nX-Multi: a\r\nX-Multi: b\r\n"
                    + "Connection: close\r\n\r\n");
            assertEquals(raw.readHead().status(), 200);
            raw.close();
            assertTrue(done.await(10, TimeUnit.SECONDS));
            assertSeen(seen, Map.ofEntries(
                    Map.entry("x-test", "value"),
                    // Header names are case-insensitive.
                    Map.entry("X-TEST", "value"),
                    Map.entry("multi", "[a, b]"),
                    Map.entry("add", "UnsupportedOperationException"),
                    Map.entry("set", "UnsupportedOperationException"),
                    Map.entry("remove", "UnsupportedOperationException"),
                    Map.entry("put", "UnsupportedOperationException"),
                    Map.entry("after", "value")));
        });
    }

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void exchangeAccessors(Impl impl) throws Exception {
        Map<String, String> seen = new ConcurrentHashMap<>();
        CountDownLatch done = new CountDownLatch(2);
        Servers.run(impl, Servers.context("/ex", x -> {
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
            seen.put(tag + " second send", Thrown.by(() -> x.sendResponseHeaders(200, body.length)));
            seen.put(tag + " code after second", String.valueOf(x.getResponseCode()));
            x.getResponseBody().write(body);
            x.close();
            done.countDown();
        }), server -> {
            int port = server.getAddress().getPort();
            int clientPort11;
            try (RawHttp raw = RawHttp.connect(port)) {
                clientPort11 = raw.localPort();
                raw.send("PATCH /ex/a%20b?x=1&y=%2F HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n"
                        + "Connection: close\r\n\r\n");
                RawHttp.Head head = raw.readHead();
                assertEquals(head.status(), 202, head.toString());
                assertEquals(RawHttp.latin1(raw.readExactly(4)), "done",
                        "the refused second sendResponseHeaders did not disturb the response");
            }
            int clientPort10;
            try (RawHttp raw = RawHttp.connect(port)) {
                clientPort10 = raw.localPort();
                raw.send("GET /ex HTTP/1.0\r\n\r\n");
                assertEquals(raw.readHead().status(), 202);
            }
            assertTrue(done.await(10, TimeUnit.SECONDS));
            String loopback = InetAddress.getLoopbackAddress().getHostAddress();
            assertSeen(seen, Map.ofEntries(
                    Map.entry("HTTP/1.1 method", "PATCH"),
                    Map.entry("HTTP/1.1 uri", "/ex/a%20b?x=1&y=%2F"),
                    Map.entry("HTTP/1.1 path", "/ex/a b"),
                    Map.entry("HTTP/1.1 query", "x=1&y=/"),
                    Map.entry("HTTP/1.1 raw query", "x=1&y=%2F"),
                    Map.entry("HTTP/1.1 context", "/ex"),
                    Map.entry("HTTP/1.1 local", loopback + ":" + port),
                    Map.entry("HTTP/1.1 remote", loopback + ":" + clientPort11),
                    Map.entry("HTTP/1.1 code before", "-1"),
                    Map.entry("HTTP/1.1 code after", "202"),
                    Map.entry("HTTP/1.1 second send", "IOException"),
                    Map.entry("HTTP/1.1 code after second", "202"),
                    Map.entry("HTTP/1.0 method", "GET"),
                    Map.entry("HTTP/1.0 uri", "/ex"),
                    Map.entry("HTTP/1.0 query", "null"),
                    Map.entry("HTTP/1.0 remote", loopback + ":" + clientPort10)));
        });
    }

    // ---------------------------------------------------------------- executor

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void handlerRunsOnTheExecutor(Impl impl) throws Exception {
        AtomicInteger made = new AtomicInteger();
        ExecutorService executor = Executors.newFixedThreadPool(2,
                r -> new Thread(r, "api-test-executor-" + made.incrementAndGet()));
        AtomicReference<Thread> ran = new AtomicReference<>();
        try {
            Servers.unstarted(impl, server -> {
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
                Servers.client(server, (s, client) -> {
                    HttpResponse<String> r = get(client, s, "/exec");
                    assertEquals(r.statusCode(), 200);
                    assertTrue(r.body().startsWith("api-test-executor-"), "the handler ran on " + r.body());
                });
                assertTrue(made.get() >= 1, "the executor made no thread");
                assertTrue(ran.get().getName().startsWith("api-test-executor-"), ran.get().getName());
            });
        } finally {
            executor.shutdownNow();
        }
    }

    /**
     * Loomux runs a handler on the virtual thread of its connection when no executor is set.
     * The JDK runs it on its dispatcher thread, a platform thread named "HTTP-Dispatcher".
     */
    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void defaultExecutorRunsHandlerOnVirtualThread_loomuxOnly(Impl impl) throws Exception {
        AtomicReference<Thread> ran = new AtomicReference<>();
        Servers.run(impl, Servers.context("/v", x -> {
            ran.set(Thread.currentThread());
            respond(x, 200, String.valueOf(Thread.currentThread().isVirtual()));
        }), server -> {
            Servers.client(server, (s, client) ->
                    assertEquals(get(client, s, "/v").body(), "true", "the handler's thread is virtual"));
            assertTrue(ran.get().isVirtual(), String.valueOf(ran.get()));
        });
    }

    /*
     * Headers checks what add, set and put are given, but a handler can change a value list
     * behind its back. Both servers check every field again when the head is sent, so that no CR
     * or LF reaches the wire and splits the response: sendResponseHeaders throws, and the client
     * never reads the injected field.
     */
    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void aFieldChangedBehindTheHeadersChecksNeverSplitsTheResponse(Impl impl) throws Exception {
        Map<String, String> seen = new ConcurrentHashMap<>();
        Servers.run(impl, Servers.context("/split", x -> {
            x.getResponseHeaders().set("X-Test", "fine");
            x.getResponseHeaders().get("X-Test").add("fine\r\nInjected: yes");
            seen.put("send", Thrown.by(() -> x.sendResponseHeaders(200, 2)));
            throw new IOException("the head could not be sent");
        }), server -> Servers.raw(server, raw -> {
            raw.send("GET /split HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            String got = RawHttp.latin1(raw.readUntilClose());
            assertFalse(got.contains("\nInjected"), "the response was split: " + got);
            assertEquals(seen.get("send"), "IllegalArgumentException");
        }));
    }

    /*
     * A deliberate difference: Headers accepts a value folded over lines ("a\r\n b"), and the
     * JDK's server sends it so. RFC 9112 section 5.2 forbids a sender to fold, and a proxy may
     * read the fold differently, so loomux refuses it when the head is sent.
     */
    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void aFoldedResponseValueIsRefusedWhereTheJdkSendsIt(Impl impl) throws Exception {
        Map<String, String> seen = new ConcurrentHashMap<>();
        Servers.run(impl, Servers.context("/fold", x -> {
            x.getResponseHeaders().add("X-Folded", "a\r\n b");
            seen.put("send", Thrown.by(() -> x.sendResponseHeaders(200, 2)));
            x.getResponseHeaders().remove("X-Folded");
            respond(x, 200, "ok");
        }), server -> Servers.client(server, (s, client) -> {
            assertEquals(get(client, s, "/fold").body(), "ok", "the handler answers once the fold is gone");
            assertEquals(seen.get("send"), "IllegalArgumentException");
        }));
    }

    // ---------------------------------------------------------------- a handler that throws

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void handlerThatThrowsGetsNoSuccessAndTheServerGoesOn(Impl impl) throws Exception {
        Servers.run(impl, s -> {
            BOOM.on(s);
            s.createContext("/fine", text("fine"));
        }, server -> {
            Servers.raw(server, raw -> {
                raw.send("GET /boom HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
                String got = RawHttp.latin1(raw.readUntilClose());
                assertTrue(got.isEmpty() || got.startsWith("HTTP/1.1 500"),
                        "neither a closed connection nor a 500: " + got);
            });
            Servers.client(server, (s, client) ->
                    assertEquals(get(client, s, "/fine").body(), "fine", "the server serves on"));
        });
    }

    /**
     * A deliberate difference: loomux answers a handler that threw before sending a response with
     * 500 and then closes the connection. The JDK closes the connection without an answer
     * ({@link #handlerThatThrowsJdkClosesWithoutAResponse()}).
     */
    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void handlerThatThrowsGets500ThenClose_loomuxDiffersFromJdk(Impl impl) throws Exception {
        Servers.raw(impl, BOOM, raw -> {
            raw.send("GET /boom HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            RawHttp.Head head = raw.readHead();
            assertEquals(head.status(), 500, head.toString());
            assertEquals(head.header("Connection"), "close", head.toString());
            int length = Integer.parseInt(head.header("Content-Length"));
            assertEquals(raw.readExactly(length).length, length);
            assertEquals(raw.readUntilClose().length, 0, "the connection closes after the 500");
        });
    }

    /** The control for the difference above: the JDK closes the connection with no response. */
    @Test(timeOut = TIMEOUT)
    public void handlerThatThrowsJdkClosesWithoutAResponse() throws Exception {
        Servers.run(HttpProviders.jdk().server(), BOOM, server -> Servers.raw(server, raw -> {
            raw.send("GET /boom HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            byte[] got = raw.readUntilClose();
            assertEquals(got.length, 0, "the JDK answered: " + new String(got, ISO_8859_1));
        }));
    }

    /**
     * Handlers that answer in full and then throw, each a way a response can be whole: a
     * fixed-length body written and closed, a chunked body closed, no body at all, and an unread
     * request body (the server drains it).
     */
    private static final Servers.Setup<HttpServer> THROW_AFTER_WHOLE_RESPONSE = s -> {
        s.createContext("/fixed", x -> {
            respond(x, 200, "fixed");
            throw new IOException("after a fixed-length response, on purpose");
        });
        s.createContext("/chunked", x -> {
            send(x, 0, "chunked");
            throw new IllegalStateException("after a chunked response, on purpose");
        });
        s.createContext("/none", x -> {
            x.sendResponseHeaders(204, -1);
            throw new IOException("after a body-less response, on purpose");
        });
        s.createContext("/unread", x -> {
            send(x, 6, "unread");
            throw new IOException("after a response that left the request body unread, on purpose");
        });
        s.createContext("/fine", text("fine"));
    };

    /**
     * The JDK's server closes the connection of a handler that threw only when the exchange had
     * not finished writing ({@code ServerImpl.Exchange.run}: {@code !tx.writefinished}): once the
     * response is whole and the request read, the connection serves the next request.
     */
    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void handlerThatThrowsAfterAWholeResponseKeepsTheConnection(Impl impl) throws Exception {
        Servers.raw(impl, THROW_AFTER_WHOLE_RESPONSE, raw -> {
            assertEquals(raw.get("/fixed", 200).text(), "fixed");
            RawHttp.Response chunked = raw.get("/chunked", 200);
            assertTrue(chunked.chunked(), chunked.toString());
            assertEquals(chunked.text(), "chunked");
            raw.get("/none", 204);
            raw.send(RawHttp.post("/unread", "a request body the handler never reads"));
            assertEquals(raw.read(200).text(), "unread");
            // Every request above went over this one connection.
            assertEquals(raw.get("/fine", 200).text(), "fine");
        });
    }

    /**
     * Handlers that throw with their response not whole: a fixed-length body short of its length,
     * a chunked body not ended. The client cannot tell where such a response ends, so the
     * connection must close, on loomux as on the JDK.
     */
    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void handlerThatThrowsWithAnUnfinishedResponseClosesTheConnection(Impl impl) throws Exception {
        Servers.run(impl, s -> {
            s.createContext("/short", x -> {
                x.sendResponseHeaders(200, 10);
                x.getResponseBody().write("abc".getBytes(ISO_8859_1));
                throw new IOException("3 of 10 bytes written, on purpose");
            });
            s.createContext("/open-chunked", x -> {
                x.sendResponseHeaders(200, 0);
                OutputStream os = x.getResponseBody();
                os.write("part".getBytes(ISO_8859_1));
                os.flush();
                throw new IOException("chunked body not ended, on purpose");
            });
        }, server -> {
            for (String path : List.of("/short", "/open-chunked")) {
                Servers.raw(server, raw -> {
                    raw.send(RawHttp.get(path));
                    // Whatever of the response went out (the JDK may send nothing), the
                    // connection ends: readUntilClose times out if it stays open.
                    String got = RawHttp.latin1(raw.readUntilClose());
                    assertTrue(got.isEmpty() || got.startsWith("HTTP/1.1 200"), path + ": " + got);
                    assertFalse(got.contains("\r\n0\r\n\r\n"), path + " ended its chunked body: " + got);
                });
            }
        });
    }

    /**
     * A deliberate difference: a fixed-length body written in full is a whole response even when
     * the handler throws before closing its stream, so loomux ends the exchange as that close
     * would have and keeps the connection. The JDK (25) closes the connection without sending
     * even the response it has (its exchange is not marked finished, its output not flushed).
     */
    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void handlerThatThrowsAfterWritingTheWholeLengthKeepsTheConnection_loomuxOnly(Impl impl)
            throws Exception {
        Servers.raw(impl, s -> {
            s.createContext("/written", x -> {
                x.sendResponseHeaders(200, 7);
                x.getResponseBody().write("written".getBytes(ISO_8859_1));
                throw new IOException("the whole length written, the stream not closed, on purpose");
            });
            s.createContext("/fine", text("fine"));
        }, raw -> {
            raw.send(RawHttp.post("/written", "unread body"));
            assertEquals(raw.read(200).text(), "written");
            assertEquals(raw.get("/fine", 200).text(), "fine");
        });
    }

    // ---------------------------------------------------------------- stop

    /** Reads a response with a Content-Length body and checks its status; @return the body as text */
    private static String readFixedLength(RawHttp raw, int status) throws IOException {
        RawHttp.Head head = raw.readHead();
        assertEquals(head.status(), status, head.toString());
        return RawHttp.latin1(raw.readExactly(Integer.parseInt(head.header("Content-Length"))));
    }

    @Test(dataProvider = "allAndH2c", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void stopWithNegativeDelayThrows(Impl impl) throws Exception {
        Servers.client(impl, Servers.context("/", text("still here")), (server, client) -> {
            assertThrows(IllegalArgumentException.class, () -> server.stop(-1));
            assertEquals(get(client, server, "/").body(), "still here", "a refused stop stops nothing");
        });
    }

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void stopZeroOnIdleServerIsQuickAndRefusesConnections(Impl impl) throws Exception {
        Servers.run(impl, Servers.context("/", text("idle")), server -> {
            InetSocketAddress addr = server.getAddress();
            Servers.raw(server, idle -> {
                // A kept-alive connection, idle when stop comes.
                idle.send("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
                assertEquals(readFixedLength(idle, 200), "idle");

                long t0 = System.nanoTime();
                server.stop(0);
                long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                assertTrue(tookMs < 3000, "stop(0) on an idle server took " + tookMs + " ms");

                assertEquals(idle.readUntilClose().length, 0, "the idle connection was closed");
            });
            try (Socket s = new Socket()) {
                assertThrows(ConnectException.class, () -> s.connect(addr, 5000));
            }
        });
    }

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void stopWaitsForAnExchangeInProgress(Impl impl) throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService stopper = Executors.newSingleThreadExecutor();
        try {
            Servers.run(impl, Servers.context("/slow", x -> {
                entered.countDown();
                Clients.await(release, 20);
                respond(x, 200, "finished");
            }), server -> {
                try (RawHttp raw = RawHttp.connect(server)) {
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
                    assertEquals(readFixedLength(raw, 200), "finished");
                    long end = stopped.get(10, TimeUnit.SECONDS);
                    long tookMs = TimeUnit.NANOSECONDS.toMillis(end - t0);
                    assertTrue(tookMs < 4000, "stop(5) returned " + tookMs + " ms after it began, not soon after the exchange");
                } finally {
                    // Before the stop: the JDK's stop joins a handler that runs on its dispatcher thread.
                    release.countDown();
                }
            });
        } finally {
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
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Servers.unstarted(impl, server -> {
            try {
                server.setExecutor(executor);
                server.createContext("/hang", x -> {
                    entered.countDown();
                    // "Never" for this test: released in its finally.
                    Clients.await(release, 20);
                    throw new IOException("released after the test");
                });
                server.start();
                try (RawHttp raw = RawHttp.connect(server)) {
                    raw.send("GET /hang HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
                    assertTrue(entered.await(10, TimeUnit.SECONDS), "the handler did not start");
                    long t0 = System.nanoTime();
                    server.stop(1);
                    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                    assertTrue(tookMs >= 900, "stop(1) did not wait for the exchange: " + tookMs + " ms");
                    assertTrue(tookMs < 4000, "stop(1) took " + tookMs + " ms");
                    assertEquals(raw.readUntilClose().length, 0, "the connection of the hung exchange was closed, unanswered");
                }
                assertThrows(IllegalStateException.class, server::start);
            } finally {
                release.countDown();
            }
        });
    }

    /** @return a context whose handler answers "bye", then stops its own server with the delay */
    private static Servers.Setup<HttpServer> answerThenStop(int delay, List<Long> stopMillis) {
        return Servers.context("/bye", x -> {
            respond(x, 200, "bye");
            long t0 = System.nanoTime();
            x.getHttpContext().getServer().stop(delay);
            stopMillis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        });
    }

    /**
     * A handler that answers and then stops its own server, on its server's thread and on an
     * executor's: stop lets the exchange in progress finish, this one too, so the answer reaches
     * the client.
     */
    @Test(dataProvider = "allAndH2c", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void handlerThatStopsItsServerAfterAnsweringIsAnswered(Impl impl) throws Exception {
        withAndWithoutExecutor(impl, (e, stopMillis) -> Servers.client(impl, s -> {
            s.setExecutor(e);
            answerThenStop(1, stopMillis).on(s);
        }, (server, client) -> assertResponse(get(client, server, "/bye"), 200, "bye")));
    }

    /**
     * Loomux's stop, called by a handler, does not wait for the caller's own exchange (it cannot
     * end while its handler waits in stop) and leaves its connection to close once the exchange
     * has ended and its response is out. The JDK's stop, called on its dispatcher thread, waits
     * out its whole delay.
     */
    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void stopCalledByAHandlerDoesNotWaitForItsOwnExchange_loomuxOnly(Impl impl) throws Exception {
        withAndWithoutExecutor(impl, (e, stopMillis) -> {
            Servers.raw(impl, s -> {
                s.setExecutor(e);
                answerThenStop(5, stopMillis).on(s);
            }, raw -> {
                assertEquals(raw.get("/bye", 200).text(), "bye");
                assertTrue(raw.closedByPeer(), "the connection stayed open after the stop");
            });
            await().atMost(WAIT).until(() -> stopMillis.size() == 1);
            assertTrue(stopMillis.get(0) < 3000, "stop(5) in the handler took " + stopMillis.get(0) + " ms");
        });
    }

    /** A scenario of a handler that stops its server, given the executor and where to note how long stop took. */
    @FunctionalInterface
    private interface StopScenario {
        void run(ExecutorService executor, List<Long> stopMillis) throws Exception;
    }

    /** Runs the scenario with no executor, then with one, each time checking that the handler's stop returned. */
    private static void withAndWithoutExecutor(Impl impl, StopScenario scenario) throws Exception {
        HttpProviders.require(impl);
        ExecutorService executor = Executors.newCachedThreadPool();
        try {
            for (ExecutorService e : java.util.Arrays.asList(null, executor)) {
                List<Long> stopMillis = new java.util.concurrent.CopyOnWriteArrayList<>();
                scenario.run(e, stopMillis);
                await().atMost(WAIT).until(() -> stopMillis.size() == 1);
            }
        } finally {
            executor.shutdownNow();
        }
    }

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void startAfterStopThrows(Impl impl) throws Exception {
        Servers.run(impl, Servers.context("/", text("x")), server -> {
            server.stop(0);
            assertThrows(IllegalStateException.class, server::start);
        });
    }

    // ---------------------------------------------------------------- helpers

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

    /** Sends 200 with the length given to sendResponseHeaders and the body, leaving the request body as it is. */
    private static void send(HttpExchange x, long length, String body) throws IOException {
        x.sendResponseHeaders(200, length);
        try (OutputStream os = x.getResponseBody()) {
            os.write(body.getBytes(ISO_8859_1));
        }
    }

    /** Checks what the handler and its filters noted, key by key. */
    private static void assertSeen(Map<String, String> seen, Map<String, String> expected) {
        expected.forEach((key, value) -> assertEquals(seen.get(key), value, key));
    }

    private static String hostAndPort(InetSocketAddress a) {
        return a == null ? "null" : a.getAddress().getHostAddress() + ":" + a.getPort();
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static Filter logging(String name, List<String> log) {
        return filter(name, (x, chain) -> {
            log.add(name + " in");
            chain.doFilter(x);
            log.add(name + " out");
        });
    }

    /** What a filter does with an exchange and the rest of the chain. */
    @FunctionalInterface
    private interface FilterBody {
        void doFilter(HttpExchange x, Filter.Chain chain) throws IOException;
    }

    /** @return a filter that does the body, described as given */
    private static Filter filter(String description, FilterBody body) {
        return new Filter() {
            @Override
            public void doFilter(HttpExchange x, Chain chain) throws IOException {
                body.doFilter(x, chain);
            }

            @Override
            public String description() {
                return description;
            }
        };
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

}
