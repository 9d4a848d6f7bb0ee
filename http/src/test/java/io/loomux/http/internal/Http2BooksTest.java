package io.loomux.http.internal;

import static org.awaitility.Awaitility.await;
import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.loomux.Loomux;
import io.loomux.http.HttpServerSettings;
import io.loomux.http.RawH2;
import io.loomux.http.internal.h2.Http2Switch;
import org.testng.annotations.Test;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * An HTTP/2 connection keeps the server's books as an HTTP/1.1 one does: it takes the place of
 * the connection it was (one entry, one accept permit), and when it ends, by the client's close
 * or the server's stop, it leaves them and gives its buffer back. The server's own state is
 * looked at, on every backend.
 */
public class Http2BooksTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @Test(dataProvider = "backends", dataProviderClass = BackendNames.class, timeOut = 60_000)
    public void anHttp2ConnectionLeavesTheBooksWhenTheClientCloses(String backend) throws Exception {
        HttpServerSettings settings = HttpServerSettings.builder().http2(true).maxConnections(1).build();
        try (Loomux runtime = BackendNames.open(backend)) {
            ServerCore core = new ServerCore(runtime, settings, new Http2Switch());
            HttpServer server = new LoomuxHttpServer(core);
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.createContext("/", x -> {
                byte[] b = x.getProtocol().getBytes(StandardCharsets.ISO_8859_1);
                x.sendResponseHeaders(200, b.length);
                try (OutputStream out = x.getResponseBody()) {
                    out.write(b);
                }
            });
            server.start();
            try {
                // Twice: the only permit (maxConnections 1) must come back after the first.
                for (int round = 0; round < 2; round++) {
                    try (RawH2 c = RawH2.open(server)) {
                        c.get(1, "/");
                        assertEquals(c.response(1).text(), "HTTP/2.0");
                        assertEquals(core.connections().size(), 1, "one entry for the connection");
                        assertFalse(core.connections().iterator().next() instanceof Http1Connection,
                                "the HTTP/2 connection took the HTTP/1.1 one's place");
                    }
                    await().atMost(WAIT).alias("the closed connection left the books")
                            .until(() -> core.connections().isEmpty());
                }
                RawH2 open = RawH2.open(server);
                open.get(1, "/");
                assertEquals(open.response(1).text(), "HTTP/2.0");
                ServedConnection c = core.connections().iterator().next();
                // Idle: no stream, nothing buffered. Its reader's thread ends and it waits armed,
                // its input and output buffers back in the pools, as an idle HTTP/1.1 one does.
                await().atMost(WAIT).alias("the idle connection waits armed, holding no buffer")
                        .until(() -> c.waitsArmed() && !c.holdsBuffers());
                open.get(3, "/");
                assertEquals(open.response(3).text(), "HTTP/2.0", "the next request wakes it");
                try {
                    await().atMost(WAIT).alias("and it waits armed again").until(() -> c.waitsArmed() && !c.holdsBuffers());
                } catch (org.awaitility.core.ConditionTimeoutException e) {
                    // Which half failed, for the next time this is seen.
                    throw new AssertionError("not armed and free of buffers again: armed " + c.waitsArmed()
                            + ", holds buffers " + c.holdsBuffers(), e);
                }
                server.stop(0);
                await().atMost(WAIT).alias("stop closed it, and it left the books")
                        .until(() -> core.connections().isEmpty());
                assertFalse(c.holdsBuffers(), "its buffer went back");
                open.close();
            } finally {
                server.stop(0);
            }
        }
    }
}
