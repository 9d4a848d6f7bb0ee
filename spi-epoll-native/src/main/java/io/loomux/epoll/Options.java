package io.loomux.epoll;

import java.io.IOException;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.util.Set;

/**
 * The socket options this backend supports, with the JDK's value rules (a negative buffer size is
 * an IllegalArgumentException, SO_LINGER above 65535 is capped, a negative SO_LINGER turns it off
 * and reads back as -1).
 */
final class Options {

    /** Exactly the options every epoll socket and listener supports. */
    static final Set<SocketOption<?>> SUPPORTED = Set.of(StandardSocketOptions.TCP_NODELAY,
            StandardSocketOptions.SO_REUSEADDR, StandardSocketOptions.SO_REUSEPORT, StandardSocketOptions.SO_RCVBUF,
            StandardSocketOptions.SO_SNDBUF, StandardSocketOptions.SO_KEEPALIVE, StandardSocketOptions.SO_LINGER);

    private Options() {
    }

    private static int id(SocketOption<?> option) {
        if (option == StandardSocketOptions.TCP_NODELAY) {
            return Native.OPT_TCP_NODELAY;
        } else if (option == StandardSocketOptions.SO_REUSEADDR) {
            return Native.OPT_SO_REUSEADDR;
        } else if (option == StandardSocketOptions.SO_REUSEPORT) {
            return Native.OPT_SO_REUSEPORT;
        } else if (option == StandardSocketOptions.SO_RCVBUF) {
            return Native.OPT_SO_RCVBUF;
        } else if (option == StandardSocketOptions.SO_SNDBUF) {
            return Native.OPT_SO_SNDBUF;
        } else if (option == StandardSocketOptions.SO_KEEPALIVE) {
            return Native.OPT_SO_KEEPALIVE;
        } else if (option == StandardSocketOptions.SO_LINGER) {
            return Native.OPT_SO_LINGER;
        }
        throw new UnsupportedOperationException("socket option " + option + " is not supported by the epoll backend;"
                + " supported: " + SUPPORTED);
    }

    /**
     * @param fd     the socket
     * @param option the option
     * @param value  its value
     * @param <T>    its type
     * @throws IOException                   if setsockopt fails
     * @throws UnsupportedOperationException if not supported
     * @throws IllegalArgumentException      if the value is invalid
     */
    static <T> void set(int fd, SocketOption<T> option, T value) throws IOException {
        int id = id(option);
        if (value == null) {
            throw new IllegalArgumentException("socket option " + option + " cannot be null");
        }
        int v;
        if (value instanceof Boolean b) {
            v = b ? 1 : 0;
        } else if (value instanceof Integer i) {
            v = i;
            if ((id == Native.OPT_SO_RCVBUF || id == Native.OPT_SO_SNDBUF) && v < 0) {
                throw new IllegalArgumentException("invalid " + option + " value: " + v);
            }
            if (id == Native.OPT_SO_LINGER && v > 65535) {
                v = 65535;
            }
        } else {
            throw new IllegalArgumentException("invalid value for " + option + ": " + value);
        }
        int rc = Native.setOption(fd, id, v);
        if (rc < 0) {
            throw Errors.exception("setsockopt(" + option.name() + ")", rc);
        }
    }

    /**
     * @param fd     the socket
     * @param option the option
     * @param <T>    its type
     * @return its value
     * @throws IOException                   if getsockopt fails
     * @throws UnsupportedOperationException if not supported
     */
    static <T> T get(int fd, SocketOption<T> option) throws IOException {
        int id = id(option);
        long r = Native.getOption(fd, id);
        if (r < 0) {
            throw Errors.exception("getsockopt(" + option.name() + ")", r);
        }
        int v = (int) r;
        Object value = option.type() == Boolean.class ? (Object) (v != 0) : (Object) v;
        return option.type().cast(value);
    }
}
