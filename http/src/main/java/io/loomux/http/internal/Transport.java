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
public abstract class Transport implements Closeable {

    /**
     * How long a connection closed after an answer (or an HTTP/2 GOAWAY), while its client may
     * still be sending, reads and discards before it closes (see {@link Transport#closeLingering}): long enough for
     * a client on any sane link to finish sending a refused head or an unread body and read the
     * answer, short enough that lingering connections cannot pile up.
     */
    public static final Duration LINGER_TIME = Duration.ofSeconds(2);
    /** The most bytes discarded while lingering: a client that sends more gets the reset. */
    public static final long LINGER_BYTES = 1 << 20;

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
    public abstract void write(ByteBuffer src) throws IOException;

    /**
     * Writes every remaining byte of the buffers, in order: a frame's head and its payload in one
     * system call (or one TLS record) where the transport can.
     *
     * @param srcs the bytes, all of which are written
     * @throws IOException on failure
     */
    public void write(ByteBuffer[] srcs) throws IOException {
        for (ByteBuffer b : srcs) {
            write(b);
        }
    }

    /** @return the TLS session, or null on a plain connection */
    public abstract SSLSession session();

    /**
     * @return whether this transport buffers nothing of its own, so that a socket event will
     *     announce the client's next bytes; a plain connection never does
     */
    public boolean drained() {
        return true;
    }

    /** Hands any buffers of its own back while the connection waits armed; only once drained. */
    public void giveBack() {
    }

    /** Takes buffers again after {@link #giveBack()}. */
    public void lend() {
    }

    /** @return whether it holds buffers of its own now (tests look) */
    public boolean holdsBuffers() {
        return false;
    }

    /**
     * Waits for the next bytes with no thread: see {@link Connection#onReadable(Runnable, java.util.concurrent.Executor)}.
     *
     * @return true if armed; false to read now, on the calling thread
     */
    public final boolean onReadable(Runnable task, java.util.concurrent.Executor starter) {
        return connection.onReadable(task, starter);
    }

    /** @param timeout the longest one write waits for the peer to read; zero for no limit */
    public final void setWriteTimeout(Duration timeout) {
        connection.setWriteTimeout(timeout);
    }

    /** @param timeout the longest one read waits; zero for no limit */
    final void setReadTimeout(Duration timeout) {
        connection.setReadTimeout(timeout);
    }

    /** @return the local address */
    public final InetSocketAddress localAddress() {
        return connection.localAddress();
    }

    /** @return the peer's address */
    public final InetSocketAddress remoteAddress() {
        return connection.remoteAddress();
    }

    /**
     * Ends what this side sends: the client reads the end of the stream after the response.
     *
     * @throws IOException if the connection is closed or failed
     */
    public void shutdownOutput() throws IOException {
        connection.shutdownOutput();
    }

    /**
     * Closes lingering, as nginx does, when the client may still be sending: a close with bytes
     * unread makes the kernel send a reset, which fails the client's send of the rest of its
     * request (most clients then give up without reading the answer) and may destroy the
     * answer in the client's buffer. So the output is shut down first (the response is whole
     * and ends in a FIN), then what arrives is read and discarded until the client closes, or
     * {@code time} has passed, or {@code bytes} were discarded, and only then is the connection
     * closed. Any failure ends the lingering; so does {@link #close()} from another thread (the
     * server's stop), which wakes the read. It lingers up to {@link #LINGER_TIME} and
     * {@link #LINGER_BYTES}.
     */
    public final void closeLingering() {
        closeLingering(LINGER_TIME, LINGER_BYTES);
    }

    /**
     * As {@link #closeLingering()}, with limits of the caller's.
     *
     * @param time  the longest the lingering lasts
     * @param bytes the most bytes discarded
     */
    public final void closeLingering(Duration time, long bytes) {
        try {
            shutdownOutput();
            long deadline = System.nanoTime() + time.toNanos();
            // Error path only: a buffer of its own costs nothing on the way of a served request.
            ByteBuffer discard = ByteBuffer.allocate(8192);
            long left = bytes;
            // Bounded by the deadline and by the byte count.
            while (left > 0) {
                long wait = deadline - System.nanoTime();
                if (wait <= 0) {
                    break;
                }
                connection.setReadTimeout(Duration.ofNanos(wait));
                discard.clear();
                int n = connection.read(discard);
                if (n < 0) {
                    break;
                }
                left -= n;
            }
        } catch (IOException | RuntimeException ignored) {
            // A timeout, a reset, or the server's stop closing it: the lingering is over.
        }
        close();
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
