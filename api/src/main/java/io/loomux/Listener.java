package io.loomux;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * A listening TCP socket whose {@link #accept()} parks the calling thread until a connection
 * arrives. Several threads may accept at once.
 */
public interface Listener extends Closeable {

    /**
     * Waits for and accepts one connection.
     *
     * @return the new connection, registered with a poller and ready for blocking I/O
     * @throws java.nio.channels.ClosedChannelException     if the listener is closed (
     *     {@link java.nio.channels.AsynchronousCloseException} when closed while waiting)
     * @throws java.nio.channels.ClosedByInterruptException if the thread is interrupted; the
     *     listener is then closed, as {@link java.nio.channels.InterruptibleChannel} does
     * @throws IOException on other failures, such as running out of file descriptors (a
     *     {@link java.net.SocketException} whose message contains "Too many open files"): the
     *     listener stays open, and the caller should back off before accepting again
     */
    Connection accept() throws IOException;

    /**
     * As {@link #accept()}, giving up after a timeout.
     *
     * @param timeout how long to wait; zero or negative waits without limit
     * @return the new connection
     * @throws java.net.SocketTimeoutException if none arrived in time; the listener stays usable
     * @throws IOException as {@link #accept()}
     */
    Connection accept(Duration timeout) throws IOException;

    /** @return the bound address, with the actual port when bound to port 0 */
    InetSocketAddress localAddress();

    /** @return false once closed */
    boolean isOpen();

    /**
     * Closes the listener; threads waiting in {@code accept} wake with
     * {@link java.nio.channels.AsynchronousCloseException}. Idempotent.
     */
    @Override
    void close() throws IOException;
}
