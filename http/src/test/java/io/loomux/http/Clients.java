package io.loomux.http;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.testng.Assert.assertEquals;

/**
 * The JDK's clients as the plain-HTTP tests use them, every one with its timeouts, going
 * straight to 127.0.0.1 (no proxy); and the one way a handler waits for its test.
 */
final class Clients {

    /** How long a client may take to connect, and a request to be answered. */
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    private Clients() {
    }

    /** @return an HTTP/1.1 client with a connect timeout and no proxy */
    static HttpClient http11() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(TIMEOUT)
                .proxy(HttpClient.Builder.NO_PROXY).build();
    }

    /** @return an HTTP/2 client with a connect timeout and no proxy: on http:// it upgrades (h2c) */
    static HttpClient http2() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).connectTimeout(TIMEOUT)
                .proxy(HttpClient.Builder.NO_PROXY).build();
    }

    /** Checks the response's status and body. */
    static void assertResponse(HttpResponse<String> r, int status, String body) {
        assertEquals(r.statusCode(), status, r.toString());
        assertEquals(r.body(), body, r.toString());
    }

    /** @return the server's base URI, http://127.0.0.1:PORT */
    static URI base(HttpServer server) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** @return a request for the path (and query) on the server, with a timeout */
    static HttpRequest.Builder request(HttpServer server, String path) {
        return HttpRequest.newBuilder(base(server).resolve(path)).timeout(TIMEOUT);
    }

    /** @return the response to a GET of the path, its body as a string */
    static HttpResponse<String> get(HttpClient client, HttpServer server, String path) throws Exception {
        return client.send(request(server, path).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** @return the connection, given a connect and a read timeout */
    static <C extends HttpURLConnection> C timed(C c) {
        c.setConnectTimeout((int) TIMEOUT.toMillis());
        c.setReadTimeout((int) TIMEOUT.toMillis());
        return c;
    }

    /**
     * Sends the body as a POST on the connection, in whatever streaming mode the caller set.
     *
     * @return the response code
     */
    static int post(HttpURLConnection u, byte[] body) throws IOException {
        u.setRequestMethod("POST");
        u.setDoOutput(true);
        try (OutputStream os = u.getOutputStream()) {
            os.write(body);
        }
        return u.getResponseCode();
    }

    /**
     * Waits, in a handler, for the test to let it go on.
     *
     * @param latch   what the test counts down
     * @param seconds how long to wait at most
     * @throws IOException if the wait ends otherwise (the exchange then fails, as a handler's would)
     */
    static void await(CountDownLatch latch, int seconds) throws IOException {
        try {
            if (!latch.await(seconds, TimeUnit.SECONDS)) {
                throw new IOException("the test did not let the handler go on within " + seconds + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }
}
