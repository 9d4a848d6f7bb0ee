package com.example.loomux.counting;

import java.util.concurrent.atomic.LongAdder;

/**
 * What passed through every {@code "counting"} backend in this JVM. Thread-safe; read with
 * {@link #snapshot()}.
 */
public final class Counts {

    static final LongAdder POLLS = new LongAdder();
    static final LongAdder EVENTS = new LongAdder();
    static final LongAdder WAKEUPS = new LongAdder();
    static final LongAdder ARMS = new LongAdder();
    static final LongAdder READS = new LongAdder();
    static final LongAdder WRITES = new LongAdder();
    static final LongAdder WOULD_BLOCK = new LongAdder();
    static final LongAdder ACCEPTS = new LongAdder();

    private Counts() {
    }

    /**
     * The counters at one moment.
     *
     * @param polls      calls to {@code PollSet.poll}
     * @param events     events reported to the sink
     * @param wakeups    calls to {@code PollSet.wakeup}
     * @param arms       calls to {@code Registration.arm}
     * @param reads      calls to {@code SocketHandle.read}
     * @param writes     calls to {@code SocketHandle.write} (plain and gathering)
     * @param wouldBlock reads and writes that returned 0 ("would block")
     * @param accepts    connections accepted
     */
    public record Snapshot(long polls, long events, long wakeups, long arms, long reads, long writes,
                           long wouldBlock, long accepts) {
    }

    /** @return the counters now */
    public static Snapshot snapshot() {
        return new Snapshot(POLLS.sum(), EVENTS.sum(), WAKEUPS.sum(), ARMS.sum(), READS.sum(), WRITES.sum(),
                WOULD_BLOCK.sum(), ACCEPTS.sum());
    }
}
