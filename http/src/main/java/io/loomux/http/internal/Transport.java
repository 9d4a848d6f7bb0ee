package io.loomux.http.internal;

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
interface Transport extends Closeable {

    /**
     * @param dst where to put the bytes
     * @return at least 1, or -1 at end of stream
     * @throws IOException including {@link java.net.SocketTimeoutException} after the read timeout
     */
    int read(ByteBuffer dst) throws IOException;

    /**
     * @param src the bytes, all of which are written
     * @throws IOException on failure
     */
    void write(ByteBuffer src) throws IOException;

    /** @param timeout the longest one read waits; zero for no limit */
    void setReadTimeout(Duration timeout);

    /** @return the local address */
    InetSocketAddress localAddress();

    /** @return the peer's address */
    InetSocketAddress remoteAddress();

    /** @return the TLS session, or null on a plain connection */
    SSLSession session();

    /** Closes the connection; idempotent, never throws. */
    @Override
    void close();
}
