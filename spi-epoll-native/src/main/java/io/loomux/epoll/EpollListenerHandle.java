package io.loomux.epoll;

import io.loomux.spi.ListenerHandle;
import io.loomux.spi.SocketHandle;

import java.io.IOException;

/**
 * A listening socket: registered {@code EPOLLIN | EPOLLET}; accept4 until EAGAIN.
 */
final class EpollListenerHandle extends FdHandle implements ListenerHandle {

    EpollListenerHandle(int fd, boolean ipv6) {
        super(fd, ipv6);
    }

    @Override
    int epollEvents() {
        return Sys.EPOLLIN | Sys.EPOLLET;
    }

    /**
     * @return the accepted socket, or null when none is pending
     * @throws IOException on failure; EMFILE/ENFILE is a SocketException "Too many open files
     *     (accept4)", and the pending connection stays queued for a later accept
     */
    @Override
    public SocketHandle accept() throws IOException {
        ensureOpen();
        Counters.ACCEPT.increment();
        int s = Native.accept(fd);
        if (s >= 0) {
            return new EpollSocketHandle(s, ipv6, true);
        }
        if (s == -Sys.EAGAIN) {
            Counters.ACCEPT_WOULD_BLOCK.increment();
            return null;
        }
        throw Errors.exception("accept4", s);
    }

    @Override
    public String toString() {
        return "EpollListenerHandle[fd=" + fd + (isClosed() ? ", closed" : "") + "]";
    }
}
