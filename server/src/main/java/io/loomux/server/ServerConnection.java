package io.loomux.server;

import io.loomux.Connection;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * The {@link Connection} a handler is given: it delegates every call to the runtime's
 * connection and records, cheaply, what the server needs to know about it.
 *
 * <ul>
 *   <li>The time of the last read or write that moved a byte, one volatile store per call, which
 *       the idle sweeper compares with the idle timeout.</li>
 *   <li>Bytes in and out, one atomic add per call, for {@link TcpServer#connections()}.</li>
 *   <li>The first close, which gives the connection's place under the connection limit back at
 *       once, whoever closes it (handler, server, idle sweeper, shutdown).</li>
 * </ul>
 *
 * <p>When an idle timeout is on, a write of more than {@link #WRITE_SLICE} bytes is issued in
 * slices of that size, so that a long write to a slow but live peer records progress instead of
 * looking idle; a write timeout then bounds each slice (a peer that reads nothing for that long)
 * rather than the whole call.
 */
final class ServerConnection implements Connection {

    /** The largest write issued at once while an idle timeout needs to see progress. */
    static final int WRITE_SLICE = 64 * 1024;

    private static final VarHandle BYTES_IN;
    private static final VarHandle BYTES_OUT;
    private static final VarHandle CLOSED;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            BYTES_IN = l.findVarHandle(ServerConnection.class, "bytesIn", long.class);
            BYTES_OUT = l.findVarHandle(ServerConnection.class, "bytesOut", long.class);
            CLOSED = l.findVarHandle(ServerConnection.class, "closed", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final long id;
    /** With a {@link ReadableHandler}: the connection's next turn, made once, set before it is first armed. */
    Runnable turn;
    /** With a {@link ReadableHandler}: starts {@link #turn}'s thread, made once with it. */
    Executor turnStarter;
    private final Connection delegate;
    private final TcpServer server;
    private final InetSocketAddress remote;
    private final boolean sliceWrites;

    /** System.nanoTime() of the last byte moved, or of the accept. */
    private volatile long lastActivity;
    @SuppressWarnings("unused") // through BYTES_IN
    private volatile long bytesIn;
    @SuppressWarnings("unused") // through BYTES_OUT
    private volatile long bytesOut;
    /** Set once, by the first close; guards the release of the connection's permit. */
    @SuppressWarnings("unused") // through CLOSED
    private volatile boolean closed;

    ServerConnection(long id, Connection delegate, TcpServer server, boolean sliceWrites) {
        this.id = id;
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.server = server;
        this.sliceWrites = sliceWrites;
        InetSocketAddress r;
        try {
            r = delegate.remoteAddress();
        } catch (RuntimeException e) {
            r = null; // a peer gone before we asked: the handler will find out on its first call
        }
        this.remote = r;
        this.lastActivity = System.nanoTime();
    }

    /** @return nanoseconds since the last byte moved, by {@code now} */
    long idleNanos(long now) {
        return now - lastActivity;
    }

    /** @return a snapshot for {@link TcpServer#connections()} */
    ConnectionInfo info(long now) {
        return new ConnectionInfo(id, remote, (long) BYTES_IN.getVolatile(this),
                (long) BYTES_OUT.getVolatile(this), Duration.ofNanos(Math.max(0, idleNanos(now))));
    }

    private void readDone(int n) {
        if (n > 0) {
            lastActivity = System.nanoTime();
            BYTES_IN.getAndAdd(this, (long) n);
        }
    }

    private void wrote(long n) {
        if (n > 0) {
            lastActivity = System.nanoTime();
            BYTES_OUT.getAndAdd(this, n);
        }
    }

    @Override
    public int readAvailable(ByteBuffer dst) throws IOException {
        int n = delegate.readAvailable(dst);
        readDone(n);
        return n;
    }

    @Override
    public boolean onReadable(Runnable task, Executor starter) {
        return delegate.onReadable(task, starter);
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        int n = delegate.read(dst);
        readDone(n);
        return n;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        int total = src.remaining();
        if (!sliceWrites || total <= WRITE_SLICE) {
            int n = delegate.write(src);
            wrote(n);
            return n;
        }
        int limit = src.limit();
        // Bounded: each pass writes a whole slice (the delegate writes all it is given or throws).
        try {
            while (src.position() < limit) {
                int before = src.position();
                src.limit(Math.min(limit, before + WRITE_SLICE));
                try {
                    delegate.write(src);
                } finally {
                    wrote(src.position() - before); // progress counts even when a slice fails
                }
            }
        } finally {
            src.limit(limit);
        }
        return total;
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, srcs.length);
        if (sliceWrites) {
            long total = 0;
            for (int i = offset; i < offset + length; i++) {
                total += srcs[i].remaining();
            }
            if (total > WRITE_SLICE) {
                // One buffer at a time, each sliced: gives up one system call per batch only for
                // writes big enough that the count of calls no longer matters.
                for (int i = offset; i < offset + length; i++) {
                    write(srcs[i]);
                }
                return total;
            }
        }
        long n = delegate.write(srcs, offset, length);
        wrote(n);
        return n;
    }

    @Override
    public Connection setReadTimeout(Duration timeout) {
        delegate.setReadTimeout(timeout);
        return this;
    }

    @Override
    public Duration readTimeout() {
        return delegate.readTimeout();
    }

    @Override
    public Connection setWriteTimeout(Duration timeout) {
        delegate.setWriteTimeout(timeout);
        return this;
    }

    @Override
    public Duration writeTimeout() {
        return delegate.writeTimeout();
    }

    @Override
    public void shutdownOutput() throws IOException {
        delegate.shutdownOutput();
    }

    @Override
    public void shutdownInput() throws IOException {
        delegate.shutdownInput();
    }

    @Override
    public <T> Connection setOption(SocketOption<T> option, T value) throws IOException {
        delegate.setOption(option, value);
        return this;
    }

    @Override
    public <T> T getOption(SocketOption<T> option) throws IOException {
        return delegate.getOption(option);
    }

    @Override
    public InetSocketAddress localAddress() {
        return delegate.localAddress();
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return remote != null ? remote : delegate.remoteAddress();
    }

    @Override
    public boolean isOpen() {
        return delegate.isOpen();
    }

    /** @return true once {@link #close()} has been called on this connection */
    boolean isClosed() {
        return (boolean) CLOSED.getVolatile(this);
    }

    @Override
    public void close() throws IOException {
        if (!CLOSED.compareAndSet(this, false, true)) {
            return;
        }
        try {
            delegate.close();
        } finally {
            // After the delegate's close, so that the next connection the freed permit lets in
            // never coexists with this one's descriptor.
            server.connectionClosed(this);
        }
    }

    /** Closes, logging rather than throwing: for the server's own closes. */
    void closeQuietly() {
        try {
            close();
        } catch (IOException | RuntimeException e) {
            TcpServer.LOG.log(System.Logger.Level.DEBUG, () -> "closing " + this + ": " + e);
        }
    }

    @Override
    public String toString() {
        return "loomux-conn-" + id + (remote != null ? " from " + remote : "");
    }
}
