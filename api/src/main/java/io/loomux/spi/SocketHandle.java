package io.loomux.spi;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * A non-blocking connected (or connecting) TCP socket. Reads and writes never block: "would
 * block" is the return value 0. One reader and one writer may call at the same time, and any
 * other call (addresses, options, shutdown) may overlap them; none is made once
 * {@link #close()} has begun (see {@link Handle}).
 *
 * <p>The blocking layer reads two facts from the counts, so a backend must keep them true:
 * <ul>
 *   <li>a read that returns fewer bytes than {@code dst.remaining()} means the receive queue is
 *       empty now (on an {@link Triggering#EDGE} backend the layer then waits for the next edge
 *       without reading again); a backend that copies through a bounce buffer keeps reading
 *       until a chunk comes back short;</li>
 *   <li>a write that takes fewer bytes than offered means the send buffer is full now (the layer
 *       then waits for {@link Events#WRITABLE}); a backend that caps a call, for instance at
 *       {@code IOV_MAX} buffers, continues until the kernel takes less than offered.</li>
 * </ul>
 *
 * <p>Errors are reported as the JDK's sockets report them, with the JDK's exact message text: a reset is a
 * {@link java.net.SocketException} with the message "Connection reset"; a write after the peer
 * closed is a {@code SocketException} ("Broken pipe" or "Connection reset").
 */
public interface SocketHandle extends Handle {

    /**
     * Finishes a connect started by {@link Multiplexer#connect}; true at once for accepted sockets.
     * Until it has returned true the blocking layer arms only {@link Events#WRITABLE}.
     *
     * @return true when connected, false while still in progress
     * @throws IOException if the connect failed, e.g. {@link java.net.ConnectException}
     */
    boolean finishConnect() throws IOException;

    /**
     * @return the connected peer's address
     * @throws IOException if it cannot be read
     */
    InetSocketAddress remoteAddress() throws IOException;

    /**
     * Reads what is available, up to {@code dst.remaining()} bytes (never called with none
     * remaining), advancing the position.
     *
     * @param dst a heap or direct buffer
     * @return the count read, {@code 0} if it would block, {@code -1} at end of stream
     * @throws IOException on a socket error
     */
    int read(ByteBuffer dst) throws IOException;

    /**
     * Writes what the socket takes now, advancing the position.
     *
     * @param src a heap or direct buffer with bytes remaining
     * @return the count written, {@code 0} if it would block
     * @throws IOException on a socket error
     */
    int write(ByteBuffer src) throws IOException;

    /**
     * Gathering write of what the socket takes now, advancing the positions.
     *
     * @param srcs   the buffers
     * @param offset the first buffer to write
     * @param length how many buffers from {@code offset}
     * @return the count written, {@code 0} if it would block
     * @throws IOException on a socket error
     */
    long write(ByteBuffer[] srcs, int offset, int length) throws IOException;

    /**
     * Shuts down the output direction (the peer reads end of stream).
     *
     * @throws IOException on a socket error
     */
    void shutdownOutput() throws IOException;

    /**
     * Shuts down the input direction; later reads return end of stream.
     *
     * @throws IOException on a socket error
     */
    void shutdownInput() throws IOException;
}
