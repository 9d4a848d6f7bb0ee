package io.loomux.server;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;

/**
 * Serving with a {@link ReadableHandler}: a connection waits in the poller with no thread
 * (armed with {@link io.loomux.Connection#onReadable}), and each time bytes arrive a new thread
 * runs turns until the bytes are consumed, then arms it again. Shutdown closes the waiting
 * connections at once (closing one runs its turn, which sees the close and ends) and gives
 * running turns the grace period.
 *
 * <p>Invariants: once {@link #start} has returned, a connection is in {@link Sessions} until it
 * closes, waiting or served by its turn's thread: it joins waiting before it is armed, and its
 * turn's thread joins before it leaves waiting. The shutdown flag is read after joining waiting
 * and before arming, so a shutdown either is seen here or finds the connection in waiting. When
 * a turn's thread cannot start, the connection closes through the server's own wrapper, which
 * gives its place back; it never stays in waiting.
 */
final class Turns extends ServeStrategy {

    private final ReadableHandler readable;
    private final ThreadFactory turnThreads;

    Turns(ReadableHandler readable, ThreadFactory turnThreads, Sessions sessions, GracefulShutdown shutdown,
          Duration readTimeout, Duration writeTimeout, boolean tcpNoDelay, String backendName) {
        super(sessions, shutdown, readTimeout, writeTimeout, tcpNoDelay, backendName);
        this.readable = readable;
        this.turnThreads = turnThreads;
    }

    /** On the acceptor: a connection starts out waiting; its first turn runs when bytes arrive. */
    @Override
    void start(ServerConnection c) {
        try {
            configure(c);
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> c + " could not be configured: " + e);
            c.closeQuietly();
            return;
        }
        c.turn = () -> runTurns(c);
        c.turnStarter = task -> startTurn(c, task);
        waitOrRun(c);
    }

    /**
     * Starts the connection's first turn: armed, or, when bytes may already be there, on a new
     * thread now.
     */
    private void waitOrRun(ServerConnection c) {
        try {
            if (armNextTurn(c)) {
                return;
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "loomux could not arm " + c, e);
            c.closeQuietly();
            return;
        }
        if (shutdown.isStopping()) {
            c.closeQuietly();
            return;
        }
        startTurn(c, c.turn);
    }

    /**
     * Starts a thread for a turn of {@code c}: on the acceptor, on a poller (bytes arrived), or
     * on whichever thread closed the connection. The thread joins {@link Sessions} before
     * {@code c} leaves waiting, so shutdown never misses it. When no thread starts, the
     * connection closes here, through the server's own wrapper: it leaves waiting, its permit
     * comes back, and a shutdown waiting for it is told. Quick and non-blocking, as a poller
     * needs; never throws.
     */
    private void startTurn(ServerConnection c, Runnable turn) {
        Thread t = null;
        try {
            t = turnThreads.newThread(turn);
            if (t == null) {
                throw new RejectedExecutionException("the thread factory made no thread");
            }
            sessions.turnStarts(t, c);
            t.start();
        } catch (RuntimeException | OutOfMemoryError e) {
            LOG.log(System.Logger.Level.WARNING, "loomux could not start a thread for " + c + ": " + e);
            sessions.stopWaiting(c);
            c.closeQuietly();
            shutdown.sessionEnded(t);
        }
    }

    /**
     * Leaves the connection waiting for its next turn without a thread. It joins waiting
     * before it is armed, and the shutdown flag is read after the join: a shutdown that began
     * earlier is seen here, one that begins later finds the connection in waiting and closes
     * it, which runs the turn.
     *
     * @return true if armed; false if shutdown has begun or bytes may be there already (the
     *     caller closes or serves now); {@code c} is then not in waiting
     */
    private boolean armNextTurn(ServerConnection c) {
        sessions.startWaiting(c);
        try {
            if (!shutdown.isStopping() && c.onReadable(c.turn, c.turnStarter)) {
                return true;
            }
        } catch (RuntimeException e) {
            sessions.stopWaiting(c);
            throw e;
        }
        sessions.stopWaiting(c);
        return false;
    }

    /**
     * One thread's run of turns: serves, and while bytes may be waiting serves again on this
     * thread; ends by arming the connection (no thread until the next bytes) or closing it.
     */
    private void runTurns(ServerConnection c) {
        Thread me = Thread.currentThread(); // in sessions already: startTurn put it there
        boolean armed = false;
        try {
            // Each pass is one turn; it ends when the handler declines, the connection closes,
            // shutdown begins, or the connection could be armed.
            while (!c.isClosed() && readable.serve(c) && !c.isClosed()) {
                if (armNextTurn(c)) {
                    armed = true;
                    break;
                }
                if (shutdown.isStopping()) {
                    break;
                }
            }
        } catch (Throwable t) {
            handlerEnded(c, t);
        } finally {
            if (!armed) {
                c.closeQuietly();
            }
            shutdown.sessionEnded(me);
        }
    }
}
