package io.loomux.bench.soak;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.loomux.Connection;
import io.loomux.server.ConnectionHandler;
import io.loomux.server.ReadableHandler;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;

/**
 * The servers' side of the soak: every byte that comes in goes back, on a TCP connection served
 * by a thread, in turns, or as the body of an HTTP response. Each copies through a fixed 8 KiB
 * buffer, so a client that stops reading stops the server reading too (the soak checks that
 * the server pushes back rather than buffers).
 *
 * <p>{@link Tamper} lets a test break the echo on purpose, to prove that the soak notices.
 */
final class Echo implements ConnectionHandler, ReadableHandler, HttpHandler {

    private static final int BUFFER = 8 * 1024;
    /** Turn buffers kept for reuse: turns running at once, not connections. */
    private static final int TURN_BUFFERS = 64;

    /** Sees (and may change) every buffer just before the server writes it back. */
    @FunctionalInterface
    interface Tamper {
        /** The faithful echo: changes nothing. */
        Tamper NONE = b -> { };

        /** @param data the bytes about to be written, from its position to its limit */
        void beforeWrite(ByteBuffer data);
    }

    private final Tamper tamper;
    private final ArrayBlockingQueue<ByteBuffer> turnBuffers = new ArrayBlockingQueue<>(TURN_BUFFERS);

    Echo(Tamper tamper) {
        this.tamper = Objects.requireNonNull(tamper);
    }

    @Override
    public void handle(Connection c) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(BUFFER);
        // Ends at the peer's end of stream or on an I/O error; every pass moves at least a byte.
        while (c.read(buf) >= 0) {
            writeBack(c, buf);
        }
    }

    @Override
    public boolean serve(Connection c) throws IOException {
        ByteBuffer buf = turnBuffers.poll();
        if (buf == null) {
            buf = ByteBuffer.allocate(BUFFER);
        }
        try {
            // Ends when nothing more is queued or at end of stream; other passes move a byte.
            for (;;) {
                int n = c.readAvailable(buf);
                if (n <= 0) {
                    return n == 0;
                }
                writeBack(c, buf);
            }
        } finally {
            buf.clear();
            turnBuffers.offer(buf); // dropped when the pool is full
        }
    }

    private void writeBack(Connection c, ByteBuffer buf) throws IOException {
        buf.flip();
        tamper.beforeWrite(buf);
        c.write(buf); // writes all that remains
        buf.clear();
    }

    /**
     * Answers 200 with the request body: the same length when it had a Content-Length, chunked
     * when it came chunked.
     */
    @Override
    public void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String length = ex.getRequestHeaders().getFirst("Content-Length");
            long n = length == null ? 0 : Long.parseLong(length.trim());
            ex.sendResponseHeaders(200, length == null ? 0 : n == 0 ? -1 : n);
            byte[] buf = new byte[BUFFER];
            ByteBuffer view = ByteBuffer.wrap(buf);
            InputStream in = ex.getRequestBody();
            OutputStream out = ex.getResponseBody();
            // Ends at the end of the body; every pass moves at least a byte.
            for (int r; (r = in.read(buf)) >= 0; ) {
                view.clear().limit(r);
                tamper.beforeWrite(view);
                out.write(buf, 0, r);
            }
        }
    }
}
