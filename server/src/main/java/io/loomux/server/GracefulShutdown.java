package io.loomux.server;

import io.loomux.Loomux;
import io.loomux.internal.serve.AcceptLoop;
import io.loomux.internal.serve.IdleReaper;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * A server's graceful shutdown, as {@link TcpServer#shutdown(Duration)} describes it: stop
 * accepting, close the connections between turns, give running handlers the grace period,
 * then close what is left and interrupt its threads, wait a bounded time for them, and release
 * the reaper, the MXBean and the runtime. It also owns the server's life state: stopping once
 * shutdown began, terminated once it finished.
 *
 * <p>Invariants: only the first call shuts down; a later or concurrent one waits for it and may
 * only bring its deadline forward, never push it back. Every wait is bounded (the acceptor's
 * join, the grace, {@link #FORCE_WAIT}), and an interrupt skips to closing everything, so
 * shutdown always finishes and always counts {@link #awaitTermination()} down. A handler that
 * shuts its own server down is not waited for, and the runtime its connection runs on closes
 * only when the last handler has ended ({@link #sessionEnded}).
 */
final class GracefulShutdown {

    /** How long shutdown waits for the acceptor to notice the closed listener. */
    private static final Duration ACCEPTOR_JOIN = Duration.ofSeconds(5);
    /**
     * How long shutdown waits for handler threads after it closed their connections (and
     * interrupted them). A handler that ignores both, e.g. one spinning in computation, would
     * otherwise hold shutdown forever; past this it is named in a WARNING and left running.
     */
    static final Duration FORCE_WAIT = Duration.ofSeconds(10);

    private static final System.Logger LOG = TcpServer.LOG;

    private final InetSocketAddress address;
    private final Sessions sessions;
    private final AcceptLoop acceptLoop;
    private final IdleReaper reaper;
    private final ServerJmx jmx;
    private final Loomux runtime;
    private final boolean ownsRuntime;
    private final ServerCounters counters;

    /** Guards the shutdown deadline; {@link #changed} is signalled when a handler ends during
     * shutdown or a later shutdown call brings the deadline forward. */
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private boolean deadlineSet; // guarded by lock
    private long forceDeadline; // System.nanoTime(); guarded by lock

    /** Set once, by the first shutdown; read by handlers as they end and by turns before arming. */
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final CountDownLatch terminated = new CountDownLatch(1);
    private volatile boolean cleanShutdown;
    /** Set when a handler shut the server down: the last session to end closes the runtime. */
    private volatile boolean closeRuntimeWhenHandlersEnd;
    private final AtomicBoolean runtimeClosed = new AtomicBoolean();

    /**
     * @param address     names the server in log lines
     * @param sessions    the handlers to wait for and the connections to close
     * @param acceptLoop  stopped first
     * @param reaper      stopped at the end; null if the server has no idle timeout
     * @param jmx         unregistered at the end
     * @param runtime     the server's runtime
     * @param ownsRuntime true to close the runtime at the end; false to leave it to its owner
     * @param counters    whose runtime part is frozen before the runtime closes
     */
    GracefulShutdown(InetSocketAddress address, Sessions sessions, AcceptLoop acceptLoop, IdleReaper reaper,
                     ServerJmx jmx, Loomux runtime, boolean ownsRuntime, ServerCounters counters) {
        this.address = address;
        this.sessions = sessions;
        this.acceptLoop = acceptLoop;
        this.reaper = reaper;
        this.jmx = jmx;
        this.runtime = runtime;
        this.ownsRuntime = ownsRuntime;
        this.counters = counters;
    }

    /** @return true once shutdown has begun */
    boolean isStopping() {
        return stopping.get();
    }

    /** @return true once shutdown has finished */
    boolean isTerminated() {
        return terminated.getCount() == 0;
    }

    /** See {@link TcpServer#shutdown(Duration)}. */
    boolean shutdown(Duration grace) throws InterruptedException {
        Objects.requireNonNull(grace, "grace");
        long deadline = deadlineAfter(grace);
        if (!stopping.compareAndSet(false, true)) {
            bringDeadlineForward(deadline);
            terminated.await();
            return cleanShutdown;
        }
        bringDeadlineForward(deadline);
        InterruptedException interrupted = null;
        boolean clean = false;
        try {
            acceptLoop.stop(); // closes the listener, wakes the acceptor wherever it waits
            try {
                if (!acceptLoop.join(ACCEPTOR_JOIN)) {
                    LOG.log(System.Logger.Level.WARNING, "loomux acceptor of " + address + " did not stop within "
                            + ACCEPTOR_JOIN.toSeconds() + " s");
                }
            } catch (InterruptedException e) {
                interrupted = e;
            }
            // From here no new session appears: the acceptor has ended (or is stuck, logged).
            // Connections between turns have nothing in progress: they close now, not after the
            // grace (closing one runs its turn, which sees the close and ends).
            sessions.closeWaiting();
            if (interrupted == null) {
                try {
                    clean = awaitHandlers(this::forceDeadline);
                } catch (InterruptedException e) {
                    interrupted = e;
                }
            }
            if (!clean) {
                forceClose();
                if (interrupted == null) {
                    long end = System.nanoTime() + FORCE_WAIT.toNanos();
                    try {
                        if (!awaitHandlers(() -> end)) {
                            LOG.log(System.Logger.Level.WARNING, "loomux server " + address
                                    + ": handlers still running after their connections were closed: "
                                    + sessions.runningHandlers());
                        }
                    } catch (InterruptedException e) {
                        interrupted = e;
                    }
                }
            }
        } finally {
            finish(clean);
        }
        if (interrupted != null) {
            throw interrupted;
        }
        return clean;
    }

    /** See {@link TcpServer#awaitTermination()}. */
    void awaitTermination() throws InterruptedException {
        terminated.await();
    }

    /** See {@link TcpServer#awaitTermination(Duration)}. */
    boolean awaitTermination(Duration timeout) throws InterruptedException {
        return terminated.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * A handler thread (a session, or a run of turns) ends, or never started ({@code me} null if
     * it was not even made); its connection is closed or armed.
     */
    void sessionEnded(Thread me) {
        if (me != null) {
            sessions.remove(me);
        }
        if (closeRuntimeWhenHandlersEnd && sessions.isEmpty()) {
            closeRuntime();
        }
        if (stopping.get()) {
            // Wake the shutdown waiting for handlers. Read after the remove: if shutdown
            // started later, its own check sees the remove; if earlier, it gets the signal.
            lock.lock();
            try {
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    private static long deadlineAfter(Duration grace) {
        long now = System.nanoTime();
        if (grace.isNegative() || grace.isZero()) {
            return now;
        }
        long nanos;
        try {
            nanos = grace.toNanos();
        } catch (ArithmeticException e) {
            nanos = Long.MAX_VALUE / 4; // centuries: as good as forever, without overflow below
        }
        return now + Math.min(nanos, Long.MAX_VALUE / 4);
    }

    private void bringDeadlineForward(long deadline) {
        lock.lock();
        try {
            if (!deadlineSet || deadline - forceDeadline < 0) {
                forceDeadline = deadline;
                deadlineSet = true;
                changed.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    private long forceDeadline() {
        // Only called with the lock held (from awaitHandlers).
        return forceDeadline;
    }

    /**
     * Waits until every handler thread other than the caller's has ended, or the deadline.
     *
     * @return true if they all ended
     */
    private boolean awaitHandlers(LongSupplier deadline) throws InterruptedException {
        lock.lock();
        try {
            // Bounded by the deadline: each pass waits at most until it.
            while (sessions.othersRunning()) {
                long left = deadline.getAsLong() - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                changed.awaitNanos(left);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    private void forceClose() {
        int closed = sessions.forceClose();
        if (closed > 0) {
            LOG.log(System.Logger.Level.DEBUG, () -> "loomux server " + address + ": grace over, closed "
                    + closed + " connections");
        }
    }

    private void finish(boolean clean) {
        try {
            if (reaper != null) {
                reaper.stop();
            }
            jmx.unregister();
            if (!ownsRuntime) {
                counters.freezeRuntimeStats(); // a shared runtime goes on counting for its other users
            } else if (sessions.isHandlerThread(Thread.currentThread())) {
                // A handler shut its own server down: closing the runtime now would close the
                // connection it is still using. Its session's end closes the runtime instead.
                closeRuntimeWhenHandlersEnd = true;
            } else {
                closeRuntime();
            }
        } finally {
            cleanShutdown = clean;
            terminated.countDown();
        }
    }

    private void closeRuntime() {
        if (!runtimeClosed.compareAndSet(false, true)) {
            return;
        }
        counters.freezeRuntimeStats();
        try {
            runtime.close();
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "closing the loomux runtime of " + address + " failed", e);
        }
    }
}
