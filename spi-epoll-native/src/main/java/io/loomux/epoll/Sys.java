package io.loomux.epoll;

/**
 * This platform's errno values, epoll bits and struct layouts, as the loaded C library reports
 * them (so nothing here is hard-coded for x86_64). Static finals, so the JIT folds them.
 *
 * <p>Initialised on first use, which happens only after {@link NativeLibrary} loaded the library:
 * every caller is reached through an open {@link EpollMultiplexer}, and opening one checks
 * availability first.
 */
final class Sys {
    private static final int[] C = Native.constants();

    static final int EAGAIN = C[Native.C_EAGAIN];
    static final int EINPROGRESS = C[Native.C_EINPROGRESS];
    static final int EINTR = C[Native.C_EINTR];
    static final int ECONNRESET = C[Native.C_ECONNRESET];
    static final int EPIPE = C[Native.C_EPIPE];
    static final int ECONNREFUSED = C[Native.C_ECONNREFUSED];
    static final int EMFILE = C[Native.C_EMFILE];
    static final int ENFILE = C[Native.C_ENFILE];
    static final int ECONNABORTED = C[Native.C_ECONNABORTED];
    static final int ETIMEDOUT = C[Native.C_ETIMEDOUT];
    static final int EHOSTUNREACH = C[Native.C_EHOSTUNREACH];
    static final int ENETUNREACH = C[Native.C_ENETUNREACH];
    static final int EADDRINUSE = C[Native.C_EADDRINUSE];
    static final int EADDRNOTAVAIL = C[Native.C_EADDRNOTAVAIL];
    static final int ENOBUFS = C[Native.C_ENOBUFS];
    static final int ENOMEM = C[Native.C_ENOMEM];

    static final int EPOLLIN = C[Native.C_EPOLLIN];
    static final int EPOLLOUT = C[Native.C_EPOLLOUT];
    static final int EPOLLERR = C[Native.C_EPOLLERR];
    static final int EPOLLHUP = C[Native.C_EPOLLHUP];
    static final int EPOLLRDHUP = C[Native.C_EPOLLRDHUP];
    static final int EPOLLET = C[Native.C_EPOLLET];

    /** sizeof(struct epoll_event): 12 on x86_64, where the struct is packed; 16 elsewhere. */
    static final int EPOLL_EVENT_SIZE = C[Native.C_EPOLL_EVENT_SIZE];
    /** offsetof(struct epoll_event, data). */
    static final int EPOLL_DATA_OFFSET = C[Native.C_EPOLL_DATA_OFFSET];
    /** The most iovec entries one writev takes. */
    static final int IOV_MAX = C[Native.C_IOV_MAX];
    /** sizeof(struct iovec). */
    static final int IOVEC_SIZE = C[Native.C_IOVEC_SIZE];

    private Sys() {
    }
}
