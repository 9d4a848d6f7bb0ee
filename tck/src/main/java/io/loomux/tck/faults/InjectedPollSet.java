package io.loomux.tck.faults;

import io.loomux.spi.Events;
import io.loomux.spi.Handle;
import io.loomux.spi.PollSet;
import io.loomux.spi.Registration;
import io.loomux.spi.Triggering;
import io.loomux.tck.DelegatingProvider;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A poll set that adds, holds back and repeats reports, and sometimes fails a poll.
 *
 * <p>The backend reports to this poll set's registrations (each one's attachment for the
 * backend), so a poll gathers the backend's reports first, then adds what is due: held-back
 * reports, owed reports, a spurious one; each registration's bits are merged, so it is reported
 * once per poll at most, and nothing is reported for a registration cancelled (or whose socket
 * closed) before that. A poll does not wait while anything is held or owed: a late report is
 * late by polls that return at once, never by a timeout.
 */
final class InjectedPollSet extends DelegatingProvider.DelegatingPollSet {

    /** Poll failures in a row at most; the blocking layer gives up a poll set after 100. */
    static final int MAX_POLL_FAILURES_IN_A_ROW = 3;
    private static final int R = Events.READABLE;
    private static final int W = Events.WRITABLE;
    private static final int[] SPURIOUS_EDGE = {R, W, R | W};

    private final FaultInjectingProvider injector;
    private final FaultPlan plan;
    final boolean oneShot;
    /** With no fault planned, backend reports pass unfiltered: exactly the backend's behaviour. */
    private final boolean filtering;
    private final ReentrantLock lock = new ReentrantLock();
    /** Registered and not gone, for spurious reports; guarded by lock. */
    private final List<InjectedRegistration> live = new ArrayList<>();
    private final ConcurrentLinkedQueue<InjectedRegistration> owedQueue = new ConcurrentLinkedQueue<>();

    // Touched only by the polling thread (one at a time, with happens-before between turns).
    private final Dice dice;
    private final List<InjectedRegistration> out = new ArrayList<>();
    private final List<Held> held = new ArrayList<>();
    private final PollSet.EventSink gather = this::gather;
    private long polls;
    private int failuresInARow;

    /** A report held back until poll number {@code due}; a duplicate is given again then. */
    private record Held(InjectedRegistration reg, int bits, long due, boolean duplicate) {
    }

    InjectedPollSet(FaultInjectingProvider injector, PollSet backend, long id) {
        injector.super(backend);
        this.injector = injector;
        this.plan = injector.plan();
        this.oneShot = injector.triggering() == Triggering.ONE_SHOT;
        this.filtering = !plan.injectsNothing();
        this.dice = new Dice(injector.seed(), id, Dice.POLLS);
    }

    @Override
    public Registration register(Handle handle, Object attachment) throws IOException {
        InjectedRegistration reg = new InjectedRegistration(this, attachment);
        reg.bind(d.register(DelegatingProvider.unwrap(handle), reg));
        lock.lock();
        try {
            reg.index = live.size();
            live.add(reg);
        } finally {
            lock.unlock();
        }
        if (handle instanceof InjectedSocket s) {
            s.registeredAs(reg);
        } else if (handle instanceof InjectedListener l) {
            l.registeredAs(reg);
        }
        return reg;
    }

    /** Takes a registration out of the live list (swap with the last: order is the dice's only). */
    void forget(InjectedRegistration reg) {
        lock.lock();
        try {
            int i = reg.index;
            if (i < 0) {
                return;
            }
            InjectedRegistration last = live.remove(live.size() - 1);
            if (last != reg) {
                live.set(i, last);
                last.index = i;
            }
            reg.index = -1;
        } finally {
            lock.unlock();
        }
    }

    /** Queues a registration whose owed report the next poll looks at, and wakes the poll. */
    void owedReport(InjectedRegistration reg) {
        owedQueue.add(reg);
        d.wakeup();
    }

    void wakeupBackend() {
        d.wakeup();
    }

    @Override
    public int poll(long timeoutMillis, EventSink sink) throws IOException {
        polls++;
        if (failuresInARow < MAX_POLL_FAILURES_IN_A_ROW && dice.roll(plan.perMille(Fault.POLL_FAILURE))) {
            failuresInARow++;
            injector.count(Fault.POLL_FAILURE);
            throw new InjectedPollFailure("injected poll failure (" + injector + ")");
        }
        failuresInARow = 0;
        boolean hurry = !held.isEmpty() || !owedQueue.isEmpty();
        d.poll(hurry ? 0 : timeoutMillis, gather);
        addHeld();
        addOwed();
        addSpurious();
        return deliver(sink);
    }

    /** The backend's sink: hold back, repeat, or take the report into this poll's. */
    private void gather(Object attachment, int events) {
        InjectedRegistration reg = (InjectedRegistration) attachment;
        if (dice.roll(plan.perMille(Fault.LATE_EVENT))) {
            injector.count(Fault.LATE_EVENT);
            held.add(new Held(reg, events, polls + dice.between(1, plan.lateBound()), false));
            return;
        }
        if (dice.roll(plan.perMille(Fault.DUPLICATE_EVENT))) {
            held.add(new Held(reg, events, polls + 1, true));
        }
        merge(reg, events);
    }

    private void addHeld() {
        int kept = 0;
        for (Held h : held) {
            if (h.due() > polls) {
                held.set(kept++, h);
            } else if (!h.reg().cancelled) {
                if (!h.duplicate()) {
                    merge(h.reg(), h.bits());
                } else if (!oneShot || (h.bits() & h.reg().armed()) != 0) {
                    injector.count(Fault.DUPLICATE_EVENT);
                    merge(h.reg(), h.bits());
                }
            }
        }
        held.subList(kept, held.size()).clear();
    }

    private void addOwed() {
        // Bounded by the queue's length now: a registration owed again meanwhile waits a poll.
        for (int i = owedQueue.size(); i > 0; i--) {
            InjectedRegistration reg = owedQueue.poll();
            if (reg == null) {
                return;
            }
            if (reg.cancelled || (oneShot && reg.armed() == 0)) {
                continue; // ONE_SHOT: kept in reg.owed; the next arm queues it again
            }
            int bits = reg.owed.getAndSet(0);
            if (bits != 0) {
                merge(reg, bits);
            }
        }
    }

    private void addSpurious() {
        if (!dice.roll(plan.perMille(Fault.SPURIOUS_EVENT))) {
            return;
        }
        InjectedRegistration reg;
        lock.lock();
        try {
            reg = live.isEmpty() ? null : live.get(dice.between(0, live.size() - 1));
        } finally {
            lock.unlock();
        }
        if (reg == null) {
            return;
        }
        int bits = oneShot ? reg.armed() : SPURIOUS_EDGE[dice.between(0, 2)];
        if (bits != 0) {
            injector.count(Fault.SPURIOUS_EVENT);
            merge(reg, bits);
        }
    }

    private void merge(InjectedRegistration reg, int bits) {
        if (reg.outBits == 0) {
            out.add(reg);
        }
        reg.outBits |= bits;
    }

    private int deliver(EventSink sink) {
        int n = 0;
        try {
            for (InjectedRegistration reg : out) {
                int bits = reg.outBits;
                reg.outBits = 0;
                if (filtering && reg.cancelled) {
                    continue;
                }
                if (oneShot && filtering) {
                    bits = reg.takeArmed(bits);
                }
                if (bits != 0) {
                    sink.event(reg.attachment, bits);
                    n++;
                }
            }
        } finally {
            // A sink that threw leaves nothing behind for the next poll to merge into.
            for (InjectedRegistration reg : out) {
                reg.outBits = 0;
            }
            out.clear();
        }
        return n;
    }
}
