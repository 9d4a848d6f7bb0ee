package io.loomux.epoll;

import java.nio.ByteBuffer;

/**
 * The JNI entry points of {@code libloomux-epoll.so} ({@code src/main/c/loomux_epoll.c}). Every
 * call is one non-blocking system call or close to it; none allocates Java objects except
 * {@link #constants()} and {@link #strerror(int)}, which run rarely.
 *
 * <p>Convention: a call returns its result (0 or more) on success and {@code -errno} on failure,
 * so the hot path throws nothing from native code and {@link Errors} builds the Java exception.
 * {@code EINTR} is retried in C where the call is safe to repeat.
 *
 * <p>Nothing here may run before {@link NativeLibrary} has loaded the library; this class has no
 * static initializer for that reason (natives link lazily, at their first call).
 */
final class Native {

    /** Bumped whenever a native signature or the {@link #constants()} layout changes. */
    static final int ABI_VERSION = 2;

    // Indices into constants(); the C file fills the array in this order.
    static final int C_EAGAIN = 0;
    static final int C_EINPROGRESS = 1;
    static final int C_EINTR = 2;
    static final int C_ECONNRESET = 3;
    static final int C_EPIPE = 4;
    static final int C_ECONNREFUSED = 5;
    static final int C_EMFILE = 6;
    static final int C_ENFILE = 7;
    static final int C_ECONNABORTED = 8;
    static final int C_ETIMEDOUT = 9;
    static final int C_EHOSTUNREACH = 10;
    static final int C_ENETUNREACH = 11;
    static final int C_EADDRINUSE = 12;
    static final int C_EADDRNOTAVAIL = 13;
    static final int C_EPOLLIN = 14;
    static final int C_EPOLLOUT = 15;
    static final int C_EPOLLERR = 16;
    static final int C_EPOLLHUP = 17;
    static final int C_EPOLLRDHUP = 18;
    static final int C_EPOLLET = 19;
    static final int C_EPOLL_EVENT_SIZE = 20;
    static final int C_EPOLL_DATA_OFFSET = 21;
    static final int C_IOV_MAX = 22;
    static final int C_IOVEC_SIZE = 23;
    static final int C_ENOBUFS = 24;
    static final int C_ENOMEM = 25;
    static final int C_COUNT = 26;

    // Socket option ids for setOption/getOption; the C file maps each to level and name.
    static final int OPT_TCP_NODELAY = 0;
    static final int OPT_SO_REUSEADDR = 1;
    static final int OPT_SO_REUSEPORT = 2;
    static final int OPT_SO_RCVBUF = 3;
    static final int OPT_SO_SNDBUF = 4;
    static final int OPT_SO_KEEPALIVE = 5;
    static final int OPT_SO_LINGER = 6;

    /** Length of the byte array {@link #localAddress} and {@link #remoteAddress} fill. */
    static final int SOCKADDR_BYTES = 24;

    private Native() {
    }

    /** @return {@link #ABI_VERSION} as the C file was compiled, to detect a stale library */
    static native int abiVersion();

    /** @return errno values, epoll bits and struct layouts of this platform, {@code C_COUNT} long */
    static native int[] constants();

    /**
     * @param errno a positive errno
     * @return the C library's text for it, non-ASCII bytes replaced by '?'
     */
    static native String strerror(int errno);

    /**
     * socket(2): a non-blocking, close-on-exec TCP socket; an IPv6 one has IPV6_V6ONLY off.
     *
     * @param ipv6 AF_INET6 rather than AF_INET
     * @return the descriptor or -errno
     */
    static native int socket(boolean ipv6);

    /**
     * bind(2).
     *
     * @param fd       the socket
     * @param ipv6     the socket is AF_INET6 (a 4-byte address is then mapped to ::ffff:a.b.c.d)
     * @param address  4 or 16 address bytes, network order
     * @param port     the port
     * @param scopeId  the IPv6 scope id, or 0
     * @return 0 or -errno
     */
    static native int bind(int fd, boolean ipv6, byte[] address, int port, int scopeId);

    /**
     * listen(2).
     *
     * @param fd      the bound socket
     * @param backlog the backlog (the kernel caps it at net.core.somaxconn)
     * @return 0 or -errno
     */
    static native int listen(int fd, int backlog);

    /**
     * accept4(2) with SOCK_NONBLOCK | SOCK_CLOEXEC; retries EINTR and ECONNABORTED (a connection
     * that died in the queue says nothing about the next one).
     *
     * @param fd the listener
     * @return the new descriptor or -errno (-EAGAIN when none is pending)
     */
    static native int accept(int fd);

    /**
     * connect(2), non-blocking.
     *
     * @param fd      the socket
     * @param ipv6    the socket is AF_INET6
     * @param address 4 or 16 address bytes
     * @param port    the port
     * @param scopeId the IPv6 scope id, or 0
     * @return 0 when connected at once, -EINPROGRESS when pending, other -errno on failure
     */
    static native int connect(int fd, boolean ipv6, byte[] address, int port, int scopeId);

    /**
     * Checks a pending connect: poll(2) for POLLOUT without waiting, then getsockopt(SO_ERROR).
     *
     * @param fd the socket
     * @return 1 connected, 0 still pending, or -errno (the connect's own error)
     */
    static native int finishConnect(int fd);

    /**
     * getsockname(2), encoded: [0] 4 or 6, [1..2] port (big-endian), [4..7] scope id
     * (big-endian), [8..] 4 or 16 address bytes.
     *
     * @param fd  the socket
     * @param out {@link #SOCKADDR_BYTES} bytes
     * @return 0 or -errno
     */
    static native int localAddress(int fd, byte[] out);

    /**
     * getpeername(2), encoded as {@link #localAddress}.
     *
     * @param fd  the socket
     * @param out {@link #SOCKADDR_BYTES} bytes
     * @return 0 or -errno
     */
    static native int remoteAddress(int fd, byte[] out);

    /**
     * setsockopt(2) of an option id ({@code OPT_*}); for SO_LINGER a negative value turns it off.
     *
     * @param fd    the socket
     * @param id    an {@code OPT_*} id
     * @param value the value (booleans as 0/1)
     * @return 0 or -errno
     */
    static native int setOption(int fd, int id, int value);

    /**
     * getsockopt(2) of an option id.
     *
     * @param fd the socket
     * @param id an {@code OPT_*} id
     * @return {@code (1L << 32) | (value & 0xFFFFFFFFL)} (SO_LINGER off is the value -1), or
     *     -errno; the marker bit keeps every success non-negative
     */
    static native long getOption(int fd, int id);

    /**
     * read(2) into a direct buffer.
     *
     * @param fd     the socket
     * @param buffer a direct buffer
     * @param offset where to start in it
     * @param length the most bytes to read
     * @return the count, 0 at end of stream, or -errno
     */
    static native int read(int fd, ByteBuffer buffer, int offset, int length);

    /**
     * read(2) into native memory the caller keeps alive.
     *
     * @param fd      the socket
     * @param address the memory
     * @param length  the most bytes to read
     * @return the count, 0 at end of stream, or -errno
     */
    static native int readAddress(int fd, long address, int length);

    /**
     * read(2) straight into a heap array, pinned for the call (no copy).
     *
     * @param fd     the socket
     * @param array  the array
     * @param offset where to start in it
     * @param length the most bytes to read
     * @return the count, 0 at end of stream, or -errno
     */
    static native int readArray(int fd, byte[] array, int offset, int length);

    /**
     * send(2) with MSG_NOSIGNAL straight from a heap array, pinned for the call (no copy).
     *
     * @param fd     the socket
     * @param array  the array
     * @param offset where to start in it
     * @param length the bytes to write
     * @return the count written or -errno
     */
    static native int writeArray(int fd, byte[] array, int offset, int length);

    /**
     * send(2) with MSG_NOSIGNAL from a direct buffer.
     *
     * @param fd     the socket
     * @param buffer a direct buffer
     * @param offset where to start in it
     * @param length the bytes to write
     * @return the count written or -errno
     */
    static native int write(int fd, ByteBuffer buffer, int offset, int length);

    /**
     * send(2) with MSG_NOSIGNAL from native memory the caller keeps alive.
     *
     * @param fd      the socket
     * @param address the memory
     * @param length  the bytes to write
     * @return the count written or -errno
     */
    static native int writeAddress(int fd, long address, int length);

    /**
     * Gathering write: sendmsg(2) with MSG_NOSIGNAL (writev(2) with the SIGPIPE guard) of an
     * iovec array in native memory. On entry, entry {@code i} holds in {@code iov_base} the offset
     * into {@code buffers[i]} and in {@code iov_len} the length; the C side adds each buffer's
     * address to its offset, then writes.
     *
     * @param fd         the socket
     * @param buffers    direct buffers, one per entry
     * @param iovAddress the iovec array, at least {@code count} entries
     * @param count      entries, at most IOV_MAX
     * @return the count written or -errno
     */
    static native long writev(int fd, ByteBuffer[] buffers, long iovAddress, int count);

    /**
     * shutdown(2); ENOTCONN (the peer already reset it) counts as success, as in the JDK.
     *
     * @param fd     the socket
     * @param input  shut down reading
     * @param output shut down writing
     * @return 0 or -errno
     */
    static native int shutdown(int fd, boolean input, boolean output);

    /**
     * close(2), once; EINTR is not retried (Linux has released the descriptor anyway).
     *
     * @param fd the descriptor
     * @return 0 or -errno
     */
    static native int close(int fd);

    /** @return an epoll_create1(EPOLL_CLOEXEC) descriptor or -errno */
    static native int epollCreate();

    /**
     * epoll_ctl(EPOLL_CTL_ADD).
     *
     * @param epfd   the epoll descriptor
     * @param fd     the socket
     * @param events the EPOLL* bits
     * @param data   the 64-bit epoll_data reported with events
     * @return 0 or -errno
     */
    static native int epollCtlAdd(int epfd, int fd, int events, long data);

    /**
     * epoll_wait(2) into a native array of struct epoll_event.
     *
     * @param epfd          the epoll descriptor
     * @param eventsAddress the array
     * @param maxEvents     its length in entries
     * @param timeoutMillis -1 forever, 0 no wait
     * @return the number of entries filled or -errno (-EINTR is returned, not retried)
     */
    static native int epollWait(int epfd, long eventsAddress, int maxEvents, int timeoutMillis);

    /** @return an eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC) descriptor or -errno */
    static native int eventfd();

    /**
     * Adds 1 to an eventfd's counter.
     *
     * @param fd the eventfd
     * @return 0 or -errno
     */
    static native int eventfdWrite(int fd);

    /**
     * Reads (resets) an eventfd's counter.
     *
     * @param fd the eventfd
     * @return 0 or -errno (-EAGAIN when it was already 0)
     */
    static native int eventfdRead(int fd);

    /**
     * @param direct a direct buffer
     * @return its base address (0 if it is not direct)
     */
    static native long address(ByteBuffer direct);
}
