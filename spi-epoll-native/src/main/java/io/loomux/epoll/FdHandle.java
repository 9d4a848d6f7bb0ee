package io.loomux.epoll;

import io.loomux.spi.Handle;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.nio.channels.ClosedChannelException;
import java.util.Set;

/**
 * A socket descriptor of this backend. The descriptor number is released only by {@link #close()},
 * which the blocking layer calls once, after no other call on the handle can be in progress
 * (see {@link Handle}); the {@code closed} flag makes a second close harmless and lets direct SPI
 * users get a ClosedChannelException instead of acting on a number that may have been reused.
 */
abstract class FdHandle implements Handle {

    private static final VarHandle CLOSED;

    static {
        try {
            CLOSED = MethodHandles.lookup().findVarHandle(FdHandle.class, "closed", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The descriptor; valid until {@link #close()}. */
    final int fd;
    /** The socket is AF_INET6. */
    final boolean ipv6;
    /** The registration, once registered; a socket is registered with one poll set. */
    volatile EpollRegistration registration;
    @SuppressWarnings("unused") // through CLOSED
    private volatile boolean closed;

    FdHandle(int fd, boolean ipv6) {
        this.fd = fd;
        this.ipv6 = ipv6;
    }

    /** @return the EPOLL* bits this kind of socket is registered with, EPOLLET included */
    abstract int epollEvents();

    /**
     * @throws ClosedChannelException if {@link #close()} ran
     */
    final void ensureOpen() throws ClosedChannelException {
        if (closed) {
            throw new ClosedChannelException();
        }
    }

    @Override
    public InetSocketAddress localAddress() throws IOException {
        ensureOpen();
        byte[] enc = new byte[Native.SOCKADDR_BYTES];
        int rc = Native.localAddress(fd, enc);
        if (rc < 0) {
            throw Errors.exception("getsockname", rc);
        }
        return Addresses.decode(enc);
    }

    @Override
    public <T> void setOption(SocketOption<T> option, T value) throws IOException {
        ensureOpen();
        Options.set(fd, option, value);
    }

    @Override
    public <T> T getOption(SocketOption<T> option) throws IOException {
        ensureOpen();
        return Options.get(fd, option);
    }

    @Override
    public Set<SocketOption<?>> supportedOptions() {
        return Options.SUPPORTED;
    }

    /**
     * Closes the descriptor, which also removes it from its epoll set (no epoll_ctl needed: the
     * kernel drops a file's registrations when its last descriptor closes, and every descriptor
     * here is close-on-exec and never duplicated).
     */
    @Override
    public void close() throws IOException {
        if (!CLOSED.compareAndSet(this, false, true)) {
            return;
        }
        int rc = Native.close(fd);
        if (rc < 0) {
            throw Errors.exception("close", rc);
        }
    }

    /** @return true once closed */
    final boolean isClosed() {
        return closed;
    }
}
