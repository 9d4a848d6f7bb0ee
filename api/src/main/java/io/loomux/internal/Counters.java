package io.loomux.internal;

import io.loomux.RuntimeStats;

import java.util.concurrent.atomic.LongAdder;

/**
 * The counters of one runtime. LongAdder: many virtual threads on different carriers bump them
 * at once, and a contended AtomicLong would serialise their hot paths.
 */
final class Counters {
    private final LongAdder polls = new LongAdder();
    private final LongAdder events = new LongAdder();
    private final LongAdder parks = new LongAdder();
    private final LongAdder timeouts = new LongAdder();
    private final LongAdder bytesRead = new LongAdder();
    private final LongAdder bytesWritten = new LongAdder();

    /** One poll returned with {@code n} events. */
    void polled(int n) {
        polls.increment();
        if (n > 0) {
            events.add(n);
        }
    }

    /** A thread parked waiting for readiness. */
    void park() {
        parks.increment();
    }

    /** An operation gave up at its deadline. */
    void timeout() {
        timeouts.increment();
    }

    void read(long n) {
        bytesRead.add(n);
    }

    void written(long n) {
        bytesWritten.add(n);
    }

    /** @return a snapshot; each counter is read on its own, so the set is not atomic */
    RuntimeStats snapshot() {
        return new RuntimeStats(polls.sum(), events.sum(), parks.sum(), timeouts.sum(), bytesRead.sum(),
                bytesWritten.sum());
    }
}
