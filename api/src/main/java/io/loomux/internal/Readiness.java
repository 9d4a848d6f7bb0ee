package io.loomux.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * The readiness state machine of one direction (read or write) of one socket: the heart of the
 * blocking layer. DESIGN.md draws it; this is it.
 *
 * <pre>
 *            poller: signal()                   thread: await(), CAS IDLE -> me, park
 *   IDLE ──────────────────────► READY          IDLE ─────────────────────────────────► WAITING(me)
 *   READY ── thread: consume(), CAS READY -> IDLE, then retry the I/O call
 *   WAITING(me) ── poller: signal(), CAS me -> READY, unpark(me)
 *   WAITING(me) ── deadline or interrupt: CAS me -> IDLE (the thread's own) ──► TIMEOUT / INTERRUPTED
 *   any ── close(): getAndSet CLOSED, unpark a waiter ──► CLOSED (terminal)
 * </pre>
 *
 * <p>Invariants:
 * <ul>
 *   <li>At most one thread waits: callers hold the direction's lock around I/O and waiting.</li>
 *   <li>A thread calls {@link #consume()} before its non-blocking I/O call and {@link #await}
 *       only after that call said "would block". An event that lands between the two leaves
 *       READY behind, so the CAS IDLE -> me fails and the thread retries instead of sleeping
 *       through the event: no lost wake-up.</li>
 *   <li>Only the waiting thread moves the state away from WAITING(me) except to READY or CLOSED,
 *       and only the poller or close move it to those; a thread that wakes and still finds itself
 *       in the state was woken spuriously and parks again.</li>
 *   <li>Every transition is a volatile CAS or getAndSet, so the data the poller saw ready
 *       happens-before the thread's retry. Waiting allocates nothing: the state holds the
 *       thread itself.</li>
 * </ul>
 */
public final class Readiness {

    /** {@link #await} result: the state went READY; consume and retry the I/O call. */
    public static final int OK = 0;
    /** {@link #await} result: the deadline passed; the state is IDLE again, the socket usable. */
    public static final int TIMEOUT = 1;
    /** {@link #await} result: the socket was closed while waiting. */
    public static final int CLOSED = 2;
    /** {@link #await} result: the thread was interrupted; its interrupt status is still set. */
    public static final int INTERRUPTED = 3;

    private static final Object IDLE = new Marker("IDLE");
    private static final Object READY = new Marker("READY");
    private static final Object CLOSED_STATE = new Marker("CLOSED");

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Readiness.class, "state", Object.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** IDLE, READY, CLOSED_STATE, or the waiting Thread. */
    @SuppressWarnings("unused") // accessed through STATE
    private volatile Object state = IDLE;

    /**
     * Poller side: the backend reported this direction ready. Wakes the waiter if there is one.
     */
    public void signal() {
        // Bounded in practice: each failed CAS means another transition happened, and only the
        // waiting thread can move the state back to a Thread, at most once per its own retry.
        for (;;) {
            Object s = state;
            if (s == READY || s == CLOSED_STATE) {
                return;
            }
            if (STATE.compareAndSet(this, s, READY)) {
                if (s != IDLE) {
                    LockSupport.unpark((Thread) s);
                }
                return;
            }
        }
    }

    /**
     * Thread side, before a non-blocking I/O call: forgets a past READY, so that any event from
     * now on is recorded afresh.
     */
    public void consume() {
        if (state == READY) {
            // Failure means close won the race; the I/O call or the next await notices.
            STATE.compareAndSet(this, READY, IDLE);
        }
    }

    /** @return true if no event arrived since the last {@link #consume()} and not closed */
    public boolean isIdle() {
        return state == IDLE;
    }

    /** @return true once {@link #close()} has run */
    public boolean isClosed() {
        return state == CLOSED_STATE;
    }

    /**
     * Thread side, after the I/O call said "would block": parks until an event, the deadline,
     * close, or interrupt.
     *
     * @param deadlineNanos a {@link System#nanoTime()} deadline, or 0 for none
     * @param stats         counts the park, if one happens
     * @return {@link #OK}, {@link #TIMEOUT}, {@link #CLOSED} or {@link #INTERRUPTED}
     */
    public int await(long deadlineNanos, Counters stats) {
        Thread me = Thread.currentThread();
        if (!STATE.compareAndSet(this, IDLE, me)) {
            // READY: an event landed after consume(); retry without parking. Or CLOSED.
            return state == CLOSED_STATE ? CLOSED : OK;
        }
        stats.park();
        // Each iteration parks once; it ends on the first wake-up that is not spurious. The
        // deadline bounds it when there is one; otherwise the state change or interrupt does.
        for (;;) {
            if (me.isInterrupted()) {
                if (STATE.compareAndSet(this, me, IDLE)) {
                    return INTERRUPTED;
                }
            } else if (deadlineNanos == 0) {
                LockSupport.park(this);
            } else {
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    if (STATE.compareAndSet(this, me, IDLE)) {
                        return TIMEOUT;
                    }
                } else {
                    LockSupport.parkNanos(this, left);
                }
            }
            Object s = state;
            if (s != me) {
                return s == CLOSED_STATE ? CLOSED : OK;
            }
        }
    }

    /**
     * Closes this direction for good and wakes its waiter, which sees {@link #CLOSED}.
     */
    public void close() {
        Object s = STATE.getAndSet(this, CLOSED_STATE);
        if (s instanceof Thread t) {
            LockSupport.unpark(t);
        }
    }

    @Override
    public String toString() {
        Object s = state;
        return s instanceof Thread t ? "WAITING(" + t + ")" : s.toString();
    }

    private record Marker(String name) {
        @Override
        public String toString() {
            return name;
        }
    }
}
