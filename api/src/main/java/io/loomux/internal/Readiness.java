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
 *   IDLE ── thread: arm(action), CAS IDLE -> action ──► ARMED(action); the thread goes on or ends
 *   ARMED(action) ── poller: signal(), CAS action -> READY, run action
 *   any ── close(): getAndSet CLOSED, unpark a waiter or run an armed action ──► CLOSED (terminal)
 * </pre>
 *
 * <p>ARMED is WAITING without a thread: the connection needs no parked thread (no stack, no
 * buffer) while nothing arrives, and the action, run once by whoever moves the state on, starts
 * the work again. It must be quick and must not block: it runs on the poller thread.
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
final class Readiness {

    /** {@link #await} result: the state went READY; consume and retry the I/O call. */
    static final int OK = 0;
    /** {@link #await} result: the deadline passed; the state is IDLE again, the socket usable. */
    static final int TIMEOUT = 1;
    /** {@link #await} result: the socket was closed while waiting. */
    static final int CLOSED = 2;
    /** {@link #await} result: the thread was interrupted; its interrupt status is still set. */
    static final int INTERRUPTED = 3;

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

    /** IDLE, READY, CLOSED_STATE, the waiting Thread, or an armed action (a Runnable, not a Thread). */
    @SuppressWarnings("unused") // accessed through STATE
    private volatile Object state = IDLE;

    /**
     * Poller side: the backend reported this direction ready. Wakes the waiter if there is one.
     */
    void signal() {
        // Bounded in practice: each failed CAS means another transition happened, and only the
        // waiting thread can move the state back to a Thread, at most once per its own retry.
        for (;;) {
            Object s = state;
            if (s == READY || s == CLOSED_STATE) {
                return;
            }
            if (STATE.compareAndSet(this, s, READY)) {
                wake(s);
                return;
            }
        }
    }

    /** Wakes what the state held before an event or close took it: a thread, an action, or nothing. */
    private static void wake(Object s) {
        if (s instanceof Thread t) {
            LockSupport.unpark(t);
        } else if (s instanceof Runnable action) {
            action.run();
        }
    }

    /**
     * Thread side, instead of {@link #await} when no thread should wait: leaves {@code action}
     * to be run once, by the poller on the next event or by {@link #close()}. Like await it
     * follows a "would block" (or proof that the socket is drained); an event since the last
     * {@link #consume()} makes it refuse, so no wake-up is lost.
     *
     * @param action quick and non-blocking; not a {@link Thread}
     * @return true if armed; false if an event already arrived or the direction is closed, in
     *     which case the action will not run and the caller goes on itself
     */
    boolean arm(Runnable action) {
        if (action instanceof Thread) {
            throw new IllegalArgumentException("an armed action cannot be a Thread");
        }
        return STATE.compareAndSet(this, IDLE, action);
    }

    /**
     * Thread side, before a non-blocking I/O call: forgets a past READY, so that any event from
     * now on is recorded afresh.
     */
    void consume() {
        if (state == READY) {
            // Failure means close won the race; the I/O call or the next await notices.
            STATE.compareAndSet(this, READY, IDLE);
        }
    }

    /** @return true if no event arrived since the last {@link #consume()} and not closed */
    boolean isIdle() {
        return state == IDLE;
    }

    /** @return true once {@link #close()} has run */
    boolean isClosed() {
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
    int await(long deadlineNanos, Counters stats) {
        Thread me = Thread.currentThread();
        if (!STATE.compareAndSet(this, IDLE, me)) {
            // READY: an event landed after consume(); retry without parking. Or CLOSED.
            Object s = state;
            if (s instanceof Runnable && !(s instanceof Thread)) {
                throw new IllegalStateException("an action is armed for this socket's readiness; "
                        + "no thread may wait on it until the action runs");
            }
            return s == CLOSED_STATE ? CLOSED : OK;
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
    void close() {
        wake(STATE.getAndSet(this, CLOSED_STATE));
    }

    @Override
    public String toString() {
        Object s = state;
        return s instanceof Thread t ? "WAITING(" + t + ")" : s instanceof Marker ? s.toString() : "ARMED";
    }

    private record Marker(String name) {
        @Override
        public String toString() {
            return name;
        }
    }
}
