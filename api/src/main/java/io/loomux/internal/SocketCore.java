package io.loomux.internal;

import io.loomux.spi.Events;
import io.loomux.spi.Handle;
import io.loomux.spi.PollSet;
import io.loomux.spi.Registration;
import io.loomux.spi.Triggering;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What listeners and connections share: the backend handle, its registration, the two
 * {@link Readiness} machines, and the close protocol that keeps descriptor numbers safe.
 *
 * <p>Close safety: every backend call that names the socket (I/O, addresses, options,
 * {@link io.loomux.spi.PollSet#register}, {@link Registration#arm}) runs between
 * {@link #enter()} (or {@link #tryEnter()}) and {@link #exit()}, which
 * count the calls in progress in {@code gate}; its sign bit means closed. {@link #close()} sets
 * the bit (no call can enter after it), wakes both waiters, and the handle is released
 * ({@link Handle#close()}, which frees the descriptor number) by whoever brings the gate to
 * "closed, no calls in progress": close itself, or the last call to exit. So a descriptor
 * number is never freed while a thread can still pass it to the OS, and can never reach another
 * connection's traffic. Backend calls never block, so that wait is short.
 */
abstract class SocketCore {

    private static final int CLOSED_BIT = Integer.MIN_VALUE;
    private static final VarHandle GATE;

    static {
        try {
            GATE = MethodHandles.lookup().findVarHandle(SocketCore.class, "gate", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final Engine engine;
    final Handle handle;
    final boolean edge;
    final Readiness readReady = new Readiness();
    final Readiness writeReady = new Readiness();
    /** One reader (or acceptor) at a time, as a blocking SocketChannel has: one waiter per Readiness. */
    final ReentrantLock readLock = new ReentrantLock();
    final ReentrantLock writeLock = new ReentrantLock();
    volatile Registration registration;

    @SuppressWarnings("unused") // accessed through GATE
    private volatile int gate;
    /**
     * The peer hung up or the socket has an error: set by the poller before it signals, so a
     * reader that consumed that signal sees it. Read by the edge-triggered short-read shortcut:
     * data and FIN can arrive under one edge, and after a short read of that data no edge is
     * left to wake the reader for the end of stream.
     */
    volatile boolean hungUp;

    SocketCore(Engine engine, Handle handle) {
        this.engine = engine;
        this.handle = handle;
        this.edge = engine.triggering() == Triggering.EDGE;
    }

    /** Hands each event a poll reports to its socket, the attachment it was registered with. */
    static final PollSet.EventSink EVENTS = (attachment, events) -> ((SocketCore) attachment).onEvents(events);

    /** Poller thread: the backend reported these {@link Events} bits. */
    final void onEvents(int events) {
        if ((events & (Events.HANGUP | Events.ERROR)) != 0 && !hungUp) {
            hungUp = true;
        }
        if ((events & (Events.READABLE | Events.HANGUP | Events.ERROR)) != 0) {
            readReady.signal();
        }
        if ((events & (Events.WRITABLE | Events.HANGUP | Events.ERROR)) != 0) {
            writeReady.signal();
        }
    }

    /**
     * Before a backend call.
     *
     * @throws ClosedChannelException if closed
     */
    final void enter() throws ClosedChannelException {
        if (!tryEnter()) {
            throw new ClosedChannelException();
        }
    }

    /**
     * Before a backend call that a closed socket simply skips (arming, reading an address).
     *
     * @return true if entered: {@link #exit()} must follow; false if closed
     */
    final boolean tryEnter() {
        // Bounded: a CAS fails only when another thread entered, exited or closed meanwhile.
        for (;;) {
            int g = gate;
            if (g < 0) {
                return false;
            }
            if (GATE.compareAndSet(this, g, g + 1)) {
                return true;
            }
        }
    }

    /**
     * After a backend call that {@link #enter()} let in; releases the handle if it was the last.
     *
     * @throws IllegalStateException if no call is in progress: an exit without its enter would
     *     take the count below zero, and a gate that reads "closed" with calls in progress never
     *     releases the descriptor (or, later, releases it under a call that is still using it)
     */
    final void exit() {
        // Bounded as in tryEnter.
        for (;;) {
            int g = gate;
            if ((g & ~CLOSED_BIT) == 0) {
                throw new IllegalStateException("loomux: SocketCore.exit() without a matching enter() on " + this
                        + ": the gate counts no backend call in progress; an unbalanced exit would corrupt it");
            }
            if (GATE.compareAndSet(this, g, g - 1)) {
                if (g - 1 == CLOSED_BIT) {
                    release();
                }
                return;
            }
        }
    }

    /** @return false once close has begun */
    public final boolean isOpen() {
        return gate >= 0;
    }

    /**
     * Closes: no backend call can start after this; waiters wake with {@link Readiness#CLOSED}.
     *
     * @return true if this call closed it, false if it was closed already
     */
    final boolean closeCore() {
        int g;
        do {
            g = gate;
            if (g < 0) {
                return false;
            }
        } while (!GATE.compareAndSet(this, g, g | CLOSED_BIT));
        readReady.close();
        writeReady.close();
        if (g == 0) {
            release();
        }
        engine.forget(this);
        return true;
    }

    /** Runs once, when closed and no backend call is in progress. */
    private void release() {
        Registration r = registration;
        if (r != null) {
            r.cancel();
        }
        try {
            handle.close();
        } catch (IOException | RuntimeException e) {
            System.getLogger("io.loomux").log(System.Logger.Level.DEBUG, "closing a socket failed", e);
        }
    }

    /**
     * The current thread is interrupted before or while waiting: close, as InterruptibleChannel
     * does, and build the exception for this thread only (other threads parked on the socket see
     * an asynchronous close, later callers a plain closed channel, as with SocketChannel).
     */
    final ClosedByInterruptException interrupted() {
        closeCore();
        return new ClosedByInterruptException();
    }

    /**
     * Checks the calling thread's interrupt status at the start of a blocking operation.
     *
     * @throws ClosedByInterruptException if interrupted (the socket is then closed)
     */
    final void beginBlocking() throws ClosedByInterruptException {
        if (Thread.currentThread().isInterrupted()) {
            throw interrupted();
        }
    }

    /**
     * Waits on one direction after a "would block".
     *
     * @param ready     the direction
     * @param interest  {@link Events#READABLE} or {@link Events#WRITABLE}, armed first on one-shot backends
     * @param deadline  a nanoTime deadline or 0
     * @param what      "Read", "Write", "Accept" or "Connect", for the timeout message
     * @throws IOException on timeout, close or interrupt
     */
    final void await(Readiness ready, int interest, long deadline, String what) throws IOException {
        armInterest(interest);
        switch (ready.await(deadline, engine.counters)) {
            case Readiness.OK -> {
                return;
            }
            case Readiness.TIMEOUT -> {
                engine.counters.timeout();
                throw new java.net.SocketTimeoutException(what + " timed out");
            }
            case Readiness.INTERRUPTED -> throw interrupted();
            default -> throw new AsynchronousCloseException();
        }
    }

    /**
     * Before a wait, with or without a thread: a one-shot backend reports only armed interest
     * (and reports it at once if the socket is already ready); an edge-triggered one needs none.
     * Inside the gate like any backend call: a backend may arm by descriptor number
     * ({@code epoll_ctl(EPOLL_CTL_MOD)}), and a number freed by a close in between could already
     * be another connection's. A closed socket is not armed: its wait ends at once.
     *
     * @param interest {@link Events#READABLE} or {@link Events#WRITABLE}
     */
    final void armInterest(int interest) {
        if (!edge && tryEnter()) {
            try {
                Registration r = registration;
                if (r != null) {
                    r.arm(interest);
                }
            } finally {
                exit();
            }
        }
    }

    /**
     * @param timeout null, zero or negative for none
     * @return the timeout in nanoseconds, 0 for none; huge values saturate to about 73 years,
     *     so that deadline arithmetic never overflows
     */
    static long nanos(java.time.Duration timeout) {
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            return 0;
        }
        return timeout.compareTo(MAX_TIMEOUT) >= 0 ? MAX_TIMEOUT.toNanos() : timeout.toNanos();
    }

    private static final java.time.Duration MAX_TIMEOUT = java.time.Duration.ofNanos(Long.MAX_VALUE / 4);

    /**
     * @param timeoutNanos 0 for none
     * @return a nanoTime deadline, or 0 for none (a computed 0 is nudged to 1)
     */
    static long deadline(long timeoutNanos) {
        if (timeoutNanos <= 0) {
            return 0;
        }
        long d = System.nanoTime() + timeoutNanos;
        return d == 0 ? 1 : d;
    }
}
