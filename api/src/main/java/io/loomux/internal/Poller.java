package io.loomux.internal;

import io.loomux.spi.Handle;
import io.loomux.spi.PollSet;
import io.loomux.spi.Registration;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.concurrent.locks.LockSupport;

/**
 * One poller: polls one {@link PollSet} and turns each reported event into
 * {@link Readiness#signal()} calls. It never runs user code: an armed action ({@link Readiness#arm})
 * is the blocking layer's own, which starts a virtual thread and returns.
 *
 * <p>Two threads take turns at the poll set, never both at once ({@code owner} says whose turn
 * it is; only the owner polls, and it hands over only after its poll has returned):
 * <ul>
 *   <li>a <b>platform thread</b> makes the blocking polls, since a blocking {@code epoll_wait}
 *       or {@code select} on a virtual thread would pin its carrier;</li>
 *   <li>while events keep coming, a <b>virtual thread</b> on the handlers' own carriers polls
 *       without blocking ({@code poll(0)}) between the handlers it wakes, yielding after each
 *       poll. Under load this removes the hand-off that dominates the cost of a wake-up: the
 *       platform poller sleeping and waking, and the carrier sleeping and waking, a context
 *       switch pair per poll. When {@value #IDLE_POLLS} non-blocking polls in a row find
 *       nothing, the turn goes back to the platform thread. Every {@value #POLLS_PER_BREAK}
 *       polls, however busy, it steps aside once for the work submitted from outside.</li>
 * </ul>
 * The platform thread hands over only after a poll that found at least
 * {@value #BUSY_EVENTS} events: at low load (one connection) a hand-over would cost more than
 * it saves. It hands that poll's events over too ({@link EventBatch}): the threads they wake
 * then start on the carrier's own queue, not on the scheduler's queues for outside work, which a
 * busy carrier side passes over. {@code -Dloomux.carrierPolling=false} keeps every poll on the
 * platform thread.
 */
final class Poller {

    private static final System.Logger LOG = System.getLogger("io.loomux");
    private static final int MAX_FAILURES_IN_A_ROW = 100;
    /** Events in one blocking poll that make the platform thread hand the turn over. */
    private static final int BUSY_EVENTS = 2;
    /** Empty non-blocking polls in a row after which the carrier-side poller hands back. */
    private static final int IDLE_POLLS = 3;
    /**
     * Carrier-side polls after which the poller steps aside once, however busy. Its polls wake
     * handlers onto its own carrier's queue, and a carrier runs that queue dry before it takes
     * work submitted from outside: threads started by a platform thread (the HTTP server's
     * accept thread) or woken by one (the platform poller, timers). A poller whose every poll
     * finds events never lets the queue run dry, so on one carrier such threads waited for as
     * long as the load lasted. A timed park lets the queue run dry, and the poller comes back
     * through the scheduler's shared queue, behind what waited there. A yield does not: the
     * carrier takes the poller straight back.
     */
    private static final int POLLS_PER_BREAK = 64;
    private static final boolean CARRIER_POLLING =
            !"false".equalsIgnoreCase(System.getProperty("loomux.carrierPolling", "true"));

    private static final int PLATFORM = 0;
    private static final int CARRIER = 1;

    private final PollSet pollSet;
    private final Counters counters;
    private final Thread platform;
    private final Thread carrier;
    private final Runnable onFailure;
    /** Where each event goes in the end: its socket, or a test's record. */
    private final PollSet.EventSink delivery;
    /**
     * The platform thread's poll records here; its events are delivered by the platform thread
     * after a quiet poll, or by the carrier side, first thing in the turn it is handed, after a
     * busy one. Only the turn's owner touches it.
     */
    private final EventBatch platformBatch = new EventBatch();
    private volatile boolean running = true;
    /** Whose turn it is to poll: PLATFORM or CARRIER. Written only by the thread giving it up. */
    private volatile int owner = PLATFORM;

    /**
     * @param onFailure runs if polling must stop (the poll set broke): the sockets it served
     *                  would otherwise never wake, so the owner closes them
     */
    Poller(PollSet pollSet, Counters counters, String name, Runnable onFailure) {
        this(pollSet, counters, name, onFailure, SocketCore.EVENTS);
    }

    /** @param delivery takes each event, on the thread that delivers it */
    Poller(PollSet pollSet, Counters counters, String name, Runnable onFailure, PollSet.EventSink delivery) {
        this.delivery = delivery;
        this.pollSet = pollSet;
        this.counters = counters;
        this.onFailure = onFailure;
        this.platform = Thread.ofPlatform().name(name).daemon(true).unstarted(this::platformLoop);
        this.carrier = CARRIER_POLLING ? Thread.ofVirtual().name(name + "-carrier").unstarted(this::carrierLoop) : null;
    }

    void start() {
        platform.start();
        if (carrier != null) {
            carrier.start();
        }
    }

    Registration register(Handle handle, SocketCore attachment) throws IOException {
        return pollSet.register(handle, attachment);
    }

    private void platformLoop() {
        int failuresInARow = 0;
        // Ends when stop() clears running and wakes the poll or this thread; each pass blocks
        // in poll or in park. A backend's unchecked exception is survived (a bug in one report
        // must not strand every socket), but a poll set that keeps failing, or fails with an
        // IOException, is broken.
        while (running) {
            if (owner != PLATFORM) {
                LockSupport.park(this);
                continue;
            }
            int n;
            try {
                n = pollSet.poll(-1, platformBatch);
                failuresInARow = 0;
            } catch (RuntimeException e) {
                if (running && ++failuresInARow < MAX_FAILURES_IN_A_ROW) {
                    LOG.log(Level.WARNING, "loomux poller " + platform.getName() + ": poll failed, polling on", e);
                    continue;
                }
                fail(e);
                return;
            } catch (IOException e) {
                fail(e);
                return;
            }
            counters.polled(n);
            if (carrier != null && platformBatch.size() >= BUSY_EVENTS) {
                // The events go with the turn: the carrier side delivers them (see EventBatch).
                owner = CARRIER;
                LockSupport.unpark(carrier);
            } else {
                platformBatch.deliver(delivery);
            }
        }
    }

    private void carrierLoop() {
        int idle = 0;
        int polls = 0;
        // Ends when stop() clears running and unparks it; each pass polls without blocking and
        // yields, or parks while the platform thread has the turn.
        while (running) {
            if (owner != CARRIER) {
                LockSupport.park(this);
                continue;
            }
            // A busy platform poll's events, handed over with the turn: the first thing done.
            platformBatch.deliver(delivery);
            int n;
            try {
                n = pollSet.poll(0, delivery);
            } catch (IOException | RuntimeException e) {
                // Hand the turn back: the platform thread's next poll meets the same failure
                // and handles it as above, so there is one place that decides.
                LOG.log(Level.DEBUG, "loomux carrier-side poll failed; the platform poller takes over", e);
                n = 0;
                idle = IDLE_POLLS;
            }
            if (n > 0) {
                counters.polled(n);
                idle = 0;
            } else {
                idle++;
            }
            if (++polls >= POLLS_PER_BREAK) {
                polls = 0;
                // Woken by the scheduler's timer, from outside this carrier (see the constant).
                LockSupport.parkNanos(this, 1);
            }
            if (idle >= IDLE_POLLS) {
                idle = 0;
                owner = PLATFORM;
                LockSupport.unpark(platform);
                continue;
            }
            Thread.yield();
        }
    }

    private void fail(Exception e) {
        if (running) {
            LOG.log(Level.ERROR, "loomux poller " + platform.getName()
                    + " failed; closing the runtime so that no thread waits forever", e);
            onFailure.run();
        }
    }

    /**
     * Stops both threads and closes the poll set. Waits for them at most a few seconds; a poll
     * set whose thread is still inside poll is left open (and logged) rather than closed under
     * it, since its descriptors could be reused while the poll still uses them.
     */
    void stop() throws IOException {
        running = false;
        pollSet.wakeup();
        LockSupport.unpark(platform);
        if (carrier != null) {
            LockSupport.unpark(carrier);
        }
        Thread me = Thread.currentThread();
        for (Thread t : new Thread[]{platform, carrier}) {
            if (t == null || t == me) {
                continue;
            }
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (t.isAlive()) {
                LOG.log(Level.WARNING, "loomux poller " + t.getName() + " did not stop within 5 s; its poll set is left open");
                return;
            }
        }
        pollSet.close();
    }
}
