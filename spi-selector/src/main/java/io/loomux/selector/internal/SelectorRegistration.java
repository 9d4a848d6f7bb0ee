package io.loomux.selector.internal;

import io.loomux.spi.Events;
import io.loomux.spi.Registration;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectionKey;

/**
 * One channel in one {@link SelectorPollSet}: its {@link SelectionKey} and the interest that
 * other threads have armed but the poller has not yet applied.
 *
 * <p>Only the poller thread touches the key's interest set. Arming from another thread goes
 * through {@link #pending} and the poll set's queue, never through
 * {@link SelectionKey#interestOps(int)}: that call takes monitors inside the JDK (which pin a
 * virtual thread on JDK 21) and costs an {@code epoll_ctl} per call, where the poller applies a
 * whole batch of arms just before it selects.
 */
public final class SelectorRegistration implements Registration {

    /**
     * Set in {@link #pending} while this registration sits in the poll set's queue. Invariant:
     * the registration is in the queue at most once; whoever sets this bit enqueues, and only
     * the poller clears it, after taking the registration off the queue.
     */
    static final int QUEUED = 1 << 30;

    private static final int INTEREST = Events.READABLE | Events.WRITABLE;
    private static final VarHandle PENDING;

    static {
        try {
            PENDING = MethodHandles.lookup().findVarHandle(SelectorRegistration.class, "pending", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final SelectorPollSet pollSet;
    private final ChannelHandle<?> handle;
    private final SelectionKey key;
    private final Object attachment;

    /** Armed {@link Events} bits not yet applied to the key, plus {@link #QUEUED}. */
    @SuppressWarnings("unused") // through PENDING
    private volatile int pending;

    // Poller-only state, never read by another thread.
    /** The key's interest set as the poller last wrote it, so it never has to read it back. */
    private int interestOps;
    /** Events collected for this key during the current selection; 0 when not collected. */
    int readyEvents;

    SelectorRegistration(SelectorPollSet pollSet, ChannelHandle<?> handle, SelectionKey key, Object attachment) {
        this.pollSet = pollSet;
        this.handle = handle;
        this.key = key;
        this.attachment = attachment;
    }

    /**
     * Records the interest and, unless this registration is already queued, hands it to the
     * poller. Never blocks, never touches the selector's key, and allocates nothing: the queue
     * holds the registration itself. Bits other than {@link Events#READABLE} and
     * {@link Events#WRITABLE} are ignored, and so is {@code WRITABLE} on a listener.
     *
     * @param interest {@link Events#READABLE}, {@link Events#WRITABLE}, or both
     */
    @Override
    public void arm(int interest) {
        int bits = interest & INTEREST;
        if (bits == 0) {
            return;
        }
        int before = (int) PENDING.getAndBitwiseOr(this, bits | QUEUED);
        if ((before & QUEUED) == 0) {
            pollSet.enqueue(this);
        }
        // Otherwise the registration is still queued: the poller has not yet taken its pending
        // bits (it clears QUEUED when it does), so it will see these bits too, and whoever
        // queued it has already made sure a poll will come to drain the queue.
    }

    /**
     * Cancels the key: from any thread, without blocking (the JDK defers the deregistration to
     * the selector's next selection). Idempotent. A poll that starts later never reports this
     * registration, because the poller skips keys that are no longer valid.
     */
    @Override
    public void cancel() {
        key.cancel();
    }

    /** @return the poll set this registration belongs to */
    SelectorPollSet pollSet() {
        return pollSet;
    }

    /** @return what {@link io.loomux.spi.PollSet#poll} hands back for this registration */
    Object attachment() {
        return attachment;
    }

    /** @return whether the key still counts: not cancelled, channel and selector open */
    boolean isValid() {
        return key.isValid();
    }

    /**
     * Poller thread: takes the pending interest and ORs it into the key's interest set, after
     * mapping it to selection-key operations (which may depend on whether a connect is pending,
     * so it is mapped now rather than when armed).
     */
    void applyPending() {
        // Clearing QUEUED in the same atomic step as taking the bits is what lets the next arm
        // enqueue again without ever losing bits or queueing this registration twice.
        int bits = (int) PENDING.getAndSet(this, 0) & INTEREST;
        if (bits == 0 || !key.isValid()) {
            return;
        }
        int ops = interestOps;
        if ((bits & Events.READABLE) != 0) {
            ops |= handle.readOps();
        }
        if ((bits & Events.WRITABLE) != 0) {
            ops |= handle.writeOps();
        }
        setInterestOps(ops);
    }

    /**
     * Poller thread: maps the key's ready operations to {@link Events} bits and accumulates
     * them, since some selectors (kqueue) call back once per filter for the same key.
     *
     * @return true when this is the first call for this key in the current selection
     */
    boolean collect(int readyOps) {
        int events = 0;
        if ((readyOps & (SelectionKey.OP_READ | SelectionKey.OP_ACCEPT)) != 0) {
            events |= Events.READABLE;
        }
        if ((readyOps & (SelectionKey.OP_WRITE | SelectionKey.OP_CONNECT)) != 0) {
            events |= Events.WRITABLE;
        }
        boolean first = readyEvents == 0;
        readyEvents |= events;
        return first && events != 0;
    }

    /**
     * Poller thread: removes the interest of the directions about to be reported, which is what
     * makes the level-triggered selector one-shot. The change reaches the kernel at the start of
     * the next selection, before it waits, so a poll that follows reports nothing for these
     * directions until they are armed again.
     *
     * @param events the {@link Events} bits about to be reported
     * @return false if the key was cancelled meanwhile, and the events must not be reported
     */
    boolean disarm(int events) {
        int ops = interestOps;
        if ((events & Events.READABLE) != 0) {
            ops &= ~(SelectionKey.OP_READ | SelectionKey.OP_ACCEPT);
        }
        if ((events & Events.WRITABLE) != 0) {
            ops &= ~(SelectionKey.OP_WRITE | SelectionKey.OP_CONNECT);
        }
        return setInterestOps(ops);
    }

    private boolean setInterestOps(int ops) {
        if (!key.isValid()) {
            return false;
        }
        if (ops != interestOps) {
            try {
                key.interestOps(ops);
            } catch (CancelledKeyException e) {
                // Cancelled by another thread after the check above: a cancelled key is never
                // reported, so this is the same outcome as the check failing.
                return false;
            }
            interestOps = ops;
        }
        return true;
    }

    /** @return the attachment and the interest not yet applied, for logs and test failures */
    @Override
    public String toString() {
        return "SelectorRegistration[" + attachment + ", pending="
                + Events.toString((int) PENDING.getVolatile(this) & INTEREST) + (key.isValid() ? "]" : ", cancelled]");
    }
}
