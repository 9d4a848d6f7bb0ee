package io.loomux.server.cli;

import io.loomux.Connection;
import io.loomux.server.ConnectionHandler;
import io.loomux.server.ReadableHandler;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Echoes every byte back until the peer closes its side.
 *
 * <p>Memory is what a parked handler holds: the buffer starts at 1 KiB, which small messages
 * never outgrow, and doubles (up to 8 KiB) each time a read fills it, so only connections that
 * move bulk data pay for a bigger one, once.
 *
 * <p>As a {@link ReadableHandler} ({@code loomux echo --release-idle}) it holds nothing between
 * turns: each turn takes a 1 KiB buffer, echoes what has arrived, growing the buffer as above
 * while reads fill it, and returns when nothing more is queued.
 */
final class EchoHandler implements ConnectionHandler, ReadableHandler {

    static final int INITIAL_BUFFER = 1024;
    static final int MAX_BUFFER = 8 * 1024;

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
        ByteBuffer buf = ByteBuffer.allocate(INITIAL_BUFFER);
        // Ends when nothing more is queued (the server then waits for bytes without a thread)
        // or at end of stream; every other pass moves at least a byte.
        for (;;) {
            int n = c.readAvailable(buf);
            if (n <= 0) {
                return n == 0;
            }
            boolean filled = !buf.hasRemaining();
            buf.flip();
            c.write(buf);
            buf = next(buf, filled);
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
