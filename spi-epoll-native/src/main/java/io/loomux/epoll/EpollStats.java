package io.loomux.epoll;

/**
 * A snapshot of the epoll backend's system-call counters, for tests and benchmarks that must
 * count system calls without strace (which slows the process so much that it changes what it
 * measures). The counters are process-wide and only grow: take a snapshot before and after, and
 * {@link #minus} them. Each counter is read on its own, so a snapshot taken while traffic flows
 * is not atomic as a whole.
 *
 * @param epollCtl         {@code epoll_ctl} calls: one per registered socket, never per wait
 * @param epollWait        {@code epoll_wait} calls
 * @param reads            {@code read} calls on sockets (each chunk of a heap-buffer read counts)
 * @param readsWouldBlock  of those, the ones that returned EAGAIN
 * @param writes           {@code send}/{@code sendmsg} calls on sockets (write and gathering write)
 * @param writesWouldBlock of those, the ones that returned EAGAIN
 * @param accepts          {@code accept4} calls
 * @param acceptsWouldBlock of those, the ones that returned EAGAIN
 * @param wakeups          {@code PollSet.wakeup()} calls
 * @param eventfdWrites    eventfd writes those wake-ups cost after coalescing
 * @param eventfdReads     eventfd drains by pollers
 * @param staleEvents      events dropped because their registration was cancelled (or its slot
 *                         reused) after the kernel reported them
 */
public record EpollStats(long epollCtl, long epollWait, long reads, long readsWouldBlock, long writes,
                         long writesWouldBlock, long accepts, long acceptsWouldBlock, long wakeups,
                         long eventfdWrites, long eventfdReads, long staleEvents) {

    /** @return the counters now */
    public static EpollStats now() {
        return new EpollStats(Counters.EPOLL_CTL.sum(), Counters.EPOLL_WAIT.sum(), Counters.READ.sum(),
                Counters.READ_WOULD_BLOCK.sum(), Counters.WRITE.sum(), Counters.WRITE_WOULD_BLOCK.sum(),
                Counters.ACCEPT.sum(), Counters.ACCEPT_WOULD_BLOCK.sum(), Counters.WAKEUP_CALLS.sum(),
                Counters.EVENTFD_WRITE.sum(), Counters.EVENTFD_READ.sum(), Counters.STALE_EVENTS.sum());
    }

    /**
     * @param earlier a snapshot taken before this one
     * @return the counts between the two
     */
    public EpollStats minus(EpollStats earlier) {
        return new EpollStats(epollCtl - earlier.epollCtl, epollWait - earlier.epollWait,
                reads - earlier.reads, readsWouldBlock - earlier.readsWouldBlock, writes - earlier.writes,
                writesWouldBlock - earlier.writesWouldBlock, accepts - earlier.accepts,
                acceptsWouldBlock - earlier.acceptsWouldBlock, wakeups - earlier.wakeups,
                eventfdWrites - earlier.eventfdWrites, eventfdReads - earlier.eventfdReads,
                staleEvents - earlier.staleEvents);
    }
}
