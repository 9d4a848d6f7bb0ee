package io.loomux.epoll;

import java.util.concurrent.atomic.LongAdder;

/**
 * The system-call counters behind {@link EpollStats}: process-wide, bumped next to each native
 * call. LongAdder because many carriers bump them at once and a shared AtomicLong would make
 * every read and write contend on one cache line.
 */
final class Counters {
    static final LongAdder EPOLL_CTL = new LongAdder();
    static final LongAdder EPOLL_WAIT = new LongAdder();
    static final LongAdder READ = new LongAdder();
    static final LongAdder READ_WOULD_BLOCK = new LongAdder();
    static final LongAdder WRITE = new LongAdder();
    static final LongAdder WRITE_WOULD_BLOCK = new LongAdder();
    static final LongAdder ACCEPT = new LongAdder();
    static final LongAdder ACCEPT_WOULD_BLOCK = new LongAdder();
    static final LongAdder WAKEUP_CALLS = new LongAdder();
    static final LongAdder EVENTFD_WRITE = new LongAdder();
    static final LongAdder EVENTFD_READ = new LongAdder();
    static final LongAdder STALE_EVENTS = new LongAdder();

    private Counters() {
    }
}
