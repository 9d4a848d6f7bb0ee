package io.loomux.server;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.time.Duration;

/**
 * How the server serves an accepted connection: a thread for its whole life
 * ({@link ThreadPerConnection}, for a {@link ConnectionHandler}) or a thread per turn
 * ({@link Turns}, for a {@link ReadableHandler}). Holds what both share: the server's timeouts
 * and options, applied before a handler first sees the connection, and how a handler's end by
 * throwing is logged.
 *
 * <p>Invariants: {@link #start} runs on the acceptor and returns soon: it starts a thread or
 * arms the connection, and never runs the handler itself. From then on the connection is in
 * {@link Sessions} (served or waiting) until it closes, and every handler thread, however it
 * ends, reports its end through {@link GracefulShutdown#sessionEnded}, so shutdown never waits
 * for one that is gone.
 */
abstract sealed class ServeStrategy permits ThreadPerConnection, Turns {

    static final System.Logger LOG = TcpServer.LOG;

    final Sessions sessions;
    final GracefulShutdown shutdown;
    private final Duration readTimeout;
    private final Duration writeTimeout;
    private final boolean tcpNoDelay;
    private final String backendName;

    /**
     * @param sessions     where handler threads and waiting connections are recorded
     * @param shutdown     told when a handler thread ends; says whether shutdown has begun
     * @param readTimeout  set on every connection; null for none
     * @param writeTimeout set on every connection; null for none
     * @param tcpNoDelay   {@code TCP_NODELAY} on every connection
     * @param backendName  names the backend in log lines
     */
    ServeStrategy(Sessions sessions, GracefulShutdown shutdown, Duration readTimeout, Duration writeTimeout,
                  boolean tcpNoDelay, String backendName) {
        this.sessions = sessions;
        this.shutdown = shutdown;
        this.readTimeout = readTimeout;
        this.writeTimeout = writeTimeout;
        this.tcpNoDelay = tcpNoDelay;
        this.backendName = backendName;
    }

    /**
     * On the acceptor, holding the connection's permit, which its close gives back: starts
     * serving {@code c}, or closes it. Never throws.
     */
    abstract void start(ServerConnection c);

    /** Applies the server's timeouts and options to {@code c}. */
    final void configure(ServerConnection c) throws IOException {
        if (readTimeout != null) {
            c.setReadTimeout(readTimeout);
        }
        if (writeTimeout != null) {
            c.setWriteTimeout(writeTimeout);
        }
        try {
            c.setOption(StandardSocketOptions.TCP_NODELAY, tcpNoDelay);
        } catch (UnsupportedOperationException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> "backend " + backendName + " has no TCP_NODELAY: " + e);
        }
    }

    /** Logs how a handler ended by throwing: peers going away at DEBUG, anything else at WARNING. */
    static void handlerEnded(ServerConnection c, Throwable t) {
        if (t instanceof IOException) {
            LOG.log(System.Logger.Level.DEBUG, () -> c + " ended: " + t);
        } else if (t instanceof InterruptedException) {
            LOG.log(System.Logger.Level.DEBUG, () -> c + " interrupted");
        } else {
            LOG.log(System.Logger.Level.WARNING, "loomux handler of " + c + " threw", t);
        }
    }
}
