package io.loomux.selector.internal;

import io.loomux.spi.ListenerHandle;
import io.loomux.spi.SocketHandle;

import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * A listening socket: a non-blocking, bound {@link ServerSocketChannel}.
 * {@link io.loomux.spi.Events#READABLE} means a connection is pending;
 * {@link io.loomux.spi.Events#WRITABLE} means nothing for a listener and arming it is ignored.
 */
public final class ChannelListenerHandle extends ChannelHandle<ServerSocketChannel> implements ListenerHandle {

    /** @param channel a bound channel already in non-blocking mode */
    ChannelListenerHandle(ServerSocketChannel channel) {
        super(channel);
    }

    @Override
    int readOps() {
        return SelectionKey.OP_ACCEPT;
    }

    @Override
    int writeOps() {
        return 0;
    }

    /**
     * @return the accepted socket in non-blocking mode, or {@code null} when none is pending
     * @throws java.net.SocketException for a failure of accept, "Too many open files" included
     */
    @Override
    public SocketHandle accept() throws IOException {
        SocketChannel accepted;
        try {
            accepted = channel.accept();
        } catch (IOException e) {
            throw asSocketException(e);
        }
        if (accepted == null) {
            return null;
        }
        try {
            accepted.configureBlocking(false);
        } catch (IOException | RuntimeException e) {
            try {
                accepted.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        return new ChannelSocketHandle(accepted);
    }

    /**
     * Closes the listener and waits (up to {@link #RELEASE_WAIT_NANOS}) until the selector has
     * deregistered it, which is when the JDK really closes the socket. Without the wait the port
     * would still accept connections, and refuse a new bind, for a moment after close returns:
     * a server stopped and started again on its port would fail. Sockets do not wait (their
     * close is on the hot path and nobody rebinds them).
     */
    @Override
    public void close() throws IOException {
        super.close();
        long deadline = System.nanoTime() + RELEASE_WAIT_NANOS;
        // Bounded by the deadline; the poller deregisters the channel at its next selection,
        // which the close above woke.
        while (channel.isRegistered() && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(100_000);
        }
    }

    /** The longest a listener's close waits for its release: long enough for a busy poller. */
    private static final long RELEASE_WAIT_NANOS = 2_000_000_000L;
}
