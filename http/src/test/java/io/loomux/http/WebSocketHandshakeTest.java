package io.loomux.http;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertNull;
import static org.testng.Assert.assertTrue;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.loomux.http.websocket.Handshake;
import io.loomux.http.websocket.Message;
import io.loomux.http.websocket.WebSocket;
import io.loomux.http.websocket.WebSocketHandshakeException;
import io.loomux.http.websocket.WebSocketSettings;
import io.loomux.http.websocket.WebSockets;
import org.testng.annotations.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The opening handshake (RFC 6455 section 4.2): the request's errors, each answered with its
 * status; the subprotocol and origin choices; an upgrade from an ordinary handler through
 * {@link Handshake}; and no WebSocket over HTTP/2. On every backend.
 */
public class WebSocketHandshakeTest {

    private static final String KEY = "dGhlIHNhbXBsZSBub25jZQ==";

    private static String request(String method, String version, String key, String... more) {
        StringBuilder b = new StringBuilder(method + " /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                + "Connection: keep-alive, Upgrade\r\n");
        if (key != null) {
            b.append("Sec-WebSocket-Key: ").append(key).append("\r\n");
        }
        if (version != null) {
            b.append("Sec-WebSocket-Version: ").append(version).append("\r\n");
        }
        for (String m : more) {
            b.append(m).append("\r\n");
        }
        return b.append("\r\n").toString();
    }

    private static RawWs.Head answer(int port, String request) throws Exception {
        try (RawWs ws = RawWs.connect(port)) {
            ws.send(request);
            RawWs.Head h = ws.readHead();
            if (h.status() != 101) {
                ws.readBody(h);
            }
            return h;
        }
    }

    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 60_000)
    public void badRequestsAreAnsweredWithTheirStatus(Impl impl) throws Exception {
        WebSocketFramesTest.serve(impl, "blocking", port -> {
            assertEquals(answer(port, request("GET", "13", KEY)).status(), 101, "the good request");
            assertEquals(answer(port, request("GET", "13", null)).status(), 400, "no key");
            assertEquals(answer(port, request("GET", "13", "c2hvcnQ=")).status(), 400, "a key of 5 bytes");
            assertEquals(answer(port, request("GET", "13", "not base64 at all!!!!!!!")).status(), 400, "not base64");
            assertEquals(answer(port, request("GET", "13", KEY, "Sec-WebSocket-Key: " + KEY)).status(), 400, "two keys");
            assertEquals(answer(port, request("GET", null, KEY)).status(), 400, "no version");
            for (String v : new String[] {"8", "12", "14", "x"}) {
                RawWs.Head h = answer(port, request("GET", v, KEY));
                assertEquals(h.status(), 426, "version " + v);
                assertEquals(h.field("Sec-WebSocket-Version"), "13", "the version spoken, with the 426");
            }
            for (String m : new String[] {"POST", "PUT", "HEAD", "DELETE"}) {
                String body = m.equals("POST") || m.equals("PUT") ? "Content-Length: 0" : "X-Nothing: 1";
                RawWs.Head h;
                try (RawWs ws = RawWs.connect(port)) {
                    ws.send(request(m, "13", KEY, body));
                    h = ws.readHead();
                }
                assertEquals(h.status(), 405, m);
                assertEquals(h.field("Allow"), "GET", m);
            }
            assertEquals(answer(port, "GET /echo HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nSec-WebSocket-Key: "
                    + KEY + "\r\nSec-WebSocket-Version: 13\r\n\r\n").status(), 400, "no Upgrade");
            assertEquals(answer(port, "GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nSec-WebSocket-Key: "
                    + KEY + "\r\nSec-WebSocket-Version: 13\r\n\r\n").status(), 400, "no Connection: upgrade");
            assertEquals(answer(port, "GET /echo HTTP/1.0\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: " + KEY + "\r\nSec-WebSocket-Version: 13\r\n\r\n").status(), 400, "HTTP/1.0");
            assertEquals(answer(port, request("GET", "13", KEY, "Content-Length: 3")).status(), 400, "a body");
        });
    }

    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 60_000)
    public void subprotocolsAreChosenInTheClientsOrderAndOriginsChecked(Impl impl) throws Exception {
        WebSocketSettings s = WebSocketSettings.builder().subprotocols(List.of("b", "c"))
                .originCheck(o -> o.isEmpty() || o.get().equals("https://good.example")).build();
        WebSocketFramesTest.serve(impl, "blocking", s, port -> {
            RawWs.Head h = answer(port, request("GET", "13", KEY, "Sec-WebSocket-Protocol: a, c", "Sec-WebSocket-Protocol: b"));
            assertEquals(h.status(), 101);
            assertEquals(h.field("Sec-WebSocket-Protocol"), "c");
            h = answer(port, request("GET", "13", KEY, "Sec-WebSocket-Protocol: x"));
            assertEquals(h.status(), 101);
            assertNull(h.field("Sec-WebSocket-Protocol"), "none of the client's: none chosen");
            assertEquals(answer(port, request("GET", "13", KEY, "Origin: https://good.example")).status(), 101);
            assertEquals(answer(port, request("GET", "13", KEY, "Origin: https://evil.example")).status(), 403);
        });
    }

    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 60_000)
    public void anOrdinaryHandlerUpgradesAfterLookingAtTheRequest(Impl impl) throws Exception {
        HttpProviders.require(impl);
        HttpServer server = impl.server();
        // An executor: the handler runs there, and the connection's own thread must let go.
        ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        server.setExecutor(executor);
        server.createContext("/", x -> {
            Handshake h;
            try {
                h = Handshake.of(x);
            } catch (WebSocketHandshakeException e) {
                return;
            }
            if (x.getRequestURI().getQuery() == null) {
                h.reject(401);
                return;
            }
            x.getResponseHeaders().set("Set-Cookie", "seen=1");
            WebSocket ws = h.accept(h.requestedSubprotocols().get(0));
            // Served by another thread; the handler returns at once.
            Thread.ofVirtual().start(() -> {
                try (ws) {
                    ws.sendText(ws.subprotocol() + " " + ws.requestURI() + " " + ws.requestHeaders().getFirst("X-Who"));
                    for (Message m; (m = ws.receive()) != null; ) {
                        ws.send(m);
                    }
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
        });
        server.start();
        int port = server.getAddress().getPort();
        try {
            assertEquals(answer(port, request("GET", "13", KEY, "Sec-WebSocket-Protocol: p")).status(), 401);
            try (RawWs ws = RawWs.connect(port)) {
                ws.send(request("GET", "13", KEY, "Sec-WebSocket-Protocol: p, q", "X-Who: me").replace("/echo", "/ws?t=1"));
                RawWs.Head h = ws.readHead();
                assertEquals(h.status(), 101);
                assertEquals(h.field("Set-Cookie"), "seen=1");
                assertEquals(h.field("Sec-WebSocket-Protocol"), "p");
                assertEquals(ws.read().text(), "p /ws?t=1 me");
                ws.text("again");
                assertEquals(ws.read().text(), "again");
                ws.frame(RawWs.CLOSE, new byte[] {3, (byte) 232});
                ws.expectClose(1000);
            }
        } finally {
            server.stop(0);
            executor.close();
        }
    }

    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 60_000)
    public void noWebSocketOverHttp2(Impl impl) throws Exception {
        HttpProviders.require(impl);
        HttpsServer server = impl.httpsServer();
        server.setHttpsConfigurator(new HttpsConfigurator(TestCertificates.serverContext()));
        server.createContext("/echo", WebSockets.handler(WebSocketFramesTest::echo));
        server.start();
        try (HttpClient client = HttpClient.newBuilder().sslContext(TestCertificates.clientContext())
                .connectTimeout(Duration.ofSeconds(10)).build()) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(
                    URI.create("https://127.0.0.1:" + server.getAddress().getPort() + "/echo")).build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            assertEquals(r.version(), HttpClient.Version.HTTP_2);
            assertEquals(r.statusCode(), 400);
            assertTrue(r.body().contains("HTTP/1.1"), r.body());
        } finally {
            server.stop(0);
        }
    }
}
