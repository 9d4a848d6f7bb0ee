package io.loomux.epoll;

import io.loomux.spi.SocketHandle;

import java.io.IOException;
import java.lang.ref.Reference;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.util.Arrays;
import java.util.Objects;

/**
 * A connected (or connecting) TCP socket, registered
 * {@code EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET}.
 *
 * <p>What the blocking layer relies on, and each method keeps:
 * <ul>
 *   <li>A read that returns fewer bytes than asked proves the receive queue was empty at that
 *       moment, so the reader may wait for the next edge without another read. Direct and heap
 *       buffers are read in place with one read(2) (a heap array pinned for the call); only
 *       buffers that hide their array go through native scratch memory, chunk by chunk, and go
 *       on reading until a chunk comes back short. (Data and FIN under one edge are the blocking layer's concern: the poll set
 *       reports RDHUP as HANGUP, which turns its short-read shortcut off.)</li>
 *   <li>A write that returns fewer bytes than offered proves the send buffer is full, so an
 *       EPOLLOUT edge follows. Writes larger than one system call takes (heap chunks, more than
 *       IOV_MAX buffers) go on until one comes back short or everything is written.</li>
 * </ul>
 * One reader and one writer may call at once: the read side touches only {@link #pendingReadError},
 * the write side nothing shared, and {@link #connected} is volatile.
 */
final class EpollSocketHandle extends FdHandle implements SocketHandle {

    private volatile boolean connected;
    /** Reader only: an error met after some bytes of a chunked read were returned. */
    private IOException pendingReadError;

    EpollSocketHandle(int fd, boolean ipv6, boolean connected) {
        super(fd, ipv6);
        this.connected = connected;
    }

    @Override
    int epollEvents() {
        return Sys.EPOLLIN | Sys.EPOLLOUT | Sys.EPOLLRDHUP | Sys.EPOLLET;
    }

    @Override
    public boolean finishConnect() throws IOException {
        if (connected) {
            return true;
        }
        ensureOpen();
        int rc = Native.finishConnect(fd);
        if (rc == 1) {
            connected = true;
            return true;
        }
        if (rc == 0) {
            return false;
        }
        throw Errors.exception("connect", rc);
    }

    @Override
    public InetSocketAddress remoteAddress() throws IOException {
        ensureOpen();
        byte[] enc = new byte[Native.SOCKADDR_BYTES];
        int rc = Native.remoteAddress(fd, enc);
        if (rc < 0) {
            throw Errors.exception("getpeername", rc);
        }
        return Addresses.decode(enc);
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        if (dst.isReadOnly()) {
            throw new ReadOnlyBufferException();
        }
        ensureOpen();
        IOException pending = pendingReadError;
        if (pending != null) {
            pendingReadError = null;
            throw pending;
        }
        int pos = dst.position();
        int len = dst.limit() - pos;
        if (len == 0) {
            return 0;
        }
        int n;
        if (dst.isDirect()) {
            Counters.READ.increment();
            n = Native.read(fd, dst, pos, len);
            if (n > 0) {
                dst.position(pos + n);
                return n;
            }
        } else if (dst.hasArray()) {
            Counters.READ.increment();
            n = Native.readArray(fd, dst.array(), dst.arrayOffset() + pos, len);
            if (n > 0) {
                dst.position(pos + n);
                return n;
            }
        } else {
            n = readHeap(dst, pos, len);
            if (n > 0) {
                return n;
            }
        }
        if (n == 0) {
            return -1; // read(2) returned 0: end of stream
        }
        if (n == -Sys.EAGAIN) {
            Counters.READ_WOULD_BLOCK.increment();
            return 0;
        }
        throw Errors.exception("read", n);
    }

    /**
     * Reads into a heap buffer through scratch memory, chunk by chunk, until a chunk is short.
     *
     * @return bytes read (positive), or the native result of the first chunk (0 = EOF, -errno)
     */
    private int readHeap(ByteBuffer dst, int pos, int len) {
        Scratch s = Scratch.take();
        try {
            int total = 0;
            // Bounded by len / DATA_SIZE + 1 passes.
            while (total < len) {
                int chunk = Math.min(len - total, Scratch.DATA_SIZE);
                Counters.READ.increment();
                int n = Native.readAddress(fd, s.dataAddress, chunk);
                if (n > 0) {
                    dst.put(pos + total, s.data, 0, n);
                    total += n;
                    if (n < chunk) {
                        break;
                    }
                    continue;
                }
                if (total == 0) {
                    return n;
                }
                // End of stream (n == 0) is returned by the next read; an error is thrown by it.
                if (n < 0 && n != -Sys.EAGAIN) {
                    pendingReadError = Errors.exception("read", n);
                }
                break;
            }
            dst.position(pos + total);
            return total;
        } finally {
            Reference.reachabilityFence(s);
            Scratch.give(s);
        }
    }


    @Override
    public int write(ByteBuffer src) throws IOException {
        ensureOpen();
        int pos = src.position();
        int len = src.limit() - pos;
        if (len == 0) {
            return 0;
        }
        int n;
        if (src.isDirect()) {
            Counters.WRITE.increment();
            n = Native.write(fd, src, pos, len);
        } else if (src.hasArray()) {
            Counters.WRITE.increment();
            n = Native.writeArray(fd, src.array(), src.arrayOffset() + pos, len);
        } else {
            // A read-only heap buffer hides its array: through scratch memory.
            return writeHeap(src, pos, len);
        }
        if (n >= 0) {
            src.position(pos + n);
            return n;
        }
        if (n == -Sys.EAGAIN) {
            Counters.WRITE_WOULD_BLOCK.increment();
            return 0;
        }
        throw Errors.exception("write", n);
    }

    /** Writes a heap buffer through scratch memory, chunk by chunk, until a chunk is short. */
    private int writeHeap(ByteBuffer src, int pos, int len) throws IOException {
        Scratch s = Scratch.take();
        try {
            int total = 0;
            // Bounded by len / DATA_SIZE + 1 passes.
            while (total < len) {
                int chunk = Math.min(len - total, Scratch.DATA_SIZE);
                s.data.put(0, src, pos + total, chunk);
                Counters.WRITE.increment();
                int n = Native.writeAddress(fd, s.dataAddress, chunk);
                if (n > 0) {
                    total += n;
                    if (n < chunk) {
                        break;
                    }
                    continue;
                }
                if (n == -Sys.EAGAIN || n == 0) {
                    if (n != 0) {
                        Counters.WRITE_WOULD_BLOCK.increment();
                    }
                    break;
                }
                if (total > 0) {
                    break; // the error is sticky (EPIPE from now on): the next write reports it
                }
                throw Errors.exception("write", n);
            }
            src.position(pos + total);
            return total;
        } finally {
            Reference.reachabilityFence(s);
            Scratch.give(s);
        }
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, srcs.length);
        ensureOpen();
        Scratch s = Scratch.take();
        s.ensureIov();
        int used = 0;
        try {
            long total = 0;
            int first = offset;
            int end = offset + length;
            // Each pass is one sendmsg of at most IOV_MAX entries and DATA_SIZE heap bytes; a
            // further pass only when this one was taken whole and buffers remain. Bounded by the
            // bytes offered.
            for (;;) {
                while (first < end && !srcs[first].hasRemaining()) {
                    first++;
                }
                if (first == end) {
                    break;
                }
                int count = 0;
                long offered = 0;
                int heapUsed = 0;
                for (int j = first; j < end && count < Sys.IOV_MAX; j++) {
                    ByteBuffer b = srcs[j];
                    int rem = b.remaining();
                    if (rem == 0) {
                        continue;
                    }
                    ByteBuffer base;
                    int off;
                    int len;
                    if (b.isDirect()) {
                        base = b;
                        off = b.position();
                        len = rem;
                    } else {
                        int room = Scratch.DATA_SIZE - heapUsed;
                        if (room == 0) {
                            break;
                        }
                        len = Math.min(rem, room);
                        s.data.put(heapUsed, b, b.position(), len);
                        base = s.data;
                        off = heapUsed;
                        heapUsed += len;
                    }
                    s.iov.putLong(count * Sys.IOVEC_SIZE, off);
                    s.iov.putLong(count * Sys.IOVEC_SIZE + 8, len);
                    s.iovBuffers[count] = base;
                    count++;
                    offered += len;
                    if (len < rem) {
                        break; // a heap buffer only partly copied must be the pass's last entry
                    }
                }
                used = Math.max(used, count);
                Counters.WRITE.increment();
                long n = Native.writev(fd, s.iovBuffers, s.iovAddress, count);
                if (n < 0) {
                    if (n == -Sys.EAGAIN) {
                        Counters.WRITE_WOULD_BLOCK.increment();
                        break;
                    }
                    if (total > 0) {
                        break; // sticky: the next write reports it
                    }
                    throw Errors.exception("writev", n);
                }
                total += n;
                advance(srcs, first, end, n);
                if (n < offered) {
                    break;
                }
            }
            return total;
        } finally {
            Arrays.fill(s.iovBuffers, 0, used, null);
            Reference.reachabilityFence(srcs);
            Scratch.give(s);
        }
    }

    /** Moves positions forward by {@code n} bytes, in buffer order. */
    private static void advance(ByteBuffer[] srcs, int first, int end, long n) {
        for (int j = first; j < end && n > 0; j++) {
            ByteBuffer b = srcs[j];
            int take = (int) Math.min(b.remaining(), n);
            b.position(b.position() + take);
            n -= take;
        }
    }

    @Override
    public void shutdownOutput() throws IOException {
        ensureOpen();
        int rc = Native.shutdown(fd, false, true);
        if (rc < 0) {
            throw Errors.exception("shutdown(SHUT_WR)", rc);
        }
    }

    @Override
    public void shutdownInput() throws IOException {
        ensureOpen();
        int rc = Native.shutdown(fd, true, false);
        if (rc < 0) {
            throw Errors.exception("shutdown(SHUT_RD)", rc);
        }
    }

    @Override
    public String toString() {
        return "EpollSocketHandle[fd=" + fd + (isClosed() ? ", closed" : "") + "]";
    }
}
