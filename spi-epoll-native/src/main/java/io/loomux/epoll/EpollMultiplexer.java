package io.loomux.epoll;

import io.loomux.spi.ListenerHandle;
import io.loomux.spi.Multiplexer;
import io.loomux.spi.PollSet;
import io.loomux.spi.SocketHandle;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.util.Map;
import java.util.Objects;

/**
 * The open epoll backend. Stateless apart from a closed flag: every socket and poll set owns its
 * descriptors, so this is thread-safe without locks.
 */
final class EpollMultiplexer implements Multiplexer {

    /** The listen backlog when the caller leaves it to us; the kernel caps it at net.core.somaxconn. */
    static final int DEFAULT_BACKLOG = 4096;

    private volatile boolean closed;

    EpollMultiplexer() {
    }

    @Override
    public ListenerHandle listen(InetSocketAddress local, int backlog, Map<SocketOption<?>, ?> options)
            throws IOException {
        Objects.requireNonNull(local, "local");
        Objects.requireNonNull(options, "options");
        ensureOpen();
        InetAddress ip = Addresses.resolved(local);
        boolean v6 = Addresses.isIpv6(local);
        int fd = open(v6);
        try {
            applyOptions(fd, options);
            int rc = Native.bind(fd, v6, ip.getAddress(), local.getPort(), Addresses.scopeId(local));
            if (rc < 0) {
                throw Errors.exception("bind " + local, rc);
            }
            rc = Native.listen(fd, backlog > 0 ? backlog : DEFAULT_BACKLOG);
            if (rc < 0) {
                throw Errors.exception("listen", rc);
            }
        } catch (IOException | RuntimeException e) {
            Native.close(fd);
            throw e;
        }
        return new EpollListenerHandle(fd, v6);
    }

    @Override
    public SocketHandle connect(InetSocketAddress remote, Map<SocketOption<?>, ?> options) throws IOException {
        Objects.requireNonNull(remote, "remote");
        Objects.requireNonNull(options, "options");
        ensureOpen();
        InetAddress ip = Addresses.resolved(remote);
        boolean v6 = Addresses.isIpv6(remote);
        int fd = open(v6);
        int rc;
        try {
            applyOptions(fd, options);
            rc = Native.connect(fd, v6, ip.getAddress(), remote.getPort(), Addresses.scopeId(remote));
            if (rc < 0 && rc != -Sys.EINPROGRESS) {
                throw Errors.exception("connect to " + remote, rc);
            }
        } catch (IOException | RuntimeException e) {
            Native.close(fd);
            throw e;
        }
        return new EpollSocketHandle(fd, v6, rc == 0);
    }

    private static int open(boolean v6) throws IOException {
        int fd = Native.socket(v6);
        if (fd < 0) {
            throw Errors.exception("socket", fd);
        }
        return fd;
    }

    @SuppressWarnings("unchecked")
    private static void applyOptions(int fd, Map<SocketOption<?>, ?> options) throws IOException {
        for (Map.Entry<SocketOption<?>, ?> e : options.entrySet()) {
            Options.set(fd, (SocketOption<Object>) e.getKey(), e.getValue());
        }
    }

    @Override
    public PollSet openPollSet() throws IOException {
        ensureOpen();
        return new EpollPollSet();
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException("this epoll multiplexer is closed");
        }
    }

    /** Marks this closed; sockets and poll sets are closed by their owners. */
    @Override
    public void close() {
        closed = true;
    }

    @Override
    public String toString() {
        return "EpollMultiplexer" + (closed ? "[closed]" : "");
    }
}
