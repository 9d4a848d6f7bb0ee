package io.loomux.http.internal;

import com.sun.net.httpserver.HttpExchange;
import io.loomux.Loomux;
import io.loomux.http.HttpServerSettings;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One HTTP connection run over a {@link MemoryConnection}: the server's own
 * {@link Http1Connection} on a never-started server whose one context ("/") has a handler that
 * records what it was given. Bytes in; what was written, and each exchange, out.
 */
final class Harness {

    /** How long one input may take, far more than any should. */
    static final long BOUND_MILLIS = 5_000;

    /** Kept so that the silencing below is not collected: refusals are routine here. */
    private static final Logger HTTP_LOG = Logger.getLogger("io.loomux.http");
    private static final Loomux RUNTIME;

    static {
        HTTP_LOG.setLevel(Level.OFF);
        try {
            // Unused by a connection the harness runs itself; the server needs one to exist.
            RUNTIME = Loomux.builder().pollers(1).build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * What the handler saw of one request.
     *
     * @param method     the method
     * @param body       the body bytes it read, up to the end or the failure
     * @param failure    the exception reading the body ended with, or null
     * @param bodyEnd    where the body ended in the input (the connection's consumed bytes), or -1
     * @param declared   the Content-Length value, or -1
     */
    record Exchange(String method, byte[] body, IOException failure, int bodyEnd, long declared) {
    }

    /**
     * What one run gave.
     *
     * @param written   everything the server wrote
     * @param exchanges what each handler call saw, in order
     * @param closed    whether the connection was closed at the end
     */
    record Run(byte[] written, List<Exchange> exchanges, boolean closed) {
    }

    private final ServerCore core;
    private List<Exchange> exchanges;
    private MemoryConnection connection;
    private Http1Connection http;

    Harness(HttpServerSettings settings) {
        core = new ServerCore(RUNTIME, settings);
        new LoomuxHttpServer(core).createContext("/", this::handle);
    }

    /**
     * Serves the input as one connection, to its end.
     *
     * @throws AssertionError if the connection does not end within {@link #BOUND_MILLIS}
     */
    Run run(byte[] input) throws InterruptedException {
        exchanges = new ArrayList<>();
        connection = new MemoryConnection(input);
        http = new Http1Connection(core, connection, null);
        Thread t = Thread.ofVirtual().name("fuzzed connection").start(http);
        if (!t.join(java.time.Duration.ofMillis(BOUND_MILLIS))) {
            http.forceClose();
            t.join(java.time.Duration.ofMillis(BOUND_MILLIS));
            throw new AssertionError("the connection did not end within " + BOUND_MILLIS + " ms");
        }
        return new Run(connection.written(), List.copyOf(exchanges), connection.isClosed());
    }

    /**
     * Reads the whole body (unless the path asks to skip it, which leaves it to the server to
     * drain), then answers: HEAD with no body, a path with "chunk" in chunks, else with a
     * length. Headers X-Fuzz (every handler response) and X-Fuzz-Broken (the body read failed)
     * let the response checker know the exchange.
     */
    private void handle(HttpExchange x) throws IOException {
        String path = x.getRequestURI().getPath();
        boolean skip = path != null && path.contains("skip");
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        IOException failure = null;
        int end = -1;
        if (!skip) {
            InputStream in = x.getRequestBody();
            byte[] buf = new byte[300];
            try {
                // Bounded by the input, which is finite.
                for (int n; (n = in.read(buf)) >= 0; ) {
                    body.write(buf, 0, n);
                }
                end = connection.delivered() - http.input().buffered();
            } catch (IOException e) {
                failure = e;
            }
        }
        String cl = x.getRequestHeaders().getFirst("Content-length");
        long declared = cl == null ? -1 : Long.parseLong(cl.split(",")[0].trim());
        exchanges.add(new Exchange(x.getRequestMethod(), body.toByteArray(), failure, end, declared));
        x.getResponseHeaders().set("X-Fuzz", "handler");
        if (failure != null) {
            x.getResponseHeaders().set("X-Fuzz-Broken", "1");
        }
        byte[] reply = ("read " + body.size()).getBytes(StandardCharsets.ISO_8859_1);
        if (x.getRequestMethod().equals("HEAD")) {
            x.getResponseHeaders().set("X-Fuzz-Head", "1");
            x.sendResponseHeaders(200, -1);
        } else if (path != null && path.contains("chunk")) {
            x.sendResponseHeaders(200, 0);
            try (OutputStream out = x.getResponseBody()) {
                out.write(reply, 0, 2);
                out.write(reply, 2, reply.length - 2);
            }
        } else {
            x.sendResponseHeaders(200, reply.length);
            try (OutputStream out = x.getResponseBody()) {
                out.write(reply);
            }
        }
        x.close();
    }
}
