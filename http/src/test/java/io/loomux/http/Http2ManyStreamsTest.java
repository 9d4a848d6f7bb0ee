package io.loomux.http;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import com.sun.net.httpserver.HttpServer;
import org.testng.annotations.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Many streams at once: 100 connections, each with 100 requests open at the same time, every
 * request with a body of its own and every response carrying it back transformed, every byte
 * checked. A byte lost, doubled or given to the wrong stream fails it; on every backend.
 */
public class Http2ManyStreamsTest {

    private static final int CONNECTIONS = 100;
    private static final int STREAMS = 100;

    /** The body of one request: its connection and stream in every word, a length of its own. */
    static byte[] body(int connection, int stream) {
        int words = 64 + (connection * 31 + stream * 17) % 512;
        ByteBuffer b = ByteBuffer.allocate(words * 8);
        for (int i = 0; i < words; i++) {
            b.putInt(connection << 16 | stream).putInt(i);
        }
        return b.array();
    }

    /** What the handler sends back: the body, every byte flipped, so an echo of the wrong bytes fails. */
    static byte[] answer(byte[] body) {
        byte[] out = new byte[body.length];
        for (int i = 0; i < body.length; i++) {
            out[i] = (byte) ~body[i];
        }
        return out;
    }

    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 180_000)
    public void aHundredConnectionsOfAHundredStreamsEachGetTheirOwnBytesBack(Impl impl) throws Exception {
        HttpServer s = Servers.withSettings(impl, HttpServerSettings.builder().http2(true).build());
        s.createContext("/", x -> {
            byte[] in;
            try (InputStream body = x.getRequestBody()) {
                in = body.readAllBytes();
            }
            byte[] out = answer(in);
            x.sendResponseHeaders(200, out.length);
            try (OutputStream o = x.getResponseBody()) {
                // In two writes, so that a response is more than one DATA frame now and then.
                o.write(out, 0, out.length / 3);
                o.write(out, out.length / 3, out.length - out.length / 3);
            }
        });
        s.start();
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Integer>> done = new ArrayList<>();
            for (int c = 0; c < CONNECTIONS; c++) {
                int connection = c;
                done.add(clients.submit(() -> oneConnection(s, connection)));
            }
            int checked = 0;
            for (Future<Integer> f : done) {
                checked += f.get(150, TimeUnit.SECONDS);
            }
            assertEquals(checked, CONNECTIONS * STREAMS);
        } finally {
            s.stop(0);
        }
    }

    /** @return the responses checked */
    private static int oneConnection(HttpServer s, int connection) throws Exception {
        try (RawH2 c = RawH2.open(s)) {
            List<Integer> ids = new ArrayList<>();
            for (int i = 0; i < STREAMS; i++) {
                int id = 1 + 2 * i;
                ids.add(id);
                byte[] b = body(connection, i);
                c.headers(id, false, ":method", "POST", ":scheme", "http", ":authority", "x", ":path", "/" + i,
                        "content-length", Integer.toString(b.length));
                c.data(id, b, true);
            }
            Map<Integer, RawH2.Response> got = c.responses(ids);
            for (int i = 0; i < STREAMS; i++) {
                RawH2.Response r = got.get(1 + 2 * i);
                assertEquals(r.status(), 200, "connection " + connection + " stream " + i);
                assertTrue(java.util.Arrays.equals(r.body(), answer(body(connection, i))),
                        "connection " + connection + " stream " + i + ": the bytes that came back are not its own");
            }
            return STREAMS;
        }
    }
}
