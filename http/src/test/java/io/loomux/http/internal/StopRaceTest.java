package io.loomux.http.internal;

import com.sun.net.httpserver.HttpServer;
import io.loomux.Loomux;
import io.loomux.http.HttpServerSettings;
import org.testng.annotations.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.testng.Assert.assertTrue;

/**
 * {@link ServerCore#stop(int)} against requests that are on their way, with the server's own
 * state looked at (so the test knows where the connection is, instead of guessing by time): a
 * stop must wait for every request that has begun, up to its delay, on every backend.
 */
public class StopRaceTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    /**
     * A connection is BUSY from its request's first byte, so stop does not close it as idle; the
     * request must then count as an exchange in progress from that byte on. Counted only once its
     * head was complete, a stop in between found nothing to wait for and closed the connection
     * under the request (or, had the head's last byte come just then, let its handler run after
     * stop had returned).
     */
    @Test(dataProvider = "backends", dataProviderClass = BackendNames.class, timeOut = 30_000)
    public void stopWaitsForARequestWhoseHeadIsArriving(String backend) throws Exception {
        ExecutorService stopper = Executors.newSingleThreadExecutor();
        try (Loomux runtime = BackendNames.open(backend)) {
            ServerCore core = new ServerCore(runtime, HttpServerSettings.defaults());
            HttpServer server = new LoomuxHttpServer(core);
            try {
                server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
                server.createContext("/", x -> {
                    byte[] b = "served".getBytes(StandardCharsets.ISO_8859_1);
                    x.sendResponseHeaders(200, b.length);
                    try (OutputStream os = x.getResponseBody()) {
                        os.write(b);
                    }
                });
                server.start();
                try (Socket s = new Socket()) {
                    s.setSoTimeout((int) WAIT.toMillis());
                    s.connect(server.getAddress(), (int) WAIT.toMillis());
                    OutputStream out = s.getOutputStream();
                    out.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n".getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                    await().atMost(WAIT).alias("the server read the request's first byte")
                            .until(() -> core.connections().stream().anyMatch(c -> c instanceof Http1Connection h && h.busy()));

                    CompletableFuture<Void> stopped = CompletableFuture.runAsync(() -> server.stop(5), stopper);
                    await().alias("stop(5) waits while a request is arriving").during(Duration.ofMillis(300))
                            .atMost(Duration.ofSeconds(2)).until(() -> !stopped.isDone());

                    out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                    String response = readAll(s.getInputStream());
                    assertTrue(response.startsWith("HTTP/1.1 200 "), "the request begun before stop: " + response);
                    assertTrue(response.endsWith("\r\n\r\nserved"), response);
                    stopped.get(WAIT.toSeconds(), TimeUnit.SECONDS);
                }
            } finally {
                server.stop(0);
            }
        } finally {
            stopper.shutdownNow();
        }
    }

    /** @return every byte until the server closes the connection, bounded by the read timeout */
    private static String readAll(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        byte[] buf = new byte[1024];
        // Bounded: a stop closes the connection after this one response, and each read times out.
        for (int i = 0; i < 1024; i++) {
            int n;
            try {
                n = in.read(buf);
            } catch (java.net.SocketException e) {
                break;
            }
            if (n < 0) {
                break;
            }
            b.write(buf, 0, n);
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }
}
