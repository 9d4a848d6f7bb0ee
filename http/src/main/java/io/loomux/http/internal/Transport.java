package io.loomux.http.internal;

import io.loomux.Connection;

import javax.net.ssl.SSLSession;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * The byte stream one HTTP connection runs over: the loomux connection itself, or TLS on top of
 * it. Blocking, like {@link io.loomux.Connection}: a read returns at least one byte or -1, a
 * write writes everything.
 */
abstract class Transport implements Closeable {

    /** The socket under it. */
    protected final Connection connection;

    Transport(Connection connection) {
        this.connection = connection;
    }

    /**
     * @param dst where to put the bytes
     * @return at least 1, or -1 at end of stream
     * @throws IOException including {@link java.net.SocketTimeoutException} after the read timeout
     */
    abstract int read(ByteBuffer dst) throws IOException;

    /**
     * @param src the bytes, all of which are written
     * @throws IOException on failure
     */
    abstract void write(ByteBuffer src) throws IOException;

    /** @return the TLS session, or null on a plain connection */
    abstract SSLSession session();

    /** @param timeout the longest one read waits; zero for no limit */
    final void setReadTimeout(Duration timeout) {
        connection.setReadTimeout(timeout);
    }

    /** @return the local address */
    final InetSocketAddress localAddress() {
        return connection.localAddress();
    }

    /** @return the peer's address */
    final InetSocketAddress remoteAddress() {
        return connection.remoteAddress();
    }

    /** Closes the connection; idempotent, never throws. */
    @Override
    public void close() {
        try {
            connection.close();
        } catch (IOException ignored) {
            // Closing releases the descriptor whatever the error; nothing more to do.
        }
    }
}
