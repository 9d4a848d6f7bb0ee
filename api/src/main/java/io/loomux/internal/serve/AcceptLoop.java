package io.loomux.internal.serve;

import io.loomux.Connection;
import io.loomux.Listener;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A server's accept loop: takes a permit (one per open connection, so that at the connection
 * limit it stops accepting and clients wait in the listen backlog), accepts, and hands the
 * connection to its server, until {@link #stop()}.
 *
 * <p>It survives every failure but a broken JVM (see {@link LoopFailures}): a failed accept (out
 * of descriptors, most likely) is counted, logged at most every few seconds, and followed by a
 * pause that doubles from 10 ms to 1 s and starts again after a success ({@link Backoff}), so
 * that it never spins while the open connections go on being served, and accepts again once
 * some close. Nothing on that path needs a descriptor: logging's lazy loading has been done
 * when the loop was made ({@link ErrorPathWarmup}).
 *
 * <p>It ends when stopped, when its listener closes (a WARNING if not stopped), or by
 * rethrowing a fatal error.
 */
public final class AcceptLoop {

    /** The server's side: what to do with each accepted connection. */
    @FunctionalInterface
    public interface Handoff {
        /**
         * Takes over a new connection, on the loop's thread, so it should return soon (start a
         * thread, arm a callback). From this call on, also if it throws, the server owns the
         * connection and its permit: it calls {@link AcceptLoop#release()} once, when the
         * connection closes.
         *
         * @param c the accepted connection
         */
        void accepted(Connection c);
    }

    /** How the loop pauses after a failure; a test's records instead. */
    @FunctionalInterface
    interface Pause {
        void pause(long nanos) throws InterruptedException;
    }

    private final Listener listener;
    private final Semaphore permits;
    /**
     * Permits handed over with their connections and not yet released: a release beyond them
     * would raise the connection limit for good.
     */
    private final AtomicInteger held = new AtomicInteger();
    private final Handoff handoff;
    private final LoopFailures failures;
    private final Backoff backoff = new Backoff();
    private final Pause pause;
    private final AtomicLong errors = new AtomicLong();
    private final LoopThread thread = new LoopThread("accept loop");

    /**
     * @param listener       where to accept; {@link #stop()} closes it
     * @param maxConnections the most connections open at once
     * @param handoff        takes each accepted connection
     * @param log            where failures are logged
     */
    public AcceptLoop(Listener listener, int maxConnections, Handoff handoff, System.Logger log) {
        this(listener, maxConnections, handoff, log, TimeUnit.NANOSECONDS::sleep, System::nanoTime);
    }

    AcceptLoop(Listener listener, int maxConnections, Handoff handoff, System.Logger log, Pause pause,
               LongSupplier clock) {
        if (maxConnections < 1) {
            throw new IllegalArgumentException("maxConnections must be 1 or more, not " + maxConnections);
        }
        this.listener = Objects.requireNonNull(listener, "listener");
        this.permits = new Semaphore(maxConnections);
        this.handoff = Objects.requireNonNull(handoff, "handoff");
        this.pause = pause;
        this.failures = new LoopFailures(log, "loomux accept on " + listener.localAddress(), clock);
        ErrorPathWarmup.ensure(log);
    }

    /**
     * Starts the loop on a thread of {@code threads}; once.
     *
     * @param threads makes the loop's thread (virtual or platform, daemon or not: the server's
     *                choice)
     * @return the loop's thread, started
     * @throws IllegalStateException if already started
     */
    public Thread start(Thread.Builder threads) {
        return thread.start(threads, this::run);
    }

    /**
     * Gives back the permit of a connection that closed (or that the server refused), so that
     * the loop may accept one more.
     *
     * @throws IllegalStateException if more permits are released than were taken
     */
    public void release() {
        if (held.getAndUpdate(n -> n > 0 ? n - 1 : n) <= 0) {
            throw new IllegalStateException("a connection permit was released twice, or never taken");
        }
        permits.release();
    }

    /** @return failed accepts so far */
    public long errors() {
        return errors.get();
    }

    /**
     * Stops accepting: closes the listener and wakes the loop wherever it waits (for a permit,
     * in accept, in its pause). Idempotent; does not wait for the loop to end (see
     * {@link #join(Duration)}).
     */
    public void stop() {
        thread.stop(); // the flag first: the loop then reads the listener's close as the end
        try {
            listener.close();
        } catch (IOException | RuntimeException e) {
            failures.ending("loomux could not close the listener " + listener.localAddress() + ": " + e, null);
        }
    }

    /**
     * Waits for the loop's thread to end.
     *
     * @param timeout the longest to wait
     * @return true if it ended, or never started
     * @throws InterruptedException if interrupted while waiting
     */
    public boolean join(Duration timeout) throws InterruptedException {
        return thread.join(timeout);
    }

    private void run() {
        // Each pass accepts one connection, or fails and pauses: it never spins. Ends when
        // stopped, when the listener closes, or on a fatal error.
        while (!thread.stopped()) {
            try {
                permits.acquire();
            } catch (InterruptedException e) {
                continue; // stop() wakes it; the loop's condition says whether to end
            }
            Connection c;
            try {
                c = listener.accept();
            } catch (Throwable t) {
                permits.release();
                if (!survive(t)) {
                    return;
                }
                continue;
            }
            if (thread.stopped()) {
                closeQuietly(c);
                permits.release();
                return;
            }
            backoff.reset();
            failures.succeeded();
            held.incrementAndGet();
            try {
                handoff.accepted(c);
            } catch (Throwable t) {
                // The server owns the connection and its permit now; a server that fails to take
                // connections (no memory for a thread, say) is paused like a failed accept.
                if (LoopFailures.fatal(t)) {
                    failures.ending("loomux accept loop on " + listener.localAddress() + " ends", t);
                    throw t;
                }
                pauseAfter(t);
            }
        }
    }

    /** @return true if the loop goes on, after its pause */
    private boolean survive(Throwable t) {
        if (thread.stopped()) {
            return false;
        }
        if (t instanceof ClosedChannelException || !listener.isOpen()) {
            failures.ending("loomux listener " + listener.localAddress()
                    + " closed while the server runs; no longer accepting", null);
            return false;
        }
        if (LoopFailures.fatal(t)) {
            failures.ending("loomux accept loop on " + listener.localAddress() + " ends", t);
            throw (Error) t;
        }
        errors.incrementAndGet();
        pauseAfter(t);
        return true;
    }

    private void pauseAfter(Throwable t) {
        long p = backoff.next();
        failures.failed(t, p);
        try {
            pause.pause(p);
        } catch (InterruptedException e) {
            // stop() cut the pause short; the loop's condition says whether to end.
        }
    }

    private void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (IOException | RuntimeException e) {
            // Closed all the same: its descriptor is released whatever close reports.
        }
    }
}
