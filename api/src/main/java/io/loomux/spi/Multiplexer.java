package io.loomux.spi;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.util.Map;

/**
 * An open backend: it creates non-blocking sockets and poll sets. Thread-safe.
 */
public interface Multiplexer extends Closeable {

    /**
     * Opens a non-blocking listening socket.
     *
     * @param local   the address to bind; port 0 picks a free port; an IPv6 wildcard accepts IPv4
     *                too where the OS allows it
     * @param backlog the listen backlog; 0 or less picks the backend's default
     * @param options socket options set before binding ({@code SO_REUSEADDR}, {@code SO_RCVBUF}, ...),
     *                in iteration order
     * @return the bound, listening socket
     * @throws IOException                   if the socket cannot be created or bound
     * @throws UnsupportedOperationException if an option is not supported
     */
    ListenerHandle listen(InetSocketAddress local, int backlog, Map<SocketOption<?>, ?> options)
            throws IOException;

    /**
     * Starts a non-blocking connect. The connect may finish at once or later: register the
     * handle, then call {@link SocketHandle#finishConnect()} until it returns true, waiting for
     * {@link Events#WRITABLE} between calls.
     *
     * @param remote  the resolved address to connect to
     * @param options socket options set before connecting, in iteration order
     * @return the connecting socket
     * @throws IOException if the socket cannot be created or the connect fails at once
     */
    SocketHandle connect(InetSocketAddress remote, Map<SocketOption<?>, ?> options) throws IOException;

    /**
     * Opens a poll set. Each poll set is polled by one thread.
     *
     * @return a new poll set
     * @throws IOException if it cannot be opened
     */
    PollSet openPollSet() throws IOException;

    /**
     * Releases what the backend holds. Handles and poll sets are closed by their owners first.
     */
    @Override
    void close() throws IOException;
}
