package io.loomux.cli;

import io.loomux.Connection;
import io.loomux.server.ConnectionHandler;
import io.loomux.server.ReadableHandler;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.ArrayBlockingQueue;

/**
 * Echoes every byte back until the peer closes its side.
 *
 * <p>Memory is what a parked handler holds: the buffer starts at 1 KiB, which small messages
 * never outgrow, and doubles (up to 8 KiB) each time a read fills it, so only connections that
 * move bulk data pay for a bigger one, once.
 *
 * <p>As a {@link ReadableHandler} ({@code loomux echo --release-idle}) it holds nothing between
 * turns: each turn borrows an 8 KiB buffer from a small pool shared by all connections, echoes
 * what has arrived, and gives the buffer back when nothing more is queued.
 */
final class EchoHandler implements ConnectionHandler, ReadableHandler {

    static final int INITIAL_BUFFER = 1024;
    static final int MAX_BUFFER = 8 * 1024;
    /** Most turn buffers kept for reuse: turns running or blocked in a write at once, not connections. */
    static final int TURN_BUFFERS = 256;

    /**
     * Buffers for turns: a turn holds one only while it runs, so a few serve every connection,
     * and reusing them spares an allocation per message (at tens of thousands of messages a
     * second that is hundreds of MB/s the collector would otherwise sweep).
     */
    private final ArrayBlockingQueue<ByteBuffer> turnBuffers = new ArrayBlockingQueue<>(TURN_BUFFERS);

    @Override
    public void handle(Connection c) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(INITIAL_BUFFER);
        // Ends at the peer's end of stream or on an I/O error; every pass moves at least a byte.
        while (c.read(buf) >= 0) {
            boolean filled = !buf.hasRemaining();
            buf.flip();
            c.write(buf);
            buf = next(buf, filled);
        }
    }

    @Override
    public boolean serve(Connection c) throws IOException {
        ByteBuffer buf = turnBuffers.poll();
        if (buf == null) {
            buf = ByteBuffer.allocate(MAX_BUFFER);
        }
        try {
            // Ends when nothing more is queued (the server then waits for bytes without a
            // thread) or at end of stream; every other pass moves at least a byte.
            for (;;) {
                int n = c.readAvailable(buf);
                if (n <= 0) {
                    return n == 0;
                }
                buf.flip();
                c.write(buf);
                buf.clear();
            }
        } finally {
            buf.clear();
            turnBuffers.offer(buf); // dropped when the pool is full
        }
    }

    /** The buffer for the next read: twice the size after a read that filled it, up to the cap. */
    private static ByteBuffer next(ByteBuffer buf, boolean filled) {
        if (filled && buf.capacity() < MAX_BUFFER) {
            return ByteBuffer.allocate(buf.capacity() * 2);
        }
        return buf.clear();
    }
}
