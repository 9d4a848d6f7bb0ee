package io.loomux.server;

import io.loomux.Loomux;
import io.loomux.RuntimeStats;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A server's counters: its own (accepted, active, closed for idleness, accept errors) and its
 * runtime's, which {@link TcpServer#stats()} and the MXBean read.
 *
 * <p>Invariants: {@code active} goes up once per accepted connection, before its handler can
 * close it, and down once, at its first close, so it never goes below zero. Once the runtime's
 * counters are frozen (at shutdown, before a runtime of the server's own closes) they are read
 * from the frozen copy, so stats work after the runtime has closed.
 */
final class ServerCounters {

    private final Loomux runtime;
    private final LongSupplier acceptErrors;
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong active = new AtomicLong();
    private final AtomicLong idleClosed = new AtomicLong();
    /** The runtime's counters as shutdown left them, so stats() works after the runtime closed. */
    private volatile RuntimeStats finalRuntimeStats;

    /**
     * @param runtime      the runtime whose counters are reported with the server's
     * @param acceptErrors reads the accept loop's failed accepts
     */
    ServerCounters(Loomux runtime, LongSupplier acceptErrors) {
        this.runtime = runtime;
        this.acceptErrors = acceptErrors;
    }

    /**
     * Counts a connection accepted and open.
     *
     * @return its number: 1 for the server's first
     */
    long connectionAccepted() {
        active.incrementAndGet();
        return accepted.incrementAndGet();
    }

    /** Counts a connection's first close. */
    void connectionClosed() {
        active.decrementAndGet();
    }

    /** Counts a connection the idle timeout closed. */
    void countIdleClose() {
        idleClosed.incrementAndGet();
    }

    long accepted() {
        return accepted.get();
    }

    long active() {
        return active.get();
    }

    long idleClosed() {
        return idleClosed.get();
    }

    long acceptErrors() {
        return acceptErrors.getAsLong();
    }

    /** @return a snapshot; the runtime's part from the frozen copy once there is one */
    ServerStats stats() {
        RuntimeStats r = finalRuntimeStats;
        if (r == null) {
            r = runtime.stats();
        }
        return new ServerStats(accepted.get(), active.get(), r.bytesRead(), r.bytesWritten(), r.parks(),
                r.polls(), r.events(), r.eventsPerPoll(), r.timeouts(), acceptErrors.getAsLong());
    }

    /** Keeps the runtime's counters as they are now, for stats() after the runtime closes. */
    void freezeRuntimeStats() {
        try {
            finalRuntimeStats = runtime.stats();
        } catch (RuntimeException e) {
            TcpServer.LOG.log(System.Logger.Level.DEBUG, () -> "reading runtime stats at shutdown: " + e);
        }
    }
}
