package io.loomux.server.cli;

import io.loomux.Connection;
import io.loomux.server.ConnectionHandler;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Echoes every byte back until the peer closes its side.
 *
 * <p>Memory is what a parked handler holds: the buffer starts at 1 KiB, which small messages
 * never outgrow, and doubles (up to 8 KiB) each time a read fills it, so only connections that
 * move bulk data pay for a bigger one, once.
 */
final class EchoHandler implements ConnectionHandler {

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
            if (filled && buf.capacity() < MAX_BUFFER) {
                buf = ByteBuffer.allocate(buf.capacity() * 2);
            } else {
                buf.clear();
            }
        }
    }
}
