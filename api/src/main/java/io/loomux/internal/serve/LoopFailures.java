package io.loomux.internal.serve;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * How a server's background loop (accepting, reaping idle connections) lives with failures:
 * which end it, and how they are logged.
 *
 * <p>The loop survives every throwable except a {@link VirtualMachineError} that says the JVM
 * itself is broken ({@link InternalError}, {@link UnknownError}): a loop that ends leaves the
 * server up but deaf, worse than dying, so it ends only when nothing can go on anyway.
 * {@link OutOfMemoryError} and {@link StackOverflowError} are survived: both are over once the
 * failed call has unwound, memory comes back as connections close, and whether an
 * OutOfMemoryError ends the process is the JVM's own setting ({@code -XX:+ExitOnOutOfMemoryError}).
 *
 * <p>Logging must not fail the loop, nor flood: the failures that make a loop fail again and
 * again (out of descriptors, out of memory) are exactly the ones under which logging may fail
 * itself (the JDK's log formatter loads the time-zone data on first use, which takes a
 * descriptor, and throws an {@link Error} when there is none). So the first failure of a run is
 * logged, then at most one line per {@link #INTERVAL_NANOS} while the run lasts, and one when it
 * ends; whatever a log call throws is swallowed, fatal errors aside. {@link ErrorPathWarmup} has
 * made the formatter's lazy loading happen before, while descriptors were there.
 *
 * <p>Used by the loop's thread only.
 */
final class LoopFailures {

    /** The least time between two log lines of one run of failures. */
    static final long INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final System.Logger log;
    private final String what;
    private final LongSupplier clock;
    /** Failures in the current run; 0 when the last try succeeded. */
    private long run;
    /** Failures in the run not yet reported. */
    private long unreported;
    private long lastLogged;

    /**
     * @param log   where to log
     * @param what  what is tried, as the subject of "... failed", e.g. "accept on /127.0.0.1:80"
     * @param clock {@link System#nanoTime()}, or a test's
     */
    LoopFailures(System.Logger log, String what, LongSupplier clock) {
        this.log = log;
        this.what = what;
        this.clock = clock;
    }

    /**
     * @param t a throwable a loop caught
     * @return true if it means the JVM is broken, so that the loop should end by rethrowing it
     */
    static boolean fatal(Throwable t) {
        return t instanceof VirtualMachineError && !(t instanceof OutOfMemoryError) && !(t instanceof StackOverflowError);
    }

    /**
     * Records one failure the loop survives, and logs it if it is the first of its run or the
     * last line is old enough.
     *
     * @param t          what was thrown; not {@link #fatal}
     * @param pauseNanos how long the loop pauses before it tries again
     */
    void failed(Throwable t, long pauseNanos) {
        run++;
        unreported++;
        long now = clock.getAsLong();
        if (run == 1) {
            // An IOException says it all in its message; anything else is a bug somewhere, whose
            // stack trace is worth the lines, once per run.
            emit(System.Logger.Level.WARNING, what + " failed (" + t + "); retrying in "
                    + TimeUnit.NANOSECONDS.toMillis(pauseNanos) + " ms, and logging this at most every "
                    + TimeUnit.NANOSECONDS.toSeconds(INTERVAL_NANOS) + " s until it succeeds",
                    t instanceof IOException ? null : t);
        } else if (now - lastLogged >= INTERVAL_NANOS) {
            emit(System.Logger.Level.WARNING, what + " still failing: " + unreported + " more failures, the latest "
                    + t + "; retrying in " + TimeUnit.NANOSECONDS.toMillis(pauseNanos) + " ms", null);
        } else {
            return;
        }
        unreported = 0;
        lastLogged = now;
    }

    /** A try succeeded: ends the run, saying how long it was if it was logged. */
    void succeeded() {
        if (run == 0) {
            return;
        }
        long n = run;
        run = 0;
        unreported = 0;
        emit(System.Logger.Level.INFO, what + " succeeded again after " + n + (n == 1 ? " failure" : " failures"), null);
    }

    /** @return failures in the current run */
    long run() {
        return run;
    }

    /**
     * Logs what ends the loop.
     *
     * @param message what ends
     * @param t       why, or null
     */
    void ending(String message, Throwable t) {
        emit(t == null ? System.Logger.Level.WARNING : System.Logger.Level.ERROR, message, t);
    }

    private void emit(System.Logger.Level level, String message, Throwable t) {
        try {
            if (t == null) {
                log.log(level, message);
            } else {
                log.log(level, message, t);
            }
        } catch (Throwable e) {
            if (fatal(e)) {
                throw e;
            }
            // Logging failed (out of descriptors, most likely): there is nowhere left to say so.
        }
    }
}
