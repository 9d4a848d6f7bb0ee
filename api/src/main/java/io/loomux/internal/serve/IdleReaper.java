package io.loomux.internal.serve;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * A server's idle reaper: a thread that, every {@link #tick()}, asks the server to close the
 * connections idle past its timeout. The tick is a tenth of the timeout, between 10 ms and 1 s,
 * so a connection is closed between the timeout and the timeout plus a tick after it went idle;
 * one sweep reads a timestamp per connection, nothing even at 100,000 connections once a
 * second.
 *
 * <p>A sweep that throws is logged (as {@link LoopFailures} does) and the next tick sweeps
 * again: a reaper that ended would leave idle connections open for good.
 */
public final class IdleReaper {

    static final long MIN_TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    static final long MAX_TICK_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** The server's side: closing what is idle. */
    @FunctionalInterface
    public interface Sweep {
        /**
         * Closes the connections idle for longer than the timeout.
         *
         * @param nowNanos {@link System#nanoTime()} at this tick
         */
        void closeIdle(long nowNanos);
    }

    private final long tickNanos;
    private final Sweep sweep;
    private final LoopFailures failures;
    private final LoopThread thread = new LoopThread("idle reaper");

    /**
     * @param timeout the idle timeout; positive
     * @param sweep   closes idle connections
     * @param log     where failed sweeps are logged
     * @param name    names the server in log lines
     */
    public IdleReaper(Duration timeout, Sweep sweep, System.Logger log, String name) {
        this.tickNanos = tickNanos(timeout);
        this.sweep = Objects.requireNonNull(sweep, "sweep");
        this.failures = new LoopFailures(log, "loomux idle sweep of " + name, System::nanoTime);
        ErrorPathWarmup.ensure(log);
    }

    /**
     * @param timeout the idle timeout
     * @return the time between sweeps for it, in nanoseconds
     * @throws IllegalArgumentException if the timeout is not positive
     */
    static long tickNanos(Duration timeout) {
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("an idle timeout must be positive, not " + timeout);
        }
        long nanos;
        try {
            nanos = timeout.toNanos();
        } catch (ArithmeticException e) {
            nanos = Long.MAX_VALUE;
        }
        return Math.clamp(nanos / 10, MIN_TICK_NANOS, MAX_TICK_NANOS);
    }

    /** @return the time between sweeps */
    public Duration tick() {
        return Duration.ofNanos(tickNanos);
    }

    /**
     * Starts sweeping on a thread of {@code threads}; once.
     *
     * @param threads makes the reaper's thread
     * @return the thread, started
     * @throws IllegalStateException if already started
     */
    public Thread start(Thread.Builder threads) {
        return thread.start(threads, this::run);
    }

    /** Stops sweeping and wakes the thread; idempotent, and does not wait for it to end. */
    public void stop() {
        thread.stop();
    }

    private void run() {
        // One sweep per tick until stopped.
        while (!thread.stopped()) {
            try {
                TimeUnit.NANOSECONDS.sleep(tickNanos);
            } catch (InterruptedException e) {
                continue; // stop() wakes it; the loop's condition says whether to end
            }
            if (thread.stopped()) {
                return;
            }
            try {
                sweep.closeIdle(System.nanoTime());
                failures.succeeded();
            } catch (Throwable t) {
                if (LoopFailures.fatal(t)) {
                    failures.ending("loomux idle reaper ends", t);
                    throw t;
                }
                failures.failed(t, tickNanos);
            }
        }
    }
}
