package io.loomux.http;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.loomux.http.websocket.WebSocketSettings;
import io.loomux.http.websocket.WebSockets;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * The JDK's own WebSocket client ({@code HttpClient.newWebSocketBuilder()}) against a loomux
 * server, over ws and wss, on every backend, in the blocking style and in turns: thousands of text and binary messages of random
 * sizes up to the 1 MiB limit echoed, every byte compared; and messages sent by several server
 * threads at once, each arriving whole.
 */
public class WebSocketJdkClientTest {

    private static final long WAIT_SECONDS = WsReceived.WAIT_SECONDS;

    @DataProvider
    public static Object[][] backendsAndSchemes() {
        return HttpProviders.loomuxWith(new Object[] {"ws"}, new Object[] {"wss"});
    }

    @DataProvider
    public static Object[][] backendsSchemesAndStyles() {
        return HttpProviders.loomuxWith(new Object[] {"ws", "blocking"}, new Object[] {"wss", "blocking"},
                new Object[] {"ws", "turns"}, new Object[] {"wss", "turns"});
    }

    private interface ClientRun {
        void run(WebSocket ws, WsReceived got) throws Exception;
    }

    private static void withClient(Impl impl, String scheme, HttpHandler handler, ClientRun test) throws Exception {
        HttpProviders.require(impl);
        boolean tls = scheme.equals("wss");
        HttpServer server = impl.server(tls);
        server.createContext("/ws", handler);
        server.start();
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10));
        if (tls) {
            b.sslContext(TestCertificates.clientContext());
        }
        try (HttpClient client = b.build()) {
            WsReceived got = new WsReceived();
            URI uri = URI.create(scheme + "://127.0.0.1:" + server.getAddress().getPort() + "/ws");
            WebSocket ws = client.newWebSocketBuilder().buildAsync(uri, got).get(WAIT_SECONDS, TimeUnit.SECONDS);
            try {
                test.run(ws, got);
                ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(WAIT_SECONDS, TimeUnit.SECONDS);
                assertEquals(got.next(), WebSocket.NORMAL_CLOSURE, "the server answers the Close with its code");
            } finally {
                // Else the client's close waits for a WebSocket a failed test left open.
                ws.abort();
            }
        } finally {
            server.stop(0);
        }
    }

    /** Sizes: mostly small, one in ten up to 1 MiB (spread evenly over the orders of size), and 1 MiB itself now and then. */
    private static int size(Random r, int i) {
        if (i % 250 == 0) {
            return 1 << 20;
        }
        int max = r.nextInt(10) == 0 ? 1 << 20 : 4096;
        return (int) Math.min(max, Math.exp(r.nextDouble() * Math.log(max + 1)));
    }

    /** Random text whose UTF-8 is at most {@code bytes} long: code points of 1 to 4 bytes, no surrogates. */
    private static String text(Random r, int bytes) {
        StringBuilder b = new StringBuilder();
        int used = 0;
        // Bounded by bytes: each pass adds at least one byte.
        while (used < bytes) {
            int kind = r.nextInt(4);
            int cp;
            int len;
            if (kind == 0 || bytes - used < 4) {
                cp = 0x20 + r.nextInt(0x5F);
                len = 1;
            } else if (kind == 1) {
                cp = 0x80 + r.nextInt(0x780);
                len = 2;
            } else if (kind == 2) {
                cp = 0x800 + r.nextInt(0x10000 - 0x800 - 0x800);
                if (cp >= 0xD800) {
                    cp += 0x800; // past the surrogates
                }
                len = 3;
            } else {
                cp = 0x10000 + r.nextInt(0x100000);
                len = 4;
            }
            b.appendCodePoint(cp);
            used += len;
        }
        return b.toString();
    }

    @Test(dataProvider = "backendsSchemesAndStyles", timeOut = 120_000)
    public void thousandsOfRandomMessagesAreEchoedWhole(Impl impl, String scheme, String style) throws Exception {
        withClient(impl, scheme, WebSocketFramesTest.echo(style, WebSocketSettings.defaults()),
                (ws, got) -> echoRandom(ws, got, 2000, 0x5eed + scheme.length()));
    }

    /** The JDK's client offers no extension: with permessage-deflate on, it is served as before. */
    @Test(dataProvider = "backendsSchemesAndStyles", timeOut = 120_000)
    public void aClientOfferingNoDeflateIsServedWithDeflateOn(Impl impl, String scheme, String style) throws Exception {
        WebSocketSettings on = WebSocketSettings.builder().permessageDeflate(true).build();
        withClient(impl, scheme, WebSocketFramesTest.echo(style, on), (ws, got) -> echoRandom(ws, got, 100, 7));
    }

    /** Sends {@code count} random text and binary messages, each echo compared with what went. */
    private static void echoRandom(WebSocket ws, WsReceived got, int count, long seed) throws Exception {
        Random r = new Random(seed);
        for (int i = 0; i < count; i++) {
            int n = size(r, i);
            if (r.nextBoolean()) {
                String s = text(r, n);
                ws.sendText(s, true).get(WAIT_SECONDS, TimeUnit.SECONDS);
                Object back = got.next();
                assertTrue(back instanceof String, "message " + i + ": text expected, got " + back.getClass());
                assertEquals(((String) back).getBytes(StandardCharsets.UTF_8), s.getBytes(StandardCharsets.UTF_8),
                        "message " + i + " (" + n + " bytes)");
            } else {
                byte[] b = new byte[n];
                r.nextBytes(b);
                ws.sendBinary(ByteBuffer.wrap(b.clone()), true).get(WAIT_SECONDS, TimeUnit.SECONDS);
                Object back = got.next();
                assertTrue(back instanceof byte[], "message " + i + ": binary expected, got " + back.getClass());
                assertTrue(Arrays.equals((byte[]) back, b), "message " + i + " (" + n + " bytes)");
            }
        }
    }

    /** A message of a sender's: its number and index in the first 8 bytes, its bytes derived from them. */
    private static byte[] numbered(int sender, int index, int size) {
        byte[] b = new byte[Math.max(8, size)];
        ByteBuffer.wrap(b).putInt(sender).putInt(index);
        Random r = new Random(sender * 100_003L + index);
        for (int i = 8; i < b.length; i++) {
            b[i] = (byte) r.nextInt();
        }
        return b;
    }

    @Test(dataProvider = "backendsAndSchemes", timeOut = 120_000)
    public void messagesSentFromSeveralThreadsAtOnceNeverInterleave(Impl impl, String scheme) throws Exception {
        int senders = 4;
        int each = 150;
        withClient(impl, scheme, WebSockets.handler(ws -> {
            List<Thread> threads = new ArrayList<>();
            for (int s = 0; s < senders; s++) {
                int sender = s;
                threads.add(Thread.ofVirtual().start(() -> {
                    Random r = new Random(sender);
                    try {
                        for (int i = 0; i < each; i++) {
                            ws.sendBinary(numbered(sender, i, r.nextInt(200_000)));
                        }
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }));
            }
            for (Thread t : threads) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    throw new java.io.InterruptedIOException();
                }
            }
            // Bounded by the client: it closes after counting every message.
            while (ws.receive() != null) {
                // Nothing is sent to this side but the Close.
            }
        }), (ws, got) -> {
            int[] next = new int[senders];
            for (int n = 0; n < senders * each; n++) {
                Object o = got.next();
                assertTrue(o instanceof byte[], "message " + n + ": " + o);
                byte[] b = (byte[]) o;
                ByteBuffer h = ByteBuffer.wrap(b);
                int sender = h.getInt();
                int index = h.getInt();
                assertEquals(index, next[sender]++, "sender " + sender + "'s messages in order");
                assertTrue(Arrays.equals(b, numbered(sender, index, b.length)), "message " + index + " of " + sender);
            }
        });
    }
}
