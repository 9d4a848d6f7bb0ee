package io.loomux.http.internal;

import static org.awaitility.Awaitility.await;
import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.loomux.Loomux;
import io.loomux.http.HttpServerSettings;
import io.loomux.http.TestCertificates;
import io.loomux.http.WsReceived;
import io.loomux.http.websocket.Message;
import io.loomux.http.websocket.MessageListener;
import io.loomux.http.websocket.WebSockets;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The turn style ({@link WebSockets#listener}): between messages a WebSocket holds no thread and
 * no buffer (it waits armed, as an idle HTTP/1.1 connection does), each message still arrives
 * whole, and the listener hears of the close. Over ws and wss, on every backend.
 */
public class WebSocketTurnsTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final int SOCKETS = 20;

    @DataProvider
    public static Object[][] backendsAndSchemes() {
        Object[][] backends = BackendNames.backends();
        List<Object[]> rows = new ArrayList<>();
        for (Object[] b : backends) {
            rows.add(new Object[] {b[0], "ws"});
            rows.add(new Object[] {b[0], "wss"});
        }
        return rows.toArray(Object[][]::new);
    }

    @Test(dataProvider = "backendsAndSchemes", timeOut = 120_000)
    public void idleWebSocketsHoldNoThreadAndNoBuffer(String backend, String scheme) throws Exception {
        Set<Thread> turns = ConcurrentHashMap.newKeySet();
        BlockingQueue<Integer> closes = new LinkedBlockingQueue<>();
        MessageListener echo = new MessageListener() {
            @Override
            public void onMessage(io.loomux.http.websocket.WebSocket ws, Message m) throws java.io.IOException {
                turns.add(Thread.currentThread());
                ws.send(m);
            }

            @Override
            public void onClose(io.loomux.http.websocket.WebSocket ws, int code, String reason) {
                closes.add(code);
            }
        };
        boolean tls = scheme.equals("wss");
        try (Loomux runtime = BackendNames.open(backend)) {
            ServerCore core = new ServerCore(runtime, HttpServerSettings.defaults());
            HttpServer server;
            if (tls) {
                HttpsServer s = new LoomuxHttpsServer(core);
                s.setHttpsConfigurator(new HttpsConfigurator(TestCertificates.serverContext()));
                server = s;
            } else {
                server = new LoomuxHttpServer(core);
            }
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.createContext("/ws", WebSockets.listener(echo));
            server.start();
            HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10));
            if (tls) {
                b.sslContext(TestCertificates.clientContext());
            }
            List<WebSocket> sockets = new ArrayList<>();
            List<WsReceived> received = new ArrayList<>();
            try (HttpClient client = b.build()) {
                URI uri = URI.create(scheme + "://127.0.0.1:" + server.getAddress().getPort() + "/ws");
                for (int i = 0; i < SOCKETS; i++) {
                    WsReceived r = new WsReceived();
                    sockets.add(client.newWebSocketBuilder().buildAsync(uri, r).get(WAIT.toSeconds(), TimeUnit.SECONDS));
                    received.add(r);
                }
                for (int round = 0; round < 3; round++) {
                    for (int i = 0; i < SOCKETS; i++) {
                        sockets.get(i).sendText("round " + round + " socket " + i, true).get(WAIT.toSeconds(), TimeUnit.SECONDS);
                    }
                    for (int i = 0; i < SOCKETS; i++) {
                        assertEquals(received.get(i).next(), "round " + round + " socket " + i);
                    }
                    await().atMost(WAIT).alias("every WebSocket waits armed").until(() ->
                            core.connections().size() == SOCKETS
                                    && core.connections().stream().allMatch(ServedConnection::waitsArmed));
                    for (ServedConnection c : core.connections()) {
                        assertFalse(c.holdsBuffers(), c + " holds buffers while idle");
                    }
                    await().atMost(WAIT).alias("no turn's thread lives on").until(() ->
                            turns.stream().noneMatch(Thread::isAlive));
                }
                for (int i = 0; i < SOCKETS; i++) {
                    sockets.get(i).sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(WAIT.toSeconds(), TimeUnit.SECONDS);
                    assertEquals(received.get(i).next(), WebSocket.NORMAL_CLOSURE);
                }
                for (int i = 0; i < SOCKETS; i++) {
                    assertEquals(closes.poll(WAIT.toSeconds(), TimeUnit.SECONDS), Integer.valueOf(1000),
                            "the listener hears the peer's close code");
                }
                await().atMost(WAIT).until(() -> core.connections().isEmpty());
            } finally {
                for (WebSocket ws : sockets) {
                    ws.abort();
                }
                server.stop(0);
            }
        }
    }
}
