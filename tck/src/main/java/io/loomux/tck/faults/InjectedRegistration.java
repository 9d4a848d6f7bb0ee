package io.loomux.tck.faults;

import io.loomux.spi.Events;
import io.loomux.spi.Registration;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * One socket in an {@link InjectedPollSet}: the backend's registration, the reports the
 * injector owes it, and, on a ONE_SHOT backend, the interest armed and not yet reported.
 *
 * <p>ONE_SHOT bookkeeping, which lets the injector add reports without breaking "only armed
 * interest, at most once per arming": {@link #arm} adds to {@code armed} before it arms the
 * backend, and every report given takes its bits out. A backend report for interest no longer
 * in {@code armed} is dropped; that loses no wake-up, since a report was given after the arming
 * began (it took the bits out), and an arming after that puts them back before the backend is
 * armed again.
 */
final class InjectedRegistration implements Registration {

    private static final int DIRECTIONS = Events.READABLE | Events.WRITABLE;
    private static final int TROUBLE = Events.HANGUP | Events.ERROR;

    final InjectedPollSet pollSet;
    final Object attachment;
    private volatile Registration backend;
    private final AtomicInteger armed = new AtomicInteger();
    /** Reports owed after an injected "would block", short call or reset; see {@link #owe}. */
    final AtomicInteger owed = new AtomicInteger();
    volatile boolean cancelled;
    /** Index in the poll set's live list, -1 once gone; guarded by the poll set's lock. */
    int index = -1;
    /** Bits to report from the poll in progress; only the polling thread touches it. */
    int outBits;

    InjectedRegistration(InjectedPollSet pollSet, Object attachment) {
        this.pollSet = pollSet;
        this.attachment = attachment;
    }

    void bind(Registration backend) {
        this.backend = backend;
    }

    @Override
    public void arm(int interest) {
        if (pollSet.oneShot) {
            armed.getAndAccumulate(interest & DIRECTIONS, (a, b) -> a | b);
        }
        backend.arm(interest);
        if (owed.get() != 0) {
            pollSet.owedReport(this); // an owed report waited for this arming
        }
    }

    @Override
    public void cancel() {
        gone();
        backend.cancel();
    }

    /** Cancelled or its socket closed: nothing more is reported for it, injected or not. */
    void gone() {
        cancelled = true;
        pollSet.forget(this);
    }

    /** A socket closes: its registration, if it has one, is gone. */
    static void gone(InjectedRegistration reg) {
        if (reg != null) {
            reg.gone();
        }
    }

    /**
     * The injector owes a report of {@code bits}: it made a call say "would block" or come back
     * short on an EDGE backend, which will raise no edge for it, or it faulted the connection.
     * The next poll gives it (ONE_SHOT: once that interest is armed).
     */
    void owe(int bits) {
        if (cancelled) {
            return;
        }
        if (owed.getAndAccumulate(bits, (a, b) -> a | b) == 0) {
            pollSet.owedReport(this);
        } else {
            pollSet.wakeupBackend();
        }
    }

    /** @return the interest armed and not yet reported (ONE_SHOT) */
    int armed() {
        return armed.get();
    }

    /**
     * Polling thread, ONE_SHOT: what of {@code bits} may be reported now, taken out of the armed
     * interest. Directions only if armed; a hang-up or error with any armed interest, since it
     * wakes both directions.
     */
    int takeArmed(int bits) {
        int a = armed.get();
        int give = bits & a & DIRECTIONS;
        if ((bits & TROUBLE) != 0 && a != 0) {
            give |= bits & TROUBLE;
        }
        if (give != 0) {
            int taken = (give & TROUBLE) != 0 ? a : give;
            armed.getAndAccumulate(taken, (x, t) -> x & ~t);
        }
        return give;
    }

    @Override
    public String toString() {
        return "InjectedRegistration[" + attachment + "]";
    }
}
