package io.loomux.epoll;

import io.loomux.spi.Events;
import io.loomux.spi.Handle;
import io.loomux.spi.PollSet;
import io.loomux.spi.Registration;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ClosedChannelException;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One epoll descriptor, an eventfd to wake it, and a registration table.
 *
 * <p><b>Registration table.</b> Slot {@code i} holds the current {@link EpollRegistration} or
 * null. A socket's {@code epoll_data} is (generation, slot); {@link #poll} reports an event only
 * if the slot still holds a registration of that generation, read in one volatile load, so an
 * event harvested before a cancel is dropped even if the slot or the descriptor number was
 * reused meanwhile. Register and cancel, from any thread, change the table under
 * {@link #tableLock} (once per socket, never per I/O); the poller only reads it.
 *
 * <p><b>System calls.</b> One {@code epoll_ctl(ADD)} per socket, in {@link #register}; none on
 * cancel (closing the descriptor removes it) and none per wait. One {@code epoll_wait} per poll
 * into an events array allocated once. Nothing is allocated per poll or per event.
 *
 * <p><b>Wake-up.</b> {@link #wakeup()} writes the eventfd only when it sets {@code wakePending}
 * from false to true; the poller clears the flag after it drains the eventfd. Every wake-up that
 * found the flag set happened while that write was pending, before the poll that drains it
 * returned, so that poll satisfies it: many wake-ups between two polls cost one write. (Clearing
 * the flag before {@code epoll_wait} instead would let a wake-up that arrives between two polls,
 * after the previous write was drained, write nothing and be lost.)
 *
 * <p><b>Close.</b> {@code gate} counts the calls using the descriptors (poll, register, an
 * eventfd write); its sign bit means closed. Whoever leaves the gate last after close closes the
 * descriptors, so a late {@link #wakeup()} never writes to a number that was closed and reused.
 */
final class EpollPollSet implements PollSet {

    /** Most events one epoll_wait returns; more stay ready for the next poll. */
    static final int MAX_EVENTS = 1024;
    /** The eventfd's epoll_data: its slot half is -1, which no registration has. */
    static final long WAKE_TAG = -1L;

    private static final int CLOSED_BIT = Integer.MIN_VALUE;
    private static final int INITIAL_SLOTS = 64;
    private static final VarHandle WAKE_PENDING;

    static {
        try {
            WAKE_PENDING = MethodHandles.lookup().findVarHandle(EpollPollSet.class, "wakePending", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final int epfd;
    private final int eventFd;
    private final ByteBuffer events;
    private final long eventsAddress;
    private final AtomicInteger gate = new AtomicInteger();
    private final ReentrantLock tableLock = new ReentrantLock();
    /** Slot to registration; replaced (copied, larger) under tableLock when full. */
    private volatile AtomicReferenceArray<EpollRegistration> table = new AtomicReferenceArray<>(INITIAL_SLOTS);
    /** Guarded by tableLock: each slot's current generation. */
    private int[] generations = new int[INITIAL_SLOTS];
    /** Guarded by tableLock: a stack of free slots below {@link #highWater}. */
    private int[] freeSlots = new int[INITIAL_SLOTS];
    private int freeCount;
    /** Guarded by tableLock: slots ever used. */
    private int highWater;
    @SuppressWarnings("unused") // through WAKE_PENDING
    private volatile boolean wakePending;

    EpollPollSet() throws IOException {
        int ep = Native.epollCreate();
        if (ep < 0) {
            throw Errors.exception("epoll_create1", ep);
        }
        int ev = Native.eventfd();
        if (ev < 0) {
            Native.close(ep);
            throw Errors.exception("eventfd", ev);
        }
        Counters.EPOLL_CTL.increment();
        int rc = Native.epollCtlAdd(ep, ev, Sys.EPOLLIN | Sys.EPOLLET, WAKE_TAG);
        if (rc < 0) {
            Native.close(ev);
            Native.close(ep);
            throw Errors.exception("epoll_ctl", rc);
        }
        this.epfd = ep;
        this.eventFd = ev;
        this.events = ByteBuffer.allocateDirect(MAX_EVENTS * Sys.EPOLL_EVENT_SIZE).order(ByteOrder.nativeOrder());
        this.eventsAddress = Native.address(events);
    }

    /**
     * Registers once, edge-triggered, for both directions (listeners: EPOLLIN only); readiness
     * already there is reported by the next poll.
     */
    @Override
    public Registration register(Handle handle, Object attachment) throws IOException {
        Objects.requireNonNull(attachment, "attachment");
        if (!(handle instanceof FdHandle h)) {
            throw new IllegalArgumentException("not a handle of the epoll backend: " + handle);
        }
        h.ensureOpen();
        if (!enter()) {
            throw new ClosedChannelException();
        }
        try {
            EpollRegistration r = allocate(h, attachment);
            Counters.EPOLL_CTL.increment();
            int rc = Native.epollCtlAdd(epfd, h.fd, h.epollEvents(), r.tag());
            if (rc < 0) {
                r.cancel();
                throw Errors.exception("epoll_ctl", rc);
            }
            h.registration = r;
            return r;
        } finally {
            exit();
        }
    }

    private EpollRegistration allocate(FdHandle h, Object attachment) {
        tableLock.lock();
        try {
            int slot;
            if (freeCount > 0) {
                slot = freeSlots[--freeCount];
            } else {
                AtomicReferenceArray<EpollRegistration> t = table;
                if (highWater == t.length()) {
                    grow(t);
                }
                slot = highWater++;
            }
            EpollRegistration r = new EpollRegistration(this, slot, generations[slot], h, attachment);
            // Published before epoll_ctl, so the poller finds it when the first event comes.
            table.setRelease(slot, r);
            return r;
        } finally {
            tableLock.unlock();
        }
    }

    /** Under tableLock: doubles the table; the poller reads the new one from its next poll. */
    private void grow(AtomicReferenceArray<EpollRegistration> old) {
        int n = old.length();
        if (n >= (1 << 30)) {
            throw new IllegalStateException("too many registrations in one epoll poll set: " + n);
        }
        AtomicReferenceArray<EpollRegistration> bigger = new AtomicReferenceArray<>(n * 2);
        for (int i = 0; i < n; i++) {
            bigger.setPlain(i, old.getPlain(i));
        }
        int[] gens = new int[n * 2];
        System.arraycopy(generations, 0, gens, 0, n);
        generations = gens;
        int[] free = new int[n * 2];
        System.arraycopy(freeSlots, 0, free, 0, freeCount);
        freeSlots = free;
        table = bigger; // volatile write publishes the copied entries
    }

    /** Cancel: empties the slot and bumps its generation, so stale events no longer match. */
    void free(EpollRegistration r) {
        tableLock.lock();
        try {
            AtomicReferenceArray<EpollRegistration> t = table;
            if (t.getPlain(r.slot) == r) {
                t.setRelease(r.slot, null);
                generations[r.slot]++;
                freeSlots[freeCount++] = r.slot;
            }
        } finally {
            tableLock.unlock();
        }
    }

    @Override
    public int poll(long timeoutMillis, EventSink sink) throws IOException {
        if (!enter()) {
            throw new ClosedChannelException();
        }
        try {
            int timeout = timeoutMillis < 0 ? -1 : (int) Math.min(timeoutMillis, Integer.MAX_VALUE);
            Counters.EPOLL_WAIT.increment();
            int n = Native.epollWait(epfd, eventsAddress, MAX_EVENTS, timeout);
            if (n < 0) {
                if (n == -Sys.EINTR) {
                    return 0; // a signal; the caller polls again
                }
                throw Errors.exception("epoll_wait", n);
            }
            AtomicReferenceArray<EpollRegistration> t = table;
            int reported = 0;
            for (int i = 0; i < n; i++) {
                int at = i * Sys.EPOLL_EVENT_SIZE;
                int bits = events.getInt(at);
                long data = events.getLong(at + Sys.EPOLL_DATA_OFFSET);
                if (data == WAKE_TAG) {
                    drainWakeup();
                } else if (dispatch(t, data, bits, sink)) {
                    reported++;
                }
            }
            return reported;
        } finally {
            Reference.reachabilityFence(events);
            exit();
        }
    }

    /**
     * Delivers one kernel event if its registration is still current.
     *
     * @param t     the table as of this poll
     * @param data  the event's epoll_data
     * @param bits  its EPOLL* bits
     * @param sink  where to report
     * @return true if reported
     */
    boolean dispatch(AtomicReferenceArray<EpollRegistration> t, long data, int bits, EventSink sink) {
        int slot = (int) data;
        int generation = (int) (data >>> 32);
        EpollRegistration r = slot >= 0 && slot < t.length() ? t.getAcquire(slot) : null;
        if (r == null || r.generation != generation) {
            Counters.STALE_EVENTS.increment();
            return false;
        }
        int ev = translate(bits);
        if (ev == 0) {
            return false;
        }
        sink.event(r.attachment, ev);
        return true;
    }

    /** @return the table, for {@link #dispatch} in tests */
    AtomicReferenceArray<EpollRegistration> table() {
        return table;
    }

    /**
     * @param bits EPOLL* bits
     * @return the {@link Events} bits: IN is READABLE, OUT is WRITABLE, RDHUP (the peer shut
     *     down its output) is READABLE and HANGUP as the SPI defines it, HUP is HANGUP, ERR is
     *     ERROR (the blocking layer wakes both directions for the last three)
     */
    static int translate(int bits) {
        int ev = 0;
        if ((bits & (Sys.EPOLLIN | Sys.EPOLLRDHUP)) != 0) {
            ev |= Events.READABLE;
        }
        if ((bits & Sys.EPOLLOUT) != 0) {
            ev |= Events.WRITABLE;
        }
        if ((bits & (Sys.EPOLLHUP | Sys.EPOLLRDHUP)) != 0) {
            ev |= Events.HANGUP;
        }
        if ((bits & Sys.EPOLLERR) != 0) {
            ev |= Events.ERROR;
        }
        return ev;
    }

    private void drainWakeup() {
        Counters.EVENTFD_READ.increment();
        Native.eventfdRead(eventFd);
        // After the drain: a wake-up that still sees true is covered by this poll returning.
        WAKE_PENDING.setVolatile(this, false);
    }

    @Override
    public void wakeup() {
        Counters.WAKEUP_CALLS.increment();
        if (wakePending || !WAKE_PENDING.compareAndSet(this, false, true)) {
            return; // a write is pending and not yet drained: this wake-up rides on it
        }
        if (enter()) {
            try {
                Counters.EVENTFD_WRITE.increment();
                Native.eventfdWrite(eventFd);
            } finally {
                exit();
            }
        }
    }

    /**
     * Closes the epoll descriptor and the eventfd (now, or when the last call in progress ends),
     * after waking a poll in progress. Registrations are dropped; sockets stay open.
     */
    @Override
    public void close() throws IOException {
        if (!enter()) {
            return;
        }
        int g;
        do {
            g = gate.get();
        } while ((g & CLOSED_BIT) == 0 && !gate.compareAndSet(g, g | CLOSED_BIT));
        Native.eventfdWrite(eventFd); // wake a blocked poll so it leaves the gate
        exit();
    }

    private boolean enter() {
        // Bounded: a CAS fails only when another thread entered, left or closed meanwhile.
        for (;;) {
            int g = gate.get();
            if (g < 0) {
                return false;
            }
            if (gate.compareAndSet(g, g + 1)) {
                return true;
            }
        }
    }

    private void exit() {
        if (gate.decrementAndGet() == CLOSED_BIT) {
            Native.close(eventFd);
            Native.close(epfd);
        }
    }

    @Override
    public String toString() {
        return "EpollPollSet[epfd=" + epfd + (gate.get() < 0 ? ", closed" : "") + "]";
    }
}
