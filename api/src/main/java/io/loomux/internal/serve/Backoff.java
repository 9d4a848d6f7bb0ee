package io.loomux.internal.serve;

import java.util.concurrent.TimeUnit;

/**
 * The pause after each failure of a run: 10 ms, doubling up to 1 s, back to 10 ms after a
 * success. Short enough that a server out of descriptors accepts again soon after some free up,
 * long enough that a listener failing at once on every call costs a few calls a second, not a
 * core.
 *
 * <p>Used by one thread only.
 */
final class Backoff {

    static final long MIN_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    static final long MAX_NANOS = TimeUnit.SECONDS.toNanos(1);

    private long last;

    /** @return the pause before the next try, after one more failure */
    long next() {
        last = last == 0 ? MIN_NANOS : Math.min(MAX_NANOS, last * 2);
        return last;
    }

    /** A success ends the run: the next failure pauses the least again. */
    void reset() {
        last = 0;
    }
}
