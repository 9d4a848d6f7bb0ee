package io.loomux.internal;

import io.loomux.Connection;
import io.loomux.spi.Events;
import io.loomux.spi.SocketHandle;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * A blocking connection over a non-blocking backend socket. Each direction: take its lock,
 * {@link Readiness#consume()}, try the backend call, and {@link SocketCore#await} only after
 * "would block".
 *
 * <p>On an edge-triggered backend a read that came back short proves the socket's receive queue
 * was empty at that moment, and any data after it raises a new edge. So the next read waits for
 * that edge instead of spending a system call to learn "would block" ({@code readDrained}),
 * unless the peer has hung up: data and FIN can share one edge, and no later edge would come.
 * A one-shot backend gets no such proof cheaply (a wait there costs a hand-off to the poller),
 * so it always tries the read first.
 */
final class ConnectionImpl extends SocketCore implements Connection {

    private static final VarHandle READABLE_TASK;

    static {
        try {
            READABLE_TASK = MethodHandles.lookup().findVarHandle(ConnectionImpl.class, "readableTask", Runnable.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final SocketHandle socket;
    private volatile InetSocketAddress local;
    private volatile InetSocketAddress remote;
    private volatile long readTimeoutNanos;
    private volatile long writeTimeoutNanos;
    /** Guarded by readLock: the last read came back short, so the receive queue was drained. */
    private boolean readDrained;
    private InputStream in;
    private OutputStream out;

    /**
     * The task {@link #onReadable} armed, claimed by CAS from null before the arm and taken by
     * {@link #startReadableTask()}: non-null exactly while a task is armed or being armed, so a
     * second arm is refused before it can touch the first one's task.
     */
    @SuppressWarnings("unused") // through READABLE_TASK
    private volatile Runnable readableTask;
    /**
     * Starts the armed task's thread. Written before the arm's CAS and read by the action, which
     * runs after that CAS: a plain field is enough.
     */
    private Executor readableExecutor;
    /** The armed action, made once per connection so that arming allocates nothing. */
    private Runnable readableAction;

    ConnectionImpl(Engine engine, SocketHandle socket) {
        super(engine, socket);
        this.socket = socket;
        // Registered (next, by the engine) before anyone reads: on an edge-triggered backend every
        // byte that is or will be queued is announced by an edge at or after the registration,
        // so the receive queue counts as drained until a read fills its buffer.
        this.readDrained = edge;
    }

    /**
     * Caches the addresses once connected, so that they outlive close as {@link java.net.Socket}'s
     * do. A failure leaves them to be read lazily. Inside the gate: the descriptor number of a
     * closed connection may already be another's, whose addresses it would report.
     */
    void connected() {
        if (!tryEnter()) {
            return; // closed: what was cached is all there is
        }
        try {
            if (local == null) {
                local = socket.localAddress();
            }
            if (remote == null) {
                remote = socket.remoteAddress();
            }
        } catch (IOException e) {
            // Left null; asked again on the next accessor call while open.
        } finally {
            exit();
        }
    }

    /**
     * Finishes a connect started by the backend, waiting for writability between attempts.
     */
    void finishConnect(long deadline) throws IOException {
        writeLock.lock();
        try {
            beginBlocking();
            // Each pass either finishes, fails, or waits for the next WRITABLE event (bounded by
            // the deadline, close or interrupt).
            for (;;) {
                writeReady.consume();
                enter();
                boolean done;
                try {
                    done = socket.finishConnect();
                } finally {
                    exit();
                }
                if (done) {
                    connected();
                    return;
                }
                await(writeReady, Events.WRITABLE, deadline, "Connect");
            }
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        Objects.requireNonNull(dst, "dst");
        if (!dst.hasRemaining()) {
            if (!isOpen()) {
                enter(); // throws the right ClosedChannelException
            }
            return 0;
        }
        readLock.lock();
        try {
            beginBlocking();
            long deadline = deadline(readTimeoutNanos);
            // Each pass does one backend read or one wait; waits end by event, deadline, close
            // or interrupt, and a spurious OK costs one extra pass.
            for (;;) {
                if (!knownEmpty()) {
                    int n = readOnce(dst);
                    if (n != 0) {
                        return n;
                    }
                }
                await(readReady, Events.READABLE, deadline, "Read");
            }
        } finally {
            readLock.unlock();
        }
    }

    @Override
    public int readAvailable(ByteBuffer dst) throws IOException {
        Objects.requireNonNull(dst, "dst");
        readLock.lock();
        try {
            beginBlocking();
            if (!dst.hasRemaining() || knownEmpty()) {
                if (!isOpen()) {
                    enter(); // throws the right ClosedChannelException
                }
                return 0; // nothing is queued, and no system call is needed to know it
            }
            return readOnce(dst);
        } finally {
            readLock.unlock();
        }
    }

    /**
     * Edge-triggered, drained by the last read, no edge since and no hang-up: the receive queue
     * is empty, without a system call to ask. Caller holds readLock.
     */
    private boolean knownEmpty() {
        return edge && readDrained && readReady.isIdle() && !hungUp;
    }

    /** One backend read, recording whether it drained the queue. Caller holds readLock. */
    private int readOnce(ByteBuffer dst) throws IOException {
        readReady.consume();
        enter();
        int n;
        try {
            n = socket.read(dst);
        } finally {
            exit();
        }
        if (n > 0) {
            readDrained = dst.hasRemaining();
            engine.counters.read(n);
        } else {
            readDrained = n == 0;
        }
        return n;
    }

    @Override
    public boolean onReadable(Runnable task, Executor starter) {
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(starter, "starter");
        if (!readLock.tryLock()) {
            throw new IllegalStateException("a read is in progress on this connection");
        }
        try {
            if (!READABLE_TASK.compareAndSet(this, null, task)) {
                throw new IllegalStateException("a task is already armed on this connection; "
                        + "it must run before another can be armed");
            }
            // Published before the arm's CAS, which the action's run follows: the action always
            // finds it. Every path that does not arm gives the claim back.
            boolean armed = false;
            try {
                // Closed: the caller's read reports it. Edge-triggered without proof that the
                // queue is empty: bytes may sit there with no edge to come.
                if (isOpen() && !(edge && (!readDrained || hungUp))) {
                    armInterest(Events.READABLE);
                    readableExecutor = starter;
                    Runnable action = readableAction;
                    if (action == null) {
                        action = this::startReadableTask;
                        readableAction = action;
                    }
                    armed = readReady.arm(action);
                }
            } finally {
                if (!armed) {
                    readableTask = null;
                }
            }
            return armed;
        } finally {
            readLock.unlock();
        }
    }

    /** The armed action: runs once, on the poller thread (an event) or the closing thread. */
    private void startReadableTask() {
        Runnable task = (Runnable) READABLE_TASK.getAndSet(this, null);
        if (task == null) {
            throw new IllegalStateException("loomux: an armed read action ran with no task armed");
        }
        try {
            readableExecutor.execute(task);
        } catch (RuntimeException | OutOfMemoryError e) {
            // No thread, no service: close rather than leave the peer waiting on a dead connection.
            System.getLogger("io.loomux").log(System.Logger.Level.WARNING,
                    "loomux could not start a thread for a readable connection; closing it", e);
            closeCore();
        }
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        Objects.requireNonNull(src, "src");
        writeLock.lock();
        try {
            beginBlocking();
            int total = 0;
            long deadline = 0;
            // Each pass writes once; a short write means the send buffer is full, so the next
            // pass waits for writability rather than retrying into "would block".
            while (src.hasRemaining()) {
                writeReady.consume();
                enter();
                int n;
                try {
                    n = socket.write(src);
                } finally {
                    exit();
                }
                if (n > 0) {
                    total += n;
                    engine.counters.written(n);
                    if (!src.hasRemaining()) {
                        break;
                    }
                }
                if (deadline == 0) {
                    deadline = deadline(writeTimeoutNanos);
                }
                await(writeReady, Events.WRITABLE, deadline, "Write");
            }
            if (total == 0 && !isOpen()) {
                enter(); // a zero-length write on a closed connection still reports it
            }
            return total;
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, srcs.length);
        long remaining = 0;
        for (int i = offset; i < offset + length; i++) {
            remaining += srcs[i].remaining();
        }
        writeLock.lock();
        try {
            beginBlocking();
            long total = 0;
            long deadline = 0;
            int first = offset;
            int end = offset + length;
            // As write(ByteBuffer): each pass writes once or waits once.
            while (total < remaining) {
                while (first < end && !srcs[first].hasRemaining()) {
                    first++;
                }
                writeReady.consume();
                enter();
                long n;
                try {
                    n = socket.write(srcs, first, end - first);
                } finally {
                    exit();
                }
                if (n > 0) {
                    total += n;
                    engine.counters.written(n);
                    if (total >= remaining) {
                        break;
                    }
                }
                if (deadline == 0) {
                    deadline = deadline(writeTimeoutNanos);
                }
                await(writeReady, Events.WRITABLE, deadline, "Write");
            }
            if (total == 0 && !isOpen()) {
                enter();
            }
            return total;
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public InputStream inputStream() {
        InputStream s = in;
        if (s == null) {
            s = Connection.super.inputStream();
            in = s;
        }
        return s;
    }

    @Override
    public OutputStream outputStream() {
        OutputStream s = out;
        if (s == null) {
            s = Connection.super.outputStream();
            out = s;
        }
        return s;
    }

    @Override
    public Connection setReadTimeout(Duration timeout) {
        readTimeoutNanos = SocketCore.nanos(timeout);
        return this;
    }

    @Override
    public Duration readTimeout() {
        return Duration.ofNanos(readTimeoutNanos);
    }

    @Override
    public Connection setWriteTimeout(Duration timeout) {
        writeTimeoutNanos = SocketCore.nanos(timeout);
        return this;
    }

    @Override
    public Duration writeTimeout() {
        return Duration.ofNanos(writeTimeoutNanos);
    }

    @Override
    public void shutdownOutput() throws IOException {
        enter();
        try {
            socket.shutdownOutput();
        } finally {
            exit();
        }
    }

    @Override
    public void shutdownInput() throws IOException {
        enter();
        try {
            socket.shutdownInput();
        } finally {
            exit();
        }
        // A reader parked now would otherwise wait for an edge that may never come.
        readReady.signal();
    }

    @Override
    public <T> Connection setOption(SocketOption<T> option, T value) throws IOException {
        Objects.requireNonNull(option, "option");
        enter();
        try {
            socket.setOption(option, value);
        } finally {
            exit();
        }
        return this;
    }

    @Override
    public <T> T getOption(SocketOption<T> option) throws IOException {
        Objects.requireNonNull(option, "option");
        enter();
        try {
            return socket.getOption(option);
        } finally {
            exit();
        }
    }

    @Override
    public InetSocketAddress localAddress() {
        InetSocketAddress a = local;
        if (a == null) {
            connected();
            a = local;
        }
        return a;
    }

    @Override
    public InetSocketAddress remoteAddress() {
        InetSocketAddress a = remote;
        if (a == null) {
            connected();
            a = remote;
        }
        return a;
    }

    @Override
    public void close() {
        closeCore();
    }

    @Override
    public String toString() {
        return "Connection[" + local + " -> " + remote + (isOpen() ? "" : ", closed") + "]";
    }
}
