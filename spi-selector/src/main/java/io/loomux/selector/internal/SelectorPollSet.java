package io.loomux.selector.internal;

import io.loomux.spi.Handle;
import io.loomux.spi.PollSet;
import io.loomux.spi.Registration;

import org.jctools.queues.atomic.MpscUnboundedAtomicArrayQueue;

import java.io.IOException;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A one-shot poll set on one {@link Selector}.
 *
 * <p>Arming, from any thread: the registration records the interest and, the first time since
 * the poller last took it, puts itself on a lock-free multi-producer queue; then, only if the
 * poller has said it is about to block and nobody has woken it yet, one
 * {@link Selector#wakeup()}. Polling, on the poller thread only: apply every queued arm to its
 * key, select, and report each ready key once, removing the reported interest first.
 *
 * <p>The wake-up protocol, on {@link #state}: the poller moves it from {@code AWAKE} to
 * {@code SLEEPING} just before a blocking selection and back to {@code AWAKE} after it; the
 * first arm or {@link #wakeup()} that finds it {@code SLEEPING} moves it to {@code WOKEN} and
 * is the only one to call {@code Selector.wakeup()}. After publishing {@code SLEEPING} the poller
 * looks at the queue (and at {@link #wakeupRequested}) once more; an arm enqueues before it
 * looks at the state. Both sides write then read sequentially consistent variables, so either
 * the poller sees the arm and does not block, or the arm sees {@code SLEEPING} and wakes it.
 * Hence: at most one {@code Selector.wakeup()} per blocking selection, none while the poller is
 * busy (it drains before it blocks), and no wake-up left over to cut short a later wait.
 */
public final class SelectorPollSet implements PollSet {

    /**
     * Most arms applied by one drain: it stays bounded even if other threads re-arm as fast
     * as it runs. What is left over makes that poll select without waiting, and the next drains it.
     */
    static final int MAX_DRAIN = 1 << 16;

    private static final int AWAKE = 0;
    private static final int SLEEPING = 1;
    private static final int WOKEN = 2;

    private final Selector selector;
    // Atomic (field-updater) variant: the Unsafe-based queues make JDK 24 and later print a
    // deprecation warning on first use, which a drop-in server must not do.
    private final MpscUnboundedAtomicArrayQueue<SelectorRegistration> armed = new MpscUnboundedAtomicArrayQueue<>(1024);
    /** AWAKE, SLEEPING or WOKEN: see the class comment. */
    private final AtomicInteger state = new AtomicInteger(AWAKE);
    /** Set by {@link #wakeup()} and taken by the poll it makes return. */
    private final AtomicBoolean wakeupRequested = new AtomicBoolean();
    private final AtomicLong wakeups = new AtomicLong();
    private final AtomicBoolean polling = new AtomicBoolean();
    // Created once, so that a selection allocates no lambda.
    private final Consumer<SelectionKey> collector = this::collect;

    // Poller-only: keys selected by the current poll, each once, reported after selecting.
    private SelectorRegistration[] ready = new SelectorRegistration[64];
    private int readyCount;

    /**
     * Wraps a selector that nothing else uses.
     *
     * @param selector a new selector, owned from now on by this poll set
     */
    public SelectorPollSet(Selector selector) {
        this.selector = Objects.requireNonNull(selector, "selector");
    }

    /**
     * Registers the handle's channel with interest 0: nothing is reported until it is armed.
     * Does not wait for a selection in progress (the JDK lets {@code register} run concurrently
     * with {@code select} since JDK 11). The same handle can be registered again once a poll has
     * run after {@link Registration#cancel()}.
     *
     * @throws IllegalArgumentException if the handle is not one of this backend's
     * @throws IllegalStateException    if the handle is registered here already, or was
     *                                  cancelled here and no poll has dropped that yet
     * @throws IOException              if the channel or this poll set is closed
     */
    @Override
    public Registration register(Handle handle, Object attachment) throws IOException {
        Objects.requireNonNull(attachment, "attachment");
        if (!(handle instanceof ChannelHandle<?> h)) {
            throw new IllegalArgumentException("not a handle of the selector backend: "
                    + (handle == null ? "null" : handle.getClass().getName()));
        }
        SelectableChannel channel = h.channel;
        SelectionKey existing = channel.keyFor(selector);
        if (existing != null) {
            // The JDK would silently reuse (or, cancelled, reject) the key: say which mistake it is.
            throw new IllegalStateException(existing.isValid()
                    ? "already registered with this poll set"
                    : "cancelled in this poll set and not yet dropped: poll once before registering again");
        }
        SelectionKey key;
        try {
            key = channel.register(selector, 0);
        } catch (ClosedSelectorException e) {
            throw new IOException("poll set is closed", e);
        } catch (CancelledKeyException e) {
            throw new IllegalStateException("cancelled in this poll set and not yet dropped: poll once before registering again", e);
        }
        SelectorRegistration r = new SelectorRegistration(this, h, key, attachment);
        // The key has interest 0 until r arms it, and r is published to the poller by the arm
        // queue, so no selection can see the key before this attachment.
        key.attach(r);
        h.registered(r);
        return r;
    }

    /**
     * Applies the arms queued since the last poll, selects, then reports each ready, still valid
     * registration once with {@link io.loomux.spi.Events#READABLE} and/or
     * {@link io.loomux.spi.Events#WRITABLE}, after removing that interest from its key.
     *
     * <p>The sink is called after the selection has returned, not inside it, so it may arm,
     * register or cancel freely. If it throws, the exception leaves this method; the keys not
     * yet reported keep their interest and are reported by the next poll.
     *
     * <p>It may, rarely, return before the timeout with nothing to report: when a wake-up
     * meant for an earlier selection lands late, or when the polling thread is interrupted (the
     * selection then returns at once, as {@link Selector#select()} does, and the interrupt
     * status stays set). Callers poll in a loop, so this costs one more turn of it.
     *
     * @throws IllegalStateException if another thread is polling this poll set
     * @throws IOException           if the selector fails or is closed
     */
    @Override
    public int poll(long timeoutMillis, EventSink sink) throws IOException {
        Objects.requireNonNull(sink, "sink");
        if (!polling.compareAndSet(false, true)) {
            throw new IllegalStateException("poll set is being polled by another thread");
        }
        try {
            // Taken first, so that a wake-up requested before a poll(0) is not left for a later,
            // blocking poll to trip over.
            boolean wokenBefore = takeWakeupRequest();
            boolean leftOver = drainArmed();
            try {
                if (wokenBefore || leftOver || timeoutMillis == 0) {
                    selector.selectNow(collector);
                } else {
                    state.set(SLEEPING);
                    if (!armed.isEmpty() || takeWakeupRequest()) {
                        // Arrived between the drain and SLEEPING: handle it without blocking.
                        // If one of them already moved the state to WOKEN, its Selector.wakeup()
                        // is consumed by this selectNow, or, if it lands later, ends the next
                        // selection early: a spurious return, never a lost one.
                        state.set(AWAKE);
                        drainArmed();
                        selector.selectNow(collector);
                    } else {
                        // Selector's own convention: 0 waits for ever.
                        selector.select(collector, timeoutMillis < 0 ? 0 : timeoutMillis);
                    }
                }
            } catch (ClosedSelectorException e) {
                throw new IOException("poll set is closed", e);
            } finally {
                state.set(AWAKE);
            }
            return report(sink);
        } finally {
            polling.set(false);
        }
    }

    /**
     * Makes the current poll return soon, or, if none is blocked, the next one return without
     * blocking. Coalesced: however many arms and wake-ups arrive during one blocking selection,
     * it costs one {@link Selector#wakeup()}.
     */
    @Override
    public void wakeup() {
        wakeupRequested.set(true);
        wakeSleepingPoller();
    }

    /** Closes the selector: every registration is dropped; the channels stay open. */
    @Override
    public void close() throws IOException {
        selector.close();
    }

    /**
     * Counts real wake-ups, the cost that coalescing saves.
     *
     * @return how many times this poll set has called {@link Selector#wakeup()}, for tests and
     *     counters: arms that arrive while the poller is not blocked, or after it has been
     *     woken, cost nothing
     */
    public long wakeupCount() {
        return wakeups.get();
    }

    void enqueue(SelectorRegistration r) {
        armed.offer(r);
        wakeSleepingPoller();
    }

    void wakeSleepingPoller() {
        // Reading before the CAS keeps a burst of arms from all writing the same cache line.
        if (state.get() == SLEEPING && state.compareAndSet(SLEEPING, WOKEN)) {
            wakeups.incrementAndGet();
            // After close the JDK ignores wake-ups, so an arm that races with close is harmless.
            selector.wakeup();
        }
    }

    private boolean takeWakeupRequest() {
        return wakeupRequested.get() && wakeupRequested.getAndSet(false);
    }

    /** @return true if the queue still holds arms after {@link #MAX_DRAIN} */
    private boolean drainArmed() {
        for (int i = 0; i < MAX_DRAIN; i++) {
            // poll(), not relaxedPoll(): an arm whose producer has claimed a slot but not yet
            // filled it is waited for rather than missed, since that producer may have seen
            // the poller AWAKE and skipped the wake-up.
            SelectorRegistration r = armed.poll();
            if (r == null) {
                return false;
            }
            r.applyPending();
        }
        return !armed.isEmpty();
    }

    /** Inside the selection: note the key, report nothing yet. */
    private void collect(SelectionKey key) {
        // Another thread may cancel the key (a connection closing) while the selection runs;
        // readyOps() on it throws CancelledKeyException. A cancelled key has nothing to report,
        // and letting the exception out would end the poller and strand every socket on it.
        int readyOps;
        try {
            readyOps = key.readyOps();
        } catch (java.nio.channels.CancelledKeyException e) {
            return;
        }
        if (key.attachment() instanceof SelectorRegistration r && r.collect(readyOps)) {
            if (readyCount == ready.length) {
                ready = Arrays.copyOf(ready, readyCount * 2);
            }
            ready[readyCount++] = r;
        }
    }

    private int report(EventSink sink) {
        int n = readyCount;
        int reported = 0;
        int i = 0;
        try {
            for (; i < n; i++) {
                SelectorRegistration r = ready[i];
                ready[i] = null;
                int events = r.readyEvents;
                r.readyEvents = 0;
                if (r.disarm(events)) {
                    reported++;
                    sink.event(r.attachment(), events);
                }
            }
        } finally {
            // Normally a no-op; after a sink threw, the rest are forgotten but still armed, so
            // the level-triggered selector reports them again.
            for (i++; i < n; i++) {
                ready[i].readyEvents = 0;
                ready[i] = null;
            }
            readyCount = 0;
        }
        return reported;
    }

    /** @return the selector and the state of the wake-up flag, for logs */
    @Override
    public String toString() {
        return "SelectorPollSet[" + selector + ", wakeups=" + wakeups.get() + ", state=" + state.get() + "]";
    }
}
