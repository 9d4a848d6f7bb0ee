package io.loomux.server;

import io.loomux.internal.serve.IdleReaper;

import java.time.Duration;

/**
 * What the server's {@link IdleReaper} does each tick: closes the connections that moved no
 * byte for the idle timeout, whether a handler thread serves them or they wait between turns.
 *
 * <p>Invariants: a connection already closed is passed over, neither counted nor closed again.
 * Closing goes through the server's own connection, so its place under the limit comes back and
 * a handler parked on it wakes with an exception.
 */
final class IdleSweep implements IdleReaper.Sweep {

    private final Sessions sessions;
    private final Duration idleTimeout;
    private final ServerCounters counters;

    /**
     * @param sessions    whose connections to sweep
     * @param idleTimeout the idle limit; positive
     * @param counters    where closes for idleness are counted
     */
    IdleSweep(Sessions sessions, Duration idleTimeout, ServerCounters counters) {
        this.sessions = sessions;
        this.idleTimeout = idleTimeout;
        this.counters = counters;
    }

    /** Each tick of the reaper; what a sweep throws, the reaper logs. */
    @Override
    public void closeIdle(long now) {
        long limit = idleTimeout.toNanos();
        sweep(sessions.served(), now, limit);
        sweep(sessions.waiting(), now, limit);
    }

    private void sweep(Iterable<ServerConnection> connections, long now, long limit) {
        for (ServerConnection c : connections) {
            if (!c.isClosed() && c.idleNanos(now) >= limit) {
                counters.countIdleClose();
                TcpServer.LOG.log(System.Logger.Level.DEBUG, () -> "closing " + c + ": idle for " + idleTimeout);
                c.closeQuietly();
            }
        }
    }
}
